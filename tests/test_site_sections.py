"""Every section of the site, built from a handcrafted snapshot (tests/site_snapshot.py)
and the editors' example content, checked in the output files."""

from __future__ import annotations

import csv
import json
import re

import feedparser
import pytest
import site_snapshot
from conftest import ROOT, build_site
from site_pages import html_pages, jsonld, parse, resolve


@pytest.fixture(scope="session")
def site(tmp_path_factory):
    return site_snapshot.build_once(tmp_path_factory, "handmade", site_snapshot.write)


def read(site, url: str) -> str:
    path = site / url.lstrip("/")
    if url.endswith("/"):
        path = path / "index.html"
    assert path.is_file(), f"{url} was not built"
    return path.read_text("utf-8")


SECTION_PAGES = [
    "/", "/datos/", "/datos/pagina/2/", "/datos/pagina/3/", "/datos/temas/", "/datos/tema/salud/",
    "/datos/tema/salud/pagina/2/", "/datos/formatos/", "/datos/formato/csv/", "/datos/licencias/",
    "/datos/licencia/creative-commons-atribucion-4-0/", "/datos/etiquetas/",
    "/datos/etiqueta/presupuesto/", "/datos/instituciones/",
    "/datos/institucion/ministerio-de-salud/", "/datos/institucion/sin-institucion/",
    "/datos/conjunto-1/", "/instituciones/", "/instituciones/tipo/",
    "/instituciones/tipo/ministerio/", "/instituciones/region/",
    "/instituciones/ministerio-de-salud/", "/instituciones/ministerio-de-salud/noticias/",
    "/participacion/", "/participacion/cerradas/", "/participacion/proceso-1/",
    "/transparencia/", "/transparencia/ministerio-de-salud/", "/noticias/",
    "/noticias/nace-el-portal/", "/apps/", "/apps/mapa-de-consultorios/", "/eventos/",
    "/eventos/taller-datos-abiertos/", "/acerca/", "/accesibilidad/", "/estado/", "/feeds/",
    "/catalogo/", "/404.html",
]


@pytest.mark.parametrize("url", SECTION_PAGES)
def test_section_page_is_built_with_one_h1_and_a_canonical_url(site, url):
    page = parse(site, site / (url.lstrip("/") + ("index.html" if url.endswith("/") else "")))
    assert page.h1 == 1
    assert page.lang == "es"
    assert page.first_focusable == "#contenido"     # the skip link comes first
    if url != "/404.html":
        assert len(page.canonical) == 1 and page.canonical[0].endswith(url.lstrip("/"))


def test_every_internal_link_and_resource_exists(site):
    missing = set()
    pages = html_pages(site)
    assert len(pages) > 100
    for path in pages:
        page = parse(site, path)
        for ref in [*page.links, *page.subresources]:
            target = resolve(site, page, ref)
            # /buscar/ is the search plugin's page (another part of the build).
            if target is None or "buscar" in target.parts or ref.startswith("#"):
                continue
            if not target.exists():
                missing.add(f"{page.url} -> {ref}")
    assert not missing, sorted(missing)[:20]


def test_no_page_references_another_host_for_anything_it_loads(site):
    for path in html_pages(site):
        page = parse(site, path)
        offsite = [r for r in page.subresources if resolve(site, page, r) is None]
        assert offsite == [], (page.url, offsite)
    # The aggregated news carry a remote image URL: it is never put in a page.
    assert not any("imagenes.example" in p.read_text("utf-8") for p in html_pages(site))


def _listed(html: str) -> list[str]:
    block = html.split('<ul class="list datasets">', 1)[-1].split("</ul>", 1)[0]
    return re.findall(r'<li><a href="[^"]*datos/([^/"]+)/">', block)


def test_catalog_is_paginated_newest_update_first(site):
    pages = [_listed(read(site, u)) for u in ("/datos/", "/datos/pagina/2/", "/datos/pagina/3/")]
    assert [len(p) for p in pages] == [50, 50, 20]
    assert pages[0][:5] == ["conjunto-1", "conjunto-2", "conjunto-3", "conjunto-4", "conjunto-5"]
    everything = [slug for p in pages for slug in p]
    assert len(set(everything)) == 120
    dates = re.findall(r'actualizado <time datetime="([0-9-]+)"', read(site, "/datos/pagina/2/"))
    assert dates == sorted(dates, reverse=True) and len(dates) == 50
    assert not (site / "datos" / "pagina" / "4").exists()
    nav = read(site, "/datos/pagina/2/")
    assert 'rel="prev"' in nav and 'rel="next"' in nav and 'aria-current="page"' in nav


