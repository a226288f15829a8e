"""Two things published at one address: a build error naming both files (or the
editor's file and the portal's page), never one silently replacing the other;
and `status: hidden` meaning the same for news, pages, apps and events."""

from __future__ import annotations

import pytest
from conftest import build_site

NEWS = "---\ntitle: {title}\ndate: 2026-11-20\n{extra}---\nTexto.\n"
PAGE = "---\ntitle: {title}\n{extra}---\nTexto.\n"
EVENT = "---\ntitle: {title}\ndate: 2026-12-03 10:00\nplace: Santiago\n{extra}---\nTexto.\n"
APP = "---\ntitle: {title}\nurl: https://app.example.cl/\nsummary: Una app.\n{extra}---\nTexto.\n"


def _file(template: str, title: str, extra: str = "") -> str:
    return template.format(title=title, extra=extra)


# case -> (files, the names the error must carry)
COLLISIONS = {
    "two news, one name": ({
        "noticias/2026-01-05-portal.md": _file(NEWS, "Primera"),
        "noticias/2026-02-07-portal.md": _file(NEWS, "Segunda")},
        ["2026-02-07-portal.md:1: slug 'portal' is already used by", "2026-01-05-portal.md"]),
    "news and a hidden news, one slug": ({
        "noticias/a.md": _file(NEWS, "A"),
        "noticias/b.md": _file(NEWS, "B", "slug: a\nstatus: hidden\n")},
        ["b.md:1: slug 'a' is already used by", "noticias/a.md"]),
    "news and a draft, one slug": ({
        "noticias/a.md": _file(NEWS, "A"),
        "noticias/b.md": _file(NEWS, "B", "slug: a\nstatus: draft\n")},
        ["b.md:1: slug 'a' is already used by", "noticias/a.md"]),
    "two pages, one slug": ({
        "paginas/acerca.md": _file(PAGE, "Acerca"),
        "paginas/otra.md": _file(PAGE, "Otra", "slug: acerca\n")},
        ["otra.md:1: slug 'acerca' is already used by", "paginas/acerca.md"]),
    "page named after the catalog": ({"paginas/datos.md": _file(PAGE, "Datos")},
                                     ["paginas/datos.md and the portal", "publish /datos/"]),
    "page named after the news": ({"paginas/noticias.md": _file(PAGE, "Noticias")},
                                  ["paginas/noticias.md and the portal", "publish /noticias/"]),
    "page named after search": ({"paginas/x.md": _file(PAGE, "Buscar", "slug: buscar\n")},
                                ["paginas/x.md and the portal", "publish /buscar/"]),
    "page named after the status page": ({"paginas/estado.md": _file(PAGE, "Estado")},
                                         ["paginas/estado.md and the portal", "/estado/"]),
    "two events, one name": ({
        "eventos/2026-12-03-taller.md": _file(EVENT, "Taller 1"),
        "eventos/2027-01-10-taller.md": _file(EVENT, "Taller 2")},
        ["2027-01-10-taller.md:1: slug 'taller' is already used by", "2026-12-03-taller.md"]),
    "event and a hidden event": ({
        "eventos/a.md": _file(EVENT, "A"),
        "eventos/b.md": _file(EVENT, "B", "slug: a\nstatus: hidden\n")},
        ["b.md:1: slug 'a' is already used by", "eventos/a.md"]),
    "two apps, one slug": ({
        "apps/mapa.md": _file(APP, "Mapa"),
        "apps/otro.md": _file(APP, "Otro", "slug: mapa\n")},
        ["otro.md:1: slug 'mapa' is already used by", "apps/mapa.md"]),
    "app and a draft app": ({
        "apps/mapa.md": _file(APP, "Mapa"),
        "apps/zeta.md": _file(APP, "Zeta", "slug: mapa\nstatus: draft\n")},
        ["zeta.md:1: slug 'mapa' is already used by", "apps/mapa.md"]),
}


def _build(tmp_path, files: dict):
    content = tmp_path / "content"
    for rel, text in files.items():
        (content / rel).parent.mkdir(parents=True, exist_ok=True)
        (content / rel).write_text(text, encoding="utf-8")
    data = tmp_path / "data"
    data.mkdir(exist_ok=True)
    return build_site(data, tmp_path / "out", content=content)


@pytest.mark.parametrize("case", list(COLLISIONS))
def test_a_collision_stops_the_build_naming_both(tmp_path, case):
    files, names = COLLISIONS[case]
    proc = _build(tmp_path, files)
    assert proc.returncode != 0
    assert "Traceback" not in proc.stdout + proc.stderr
    for name in names:
        assert name in proc.stderr, proc.stderr


def test_the_collision_is_seen_when_the_portals_page_is_kept_from_a_build(tmp_path):
    """An incremental build skips the catalog page (unchanged): an editor's page
    written over it in the next build is still a collision."""
    assert _build(tmp_path, {"noticias/a.md": _file(NEWS, "A")}).returncode == 0
    # Hidden: the footer (in every page's fingerprint) stays the same.
    proc = _build(tmp_path, {"paginas/datos.md": _file(PAGE, "Datos", "status: hidden\n")})
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
    assert "paginas/datos.md and the portal (a page kept from the previous build) both " \
           "publish /datos/" in proc.stderr, proc.stderr


def test_hidden_is_built_but_listed_nowhere(tmp_path):
    files = {
        "noticias/visible.md": _file(NEWS, "Noticia visible"),
        "noticias/oculta.md": _file(NEWS, "Noticia oculta", "status: hidden\n"),
        "noticias/borrador.md": _file(NEWS, "Noticia borrador", "status: draft\n"),
        "paginas/oculta.md": _file(PAGE, "Página oculta", "status: hidden\n"),
        "paginas/borrador.md": _file(PAGE, "Página borrador", "status: draft\n"),
        "eventos/oculto.md": _file(EVENT, "Evento oculto", "status: hidden\n"),
        "eventos/visible.md": _file(EVENT, "Evento visible"),
        "apps/oculta.md": _file(APP, "App oculta", "status: hidden\n"),
        "apps/visible.md": _file(APP, "App visible"),
    }
    proc = _build(tmp_path, files)
    assert proc.returncode == 0, proc.stderr
    out = tmp_path / "out"
    for page, title in [("noticias/oculta", "Noticia oculta"), ("oculta", "Página oculta"),
                        ("eventos/oculto", "Evento oculto"), ("apps/oculta", "App oculta")]:
        assert title in (out / page / "index.html").read_text(), page
    assert not (out / "noticias" / "borrador").exists() and not (out / "drafts").exists()
    # The home page (with the footer's pages), every listing, the editors' feed.
    listed = "".join((out / p).read_text() for p in (
        "index.html", "noticias/index.html", "eventos/index.html", "apps/index.html",
        "feeds/noticias.atom.xml"))
    assert "Noticia visible" in listed and "Evento visible" in listed and "App visible" in listed
    for title in ("Noticia oculta", "Página oculta", "Evento oculto", "App oculta",
                  "Noticia borrador", "Página borrador"):
        assert title not in listed, title
