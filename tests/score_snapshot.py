"""A handcrafted snapshot for the scorecard tests, with answers known by hand.

The snapshot's time is 2026-06-15 12:00 UTC (status.yaml run.finished); the
settings' time zone is UTC, so the day evaluated is 2026-06-15. Invented test data
(hosts under .example), written with the shared snapshot writer.

- `ana` (servicio, code AA001): 4 datasets (d1 complete; d2 minimal and late;
  d3 irregular; d4 annual, on time), 2 lobby entries (one in the last 12
  months), 1 closed consultation opened this year, 2 news items (one in 90 days).
- `beto` (ministerio, no code): one consultation open today, nothing else.
- `cero` (servicio, no code, no links): nothing at all.
- `ext` (organismo extranjero): not evaluated.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from aggregator import yamlio
from aggregator.records import Consultation, Dataset, Institution, License, NewsItem, Resource
from aggregator.records_registers import TransparencyEntry
from aggregator.snapshot import ROOT, write_source_file

STAMP = "2026-06-15T12:00:00+00:00"
HOST = "https://datos.example"
CC_BY = License("cc-by-4.0", "Creative Commons Atribución 4.0",
                "https://creativecommons.org/licenses/by/4.0/")

INSTITUTIONS = [
    Institution(id="ana", name="Agencia Nacional de Ana", kind="servicio", region="Región A",
                cplt_code="AA001"),
    Institution(id="beto", name="Ministerio de Beto", kind="ministerio"),
    Institution(id="cero", name="Servicio Cero", kind="servicio", region="Región B"),
    Institution(id="ext", name="Foreign Office", kind="organismo extranjero"),
]


def complete(n: int, **kw) -> Dataset:
    """A dataset with every metric the quality check reads: 100 %."""
    base = {"id": f"datos:d{n}", "source": "datos", "remote_id": f"d{n}",
                "url": f"{HOST}/dataset/d{n}", "institution": "ana", "title": f"Conjunto {n}",
                "publisher": "Agencia Nacional de Ana", "themes": ["salud"], "tags": ["camas"],
                "license": CC_BY, "issued": "2020-01-01", "modified": "2026-06-01",
                "frequency": "R/P1M", "spatial": "Chile", "temporal": "2020-01-01/2025-12-31",
                "contact_point": "Mesa de datos <datos@ana.example>",
                "resources": [Resource(f"Datos {n} {k}", "CSV", f"{HOST}/f/{n}-{k}.csv", 1000,
                                    "2026-06-01", "text/csv") for k in (1, 2)]}
    base.update(kw)
    return Dataset(**base)


def datasets() -> list[Dataset]:
    return [
        complete(1),
        # Only a PDF, a publisher (its institution) and an issued date: 85 of 275.
        Dataset(id="datos:d2", source="datos", remote_id="d2", url=f"{HOST}/dataset/d2",
                institution="ana", title="Conjunto mínimo", issued="2020-03-01",
                frequency="R/P1M",
                resources=[Resource("Informe", "PDF", f"{HOST}/f/informe.pdf")]),
        complete(3, frequency="irregular"),
        complete(4, frequency="R/P1Y", modified="2025-06-01"),
    ]


def write(data: Path, with_datasets: bool = True, with_lobby: bool = True) -> Path:
    (data / "sources").mkdir(parents=True, exist_ok=True)
    yamlio.write_atomic(data / "institutions.yaml", yamlio.dumps(
        {"institutions": [i.to_dict() for i in INSTITUTIONS]}))
    if with_datasets:
        write_source_file(data, "datos", "ckan", STAMP, datasets(), cache_dir=False,
                          name="Datos (prueba)", url=HOST)
    if with_lobby:
        write_source_file(data, "lobby", "csv", STAMP, [
            TransparencyEntry(id="lobby:a1", source="lobby", remote_id="a1", institution="ana",
                              url="https://lobby.example/a1", title="Audiencia reciente",
                              kind="audiencia", date="2026-03-01"),
            TransparencyEntry(id="lobby:a2", source="lobby", remote_id="a2", institution="ana",
                              url="https://lobby.example/a2", title="Audiencia antigua",
                              kind="audiencia", date="2024-01-01")], cache_dir=False)
    write_source_file(data, "participa", "decidim", STAMP, [
        Consultation(id="participa:c1", source="participa", remote_id="c1", institution="ana",
                     url="https://participa.example/c1", title="Consulta de enero",
                     start="2026-01-10", end="2026-02-10"),
        Consultation(id="participa:c2", source="participa", remote_id="c2", institution="beto",
                     url="https://participa.example/c2", title="Consulta abierta",
                     start="2026-06-01", end="2026-07-01")], cache_dir=False)
    write_source_file(data, "noticias", "feed", STAMP, [
        NewsItem(id="noticias:n1", source="noticias", remote_id="n1", institution="ana",
                 url="https://ana.example/n1", title="Noticia reciente",
                 published="2026-05-01T10:00:00-04:00"),
        NewsItem(id="noticias:n2", source="noticias", remote_id="n2", institution="ana",
                 url="https://ana.example/n2", title="Noticia antigua",
                 published="2025-01-01T10:00:00-03:00")], cache_dir=False)
    set_time(data, STAMP)
    return data


def set_time(data: Path, finished: str) -> None:
    yamlio.write_atomic(data / "status.yaml", yamlio.dumps(
        {"run": {"started": finished, "finished": finished, "exit": 0}, "sources": {}}))


def settings(folder: Path, extra: str = "") -> Path:
    """A settings file: the portal's own (pelicanconf.py) in UTC, plus `extra`."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "settings.py"
    path.write_text(f"import sys\nsys.path.insert(0, {str(ROOT)!r})\n"
                    "from pelicanconf import *\nimport copy\n"
                    "PORTAL_SCORECARD = copy.deepcopy(PORTAL_SCORECARD)\n"
                    # `cero` has no evidence at all: ranked here, so that every
                    # indicator's zero can be checked (test_scorecard tests the default).
                    "PORTAL_SCORECARD['evaluate_without_evidence'] = True\n"
                    f"TIMEZONE = 'UTC'\n{extra}\n")
    return path


def copy(data: Path, to: Path) -> Path:
    shutil.copytree(data, to)
    return to
