"""The change log and tombstones on the site: built from two real harvests (over
HTTP, replay server) where one dataset was retitled, one removed and one
consultation's end date moved (tests/harvest_changes.py)."""

from __future__ import annotations

import re
import shutil
import sys
from datetime import date
from pathlib import Path

import feedparser
import pytest
import site_snapshot
from conftest import NARROW, ROOT, StaticServer, build_site
from harvest_changes import FIRST, NEW_END, RETITLED, SECOND, THIRD, History
from site_pages import html_pages
from site_pages import parse as parse_page

from aggregator import tombstones, yamlio
from aggregator.records import Dataset
from aggregator.snapshot import write_source_file
from devtools.replay import ReplayServer

sys.path.insert(0, str(ROOT / "plugins"))
from portal_site.model import SiteModel
from portal_site.urls import base_slug

WHAT: dict = {}
CONSULTATION = "/participacion/consulta-norma-termoelectricas/"


def _harvested(data: Path) -> Path:
    with ReplayServer() as replay:
        history = History(data.parent, replay)
        history.run(FIRST)
        history.change_upstream()
        history.run(SECOND)
    return data


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    with ReplayServer() as replay:      # what the harvest's upstream change was
        WHAT.update(History(tmp_path_factory.mktemp("what"), replay).change_upstream())
    return site_snapshot.build_once(tmp_path_factory, "changes", _harvested)


def read(site, url: str) -> str:
    path = site / url.lstrip("/")
    if url.endswith("/"):
        path = path / "index.html"
    assert path.is_file(), f"{url} was not built"
    return path.read_text("utf-8")


def text(html: str) -> str:
    main = html[html.index("<main"):html.index("</main>")]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main)).replace("&#34;", '"')


def published_sitemap(data: Path, out: Path) -> str:
    """The sitemap comes with `make publish` (absolute addresses): built so."""
    proc = build_site(data, out, conf=ROOT / "publishconf.py",
                      extra_env={"PORTAL_SITEURL": "https://portal.example"})
    assert proc.returncode == 0, proc.stderr
    return (out / "sitemap.xml").read_text("utf-8")


def _model(site) -> SiteModel:
    return SiteModel.load(site.parent / "data", date(2026, 11, 26))


def _retitled_url(site) -> str:
    return f"/datos/{_model(site).slugs['justicia:' + WHAT['retitled']]}/"


def _removed_url(site) -> str:
    """The removed dataset's page: its slug is the one it had (the model keeps it)."""
    model = _model(site)
    (rid,) = model.tombstones
    return f"/{model.page_url(model.tombstones[rid].record)}"


def test_cambios_lists_the_three_changes_by_day(site):
    page = text(read(site, "/cambios/"))
    assert "3 de noviembre de 2026" in page
    assert f"Título: antes «{WHAT['old_title']}», ahora «{RETITLED}»" in page
    assert "Cierre: antes «20 de diciembre de 2026», ahora «31 de diciembre de 2026»" in page
    assert f"Eliminado: {WHAT['removed_title'].strip()}" in page
    # The newest month only; October (the first harvest) on its own page.
    assert "primera cosecha" not in page
    october = text(read(site, "/cambios/2026-10/"))
    assert "primera cosecha de Datos Justicia (prueba) (+16 registros)" in october
    assert RETITLED not in october
    assert f"ahora «{RETITLED}»" in text(read(site, "/cambios/2026-11/"))


def test_filter_pages_hold_only_their_changes(site):
    removed = text(read(site, "/cambios/eliminados/"))
    assert WHAT["removed_title"].strip() in removed and RETITLED not in removed
    updated = text(read(site, "/cambios/actualizados/"))
    assert RETITLED in updated and "Cierre: antes" in updated
    assert WHAT["removed_title"].strip() not in updated
    consultations = text(read(site, "/cambios/tipo/participacion/"))
    assert "Cierre: antes" in consultations and RETITLED not in consultations
    source = text(read(site, "/cambios/fuente/justicia/"))
    assert RETITLED in source and "Cierre: antes" not in source
    assert not (site / "cambios" / "nuevos" / "2026-11").exists()   # none added in November
    october_added = text(read(site, "/cambios/nuevos/"))
    assert "+4 registros" in october_added and "+16 registros" in october_added


