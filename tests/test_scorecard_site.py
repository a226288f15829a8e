"""The scorecard on the site: /evaluacion/ (national figure, distribution, ranking
in every order, filters by kind and region), /evaluacion/metodologia/ generated
from the same values as the totals, the section on institution pages, the quality
of each dataset, the CSV export, incremental builds, and the pages in Chromium."""

from __future__ import annotations

import csv
import io
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
import score_snapshot as snap
import site_snapshot
from conftest import StaticServer, assert_fits, build_site
from site_pages import html_pages, parse, read_page, resolve

from aggregator import yamlio
from aggregator.score import Scorer, load_settings


def _scored_data(root: Path, extra: str = "") -> Path:
    data = snap.write(root / "data")
    Scorer(snap.settings(root, extra)).run(data, cache_dir=None, out=None)
    return data


def _build(root: Path, data: Path, extra: str = "") -> Path:
    conf = snap.settings(root / "conf", extra)
    out = root / "output"
    proc = build_site(data, out, conf=conf, today="2026-06-20")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return out


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("scorecard")
    return _build(root, _scored_data(root))


def text(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.DOTALL)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace(" ,", ",").strip()


class _Tables(HTMLParser):
    """Tables (caption, rows of cell texts) and SVG charts (title, desc) of a page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tables, self.charts, self.ids = [], [], set()
        self._cell = self._in = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(a["id"])
        if tag == "table":
            self.tables.append({"caption": "", "rows": []})
        elif tag == "tr" and self.tables:
            self.tables[-1]["rows"].append([])
        elif tag in ("td", "th") and self.tables:
            self._cell = ""
        elif tag == "caption":
            self._in = "caption"
        elif tag == "svg":
            self.charts.append({"title": "", "desc": "", "labelledby": a.get("aria-labelledby"),
                                "role": a.get("role")})
        elif tag in ("title", "desc") and self.charts:
            self._in = tag

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.tables[-1]["rows"][-1].append(" ".join(self._cell.split()))
            self._cell = None
        elif tag in ("caption", "title", "desc"):
            self._in = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell += data
        if self._in == "caption":
            self.tables[-1]["caption"] += data
        elif self._in in ("title", "desc") and self.charts:
            self.charts[-1][self._in] += data


def tables(html: str) -> _Tables:
    p = _Tables()
    p.feed(html)
    return p


def dataset_page(out: Path, title: str) -> str:
    for path in (out / "datos").glob("*/index.html"):
        html = path.read_text("utf-8")
        if f"<h1>{title}</h1>" in html:
            return html
    raise AssertionError(f"no page for {title}")


# -- pages ------------------------------------------------------------------------------

def test_national_page(site):
    html = read_page(site, "/evaluacion/")
    t = text(html)
    # ana 77.1, beto 57.1, cero 0: mean 44.7, median 57.1.
    assert "44,7 promedio nacional (de 100)" in t and "3 instituciones evaluadas" in t
    assert "57,1 mediana" in t
    assert "1 institución del registro no se evalúa: 1 por su tipo (organismo extranjero)." in t
    ranking = next(tb for tb in tables(html).tables if tb["caption"].startswith("Instituciones,"))
    assert [r[:3] for r in ranking["rows"][1:]] == [
        ["1", "Agencia Nacional de Ana servicio", "77,1"],
        ["2", "Ministerio de Beto ministerio", "57,1"],
        ["3", "Servicio Cero servicio", "0"]]
    assert "Evaluación al 15 de junio de 2026" in t


def test_every_order_is_a_page_and_says_which(site):
    names = {}
    for key in ("nombre", "datos", "transparencia", "participacion", "comunicacion"):
        html = read_page(site, f"/evaluacion/orden/{key}/")
        assert html.count("aria-sort=") == 1
        ranking = next(tb for tb in tables(html).tables
                       if tb["caption"].startswith("Instituciones,"))
        names[key] = [r[1].split(" ")[0] for r in ranking["rows"][1:]]
    assert names["nombre"] == ["Agencia", "Ministerio", "Servicio"]
    # Participation: beto 100, ana 60, cero 0.
    assert names["participacion"] == ["Ministerio", "Agencia", "Servicio"]
    # Transparency: ana 100, cero 0; beto has none that applies: last.
    assert names["transparencia"] == ["Agencia", "Servicio", "Ministerio"]
    assert 'aria-sort="descending"><a href="../../../evaluacion/orden/datos/">' in \
        read_page(site, "/evaluacion/orden/datos/")


def test_filters_by_kind_and_region_are_pages(site):
    kinds = text(read_page(site, "/evaluacion/tipo/"))
    assert "ministerio 1 57,1" in kinds and "servicio 2 38,6" in kinds
    servicio = text(read_page(site, "/evaluacion/tipo/servicio/"))
    assert "Agencia Nacional de Ana" in servicio and "Servicio Cero" in servicio
    assert "Ministerio de Beto" not in servicio
    regions = text(read_page(site, "/evaluacion/region/"))
    assert "Región A 1 77,1" in regions and "Región B 1 0" in regions


def test_institution_section(site):
    html = read_page(site, "/instituciones/ana/")
    assert html.count('id="evaluacion"') == 1
    t = text(html)
    assert "77,1 de 100 · Destacado · lugar 1 de 3" in t
    assert "punto más débil: Conjuntos de datos publicados" in t
    assert "12,4 de 15 puntos · 82,7 % en promedio (4 conjuntos)" in t
    assert "En contra: 1 Conjunto mínimo" in t
    # Evidence links to the records' pages here (a lobby meeting has its own page,
    # docs/registers.md), or to the source (a news item).
    assert 'href="../../transparencia/ana/audiencia/a1/"' in html
    assert 'href="https://ana.example/n1"' in html
    beto = text(read_page(site, "/instituciones/beto/"))
    assert ("Noticias al día (Comunicación) No aplica (10 puntos fuera del cálculo): No hay "
            "una fuente de noticias de esta institución en el portal.") in beto
    assert "lugar 2 de 3" in beto
    ext = text(read_page(site, "/instituciones/ext/"))
    assert "No se evalúan las instituciones de tipo «organismo extranjero»." in ext


def test_internal_links_of_scorecard_pages_exist(site):
    pages = [p for p in html_pages(site) if "evaluacion" in p.parts
             or p.parent.name in ("ana", "beto", "cero")]
    assert len(pages) > 10
    missing = []
    for path in pages:
        page = parse(site, path)
        for href in page.links:
            target = resolve(site, page, href.split("#")[0] or page.url)
            if target is not None and not target.exists():
                missing.append((page.url, href))
    assert missing == []


def test_dataset_page_says_its_rating_and_what_is_missing(site):
    t = text(dataset_page(site, "Conjunto mínimo"))
    assert ("Calidad de los metadatos Suficiente (30,9 %). Falta: palabras clave, temas, "
            "cobertura geográfica, cobertura temporal, tipo de medio (media type), formato "
            "legible por máquina, licencia, licencia de un vocabulario conocido, punto de "
            "contacto, tamaño de los archivos, fecha de modificación.") in t
    assert "Excelente (100 %): tiene todo lo que se comprueba" in \
        text(dataset_page(site, "Conjunto 1"))


def test_charts_have_titles_and_the_same_numbers_in_a_table(site):
    for url in ("/evaluacion/", "/instituciones/ana/"):
        page = tables(read_page(site, url))
        assert page.charts
        for chart in page.charts:
            assert chart["role"] == "img" and chart["title"] and chart["desc"]
            assert set(chart["labelledby"].split()) <= page.ids
            pairs = [p.rsplit(": ", 1) for p in chart["desc"].rstrip(".").split("; ")]
            matching = [tb for tb in page.tables
                        if [r[:2] for r in tb["rows"][1:]] == [[a, b] for a, b in pairs]]
            assert matching, (url, chart["title"], pairs)


def test_csv_export(site):
    raw = (site / "catalogo" / "evaluacion.csv").read_bytes()
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert [r["institucion_id"] for r in rows] == ["ana", "beto", "cero"]
    ana = rows[0]
    assert (ana["total"], ana["calificacion"], ana["posicion"], ana["lobby_puntos"],
            ana["calidad_metadatos_puntos"]) == ("77.1", "Destacado", "1", "15", "12.4")
    assert rows[1]["noticias_puntos"] == "" and rows[1]["transparencia"] == ""
    assert 'href="../catalogo/evaluacion.csv"' in read_page(site, "/catalogo/")
    # Every column is documented on the method page and in docs/scorecard.md.
    method = read_page(site, "/evaluacion/metodologia/")
    docs = (Path(__file__).resolve().parent.parent / "docs" / "scorecard.md").read_text()
    for column in rows[0]:
        assert f"<code>{column}</code>" in method and f"`{column}`" in docs


def test_method_page_lists_exactly_the_settings_indicators_and_points(site):
    block = load_settings(Path(__file__).resolve().parent.parent / "pelicanconf.py")[
        "PORTAL_SCORECARD"]
    html = read_page(site, "/evaluacion/metodologia/")
    page = tables(html)
    points = next(tb for tb in page.tables if tb["caption"] == "Puntos de cada indicador")
    listed = {r[0]: r[2] for r in points["rows"][1:-1]}
    labels = dict(re.findall(r'<h4 id="([a-z_]+)">([^<:]+):', html))
    assert set(labels) == set(block["indicators"])
    assert {labels[k]: str(v["points"]) for k, v in block["indicators"].items()} == listed
    assert points["rows"][-1][-1] == str(sum(v["points"] for v in block["indicators"].values()))
    metrics = next(tb for tb in page.tables if tb["caption"].startswith("Métricas de calidad"))
    assert sorted(int(r[2]) for r in metrics["rows"][1:]) == sorted(
        block["dataset_quality"]["points"].values())
    # The anchors the DQV export points at exist.
    for anchor in ("evaluacion_total", "calidad_metadatos_porcentaje", "mqa-licencia",
                   "mqa-reutilizacion", "dimension-datos", "categoria-calidad-metadatos"):
        assert anchor in page.ids


def test_a_changed_weight_changes_totals_and_method_page_together(tmp_path, site):
    extra = "PORTAL_SCORECARD['indicators']['lobby']['points'] = 30"
    data = _scored_data(tmp_path, extra)
    assert yamlio.load_file(data / "scores.yaml")["institutions"][0]["total"] == 80.1
    out = _build(tmp_path, data, extra)
    method = text(read_page(out, "/evaluacion/metodologia/"))
    assert "Registro de lobby al día: 30 puntos" in method
    assert "Registro de lobby al día: 15 puntos" in \
        text(read_page(site, "/evaluacion/metodologia/"))
    # ana: (77.1 + 15) of 115 = 80.09.
    assert "80,1 de 100" in text(read_page(out, "/instituciones/ana/"))
    assert "77,1 de 100" in text(read_page(site, "/instituciones/ana/"))


def test_build_warns_when_scores_were_made_with_other_settings(tmp_path):
    data = _scored_data(tmp_path)
    conf = snap.settings(tmp_path / "conf", "PORTAL_SCORECARD['indicators']['lobby']"
                                            "['points'] = 30")
    proc = build_site(data, tmp_path / "out", conf=conf)
    assert proc.returncode == 0
    assert "run `python -m aggregator score`" in re.sub(r"\s+", " ", proc.stdout + proc.stderr)


def test_without_scores_the_pages_say_so(tmp_path_factory):
    out = site_snapshot.build_once(tmp_path_factory, "handmade", site_snapshot.write)
    assert "Todavía no hay una evaluación calculada" in read_page(out, "/evaluacion/")
    method = text(read_page(out, "/evaluacion/metodologia/"))
    assert "Registro de lobby al día: 15 puntos" in method      # from the settings
    assert "Todavía no hay una evaluación calculada." in \
        text(read_page(out, "/instituciones/ministerio-de-salud/"))


# -- incremental builds ---------------------------------------------------------------

def _stamps(out: Path) -> dict[str, int]:
    return {p.relative_to(out).as_posix(): p.stat().st_mtime_ns for p in out.rglob("*")
            if p.is_file()}


def test_unchanged_build_rerenders_no_scorecard_page(tmp_path):
    data = _scored_data(tmp_path)
    out = _build(tmp_path, data)
    first = _stamps(out)
    second = _stamps(_build(tmp_path, data))
    scorecard = [p for p in first if p.startswith(("evaluacion/", "catalogo/evaluacion.csv",
                                                   "instituciones/", "datos/"))]
    assert len(scorecard) > 20
    assert [p for p in scorecard if first[p] != second.get(p)] == []
    # A new day of history changes the trend: the scorecard pages and the institution
    # pages are rendered again, the dataset pages are not.
    snap.set_time(data, "2026-07-15T12:00:00+00:00")
    Scorer(snap.settings(tmp_path)).run(data, cache_dir=None, out=None)
    third = _stamps(_build(tmp_path, data))
    changed = {p for p in third if third[p] != second.get(p)}
    assert "evaluacion/index.html" in changed and "instituciones/ana/index.html" in changed
    assert not any(p.startswith("datos/") for p in changed)
    html = read_page(out, "/instituciones/ana/")
    assert '<svg class="chart" id="tendencia-ana"' in html
    assert "Puntaje total por fecha de evaluación" in html


# -- in Chromium -----------------------------------------------------------------------

@pytest.fixture(scope="module")
def site_url(site):
    with StaticServer(site) as url:
        yield url


@pytest.mark.browser
@pytest.mark.parametrize("path", ["/evaluacion/", "/evaluacion/metodologia/",
                                  "/evaluacion/orden/datos/", "/evaluacion/tipo/",
                                  "/evaluacion/tipo/servicio/", "/instituciones/ana/",
                                  "/instituciones/beto/"])
def test_pages_pass_axe(probe, site_url, path):
    probe.assert_page_ok(site_url + path)


@pytest.mark.browser
@pytest.mark.parametrize("path", ["/evaluacion/", "/instituciones/ana/",
                                  "/evaluacion/metodologia/"])
def test_no_horizontal_scroll_at_320px(narrow_nojs, site_url, path):
    assert_fits(narrow_nojs, site_url + path)
    if path != "/evaluacion/metodologia/":      # the charts print and show without JS
        assert narrow_nojs.locator("svg.chart").first.is_visible()


@pytest.mark.parametrize("edit, message", [
    (lambda d: d["institutions"][0]["indicators"][0].pop("for"),
     "institutions[0] (ana).indicators[0]: missing 'for'"),
    (lambda d: d["method"].update(indicators="muchos"), "method.indicators: unexpected str"),
    (lambda d: d.update(schema_version=9), "schema_version 9 is not supported"),
])
def test_a_broken_scores_file_stops_the_build_naming_the_key(tmp_path, edit, message):
    data = _scored_data(tmp_path)
    doc = yamlio.load_file(data / "scores.yaml")
    edit(doc)
    yamlio.write_atomic(data / "scores.yaml", yamlio.dumps(doc))
    proc = build_site(data, tmp_path / "out", conf=snap.settings(tmp_path / "conf"))
    output = re.sub(r"\s+", " ", proc.stdout + proc.stderr)
    assert proc.returncode == 1 and message in output and "Traceback" not in output