def test_tag_pages_show_the_most_recent_and_the_total(tmp_path):
    data = site_snapshot.write(tmp_path / "data")
    proc = build_site(data, tmp_path / "out")
    assert proc.returncode == 0, proc.stderr
    out = tmp_path / "out"
    html = (out / "datos" / "etiqueta" / "establecimientos" / "index.html").read_text()
    assert len(_listed(html)) == 50 and "118 conjuntos de datos" in html
    assert "buscar/?q=establecimientos" in html
    assert not (out / "datos" / "etiqueta" / "establecimientos" / "pagina").exists()
    # Institutions and themes are paginated in full.
    assert (out / "datos" / "tema" / "salud" / "pagina" / "3" / "index.html").exists()
    assert (out / "datos" / "institucion" / "ministerio-de-salud" / "pagina" / "3").exists()


def test_broad_facets_list_the_most_recent_500(tmp_path):
    data = site_snapshot.write(tmp_path / "data", count=620)
    proc = build_site(data, tmp_path / "out")
    assert proc.returncode == 0, proc.stderr
    base = tmp_path / "out" / "datos" / "formato" / "csv"
    assert (base / "pagina" / "10" / "index.html").exists()
    assert not (base / "pagina" / "11").exists()
    first = (base / "index.html").read_text()
    assert "619 conjuntos de datos" in first and "los 500 actualizados más recientemente" in first
    assert (tmp_path / "out" / "datos" / "tema" / "salud" / "pagina" / "13" / "index.html").exists()


def test_facet_pages_show_counts_and_link_back(site):
    index = read(site, "/datos/temas/")
    assert re.search(r'datos/tema/salud/">salud</a> <span class="count">117</span>', index)
    assert re.search(r'datos/tema/economia/">economía</a> <span class="count">1</span>', index)
    assert _listed(read(site, "/datos/tema/economia/")) == ["conjunto-2"]
    assert len(_listed(read(site, "/datos/tema/salud/"))) == 50
    assert _listed(read(site, "/datos/formato/json/")) == ["conjunto-1"]
    # Formats are normalized: 'csv' and 'CSV' are one facet value.
    assert "conjunto-1" in _listed(read(site, "/datos/formato/csv/"))
    assert _listed(read(site, "/datos/institucion/sin-institucion/")) == ["conjunto-5"]
    licenses = read(site, "/datos/licencias/")
    assert '<span class="count">119</span>' in licenses     # conjunto-4 has none
    summary = read(site, "/datos/")
    assert "Explorar por" in summary and "Todas: 4 instituciones" in summary
    assert "Explorar por" not in read(site, "/datos/pagina/2/")


def test_dataset_page_has_everything_the_issue_names(site):
    html = read(site, "/datos/conjunto-1/")
    assert "<h1>Establecimientos de salud</h1>" in html
    assert 'href="../../instituciones/ministerio-de-salud/">Ministerio de Salud</a>' in html
    assert "<p>Descripción del conjunto 1, con <strong>detalle</strong>.</p>" in html
    assert 'href="https://datos.example/f/est.csv"' in html and "1,5 MB" in html
    assert '<span class="badge">csv</span>' in html and '<span class="badge">JSON</span>' in html
    assert "20 de noviembre de 2026" in html and "15 de enero de 2020" in html
    assert "<dt>Frecuencia</dt><dd>Mensual</dd>" in html  # R/P1M in the snapshot
    assert 'href="../../datos/licencia/creative-commons-atribucion-4-0/"' in html
    assert 'href="../../datos/tema/salud/">Tema: salud</a>' in html
    assert 'href="../../datos/etiqueta/atencion-primaria/">atención primaria</a>' in html
    assert re.search(r'Fuente: <a href="https://datos.example/dataset/conjunto-1"[^>]*>'
                     r'Portal de Datos \(prueba\)</a> · actualizado 20 de noviembre de 2026', html)


def test_dataset_page_json_ld(site):
    page = parse(site, site / "datos/conjunto-1/index.html")
    (ld,) = jsonld(page)
    assert ld["@type"] == "Dataset" and ld["name"] == "Establecimientos de salud"
    assert ld["creator"] == {"@type": "GovernmentOrganization", "name": "Ministerio de Salud"}
    assert [d["contentUrl"] for d in ld["distribution"]] == [
        "https://datos.example/f/est.csv", "https://datos.example/f/est.json"]
    assert ld["dateModified"] == "2026-11-20" and ld["license"].startswith("https://")


