"""A handcrafted snapshot with public works, for the /obras/ site tests: the
handmade snapshot (site_snapshot.py) plus invented works in every stage, late
and on time as of the pinned build date (2026-11-26), hostile text, a work
without coordinates, and a change log recording two harvests (the second one
also removed a work: its tombstone).

The works are invented test data (hosts under .example), not real ones.
"""

from __future__ import annotations

from pathlib import Path

import site_snapshot

from aggregator import tombstones, yamlio
from aggregator.records import record_from_dict
from aggregator.records_obras import Obra
from aggregator.snapshot import write_source_file

SOURCE = "obras-prueba"
HOST = "https://obras.example"
FIRST = "2026-10-01T06:00:00+00:00"     # the source's first harvest
LAST = "2026-11-25T06:00:00+00:00"      # its latest harvest (site_snapshot.STAMP)


def _obra(n: int, title: str, stage: str, **kw) -> Obra:
    base = {"id": f"{SOURCE}:{n}", "source": SOURCE, "remote_id": str(n),
            "url": f"{HOST}/obras/{n}", "institution": "ministerio-de-salud", "title": title,
            "description": f"Descripción de la obra {n}.\n\nSegundo párrafo.",
            "publisher": "Ministerio de Salud", "kind": "Hospital", "status": stage,
            "stage": stage, "progress": None, "amount": None, "currency": "CLP",
            "contractor": "Constructora Ejemplo", "region": "Metropolitana de Santiago",
            "commune": "Santiago", "address": f"Calle Ejemplo {n}", "lat": -33.45 - n / 1000,
            "lon": -70.66 - n / 1000, "start": "2025-01-10", "end_planned": None,
            "end_actual": None, "image": None}
    base.update(kw)
    # Through from_dict, as the snapshot reader gives it back (amounts normalized).
    return record_from_dict(Obra(**base).to_dict())


def obras(filler: int = 52) -> list[Obra]:
    out = [
        # Late: planned end 2026-06-30, 55 % done -> 149 days late on 2026-11-26.
        _obra(1, "Hospital de Ejemplo: nueva torre", "in_progress", progress=55,
              amount="1234567890.50", end_planned="2026-06-30"),
        # On time: ends after the build date.
        _obra(2, "Consultorio de Ñuñoa", "in_progress", progress=30.5, amount="250000000",
              end_planned="2027-03-31", institution="municipalidad-de-nunoa",
              publisher="Municipalidad de Ñuñoa", kind="Consultorio",
              region="Metropolitana de Santiago", commune="Ñuñoa"),
        # Finished: not late even with its planned end passed.
        _obra(3, "Escuela terminada", "finished", progress=100, amount="0.10",
              end_planned="2025-12-31", end_actual="2026-02-15", kind="Escuela",
              institution="ministerio-de-hacienda", publisher="Ministerio de Hacienda"),
        # Stopped: past its planned end, but stopped, not late.
        _obra(4, "Puente detenido", "stopped", status="Paralizada", progress=20,
              amount="0.20", end_planned="2024-01-31", kind="Puente",
              region="Valparaíso", commune="Viña del Mar"),
        # Planned, no coordinates, no institution, a month as planned end (late by
        # 2026-10-31 -> 26 days).
        _obra(5, "Parque planificado", "planned", status="En licitación", progress=0,
              amount="0.30", end_planned="2026-10", lat=None, lon=None, institution=None,
              publisher="Oficina sin registro", kind=None, region=None, commune=None),
        # Hostile text from a source: it must stay text everywhere.
        _obra(6, "Obra <script>alert(1)</script> con <b>marcas</b>", "unknown",
              status="Estado raro", progress=None,
              description="<img src=x onerror=alert(2)> texto", amount=None,
              contractor="<i>Contratista</i>", image="https://imagenes.example/obra-6.jpg"),
    ]
    for n in range(7, 7 + filler):
        out.append(_obra(n, f"Pavimentación de calle número {n}", "in_progress",
                         progress=n % 90 + 5, amount=f"{n}000000", kind="Pavimentación",
                         end_planned="2027-12-31", commune="Estación Central"))
    return out


def removed() -> Obra:
    """A work the latest harvest no longer found (its page is a tombstone)."""
    return _obra(90, "Sede vecinal retirada", "in_progress", status="En obra", progress=35,
                 amount="48000000", end_planned="2027-06-30", kind="Sede social")


def changes() -> dict:
    """Two harvests: the first one's summary, then the latest one's changes: work 1
    advanced 40 -> 55, work 3 finished, work 2's amount corrected, work 90 removed."""
    common = {"source": SOURCE, "type": "obra", "institution": "ministerio-de-salud"}
    return {"changes": [
        {"at": FIRST, **common, "id": None, "change": "added", "title": "+59 registros",
         "fields": [], "before": {}, "after": {}},
        {"at": LAST, **common, "id": f"{SOURCE}:1", "change": "updated",
         "title": "Hospital de Ejemplo: nueva torre", "fields": ["progress"],
         "before": {"progress": 40}, "after": {"progress": 55}},
        {"at": LAST, **common, "id": f"{SOURCE}:3", "change": "updated",
         "title": "Escuela terminada", "fields": ["progress", "stage", "end_actual"],
         "before": {"progress": 90, "stage": "in_progress", "end_actual": None},
         "after": {"progress": 100, "stage": "finished", "end_actual": "2026-02-15"}},
        {"at": LAST, **common, "id": f"{SOURCE}:2", "change": "updated",
         "title": "Consultorio de Ñuñoa", "fields": ["amount"],
         "before": {"amount": "240000000"}, "after": {"amount": "250000000"}},
        {"at": LAST, **common, "id": f"{SOURCE}:90", "change": "removed",
         "title": "Sede vecinal retirada", "fields": [], "before": {}, "after": {}},
    ]}


def write(data: Path) -> Path:
    site_snapshot.write(data)
    write_source_file(data, SOURCE, "csv", LAST, obras(), cache_dir=False,
                      name="Obras (prueba)", url=HOST)
    tombstones.update(data, SOURCE, [removed()], [], LAST)
    by_month: dict[str, list] = {}
    for entry in changes()["changes"]:
        by_month.setdefault(entry["at"][:7], []).append(entry)
    for month, entries in by_month.items():
        yamlio.write_atomic(data / "changes" / f"{month}.yaml",
                            yamlio.dumps({"changes": entries}))
    return data
