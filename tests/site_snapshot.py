"""A small handcrafted snapshot for the site tests: every kind of record, every
consultation status as of the pinned build date (2026-11-26), hostile text,
a dataset with many resources and a long description, a failed source.

Written with the shared snapshot writer, so it is format v1 exactly. The
records are invented test data (hosts under .example), not real publications.
"""

from __future__ import annotations

from pathlib import Path

from aggregator import yamlio
from aggregator.records import Consultation, Dataset, Institution, License, NewsItem, Resource
from aggregator.records_registers import TransparencyEntry
from aggregator.snapshot import write_source_file

HOST = "https://datos.example"
STAMP = "2026-11-25T06:00:00+00:00"
CC_BY = License("cc-by-4.0", "Creative Commons Atribución 4.0",
                "https://creativecommons.org/licenses/by/4.0/")

INSTITUTIONS = [
    Institution(id="ministerio-de-salud", name="Ministerio de Salud", acronym="MINSAL",
                kind="ministerio", website="https://salud.example", cplt_code="AO001"),
    Institution(id="subsecretaria-de-salud-publica", name="Subsecretaría de Salud Pública",
                kind="subsecretaría", parent="ministerio-de-salud", cplt_code="AO002"),
    Institution(id="municipalidad-de-nunoa", name="Municipalidad de Ñuñoa",
                kind="municipalidad", region="Metropolitana de Santiago"),
    Institution(id="ministerio-de-hacienda", name="Ministerio de Hacienda", kind="ministerio",
                transparency_url="https://transparencia.example/hacienda"),
]


def _dataset(n: int, title: str, inst: str | None, modified: str, **kw) -> Dataset:
    base = {
        "id": f"portal-datos:ds-{n}", "source": "portal-datos", "remote_id": f"conjunto-{n}",
        "url": f"{HOST}/dataset/conjunto-{n}", "institution": inst, "title": title,
        "description_html": f"<p>Descripción del conjunto {n}, con <strong>detalle</strong>.</p>",
        "publisher": "Ministerio de Salud" if inst else "Oficina sin registro",
        "themes": ["salud"], "tags": ["establecimientos", "atención primaria"], "license": CC_BY,
        "issued": "2020-01-15", "modified": modified, "frequency": "R/P1M",
        "resources": [Resource(f"Datos {n}", "CSV", f"{HOST}/files/{n}.csv", 20480, modified)]}
    base.update(kw)
    return Dataset(**base)


def datasets(count: int = 120) -> list[Dataset]:
    out = [
        _dataset(1, "Establecimientos de salud", "ministerio-de-salud", "2026-11-20",
                 resources=[Resource("Establecimientos (CSV)", "csv", f"{HOST}/f/est.csv",
                                     1_572_864, "2026-11-20"),
                            Resource("Establecimientos (JSON)", "JSON", f"{HOST}/f/est.json",
                                     None, None)]),
        _dataset(2, "Presupuesto <script>alert(1)</script> 2026", "ministerio-de-hacienda",
                 "2026-10-01", themes=["economía", "presupuesto"], tags=["presupuesto"]),
        _dataset(3, "Conjunto con muchos recursos", "ministerio-de-salud", "2025-01-01",
                 description_html="<p>" + "Texto largo de la descripción. " * 900 + "</p>",
                 resources=[Resource(f"Parte {i}", "XLSX", f"{HOST}/f/p{i}.xlsx", 1000 + i,
                                     "2025-01-01") for i in range(75)]),
        _dataset(4, "Permisos de edificación", "municipalidad-de-nunoa", "2024-06-30",
                 themes=["vivienda"], tags=["permisos"], license=None),
        _dataset(5, "Datos sin institución", None, "2023-03-03", themes=[]),
    ]
    # Enough datasets of one theme to paginate the catalog and the facet pages.
    for n in range(6, count + 1):
        out.append(_dataset(n, f"Atenciones de urgencia, semana {n}", "ministerio-de-salud",
                            f"2022-{(n % 12) + 1:02d}-{(n % 27) + 1:02d}"))
    return out