def test_untrusted_text_is_escaped_everywhere(site):
    html = read(site, "/datos/conjunto-2/")
    assert "<script>alert(1)</script>" not in html
    assert "Presupuesto &lt;script&gt;alert(1)&lt;/script&gt; 2026" in html
    (ld,) = jsonld(parse(site, site / "datos/conjunto-2/index.html"))
    assert ld["name"] == "Presupuesto <script>alert(1)</script> 2026"   # \u003c in the page
    assert "</script>alert" not in html and "\\u003cscript" in html
    assert "<script>alert(1)</script>" not in read(site, "/datos/")


def test_large_datasets_are_capped_to_keep_the_page_small(site):
    html = read(site, "/datos/conjunto-3/")
    assert html.count("https://datos.example/f/p") == 40 + 20   # list + JSON-LD (20)
    assert "Y 35 recursos más en la fuente" in html
    assert "La descripción completa está en la fuente" in html
    assert "Recursos (75)" in html


def test_institution_page_gathers_everything(site):
    html = read(site, "/instituciones/ministerio-de-salud/")
    assert "<h1>Ministerio de Salud" in html and "(MINSAL)" in html
    assert "portaltransparencia.cl/PortalPdT/pdtta?codOrganismo=AO001" in html
    assert "ingreso-sai-v2?idOrgTa=AO001" in html
    assert "Audiencia sobre licencias médicas" in html
    assert "Consulta sobre la ley de fármacos" in html and "Quedan 10 días" in html
    assert 'href="../../datos/institucion/ministerio-de-salud/">Sus 117 conjuntos de datos' in html
    assert "Noticia de salud número 12" in html
    assert 'href="../../instituciones/ministerio-de-salud/noticias/">Sus 12 noticias' in html
    assert "Subsecretaría de Salud Pública" in html          # depends on it
    for name in ("Portal de Datos (prueba)", "Participa (prueba)", "Noticias MINSAL (prueba)",
                 "lobby"):
        assert name in html
    (ld,) = jsonld(parse(site, site / "instituciones/ministerio-de-salud/index.html"))
    assert ld["@type"] == "GovernmentOrganization" and ld["alternateName"] == "MINSAL"
    child = read(site, "/instituciones/subsecretaria-de-salud-publica/")
    assert 'href="../../instituciones/ministerio-de-salud/">Ministerio de Salud</a>' in child
    assert "Plan regional de salud mental" in child and "Comienza en 19 días" in child
    # An explicit link in the registry wins over the pattern.
    assert "https://transparencia.example/hacienda" in read(site, "/instituciones/ministerio-de-hacienda/")


def test_directory_a_to_z_by_kind_and_by_region(site):
    html = read(site, "/instituciones/")
    names = re.findall(r'class="item-title" href="[^"]*instituciones/([^/"]+)/"', html)
    assert names == ["ministerio-de-hacienda", "ministerio-de-salud", "municipalidad-de-nunoa",
                     "subsecretaria-de-salud-publica"]
    assert 'id="letra-m"' in html and 'id="letra-s"' in html
    kinds = read(site, "/instituciones/tipo/")
    assert re.search(r'instituciones/tipo/ministerio/">ministerio</a> <span class="count">2</span>',
                     kinds)
    region = read(site, "/instituciones/region/")
    assert "Metropolitana de Santiago" in region and "Sin región indicada" in region


def test_participation_status_and_days_left_from_the_build_date(site):
    html = read(site, "/participacion/")
    open_part = html[html.index('id="abiertas"'):html.index('id="proximas"')]
    titles = re.findall(r'participacion/proceso-(\d)/', open_part)
    assert titles == ["5", "2", "1"]             # closing soonest first
    assert "Cierra hoy" in open_part and "Queda 1 día" in open_part
    assert "Quedan 10 días" in open_part
    upcoming = html[html.index('id="proximas"'):html.index('id="cerradas"')]
    assert "proceso-3" in upcoming and "Comienza en 19 días" in upcoming
    closed = html[html.index('id="cerradas"'):]
    assert "proceso-4" in closed and "30 de junio de 2026" in closed
    detail = read(site, "/participacion/proceso-4/")
    assert "Cerrada" in detail and "1 de mayo de 2026" in detail and "Participar en" not in detail
    open_detail = read(site, "/participacion/proceso-1/")
    assert 'href="https://participa.example/procesos/1"' in open_detail
    assert "Propuestas" in open_detail and "Participar en Participa (prueba)" in open_detail