def test_record_pages_show_their_history(site):
    retitled = text(read(site, _retitled_url(site)))
    assert "Historial" in retitled
    assert f"Título: antes «{WHAT['old_title']}», ahora «{RETITLED}»" in retitled
    page = text(read(site, CONSULTATION))
    assert "Historial" in page and f"ahora «{date.fromisoformat(NEW_END).day} de" in page
    # A record without changes says so.
    quiet = next(p for p in (site / "datos").glob("*/index.html")
                 if "Base de datos" not in p.read_text("utf-8")
                 and "Historial" in p.read_text("utf-8") and "noindex" not in
                 p.read_text("utf-8"))
    assert "Sin cambios registrados en los últimos 12 meses" in text(quiet.read_text("utf-8"))


def test_institution_page_shows_its_recent_changes_and_feed(site):
    html = read(site, "/instituciones/ministerio-de-justicia/")
    page = text(html)
    assert "Cambios recientes" in page and RETITLED in page
    assert WHAT["removed_title"].strip() in page
    feed_href = "feeds/instituciones/ministerio-de-justicia/cambios.atom.xml"
    assert re.search(r'<link rel="alternate" type="application/atom\+xml"[^>]*href="[./]*'
                     + re.escape(feed_href), html)
    other = text(read(site, "/instituciones/ministerio-del-medio-ambiente/"))
    assert "Cierre: antes" in other and RETITLED not in other


def test_feeds_are_valid_atom_and_linked(site):
    main = feedparser.parse(str(site / "feeds" / "cambios.atom.xml"))
    assert not main.bozo, main.bozo_exception
    titles = [e.title for e in main.entries]
    assert set(titles[:3]) == {
        "Actualizado: Consulta pública de ejemplo: norma de emisión para termoeléctricas",
        f"Eliminado: {WHAT['removed_title'].strip()}", f"Actualizado: {RETITLED}"}
    assert len(titles) == 5 and titles[3].startswith("Primera cosecha de ")
    assert main.entries[0].updated.startswith("2026-11-03")
    retitled = next(e for e in main.entries if e.title == f"Actualizado: {RETITLED}")
    assert f"ahora «{RETITLED}»" in retitled.summary
    assert retitled.link.endswith(_retitled_url(site))
    inst = feedparser.parse(str(site / "feeds/instituciones/ministerio-de-justicia/"
                                       "cambios.atom.xml"))
    assert not inst.bozo and len(inst.entries) == 3
    assert 'rel="alternate" type="application/atom+xml"' in read(site, "/cambios/")
    assert "feeds/cambios.atom.xml" in read(site, "/feeds/")


def test_removed_dataset_keeps_its_url_as_a_tombstone(site):
    url = _removed_url(site)
    html = read(site, url)
    page = text(html)
    assert '<meta name="robots" content="noindex">' in html
    assert "Retirado de la fuente." in page and "3 de noviembre de 2026" in page
    assert "Datos Justicia (prueba)" in page and "Últimos datos conocidos" in page
    assert WHAT["removed_title"].strip() in page and "Historial" in page
    assert "Eliminado" in page


def test_removed_dataset_leaves_listings_counts_sitemap_and_search(site, tmp_path):
    url = _removed_url(site)
    slug = url.split("/")[2]
    for path in html_pages(site):
        rel = path.relative_to(site).as_posix()
        if rel.startswith(("datos/", "instituciones/", "index.html")) \
                and rel != url.strip("/") + "/index.html":
            # Only the change log links to it (an institution's "Cambios recientes").
            html = re.sub(r'<h2 id="cambios">.*?</section>', "", path.read_text("utf-8"),
                          flags=re.DOTALL)
            assert f"/{slug}/" not in html, rel
    assert "15 conjuntos de datos" in text(read(site, "/datos/"))
    sitemap = published_sitemap(site.parent / "data", tmp_path / "published")
    assert f"https://portal.example{url}<" not in sitemap
    assert f"https://portal.example{_retitled_url(site)}<" in sitemap
    assert slug not in read(site, "/catalogo/datasets.csv")
    # The search corpus (either index is built from it) leaves it out.
    from portal_search.generator import documents_of
    from portal_site.indexes import build_indexes
    model = _model(site)
    model.idx = build_indexes(model)
    urls = {d.url for d in documents_of({"portal": model})}
    assert url not in urls and len([u for u in urls if u.startswith("/datos/")]) == 15


