"""/obras/ built from a handcrafted snapshot (tests/obras_snapshot.py) and from the
bundled one (real BA Obras works): pages, delays against the pinned build date
(2026-11-26), exact totals, the follow-up from the change log, exports, the
institution pages, search documents and incremental rebuilds."""

from __future__ import annotations

import csv
import io
import json
import re
import sys
from decimal import Decimal
from pathlib import Path

import obras_snapshot
import pytest
import site_snapshot
from conftest import ROOT, build_site
from site_pages import html_pages, parse, resolve
from site_pages import read_page as read

from aggregator.snapshot import read_source_file, write_source_file

BA_BOUNDS = (-58.6, -34.75, -58.3, -34.5)


@pytest.fixture(scope="session")
def site(tmp_path_factory):
    return site_snapshot.build_once(tmp_path_factory, "obras", obras_snapshot.write)


def text(html_text: str) -> str:
    """The visible text of a page's <main>, whitespace folded."""
    main = re.search(r"<main.*?</main>", html_text, re.DOTALL).group(0)
    main = re.sub(r"<svg.*?</svg>", " ", main, flags=re.DOTALL)
    return " ".join(re.sub(r"<[^>]+>", " ", main).replace("&nbsp;", " ").split())


OBRAS_PAGES = [
    "/obras/", "/obras/todas/", "/obras/todas/pagina/2/", "/obras/atrasadas/",
    "/obras/etapa/en-ejecucion/", "/obras/etapa/finalizadas/", "/obras/etapa/detenidas/",
    "/obras/etapa/planificadas/", "/obras/etapa/sin-etapa/", "/obras/regiones/",
    "/obras/region/metropolitana-de-santiago/", "/obras/region/sin-ubicacion-indicada/",
    "/obras/comuna/metropolitana-de-santiago-nunoa/", "/obras/instituciones/",
    "/obras/institucion/ministerio-de-salud/", "/obras/institucion/sin-institucion/",
    "/obras/tipos/", "/obras/tipo/hospital/", "/obras/hospital-de-ejemplo-nueva-torre-1/",
    "/obras/parque-planificado-5/",
]


@pytest.mark.parametrize("url", OBRAS_PAGES)
def test_obras_pages_are_built_with_one_h1_and_their_canonical_url(site, url):
    page = parse(site, site / url.lstrip("/") / "index.html")
    assert page.h1 == 1 and page.lang == "es" and page.first_focusable == "#contenido"
    assert page.canonical[0].endswith(url.lstrip("/"))


def test_every_link_of_the_obras_pages_exists(site):
    missing = set()
    for path in html_pages(site):
        page = parse(site, path)
        for ref in page.links:
            target = resolve(site, page, ref)
            if target is None or "buscar" in target.parts or ref.startswith("#"):
                continue
            if not target.exists():
                missing.add(f"{page.url} -> {ref}")
    assert not missing, sorted(missing)[:20]


def test_delays_are_counted_against_the_build_date(site):
    late = text(read(site, "/obras/hospital-de-ejemplo-nueva-torre-1/"))
    # Planned end 2026-06-30, 55 % done, built on 2026-11-26: 149 days.
    assert "Atrasada: 149 días" in late
    # A month as planned end ends on its last day: 2026-10-31 -> 26 days.
    assert "Atrasada: 26 días" in text(read(site, "/obras/parque-planificado-5/"))
    for url in ("/obras/escuela-terminada-3/", "/obras/puente-detenido-4/",
                "/obras/consultorio-de-nunoa-2/"):
        assert "Atrasada" not in text(read(site, url)), url
    listing = text(read(site, "/obras/atrasadas/"))
    assert listing.index("Hospital de Ejemplo") < listing.index("Parque planificado")
    assert "2 obras" in listing
    assert "2 atrasadas" in text(read(site, "/obras/"))


