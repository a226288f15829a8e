"""The site builds offline from a snapshot (even an empty one) and the home
page works in a real headless Chromium."""

from __future__ import annotations

import subprocess

from conftest import ROOT, StaticServer, build_site

from devtools.synth import generate
from plugins.portal_site.urls import RESERVED


def _dataset_pages(out):
    """datos/<slug>/index.html, without the catalog's own folders (datos/tema/...)."""
    return [p for p in (out / "datos").glob("*/index.html")
            if p.parent.name not in RESERVED["datos"]]


def test_builds_from_an_empty_snapshot(tmp_path):
    data = tmp_path / "empty"
    data.mkdir()
    proc = build_site(data, tmp_path / "out")
    assert proc.returncode == 0, proc.stderr
    html = (tmp_path / "out" / "index.html").read_text()
    assert '<html lang="es">' in html and 'href="#contenido"' in html


def test_builds_one_page_per_dataset_from_another_snapshot(tmp_path):
    counts = generate(tmp_path / "synth", datasets=300, seed=7)
    proc = build_site(tmp_path / "synth", tmp_path / "out")
    assert proc.returncode == 0, proc.stderr
    pages = _dataset_pages(tmp_path / "out")
    assert len(pages) == counts["datasets"]
    page = (tmp_path / "out" / "datos" / "ds-0000042" / "index.html").read_text()
    assert page.count("<h1") == 1 and "Fuente:" in page


def test_make_install_is_idempotent():
    # The venv exists (make test made it): with an unchanged lock there is nothing to do.
    proc = subprocess.run(["make", "-q", "install"], cwd=ROOT, check=False)
    assert proc.returncode == 0


def test_make_html_accepts_data_and_outputdir(tmp_path):
    generate(tmp_path / "synth", datasets=20, seed=3)
    out = tmp_path / "made"
    proc = subprocess.run(["make", "html", f"DATA={tmp_path / 'synth'}", f"OUTPUTDIR={out}"],
                          cwd=ROOT, capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert len(_dataset_pages(out)) == 20


def test_home_in_headless_chromium(probe, site_url):
    response = probe.goto(site_url + "/")
    assert response.status == 200
    assert probe.page.locator("h1").count() == 1
    assert probe.page.locator("html").get_attribute("lang") == "es"
    assert probe.console_errors == []
    assert probe.offsite == []


def test_dataset_page_in_headless_chromium(probe, tmp_path):
    generate(tmp_path / "synth", datasets=5, seed=11)
    assert build_site(tmp_path / "synth", tmp_path / "out").returncode == 0
    server = StaticServer(tmp_path / "out")
    try:
        response = probe.goto(server.url + "/datos/ds-0000003/")
        assert response.status == 200
        assert probe.page.locator("h1").count() == 1
        assert probe.page.locator("main .resources li").count() >= 1
        assert probe.console_errors == [] and probe.offsite == []
    finally:
        server.close()