def test_a_record_that_comes_back_gets_its_page_back(tmp_path):
    with ReplayServer() as replay:
        history = History(tmp_path, replay)
        history.run(FIRST)
        gone = history.catalog["dataset"].pop(2)
        history.serve()
        history.run(SECOND)
        out = tmp_path / "output"
        assert build_site(history.data, out).returncode == 0
        rec = next(t.record for t in tombstones.read_tombstones(history.data))
        page = out / "datos" / base_slug(rec.remote_id, rec.url, rec.title, rec.id) / "index.html"
        assert 'content="noindex"' in page.read_text("utf-8")
        history.catalog["dataset"].insert(2, gone)
        history.serve()
        history.run(THIRD)
        assert build_site(history.data, out).returncode == 0     # incremental, same output
    html = page.read_text("utf-8")
    assert 'content="noindex"' not in html and "Retirado de la fuente" not in html
    assert "Nuevo" in text(html)        # its history: removed, then added again
    sitemap = published_sitemap(history.data, tmp_path / "published")
    assert f"/datos/{page.parent.name}/<" in sitemap


def test_no_url_moves_when_another_record_disappears(tmp_path):
    """Two datasets whose names fold to one slug: the second gets a hashed one. When
    the first goes, the second keeps its URL (the tombstone keeps the plain one)."""
    data = tmp_path / "data"

    def ds(rid: str) -> Dataset:
        return Dataset(id=f"s:{rid}", source="s", remote_id=rid, title="Presupuesto")

    first, second = ds("Presupuesto"), ds("presupuesto")     # in id order
    write_source_file(data, "s", "ckan", "2026-11-01T00:00:00+00:00", [first, second],
                      cache_dir=False)
    before = SiteModel.load(data, date(2026, 11, 26)).slugs
    assert before[first.id] == "presupuesto" and before[second.id].startswith("presupuesto-")
    write_source_file(data, "s", "ckan", "2026-11-02T00:00:00+00:00", [second],
                      cache_dir=False)
    tombstones.update(data, "s", [first], [], "2026-11-02T00:00:00+00:00")
    after = SiteModel.load(data, date(2026, 11, 26))
    assert after.slugs == before
    assert [d.id for d in after.datasets] == [second.id]
    assert list(after.tombstones) == [first.id]


