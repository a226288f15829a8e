"""A small handcrafted corpus for the search tests, and tests of the documents
the index is built from (no browser here; see test_search_browser.py).

The corpus is invented test data (hosts under .example): every kind of item,
Spanish titles with accents, plurals and an institution known by its acronym,
so each query of the browser tests has one right first answer.
"""

from __future__ import annotations

import html
import sys
from pathlib import Path

from aggregator import yamlio
from aggregator.records import Consultation, Dataset, Institution, License, NewsItem, Resource
from aggregator.records_registers import TransparencyEntry
from aggregator.snapshot import write_source_file

ROOT = Path(__file__).resolve().parent.parent
HOST = "https://datos.example"
STAMP = "2026-11-25T06:00:00+00:00"
CC_BY = License("cc-by-4.0", "Creative Commons Atribución 4.0",
                "https://creativecommons.org/licenses/by/4.0/")

INSTITUTIONS = [
    Institution(id="ministerio-de-salud", name="Ministerio de Salud", acronym="MINSAL",
                kind="ministerio"),
    Institution(id="ministerio-de-hacienda", name="Ministerio de Hacienda", kind="ministerio"),
    Institution(id="ministerio-de-educacion", name="Ministerio de Educación",
                acronym="MINEDUC", kind="ministerio"),
    Institution(id="servicio-electoral", name="Servicio Electoral", acronym="SERVEL",
                aliases=["Registro Electoral de Chile"], kind="servicio"),
    Institution(id="municipalidad-de-nunoa", name="Municipalidad de Ñuñoa",
                kind="municipalidad", region="Metropolitana de Santiago"),
]

# (remote id = slug, title, institution, modified, themes, formats, description)
DATASETS = [
    ("establecimientos-de-salud", "Establecimientos de salud", "ministerio-de-salud",
     "2026-11-20", ["salud"], ["CSV", "JSON"],
     "Hospitales, consultorios y postas del país con su dirección."),
    ("listas-de-espera", "Listas de espera hospitalarias", "ministerio-de-salud",
     "2025-08-01", ["salud"], ["CSV"], "Personas en espera de una cirugía o consulta."),
    ("atenciones-de-urgencia", "Atenciones de urgencia", "ministerio-de-salud",
     "2024-03-15", ["salud"], ["XLSX"], "Atenciones semanales en servicios de urgencia."),
    ("vacunacion-influenza", "Información de vacunación contra la influenza",
     "ministerio-de-salud", "2026-05-02", ["salud"], ["CSV"],
     "Dosis administradas por región y grupo de riesgo."),
    ("presupuesto-2026", "Presupuesto del sector público 2026", "ministerio-de-hacienda",
     "2026-01-05", ["economía"], ["XLSX"], "Ley de presupuestos aprobada por el Congreso."),
    ("ejecucion-mensual", "Ejecución mensual del gasto", "ministerio-de-hacienda",
     "2026-10-01", ["economía"], ["CSV"], "Gasto devengado de cada programa."),
    ("licitaciones-adjudicadas", "Licitaciones públicas adjudicadas", "ministerio-de-hacienda",
     "2023-07-07", ["economía"], ["CSV"], "Compras del Estado con su proveedor."),
    ("matricula-escolar", "Matrícula escolar por comuna", "ministerio-de-educacion",
     "2025-04-30", ["educación"], ["CSV"], "Estudiantes matriculados cada año."),
    ("jardines-infantiles", "Niños y niñas en jardines infantiles", "ministerio-de-educacion",
     "2022-09-09", ["educación"], ["PDF"], "Cobertura de la educación parvularia."),
    ("resultados-electorales", "Resultados electorales históricos", "servicio-electoral",
     "2021-12-20", ["elecciones"], ["CSV", "XLSX"], "Votos por mesa desde 1989."),
    ("padron-electoral", "Padrón electoral", "servicio-electoral", "2024-06-30",
     ["elecciones"], ["CSV"], "Electores habilitados para votar."),
    ("permisos-de-edificacion", "Permisos de edificación", "municipalidad-de-nunoa",
     "2024-02-02", ["vivienda"], ["PDF"], "Permisos otorgados por la dirección de obras."),
    ("arboles-urbanos", "Árboles urbanos de Ñuñoa", "municipalidad-de-nunoa", "2020-10-10",
     ["medio ambiente"], ["GeoJSON"], "Catastro del arbolado en calles y plazas."),
    ("camiones-recoleccion", "Camiones de recolección de basura", "municipalidad-de-nunoa",
     "2023-01-20", ["medio ambiente"], ["CSV"], "Recorridos y horarios por sector."),
]
# Enough other datasets that ranking is not decided by having few documents.
FILLER = [(f"indicador-{n}", f"Indicador regional número {n}",
           INSTITUTIONS[n % len(INSTITUTIONS)].id, f"20{10 + n % 15}-0{1 + n % 9}-15",
           ["estadísticas"], ["CSV"], "Serie anual de un indicador territorial.")
          for n in range(1, 61)]


