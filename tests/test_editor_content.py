"""Editors' Markdown with YAML front matter (plugins/editor_content): the build
publishes good files and stops on bad ones with `file:line: message`, never a
traceback. Every test builds a temporary content folder with the real Pelican."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import ROOT, build_site

from devtools.synth import generate

PNG_1PX = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                        "1f15c4890000000d4944415478da63f8cfc0f01f0005000201a5f0a6c2"
                        "0000000049454e44ae426082")


def _content(tmp_path: Path, files: dict[str, str | bytes]) -> Path:
    root = tmp_path / "content"
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
    return root


def _build(tmp_path: Path, files: dict, data: Path | None = None):
    content = _content(tmp_path, files)
    if data is None:
        data = tmp_path / "data"
        data.mkdir(exist_ok=True)
    return content, build_site(data, tmp_path / "out", content=content)


def _fails_with(proc, *messages: str) -> str:
    assert proc.returncode != 0
    text = proc.stdout + proc.stderr
    assert "Traceback" not in text
    for message in messages:
        assert message in proc.stderr, proc.stderr
    return proc.stderr


NEWS = """---
title: Una noticia
date: {date}
summary: Un resumen con **énfasis**.
---
Cuerpo de la noticia.
"""


def test_bad_date_stops_the_build_naming_file_and_line(tmp_path):
    content, proc = _build(tmp_path, {"noticias/x.md": NEWS.format(date="31/02/2024")})
    _fails_with(proc, f"{content}/noticias/x.md:3: 'date' is not a date: \"31/02/2024\"")
    assert not (tmp_path / "out" / "noticias" / "x").exists()


def test_impossible_iso_date_is_caught_too(tmp_path):
    _content, proc = _build(tmp_path, {"noticias/x.md": NEWS.format(date="2024-02-30")})
    _fails_with(proc, "noticias/x.md:3: 'date' is not a date: \"2024-02-30\"")


def test_missing_required_fields(tmp_path):
    files = {"noticias/sin-fecha.md": "---\ntitle: Sin fecha\n---\nTexto\n",
             "eventos/sin-lugar.md": "---\ntitle: Taller\ndate: 2026-12-01\n---\n",
             "apps/sin-url.md": "---\ntitle: App\nsummary: Algo útil\n---\n"}
    _content, proc = _build(tmp_path, files)
    err = _fails_with(proc,
                      "noticias/sin-fecha.md:1: missing required field 'date' "
                      "(a news item needs: title, date)",
                      "eventos/sin-lugar.md:1: missing required field 'place'",
                      "apps/sin-url.md:1: missing required field 'url'")
    assert "3 problems in editors' content" in err


def test_every_problem_of_a_file_is_reported_with_its_line(tmp_path):
    text = ("---\ntitle: Evento\ndate: mañana\nplace: Santiago\nlugar: Valparaíso\n"
            "url: www.ejemplo.cl\n---\n")
    _, proc = _build(tmp_path, {"eventos/e.md": text})
    _fails_with(proc, "eventos/e.md:3: 'date' is not a date: \"mañana\"",
                "eventos/e.md:5: unknown field 'lugar'",
                "eventos/e.md:6: 'url' is not a web address: \"www.ejemplo.cl\"")


def test_front_matter_syntax_errors(tmp_path):
    files = {"paginas/sin-cierre.md": "---\ntitle: Página\n\nTexto sin cierre\n",
             "paginas/sin-front.md": "# Solo Markdown\n",
             "paginas/yaml-roto.md": "---\ntitle: Página\nsummary: [sin cerrar\n---\n",
             "paginas/repetido.md": "---\ntitle: A\ntitle: B\n---\n"}
    _, proc = _build(tmp_path, files)
    _fails_with(proc, "paginas/sin-cierre.md:1: front matter is not closed",
                "paginas/sin-front.md:1: the file must start with front matter",
                "paginas/yaml-roto.md:4: front matter is not valid YAML",
                "paginas/repetido.md:3: 'title' appears twice (first on line 2)")


def test_images_must_be_local_and_small(tmp_path):
    files = {
        "noticias/remota.md": NEWS.format(date="2026-01-01").replace(
            "summary:", "image: https://cdn.example/foto.jpg\nsummary:"),
        "noticias/falta.md": NEWS.format(date="2026-01-01").replace(
            "summary:", "image: images/no-existe.png\nsummary:"),
        "noticias/en-el-cuerpo.md": NEWS.format(date="2026-01-01")
        + "\nTexto.\n\n![Foto](https://cdn.example/otra.jpg)\n",
        "noticias/grande.md": NEWS.format(date="2026-01-01").replace(
            "summary:", "image: images/grande.png\nsummary:"),
        "images/grande.png": PNG_1PX + b"\0" * (50 * 1024),
    }
    _, proc = _build(tmp_path, files)
    _fails_with(proc, "noticias/remota.md:4: 'image' must be a file in content/images/",
                "noticias/falta.md:4: 'image' file not found: \"images/no-existe.png\"",
                "noticias/en-el-cuerpo.md:10: remote image \"https://cdn.example/otra.jpg\"",
                "noticias/grande.md:4: 'image' is 50 KB: keep images under 40 KB")


def test_good_content_is_published(tmp_path):
    data = tmp_path / "data"
    generate(data, 12, seed=2)
    files = {
        "noticias/2026-11-01-buena.md": NEWS.format(date="2026-11-01 09:30")
        + "\n# Un título de sección\n\n<script>alert(1)</script>\n\n[Acerca](../../acerca/)\n",
        "paginas/acerca.md": "---\ntitle: Acerca\norder: 1\n---\nSobre el portal.\n",
        "paginas/ayuda.md": "---\ntitle: Ayuda\nstatus: hidden\n---\nOculta del pie.\n",
        "eventos/2026-12-01-taller.md": "---\ntitle: Taller\ndate: 2026-12-01 10:00\n"
                                        "place: Santiago\nurl: https://ejemplo.cl/taller\n---\n",
        "eventos/2025-01-01-pasado.md": "---\ntitle: Pasado\ndate: 2025-01-01\nplace: Arica\n---\n",
        "eventos/2026-12-24-borrador.md": "---\ntitle: Borrador\ndate: 2026-12-24\n"
                                          "place: X\nstatus: draft\n---\n",
        "apps/visor.md": "---\ntitle: Visor\nurl: https://visor.example\nsummary: Mira datos.\n"
                         "image: images/visor.png\nfeatured: sí\ndatasets: [ds-0000003, "
                         "sintetico-datos-01:ds-0000004, ya-no-existe]\n---\nCómo se usa.\n",
        "images/visor.png": PNG_1PX,
    }
    _, proc = _build(tmp_path, files, data=data)
    assert proc.returncode == 0, proc.stderr
    out = tmp_path / "out"
    news = (out / "noticias" / "buena" / "index.html").read_text()
    assert news.count("<h1") == 1 and "<h2>Un título de sección</h2>" in news
    assert "<script>alert(1)</script>" not in news and "1 de noviembre de 2026" in news
    assert "Un resumen con" in (out / "noticias" / "index.html").read_text()
    home = (out / "index.html").read_text()
    assert 'href="./acerca/">Acerca</a>' in home and "Ayuda" not in home
    assert (out / "ayuda" / "index.html").exists()        # hidden: built, not listed
    events = (out / "eventos" / "index.html").read_text()
    assert events.index("Taller") < events.index("Pasado") and "Borrador" not in events
    app = (out / "apps" / "visor" / "index.html").read_text()
    assert 'href="../../datos/ds-0000003/"' in app and 'href="../../datos/ds-0000004/"' in app
    assert "ya-no-existe" in app and 'src="../../images/visor.png"' in app
    assert "Visor" in home                                # featured on the home page
    assert "ya-no-existe" in proc.stdout + proc.stderr    # warned, not fatal


def test_devserver_reports_problems_and_keeps_running(tmp_path):
    """`make devserver` runs `pelican -r`: a typo must not kill the live preview."""
    content = _content(tmp_path, {"noticias/x.md": NEWS.format(date="31/02/2024")})
    (tmp_path / "data").mkdir()
    env = {**os.environ, "PORTAL_DATA": str(tmp_path / "data"),
           "PORTAL_CACHE": str(tmp_path / "cache"), "PORTAL_TODAY": "2026-11-26"}
    proc = subprocess.Popen([sys.executable, "-m", "pelican", "-r", str(content), "-o",
                             str(tmp_path / "out"), "-s", str(ROOT / "pelicanconf.py")],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(proc.stdout), daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if "is not a date" in re.sub(r"\s+", " ", "".join(lines)):
                break
            assert proc.poll() is None, "".join(lines)
            time.sleep(0.2)
        flat = re.sub(r"\s+", " ", "".join(lines))
        assert "'date' is not a date" in flat and "x.md:3" in flat.replace(" ", "")
        time.sleep(1)
        assert proc.poll() is None          # still watching for the fix
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@pytest.mark.parametrize("text, message", [
    ("---\ntitle: P\norder: primero\n---\n", "'order' must be a whole number"),
    ("---\ntitle: P\nslug: Con Espacios\n---\n", "'slug' must be lowercase letters"),
    ("---\ntitle: P\nstatus: publicado\n---\n", "'status' must be one of draft, hidden"),
])
def test_field_checks(tmp_path, text, message):
    _, proc = _build(tmp_path, {"paginas/p.md": text})
    _fails_with(proc, f"paginas/p.md:3: {message}")


def test_docs_describe_every_field():
    """docs/editors.md names every field of every kind (a test that fails when
    the docs miss one, as Datasette does for its settings)."""
    from plugins.editor_content.schema import KINDS

    doc = (ROOT / "docs" / "editors.md").read_text()
    for folder, (_kind, _what, fields) in KINDS.items():
        assert f"content/{folder}/" in doc
        for name in fields:
            assert f"`{name}`" in doc, f"docs/editors.md does not describe '{name}'"
