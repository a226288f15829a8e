"""`make html`, then `make publish`, then `make publish` again: the operators'
nightly commands. The output folder is never emptied: the second publish
rewrites nothing, a changed record rewrites only the files that show it, and
files a build no longer makes (the preview's absent sitemap, a deleted page) go."""

from __future__ import annotations

import os
import subprocess

import site_snapshot
from conftest import BUILD_TODAY, ROOT

from aggregator.snapshot import read_source_file, write_source_file

SITEURL = "https://portal.example"


def _make(target: str, data, out, cache) -> None:
    env = {**os.environ, "PORTAL_CACHE": str(cache), "PORTAL_TODAY": BUILD_TODAY,
           "PORTAL_SITEURL": SITEURL}
    done = subprocess.run(["make", "--no-print-directory", target, f"DATA={data}",
                           f"OUTPUTDIR={out}"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def _stamps(out) -> dict[str, int]:
    return {p.relative_to(out).as_posix(): p.stat().st_mtime_ns
            for p in out.rglob("*") if p.is_file()}


def _written(before: dict, after: dict) -> set[str]:
    return {k for k, v in after.items() if before.get(k) != v}


def test_html_then_publish_then_publish_rewrites_only_what_changed(tmp_path):
    data = site_snapshot.write(tmp_path / "data")
    out, cache = tmp_path / "output", tmp_path / "cache"
    _make("html", data, out, cache)
    preview = _stamps(out)
    assert "sitemap.xml" not in preview
    assert 'href="../../theme/css/portal.css"' in (out / "datos" / "conjunto-1" /
                                                  "index.html").read_text()

    _make("publish", data, out, cache)
    published = _stamps(out)
    page = (out / "datos" / "conjunto-1" / "index.html").read_text()
    assert f'<link rel="canonical" href="{SITEURL}/datos/conjunto-1/">' in page
    # Every page of the preview was rewritten with absolute addresses.
    pages = {p for p in preview if p.endswith(".html")}
    assert pages <= _written(preview, published)
    assert f"<loc>{SITEURL}/datos/conjunto-1/</loc>" in (out / "sitemap.xml").read_text()

    _make("publish", data, out, cache)
    again = _stamps(out)
    assert again == published            # 0 files written: same files, same times

    # One dataset retitled upstream: its page, the listings and exports that show
    # it, and a few files of the search index (tests/test_search_index.py) are rewritten.
    sf = read_source_file(data / "sources" / "portal-datos.yaml", None)
    for rec in sf.records:
        if rec.remote_id == "conjunto-7":
            rec.title = "Atenciones de urgencia, corregido"
    write_source_file(data, "portal-datos", "ckan", "2026-11-26T06:00:00+00:00", sf.records,
                      cache_dir=False, name=sf.name, url=sf.url)
    _make("publish", data, out, cache)
    changed = _stamps(out)
    index = {p for p in _written(again, changed) if p.startswith("search/")}
    assert "search/index.json" in index
    written = _written(again, changed) - index
    assert "datos/conjunto-7/index.html" in written and "catalogo/datasets.csv" in written
    assert "datos/conjunto-8/index.html" not in written
    assert all("Atenciones de urgencia, corregido" in (out / p).read_text()
               for p in written if p.endswith(".html") and p != "estado/index.html")
    assert len(written) <= 0.1 * len(changed), sorted(written)

    # Back to a preview: relative addresses again, and the publish-only sitemap goes.
    _make("html", data, out, cache)
    assert not (out / "sitemap.xml").exists()
    assert 'href="../../theme/css/portal.css"' in (out / "datos" / "conjunto-1" /
                                                  "index.html").read_text()