def datasets() -> list[Dataset]:
    out = []
    for slug, title, inst, modified, themes, formats, desc in DATASETS + FILLER:
        out.append(Dataset(
            id=f"portal-datos:{slug}", source="portal-datos", remote_id=slug,
            url=f"{HOST}/dataset/{slug}", institution=inst, title=title,
            description_html=f"<p>{html.escape(desc)}</p>", themes=themes,
            tags=[], license=CC_BY, issued=modified, modified=modified,
            resources=[Resource(f"{title} ({f})", f, f"{HOST}/f/{slug}.{f.lower()}", 2048,
                                modified) for f in formats]))
    return out


def consultations() -> list[Consultation]:
    def c(n, title, inst, start, end, desc):
        return Consultation(id=f"participa:c{n}", source="participa", remote_id=f"proceso-{n}",
                            url=f"https://participa.example/procesos/{n}", institution=inst,
                            title=title, kind="consulta pública",
                            description_html=f"<p>{desc}</p>", start=start, end=end)
    return [c(1, "Consulta sobre la ley de fármacos", "ministerio-de-salud", "2026-11-01",
              "2026-12-06", "Opine sobre el acceso a medicamentos y la salud de todos."),
            c(2, "Plan de ciclovías de Ñuñoa", "municipalidad-de-nunoa", "2026-03-01",
              "2026-04-30", "Trazado de nuevas ciclovías en la comuna.")]


def news() -> list[NewsItem]:
    return [NewsItem(id="noticias-minsal:n1", source="noticias-minsal", remote_id="n1",
                     url="https://salud.example/noticias/campana-invierno",
                     institution="ministerio-de-salud", title="Campaña de invierno 2026",
                     summary_html="<p>Vacunatorios abiertos para cuidar la salud en invierno.</p>",
                     published="2026-04-01T09:00:00-03:00")]


def transparency() -> list[TransparencyEntry]:
    return [TransparencyEntry(
        id="lobby:a1", source="lobby", remote_id="A-001", url="https://lobby.example/a/1",
        institution="ministerio-de-salud", title="Audiencia sobre licencias médicas",
        kind="audiencia", date="2026-06-10", place="Santiago",
        persons=["Persona Ejemplo"], organizations=["Asociación Gremial (ejemplo)"]),
        TransparencyEntry(
        id="lobby:a2", source="lobby", remote_id="A-002", url="https://lobby.example/a/2",
        institution="ministerio-de-salud", title="Reunión sobre compra de ambulancias",
        kind="audiencia", date="2026-07-01", place="Santiago")]


EDITOR_FILES = {
    "noticias/2026-11-20-nace-el-portal.md": """---
title: Nace el portal de gobierno abierto
date: 2026-11-20 10:00
summary: Datos, transparencia y participación en un solo lugar.
---
Un portal para encontrar lo que publica el Estado.
""",
    "paginas/acerca.md": """---
title: Acerca del portal
summary: De dónde vienen los datos.
---
El portal reúne la información pública que publican las instituciones.
""",
    "apps/mapa-de-consultorios.md": """---
title: Mapa de consultorios
url: https://mapa.example/
summary: Encuentra el centro de atención primaria más cercano.
---
Una aplicación hecha con datos abiertos de salud.
""",
    "eventos/2026-12-03-taller.md": """---
title: Taller de datos abiertos para periodistas
date: 2026-12-03 10:00
place: Biblioteca Nacional, Santiago
summary: Cómo encontrar y verificar datos públicos.
---
Un taller práctico de tres horas.
""",
}


def write(data: Path) -> Path:
    (data / "sources").mkdir(parents=True, exist_ok=True)
    yamlio.write_atomic(data / "institutions.yaml", yamlio.dumps(
        {"institutions": [i.to_dict() for i in INSTITUTIONS]}))
    write_source_file(data, "portal-datos", "ckan", STAMP, datasets(), cache_dir=False,
                      name="Portal de Datos (prueba)", url=HOST)
    write_source_file(data, "participa", "decidim", STAMP, consultations(), cache_dir=False)
    write_source_file(data, "noticias-minsal", "feed", STAMP, news(), cache_dir=False)
    write_source_file(data, "lobby", "csv", STAMP, transparency(), cache_dir=False)
    return data


def write_content(content: Path) -> Path:
    for rel, text in EDITOR_FILES.items():
        path = content / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, "utf-8")
    return content