def test_a_work_page_shows_progress_amount_dates_place_and_history(site):
    html_text = read(site, "/obras/hospital-de-ejemplo-nueva-torre-1/")
    page = text(html_text)
    assert re.search(r'<label for="avance">Avance: 55 %</label>\s*<progress id="avance" '
                     r'max="100" value="55">55 %</progress>', html_text)
    assert "1.234.567.890,50 CLP" in page and "Constructora Ejemplo" in page
    assert "Inicio 10 de enero de 2025" in page
    assert "Término 30 de junio de 2026 Sin terminar" in page
    assert ('href="https://www.openstreetmap.org/?mlat=-33.451&amp;mlon=-70.661#map=17/'
            '-33.451/-70.661"') in html_text
    assert "<iframe" not in html_text and "<img" not in html_text.split("<main", 1)[1]
    # The change log's history (issue 11's _history.html), as on every record page.
    assert "Historial Actualizado 25 de noviembre de 2026 Avance: antes «40 %», ahora " \
           "«55 %»" in page
    # Its progress at each harvest, read back from the log from what it is now.
    assert ("Avance en el tiempo Avance y etapa en cada cosecha que los cambió Cosecha Avance "
            "Etapa 1 de octubre de 2026 (primera) 40 % En ejecución 25 de noviembre de 2026 "
            "55 % En ejecución") in page
    finished = text(read(site, "/obras/escuela-terminada-3/"))
    assert ("1 de octubre de 2026 (primera) 90 % En ejecución 25 de noviembre de 2026 100 % "
            "Finalizada") in finished
    assert "Etapa: antes «En ejecución», ahora «Finalizada»" in finished
    assert "Término real: antes «sin dato», ahora «15 de febrero de 2026»" in finished
    assert "Término 31 de diciembre de 2025 15 de febrero de 2026" in finished
    amount = text(read(site, "/obras/consultorio-de-nunoa-2/"))
    assert "Monto: antes «240.000.000», ahora «250.000.000»" in amount
    nowhere = read(site, "/obras/parque-planificado-5/")
    assert "openstreetmap" not in nowhere and "no da coordenadas válidas" in nowhere
    assert "Sin cambios registrados" in nowhere


def test_the_summary_totals_are_exact_and_follow_up_is_counted(site):
    page = text(read(site, "/obras/"))
    # 1,234,567,890.50 + 250,000,000 + 0.10 + 0.20 + 0.30 + 1,690,000,000, exactly.
    assert "Monto contratado: 3.174.567.891,10 CLP" in page
    assert "En ejecución 54 3.174.567.890,50 CLP" in page
    assert "Finalizadas 1 0,10 CLP" in page and "Detenidas 1 0,20 CLP" in page
    assert "Planificadas 1 0,30 CLP" in page
    for count, words in [("54", "en ejecución"), ("1", "finalizadas"), ("1", "detenidas"),
                         ("1", "planificadas"), ("1", "etapa desconocida")]:
        assert f"{count} {words}" in page
    # Since the previous harvest (change log): 1 advanced, 1 finished, the other 53
    # works in progress stalled.
    assert "En la última cosecha ( 25 de noviembre de 2026 ), comparada con la anterior" in page
    assert ("1 avanzaron 53 se estancaron (en ejecución, sin avance) 1 terminaron "
            "1 se retiraron de la fuente") in page


def test_a_removed_work_is_a_tombstone_with_its_last_figures(site):
    html_text = read(site, "/obras/sede-vecinal-retirada-90/")
    page = text(html_text)
    assert '<meta name="robots" content="noindex">' in html_text
    assert "Retirado de la fuente. Esta obra pública dejó de estar publicada en" in page
    assert ("Etapa En ejecución (En obra) Avance 35 % Monto 48.000.000 CLP Contratista "
            "Constructora Ejemplo Término previsto 30 de junio de 2027") in page
    assert "Historial Eliminado 25 de noviembre de 2026" in page
    listed = [read(site, u) for u in ("/obras/todas/", "/obras/todas/pagina/2/")]
    assert "Pavimentación de calle número 58" in "".join(listed)
    assert not any("sede-vecinal-retirada" in t for t in listed)
    assert "Sede vecinal" not in (site / "catalogo" / "obras.csv").read_text("utf-8")