def test_pages_show_only_the_configured_months(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(site_snapshot.write(tmp_path / "base"), data)
    for month in ("2026-08", "2026-09", "2026-10"):
        (data / "changes").mkdir(exist_ok=True)
        (data / "changes" / f"{month}.yaml").write_bytes(yamlio.dumps({"changes": [{
            "at": f"{month}-02T00:00:00+00:00", "source": "portal-datos",
            "id": "portal-datos:ds-1", "type": "dataset", "change": "updated",
            "title": f"Cambio de {month}", "institution": "ministerio-de-salud",
            "fields": ["title"], "before": {"title": "a"}, "after": {"title": "b"}}]}))
    out = tmp_path / "output"
    proc = build_site(data, out, extra_env={"PORTAL_CHANGES_MONTHS": "2"}, conf=_conf(tmp_path))
    assert proc.returncode == 0, proc.stderr
    assert (out / "cambios" / "2026-10").is_dir() and (out / "cambios" / "2026-09").is_dir()
    assert not (out / "cambios" / "2026-08").exists()
    page = text((out / "datos" / "conjunto-1" / "index.html").read_text("utf-8"))
    assert page.count("Título: antes «a», ahora «b»") == 2
    assert "en los últimos 2 meses" in text(read(out, "/cambios/"))


def _conf(tmp_path: Path) -> Path:
    conf = tmp_path / "conf.py"
    conf.write_text(f"import os, sys\nsys.path.insert(0, {str(ROOT)!r})\n"
                    "from pelicanconf import *  # noqa\n"
                    "PORTAL_CHANGES_MONTHS = int(os.environ['PORTAL_CHANGES_MONTHS'])\n")
    return conf


def test_a_broken_change_file_stops_the_build_with_file_and_line(tmp_path):
    data = site_snapshot.write(tmp_path / "data")
    (data / "changes").mkdir()
    (data / "changes" / "2026-11.yaml").write_text(
        "changes:\n- at: '2026-11-01T00:00:00+00:00'\n  source: s\n  change: cambiado\n")
    proc = build_site(data, tmp_path / "output")
    assert proc.returncode != 0
    assert re.search(r"changes/2026-11\.yaml:2: change 1: 'change' must be one of", proc.stderr)


# -- in a real browser ---------------------------------------------------------------

@pytest.fixture(scope="module")
def site_url(site):
    server = StaticServer(site)
    yield server.url
    server.close()


@pytest.mark.browser
@pytest.mark.parametrize("path", ["/cambios/", "/cambios/2026-10/", "/cambios/eliminados/",
                                  "/cambios/fuente/", "/cambios/fuente/consultas/",
                                  "/instituciones/ministerio-de-justicia/", "REMOVED",
                                  "RETITLED"])
def test_change_pages_in_chromium(probe, site, site_url, path):
    if path == "REMOVED":
        path = _removed_url(site)
    elif path == "RETITLED":
        path = _retitled_url(site)
    response = probe.goto(site_url + path)
    assert response.status == 200
    assert probe.page.locator("h1").count() == 1
    assert probe.console_errors == [] and probe.offsite == []
    assert probe.axe() == []
    # Readable at 320 px: nothing wider than the screen.
    probe.page.set_viewport_size(NARROW)
    assert probe.page.evaluate("document.documentElement.scrollWidth") <= NARROW["width"]


# -- the bundled snapshot: a real change history ---------------------------------------

def test_make_snapshot_regenerates_the_bundled_history_byte_for_byte(tmp_path):
    """Two recorded versions of real sources (demo.ckan.org in 2015 and 2017, the
    InfoLobby export as first published and re-published), harvested in turn."""
    from devtools.snapshot import build

    bundled = ROOT / "content" / "data"
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(bundled / "institutions.yaml", data / "institutions.yaml")
    assert build(data, out=None, cache_dir=tmp_path / "cache") == 0
    for folder in ("changes", "tombstones", "sources"):
        ours = {p.name: p.read_bytes() for p in (data / folder).iterdir()}
        assert ours == {p.name: p.read_bytes() for p in (bundled / folder).iterdir()}, folder
    assert (data / "status.yaml").read_bytes() == (bundled / "status.yaml").read_bytes()


def test_bundled_site_shows_the_real_history(bundled_site, tmp_path):
    page = text(read(bundled_site, "/cambios/"))
    assert "Eliminado: Dataset 1" in page
    assert ("Título: antes «Invitación a participar en próximo Seminario Internacional "
            "Residuos en Chile», ahora «Invitación a participar") in page
    # InfoLobby's first harvest: the whole register (343 meetings, 456 trips, 700 gifts).
    assert "+1499 registros" in text(read(bundled_site, "/cambios/2026-10/"))
    tomb = read(bundled_site, "/datos/dataset-1/")
    assert 'content="noindex"' in tomb and "Retirado de la fuente" in tomb
    assert "demo.ckan.org" in text(tomb)
    sitemap = published_sitemap(ROOT / "content" / "data", tmp_path / "published")
    assert "/datos/dataset-1/<" not in sitemap and "/cambios/<" in sitemap
    assert "dataset-1" not in read(bundled_site, "/catalogo/datasets.csv")
    # Every institution has its feed; one without changes is valid Atom, empty.
    senado = feedparser.parse(str(bundled_site / "feeds/instituciones/senado/cambios.atom.xml"))
    assert not senado.bozo and len(senado.entries) == 5      # its meetings re-published
    quiet = feedparser.parse(str(bundled_site / "feeds/instituciones/carabineros-de-chile/"
                                                "cambios.atom.xml"))
    assert not quiet.bozo and quiet.entries == [] and quiet.feed.updated


@pytest.mark.browser
@pytest.mark.parametrize("path", ["/cambios/", "/cambios/2026-10/", "/datos/dataset-1/",
                                  "/cambios/tipo/transparencia/", "/instituciones/senado/"])
def test_bundled_change_pages_in_chromium(probe, bundled_site, path):
    server = StaticServer(bundled_site)
    try:
        response = probe.goto(server.url + path)
        assert response.status == 200
        assert probe.console_errors == [] and probe.offsite == []
        assert probe.axe() == []
    finally:
        server.close()


@pytest.mark.browser
def test_long_months_are_paged_within_the_budget(tmp_path, probe):
    """A month with hundreds of heavy entries (long titles, resources moved) is cut
    into pages that each stay under the 50 KB budget."""
    from site_pages import BUDGET, weight

    from aggregator import changes
    data = site_snapshot.write(tmp_path / "data")
    at = "2026-11-{:02d}T06:00:00+00:00"
    long = "Título muy largo de un conjunto de datos con nombre descriptivo " * 4
    entries = [{"at": at.format(1 + i // 40), "source": "portal-datos",
                "id": f"portal-datos:ds-{1 + i % 100}", "type": "dataset", "change": "updated",
                "title": long[:200], "institution": "ministerio-de-salud",
                "fields": ["title", "description_html", "resources", "license", "modified"],
                "before": {"title": long[:200], "modified": "2026-01-01",
                           "license": {"id": "cc-by", "title": "CC BY 4.0", "url": None},
                           "resources": [{"url": f"https://datos.example/{'x' * 80}/{k}.csv",
                                          "format": "CSV"} for k in range(10)]},
                "after": {"title": long[:199] + "…", "modified": "2026-11-01",
                          "license": {"id": "cc0", "title": "CC0", "url": None},
                          "resources": [{"url": f"https://datos.example/{'y' * 80}/{k}.csv",
                                         "format": "XLSX"} for k in range(10)]}}
               for i in range(400)]
    changes.append(data, entries)
    out = tmp_path / "output"
    proc = build_site(data, out)
    assert proc.returncode == 0, proc.stderr
    pages = sorted((out / "cambios").rglob("index.html"))
    assert (out / "cambios" / "2026-11" / "pagina" / "27" / "index.html") in pages
    heaviest = max(weight(out, parse_page(out, p))[0] for p in pages)
    assert heaviest <= BUDGET, heaviest
    dataset = weight(out, parse_page(out, out / "datos" / "conjunto-1" / "index.html"))[0]
    assert dataset <= BUDGET, dataset

    # The next run appends to the month: the pages it had filled stay as they were.
    filled = {p: p.stat().st_mtime_ns for p in pages if "pagina" in p.parts
              and int(p.parent.name) < 27 and "2026-11" in p.parts}
    assert len(filled) >= 26
    changes.append(data, [dict(entries[0], at="2026-11-20T06:00:00+00:00",
                               title="Cambio de la cosecha siguiente")])
    proc = build_site(data, out)
    assert proc.returncode == 0, proc.stderr
    assert {p: p.stat().st_mtime_ns for p in filled} == filled
    assert "Cambio de la cosecha siguiente" in read(out, "/cambios/")
    last = read(out, "/cambios/2026-11/pagina/27/")
    assert "Cambio de la cosecha siguiente" in last and "cambios 391 a 401" in text(last)
    first = text(read(out, "/cambios/2026-11/pagina/1/"))
    assert "cambios 1 a 15 del mes" in first and "Más recientes" in first
    assert "Anteriores" not in first
    # A page of the month, in Chromium, as the others.
    server = StaticServer(out)
    try:
        for path in ("/cambios/2026-11/pagina/12/", "/cambios/"):
            assert probe.goto(server.url + path).status == 200
            assert probe.axe() == [] and probe.console_errors == []
    finally:
        server.close()


def test_docs_name_the_setting_and_the_files():
    conf = (ROOT / "pelicanconf.py").read_text()
    assert "PORTAL_CHANGES_MONTHS = 12" in conf
    for doc in ("docs/changes.md", "docs/theme.md", "README.md"):
        assert "PORTAL_CHANGES_MONTHS" in (ROOT / doc).read_text(), doc
    changes_doc = (ROOT / "docs" / "changes.md").read_text()
    for name in ("changes/<YYYY-MM>.yaml", "tombstones/<source_id>.yaml", "git log",
                 "noindex", "--full", "feeds/cambios.atom.xml"):
        assert name in changes_doc, name
    assert "earlier:" in (ROOT / "devtools" / "snapshot" / "README.md").read_text()