def build(tmp_path_factory, name: str = "search-corpus", **env: str) -> Path:
    """The corpus site, built once per test session (with its search index);
    `env` adds environment variables to the build (PORTAL_SEARCH_SHARD_BYTES...)."""
    from conftest import build_site

    root = tmp_path_factory.getbasetemp() / name
    out = root / "output"
    if (root / "built").exists():
        return out
    root.mkdir(exist_ok=True)
    proc = build_site(write(root / "data"), out, content=write_content(root / "content"),
                      extra_env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (root / "built").write_text("ok")
    return out


# -- tests of the documents ---------------------------------------------------------

def _documents(tmp_path):
    sys.path.insert(0, str(ROOT / "plugins"))
    from datetime import date

    from portal_search.generator import documents_of
    from portal_site.indexes import build_indexes
    from portal_site.model import SiteModel

    model = SiteModel.load(write(tmp_path / "data"), date(2026, 11, 26))
    model.idx = build_indexes(model)
    return list(documents_of({"portal": model}))


def test_every_record_kind_becomes_one_document(tmp_path):
    docs = _documents(tmp_path)
    kinds = {}
    for d in docs:
        kinds[d.kind] = kinds.get(d.kind, 0) + 1
    assert kinds == {"institution": len(INSTITUTIONS), "dataset": len(DATASETS) + len(FILLER),
                     "consultation": 2, "news": 1, "transparency": 2}
    urls = [d.url for d in docs]
    assert len(urls) == len(set(urls)), "one result per URL"
    by_title = {d.title: d for d in docs}
    assert by_title["Establecimientos de salud"].url == "/datos/establecimientos-de-salud/"
    # An institution's acronym is part of its title.
    assert by_title["Ministerio de Salud (MINSAL)"].url == "/instituciones/ministerio-de-salud/"
    assert by_title["Ministerio de Hacienda"].url == "/instituciones/ministerio-de-hacienda/"
    assert by_title["Campaña de invierno 2026"].url.startswith("https://salud.example/")
    # Register entries have their own page: /transparencia/<institution>/<kind>/<id>/.
    assert by_title["Audiencia sobre licencias médicas"].url == \
        "/transparencia/ministerio-de-salud/audiencia/a-001/"


def test_institution_words_weigh_with_its_records(tmp_path):
    docs = {d.title: d for d in _documents(tmp_path)}
    ds = docs["Atenciones de urgencia"]
    assert "MINSAL" in ds.institution_terms and "Ministerio de Salud" in ds.institution_terms
    page = ds.to_html()
    assert '<p data-pagefind-weight="2">Ministerio de Salud MINSAL</p>' in page
    inst = docs["Servicio Electoral (SERVEL)"].to_html()
    assert "<h1>Servicio Electoral (SERVEL)</h1>" in inst
    assert '<p data-pagefind-weight="7">Registro Electoral de Chile</p>' in inst


def test_filters_sort_and_meta_are_attributes_not_words(tmp_path):
    docs = {d.title: d for d in _documents(tmp_path)}
    page = docs["Establecimientos de salud"].to_html()
    for tag in ('data-pagefind-filter="tipo[content]" content="Conjuntos de datos"',
                'data-pagefind-filter="institucion[content]" content="Ministerio de Salud"',
                'data-pagefind-filter="formato[content]" content="CSV"',
                'data-pagefind-filter="formato[content]" content="JSON"',
                'data-pagefind-filter="tema[content]" content="salud"',
                'data-pagefind-filter="anio[content]" content="2026"',
                'data-pagefind-sort="fecha[content]" content="2026-11-20"',
                'data-pagefind-meta="fecha[content]" content="2026-11-20"'):
        assert f"<meta {tag}>" in page
    # An item without a date still sorts (last) when results are sorted by date.
    assert 'data-pagefind-sort="fecha[content]" content="0000-00-00"' in \
        docs["Ministerio de Hacienda"].to_html()
    assert docs["Consulta sobre la ley de fármacos"].status == "Abierta"


def test_hostile_text_stays_text():
    sys.path.insert(0, str(ROOT / "plugins"))
    from portal_search.documents import SearchDocument

    doc = SearchDocument(url="/datos/x/", kind="dataset", title='<script>alert(1)</script>',
                         institution='"><img src=x onerror=alert(1)>',
                         body="a < b & c")
    page = doc.to_html()
    assert "<script>" not in page and "<img" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert 'content="&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"' in page


def test_long_descriptions_are_cut_at_a_word():
    sys.path.insert(0, str(ROOT / "plugins"))
    from portal_search.documents import BODY_CHARS, plain

    text = plain("<p>" + "palabra " * 1000 + "</p>")
    assert len(text) <= BODY_CHARS + 2 and text.endswith(" …")
    assert plain("<p>Hola <b>mundo</b></p>\n<p>otra</p>") == "Hola mundo otra"


def test_docs_name_every_setting_of_the_plugin():
    import re

    source = "".join(p.read_text("utf-8") for p in (ROOT / "plugins" / "portal_search").glob("*.py"))
    settings = set(re.findall(r"PORTAL_SEARCH_[A-Z_]+", source))
    assert settings >= {"PORTAL_SEARCH_INDEX", "PORTAL_SEARCH_FIRST_BLOCK",
                        "PORTAL_SEARCH_SHARD_BYTES"}
    docs = (ROOT / "docs" / "search.md").read_text("utf-8")
    assert {s for s in settings if f"`{s}`" not in docs} == set()