def test_charts_are_svg_with_text_alternatives_and_tables(site):
    html_text = read(site, "/obras/")
    svgs = re.findall(r"<svg .*?</svg>", html_text, re.DOTALL)
    assert len(svgs) == 3
    for svg in svgs:
        ids = re.search(r'aria-labelledby="([^"]+)"', svg).group(1).split()
        assert all(f'id="{i}"' in svg for i in ids) and 'role="img"' in svg
        assert "<title" in svg and "<desc" in svg
    desc = re.search(r'<desc id="grafico-avance-d">(.*?)</desc>', html_text).group(1)
    progress = [o.progress for o in obras_snapshot.obras()]
    buckets = [sum(1 for p in progress if p is not None and low <= p < high)
               for low, high in ((0, 0.01), (0.01, 25), (25, 50), (50, 75), (75, 100),
                                 (100, 101))]
    assert buckets == [1, 14, 26, 15, 0, 1]
    assert desc == ("0 %: 1; 1–24 %: 14; 25–49 %: 26; 50–74 %: 15; 75–99 %: 0; "
                    "100 %: 1; Sin dato: 1.")
    table = re.search(r"<caption>Distribución del avance</caption>.*?</table>", html_text,
                      re.DOTALL).group(0)
    for label, count in re.findall(r"([^:;]+): (\d+)", desc.rstrip(".")):
        assert f"<th scope=\"row\">{label.strip()}</th><td>{count}</td>" in table


def test_hostile_text_stays_text(site):
    page = read(site, "/obras/obra-script-alert-1-script-con-b-marcas-b-6/")
    main = page.split("<main", 1)[1]
    assert "<script>alert" not in page and "<img" not in main and "<b>" not in main
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=alert(2)&gt; texto" in page
    # A remote image is a link, never loaded by the page.
    assert '<a href="https://imagenes.example/obra-6.jpg"' in page
    assert 'src="https://imagenes.example' not in page