def consultations() -> list[Consultation]:
    def c(n, title, start, end, inst="ministerio-de-salud"):
        return Consultation(id=f"participa:c{n}", source="participa", remote_id=f"proceso-{n}",
                            url=f"https://participa.example/procesos/{n}", institution=inst,
                            title=title, kind="consulta pública",
                            description_html=f"<p>Proceso {n} de participación.</p>",
                            start=start, end=end, steps=["Propuestas", "Votación"])
    return [c(1, "Consulta sobre la ley de fármacos", "2026-11-01", "2026-12-06"),
            c(2, "Cuenta pública participativa 2026", "2026-11-20", "2026-11-27"),
            c(3, "Plan regional de salud mental", "2026-12-15", "2027-01-31",
              "subsecretaria-de-salud-publica"),
            c(4, "Consulta sobre ciclovías", "2026-05-01", "2026-06-30",
              "municipalidad-de-nunoa"),
            c(5, "Consulta que cierra hoy", "2026-11-01", "2026-11-26")]


def news() -> list[NewsItem]:
    out = []
    for n in range(1, 13):
        out.append(NewsItem(
            id=f"noticias-minsal:n{n}", source="noticias-minsal", remote_id=f"n{n}",
            url=f"https://salud.example/noticias/{n}", institution="ministerio-de-salud",
            title=f"Noticia de salud número {n}", publisher="MINSAL",
            summary_html=f"<p>Resumen de la noticia {n}.</p>",
            published=f"2026-11-{(n % 25) + 1:02d}T09:00:00-03:00",
            # A remote image: the site must never load it.
            image=f"https://imagenes.example/foto-{n}.jpg"))
    return out


def transparency() -> list[TransparencyEntry]:
    return [TransparencyEntry(
        id=f"lobby:a{n}", source="lobby", remote_id=f"a{n}",
        url=f"https://lobby.example/audiencias/{n}", institution="ministerio-de-salud",
        title=f"Audiencia sobre licencias médicas {n}", kind="audiencia",
        date=f"2026-0{(n % 9) + 1}-10", place="Santiago",
        persons=[f"Persona {n}"], organizations=["Asociación Gremial (ejemplo)"])
        for n in range(1, 6)]


def write(data: Path, count: int = 120) -> Path:
    """Write the snapshot folder; returns it."""
    (data / "sources").mkdir(parents=True, exist_ok=True)
    yamlio.write_atomic(data / "institutions.yaml", yamlio.dumps(
        {"institutions": [i.to_dict() for i in INSTITUTIONS]}))
    write_source_file(data, "portal-datos", "ckan", STAMP, datasets(count), cache_dir=False,
                      name="Portal de Datos (prueba)", url=HOST)
    write_source_file(data, "participa", "decidim", STAMP, consultations(), cache_dir=False,
                      name="Participa (prueba)", url="https://participa.example")
    write_source_file(data, "noticias-minsal", "feed", STAMP, news(), cache_dir=False,
                      name="Noticias MINSAL (prueba)")
    write_source_file(data, "lobby", "csv", STAMP, transparency(), cache_dir=False)
    yamlio.write_atomic(data / "status.yaml", yamlio.dumps({
        "run": {"started": "2026-11-25T06:00:00+00:00", "finished": "2026-11-25T06:02:00+00:00",
                "exit": 3, "seconds": 74.6},
        "sources": {
            "portal-datos": {"state": "ok", "records": count, "added": 2, "updated": 1,
                             "removed": 0, "warnings": 0, "seconds": 12.5, "error": None},
            "participa": {"state": "unchanged", "records": 5, "added": 0, "updated": 0,
                          "removed": 0, "warnings": 0, "seconds": 0.4, "error": None},
            "noticias-minsal": {"state": "ok", "records": 12, "added": 12, "updated": 0,
                                "removed": 0, "warnings": 1, "seconds": 1.1, "error": None},
            "lobby": {"state": "ok", "records": 5, "added": 5, "updated": 0, "removed": 0,
                      "warnings": 0, "seconds": 0.2, "error": None},
            "portal-caido": {"state": "failed", "records": 0, "added": 0, "updated": 0,
                             "removed": 0, "warnings": 0, "seconds": 30.0,
                             "error": "HTTP 503 después de 3 intentos"}}}))
    return data


def build_once(tmp_path_factory, name: str, data_writer, **build_kw) -> Path:
    """Build a site once per test session (shared by every test module that asks
    for it): the first caller builds, later ones reuse the output folder."""
    from conftest import build_site

    root = tmp_path_factory.getbasetemp() / f"site-{name}"
    out = root / "output"
    if (root / "built").exists():
        return out
    root.mkdir(exist_ok=True)
    data = data_writer(root / "data")
    proc = build_site(data, out, **build_kw)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (root / "built").write_text(proc.stderr)
    return out
