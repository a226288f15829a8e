"""A harvest history for the change-log tests: real recorded payloads (a data.json
catalog and a participation listing) served by the replay server, harvested,
then changed the way sources change (one dataset retitled, one removed, one
consultation's end date moved) and harvested again."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from harvest_helpers import Clock, fixture, harvest

from aggregator import yamlio
from aggregator.records import Institution

CATALOG = "datajson_argentina_justicia_catalogo.json"
CONSULTATIONS = "participacion_consultas_ejemplo.csv"
FIRST = datetime(2026, 10, 20, 6, 0, tzinfo=UTC)
SECOND = datetime(2026, 11, 3, 6, 0, tzinfo=UTC)
THIRD = datetime(2026, 11, 4, 6, 0, tzinfo=UTC)
RETITLED = "Base de datos legislativos Infoleg (edición 2026)"
NEW_END = "2026-12-31"
INSTITUTIONS = [
    Institution(id="ministerio-de-justicia", name="Ministerio de Justicia (ejemplo)"),
    Institution(id="ministerio-del-medio-ambiente", name="Ministerio del Medio Ambiente",
                acronym="MMA"),
]


class History:
    """The payloads as the test changes them, and the sources that read them."""

    def __init__(self, tmp_path: Path, replay):
        self.tmp_path, self.replay = tmp_path, replay
        self.catalog = json.loads(fixture("datajson", CATALOG).read_bytes())
        self.csv = fixture("participation", CONSULTATIONS).read_text("utf-8")
        self.sources = [
            {"id": "justicia", "adapter": "datajson", "url": replay.url + "/data.json",
             "name": "Datos Justicia (prueba)", "institution": "ministerio-de-justicia"},
            {"id": "consultas", "adapter": "csv", "url": replay.url + "/consultas.csv",
             "name": "Consultas (prueba)", "options": {"record_type": "consultation"}}]
        data = tmp_path / "data"
        data.mkdir(parents=True, exist_ok=True)
        yamlio.write_atomic(data / "institutions.yaml", yamlio.dumps(
            {"institutions": [i.to_dict() for i in INSTITUTIONS]}))
        self.serve()

    @property
    def data(self) -> Path:
        return self.tmp_path / "data"

    def serve(self) -> None:
        self.replay.add("/data.json", json.dumps(self.catalog))
        self.replay.add("/consultas.csv", self.csv.encode("utf-8"),
                        content_type="text/csv; charset=utf-8")

    def run(self, when: datetime, **kw) -> tuple[int, dict]:
        return harvest(self.tmp_path, self.sources, now=Clock(when), **kw)

    def change_upstream(self) -> dict:
        """Retitle the first dataset, remove the last, move the first consultation's
        end date. Returns what changed, for the assertions."""
        first = self.catalog["dataset"][0]
        old_title = first["title"]
        first["title"] = RETITLED
        removed = self.catalog["dataset"].pop()
        lines = self.csv.splitlines(keepends=True)
        old_end = lines[1].split(",")[4]
        lines[1] = lines[1].replace(f",{old_end},", f",{NEW_END},", 1)
        self.csv = "".join(lines)
        self.serve()
        return {"retitled": first["identifier"], "old_title": old_title,
                "removed": removed["identifier"], "removed_title": removed["title"],
                "old_end": old_end}