def test_exports_csv_and_geojson(site):
    raw = (site / "catalogo" / "obras.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    works = {o.id: o for o in obras_snapshot.obras()}
    assert len(rows) == len(works) == 58
    first = next(r for r in rows if r["id"] == "obras-prueba:1")
    assert (first["monto"], first["etapa"], first["dias_atraso"], first["avance"]) == \
        ("1234567890.5", "En ejecución", "149", "55")
    assert first["institucion"] == "Ministerio de Salud"
    assert first["pagina_portal"] == "/obras/hospital-de-ejemplo-nueva-torre-1/"
    assert sum(Decimal(r["monto"]) for r in rows if r["monto"]) == Decimal("3174567891.10")

    doc = json.loads((site / "catalogo" / "obras.geojson").read_text("utf-8"))
    assert doc["type"] == "FeatureCollection"
    with_point = {i for i, o in works.items() if o.lat is not None}
    assert {f["id"] for f in doc["features"]} == with_point and len(with_point) == 57
    for f in doc["features"]:
        lon, lat = f["geometry"]["coordinates"]
        assert f["type"] == "Feature" and f["geometry"]["type"] == "Point"
        assert (lon, lat) == (works[f["id"]].lon, works[f["id"]].lat)
        assert -180 <= lon <= 180 and -90 <= lat <= 90
        assert not any("<" in str(v) or ">" in str(v) for v in f["properties"].values())
    hostile = next(f for f in doc["features"] if f["id"] == "obras-prueba:6")
    assert hostile["properties"]["titulo"] == "Obra alert(1) con marcas"
    catalog = read(site, "/catalogo/")
    assert 'href="../catalogo/obras.csv"' in catalog
    assert 'href="../catalogo/obras.geojson"' in catalog


def test_institution_pages_count_their_works(site):
    salud = text(read(site, "/instituciones/ministerio-de-salud/"))
    # Works 1, 4, 6 and the 52 streets: 1,234,567,890.50 + 0.20 + 1,690,000,000.
    assert "Obras 55 obras públicas, 2.924.567.890,70 CLP en contratos. 1 atrasada" in salud
    assert "En ejecución 53 Detenidas 1 Etapa desconocida 1 Sus 55 obras" in salud
    assert 'href="../../obras/institucion/ministerio-de-salud/"' in \
        read(site, "/instituciones/ministerio-de-salud/")
    assert "Obras 1 obra pública, 0,10 CLP en contratos. Finalizadas 1 Su 1 obra" in \
        text(read(site, "/instituciones/ministerio-de-hacienda/"))
    assert 'id="obras"' not in read(site, "/instituciones/subsecretaria-de-salud-publica/")


def test_a_site_without_works_still_has_the_section(tmp_path_factory):
    out = site_snapshot.build_once(tmp_path_factory, "handmade", site_snapshot.write)
    assert "Aún no hay obras públicas" in read(out, "/obras/")
    assert (out / "catalogo" / "obras.csv").read_bytes().count(b"\n") == 1
    assert json.loads((out / "catalogo" / "obras.geojson").read_text()) == {
        "type": "FeatureCollection", "features": []}
    assert 'href="../obras/"' in read(out, "/datos/")      # the navigation links it


def test_works_reach_the_search_corpus(tmp_path):
    sys.path.insert(0, str(ROOT / "plugins"))
    from datetime import date

    from portal_search.documents import STAGE_LABELS
    from portal_search.generator import documents_of
    from portal_site.model import SiteModel
    from portal_site.obras_data import STAGES

    assert STAGE_LABELS == {k: v[0] for k, v in STAGES.items()}
    model = SiteModel.load(obras_snapshot.write(tmp_path / "data"), date(2026, 11, 26))
    docs = [d for d in documents_of({"portal": model}) if d.kind == "obra"]
    assert len(docs) == 58
    one = next(d for d in docs if d.url == "/obras/hospital-de-ejemplo-nueva-torre-1/")
    assert one.filters == {"etapa": ["En ejecución"], "region": ["Metropolitana de Santiago"]}
    assert one.institution == "Ministerio de Salud" and "Constructora Ejemplo" in one.body
    html_doc = one.to_html()
    assert 'data-pagefind-filter="tipo[content]" content="Obras"' in html_doc
    assert 'data-pagefind-filter="etapa[content]" content="En ejecución"' in html_doc


def _stamps(out: Path) -> dict[str, int]:
    return {p.relative_to(out).as_posix(): p.stat().st_mtime_ns
            for p in out.rglob("*.html")}


def test_one_changed_work_rerenders_its_pages_only(tmp_path):
    data = obras_snapshot.write(tmp_path / "data")
    out = tmp_path / "out"
    assert build_site(data, out).returncode == 0
    first = _stamps(out)
    assert build_site(data, out).returncode == 0
    unchanged = _stamps(out)
    assert not any(p.startswith("obras/") and unchanged[p] != first[p] for p in first)
    sf = read_source_file(data / "sources" / "obras-prueba.yaml", None)
    for r in sf.records:
        if r.remote_id == "20":
            r.progress = 80
    write_source_file(data, sf.source, "csv", obras_snapshot.LAST, sf.records, cache_dir=False,
                      name=sf.name, url=sf.url)
    assert build_site(data, out).returncode == 0
    after = _stamps(out)
    rewritten = {p for p in after if p.startswith("obras/") and after[p] != unchanged.get(p)}
    assert "obras/pavimentacion-de-calle-numero-20-20/index.html" in rewritten
    assert "obras/index.html" in rewritten          # its progress bucket moved
    work_pages = {p for p in rewritten if p.count("/") == 2 and "-" in p.split("/")[1]
                  and not p.startswith(("obras/todas", "obras/atrasadas"))}
    assert work_pages == {"obras/pavimentacion-de-calle-numero-20-20/index.html"}
    assert "80 %" in read(out, "/obras/pavimentacion-de-calle-numero-20-20/")


# -- the bundled snapshot: real BA Obras works -------------------------------------

def test_bundled_works_summary(bundled_site):
    page = text(read(bundled_site, "/obras/"))
    assert "1.525 obras públicas de 10 instituciones" in page
    assert "Monto contratado: 106.337.522.987,47 ARS" in page
    assert "1.391 finalizadas" in page and "91 en ejecución" in page


def test_bundled_geojson_has_every_valid_point_inside_the_city(bundled_site):
    doc = json.loads((bundled_site / "catalogo" / "obras.geojson").read_text("utf-8"))
    sf = read_source_file(ROOT / "content" / "data" / "sources" / "ba-obras.yaml", None)
    with_point = {r.id for r in sf.records if r.lat is not None}
    assert {f["id"] for f in doc["features"]} == with_point and len(with_point) > 1400
    west, south, east, north = BA_BOUNDS
    for f in doc["features"]:
        lon, lat = f["geometry"]["coordinates"]
        assert west <= lon <= east and south <= lat <= north, f["id"]