def test_status_is_recomputed_when_the_build_date_changes(tmp_path):
    data = site_snapshot.write(tmp_path / "data")
    proc = build_site(data, tmp_path / "out", today="2026-05-15")
    assert proc.returncode == 0, proc.stderr
    html = (tmp_path / "out" / "participacion" / "index.html").read_text()
    assert "Abiertas ahora (1)" in html and "Próximas (4)" in html and "Cerradas (0)" in html
    assert "Quedan 46 días" in html        # ciclovías: open until 30 June


def test_transparency_lists_every_institution_with_a_page_each(site):
    html = read(site, "/transparencia/")
    for inst in site_snapshot.INSTITUTIONS:
        assert f'transparencia/{inst.id}/"' in html
        assert (site / "transparencia" / inst.id / "index.html").is_file()
    assert "Audiencia sobre licencias médicas" in html
    own = read(site, "/transparencia/ministerio-de-salud/")
    # Entries by kind, with counts (the handmade meetings are kind `audiencia`).
    assert "Audiencias (5)" in own and "pdtta?codOrganismo=AO001" in own
    assert "Asociación Gremial (ejemplo)" in own
    assert "Sin enlaces de transparencia" in read(site, "/transparencia/municipalidad-de-nunoa/")


def test_news_merges_editors_and_institutions_by_date(site):
    html = read(site, "/noticias/")
    titles = re.findall(r'class="item-title" href="([^"]+)"', html)
    assert titles[0].endswith("noticias/consultas-abiertas/")      # 24 Nov, an editor's
    assert titles[1].endswith("noticias/nace-el-portal/")          # 20 Nov 10:00
    assert titles[2] == "https://salud.example/noticias/12"        # 13 Nov
    assert titles[-1].endswith("noticias/datos-de-salud/")         # 15 Oct
    assert 'href="../instituciones/ministerio-de-salud/">Ministerio de Salud</a>' in html
    assert "en su sitio de origen" in html
    article = read(site, "/noticias/nace-el-portal/")
    assert "20 de noviembre de 2026" in article and "Equipo del portal" in article


def test_status_page_reports_every_source(site):
    html = read(site, "/estado/")
    assert html.index("portal-caido") < html.index("Portal de Datos (prueba)")   # failed first
    assert "HTTP 503 después de 3 intentos" in html and "Con error" in html
    assert "1 fuente con error" in html and "+2 · ~1 · −0" in html
    assert "25 nov 2026" in html
    # Each source's duration, the run's wall time and its slowest sources.
    assert '<th scope="col">Duración</th>' in html and "<td>12,5 s</td>" in html
    assert ", duró 1 min 15 s" in html
    assert ("Fuentes más lentas: portal-caido (30,0 s), Portal de Datos (prueba) (12,5 s), "
            "Noticias MINSAL (prueba) (1,1 s).") in html


def test_feeds_are_valid_atom(site):
    news = feedparser.parse((site / "feeds" / "noticias-instituciones.atom.xml").read_bytes())
    assert not news.bozo and len(news.entries) == 12
    assert news.entries[0].link == "https://salud.example/noticias/12"
    assert news.entries[0].author == "Ministerio de Salud"
    part = feedparser.parse((site / "feeds" / "participacion.atom.xml").read_bytes())
    assert not part.bozo and len(part.entries) == 5
    assert part.entries[0].title == "Plan regional de salud mental"
    assert part.entries[0].link.endswith("/participacion/proceso-3/")
    editors = feedparser.parse((site / "feeds" / "noticias.atom.xml").read_bytes())
    assert not editors.bozo and len(editors.entries) == 3
    page = read(site, "/feeds/")
    for name in ("noticias.atom.xml", "noticias-instituciones.atom.xml", "participacion.atom.xml"):
        assert f"feeds/{name}" in page


def test_a_preview_has_no_sitemap_of_relative_addresses(site):
    # Search engines take only absolute <loc>s: the sitemap comes with `make publish`.
    assert not (site / "sitemap.xml").exists()
    assert (site / "robots.txt").read_text() == "User-agent: *\nAllow: /\n"


def test_catalog_exports(site):
    rows = list(csv.DictReader((site / "catalogo" / "datasets.csv").open(encoding="utf-8-sig")))
    assert len(rows) == 120 and rows[1]["titulo"] == "Presupuesto <script>alert(1)</script> 2026"
    assert rows[0]["formatos"] == "CSV; JSON" and rows[0]["institucion"] == "Ministerio de Salud"
    doc = json.loads((site / "catalogo" / "data.json").read_text())     # always on
    assert doc["conformsTo"].startswith("https://project-open-data")
    assert len(doc["dataset"]) == 120 and doc["dataset"][0]["title"] == "Establecimientos de salud"
    assert doc["dataset"][0]["distribution"][0]["downloadURL"] == "https://datos.example/f/est.csv"
    assert doc["dataset"][0]["description"] == ("<p>Descripción del conjunto 1, con "
                                                "<strong>detalle</strong>.</p>")
    assert "data.json" in (site / "catalogo" / "index.html").read_text()


def test_footer_links_only_pages_that_exist(site):
    html = read(site, "/")
    footer = html[html.index('<footer'):]
    links = re.findall(r'href="([^"]+)"', footer)
    assert {"./acerca/", "./accesibilidad/", "./privacidad/", "./estado/", "./catalogo/",
            "./feeds/"} <= set(links)
    for link in links:
        assert (site / link.removeprefix("./") / "index.html").is_file(), link


def test_apps_and_events_from_editors(site):
    apps = read(site, "/apps/")
    assert "Mapa de consultorios (ejemplo)" in apps and 'href="https://www.minsal.cl/"' in apps
    app = read(site, "/apps/mapa-de-consultorios/")
    assert 'src="../../images/apps/mapa-consultorios.svg"' in app
    assert (site / "images" / "apps" / "mapa-consultorios.svg").is_file()
    # The handcrafted snapshot has no dataset with that slug: named, not linked.
    assert "establecimientos-de-salud <span class=\"meta\">(no está en el catálogo actual)" in app
    events = read(site, "/eventos/")
    upcoming = events[events.index('id="proximos"'):events.index('id="pasados"')]
    past = events[events.index('id="pasados"'):]
    assert "Taller de datos abiertos" in upcoming and "Encuentro regional" in upcoming
    assert "Día Internacional del Acceso" in past
    assert "3 de diciembre de 2026, 10:00" in upcoming


def test_production_build_uses_absolute_urls(tmp_path):
    data = site_snapshot.write(tmp_path / "data", count=8)
    proc = build_site(data, tmp_path / "out", conf=ROOT / "publishconf.py",
                      extra_env={"PORTAL_SITEURL": "https://gobiernoabierto.example"})
    assert proc.returncode == 0, proc.stderr
    out = tmp_path / "out"
    page = (out / "datos" / "conjunto-1" / "index.html").read_text()
    assert '<link rel="canonical" href="https://gobiernoabierto.example/datos/conjunto-1/">' in page
    assert '"url":"https://gobiernoabierto.example/datos/conjunto-1/"' in page
    sitemap = (out / "sitemap.xml").read_text()
    assert "<loc>https://gobiernoabierto.example/</loc>" in sitemap
    assert "Sitemap: https://gobiernoabierto.example/sitemap.xml" in (out / "robots.txt").read_text()
    # Every page, and only pages, each at its absolute address.
    locs = set(re.findall(r"<loc>([^<]*)</loc>", sitemap))
    assert all(loc.startswith("https://gobiernoabierto.example/") for loc in locs)
    pages = {parse(out, p).url for p in html_pages(out)} - {"/404.html"}
    assert {loc.removeprefix("https://gobiernoabierto.example") for loc in locs} == pages
    assert 'href="/theme/css/portal.css"' in (out / "404.html").read_text() or \
        'href="https://gobiernoabierto.example/theme/css/portal.css"' in (out / "404.html").read_text()


def test_empty_snapshot_still_builds_every_section(tmp_path):
    (tmp_path / "empty").mkdir()
    proc = build_site(tmp_path / "empty", tmp_path / "out")
    assert proc.returncode == 0, proc.stderr
    for url in ("datos", "instituciones", "participacion", "transparencia", "noticias", "apps",
                "eventos", "estado", "feeds", "catalogo"):
        assert (tmp_path / "out" / url / "index.html").is_file(), url
    assert "Aún no hay conjuntos de datos" in (tmp_path / "out" / "datos" / "index.html").read_text()


@pytest.mark.parametrize("text, message", [
    ("source: extra\nrecords:\n  - {id: 'extra:1', type: dataset, resources: 7\n",
     r"extra\.yaml:\d+: invalid YAML"),
    (("source: extra\nschema_version: 1\nrecords:\n  - id: extra:1\n    type: dataset\n"
     "    resources: 7\n"), r"extra\.yaml:4: record 1 \(extra:1\): 'resources' must be a list"),
])
def test_invalid_snapshot_stops_the_build_with_a_clear_message(tmp_path, text, message):
    data = site_snapshot.write(tmp_path / "data", count=6)
    (data / "sources" / "extra.yaml").write_text(text)
    proc = build_site(data, tmp_path / "out")
    assert proc.returncode == 1
    assert "Traceback" not in proc.stdout + proc.stderr
    assert re.search("error: .*" + message, proc.stderr), proc.stderr
