"""The scorecard as the site reads it: `scores.yaml` and `history/scores.csv` of
the snapshot (written by `python -m aggregator score`), never recomputed here
except each dataset's metadata quality, which follows from its record and the
method scores.yaml recorded (the same function the aggregator uses).

`board(site)` loads it once per build; sections and templates ask it for an
institution's view, a dataset's quality and the fingerprints of both.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from pathlib import Path

from aggregator.scoring import MethodError, quality_check_from
from aggregator.scoring.base import DIMENSIONS
from aggregator.scoring.compute import DocumentError, check_document
from aggregator.scoring.history import HistoryError, read
from aggregator.scoring.method import SETTING, Method
from aggregator.scoring.quality import LABELS as QUALITY_LABELS
from aggregator.snapshot import SnapshotError, default_cache_dir, load_yaml_cached

from . import charts
from .manifest import digest, files_fingerprint

log = logging.getLogger(__name__)
SCORING_CODE = Path(__file__).resolve().parents[2] / "aggregator" / "scoring"
TREND_MONTHS = 12           # points of the trend: the last recorded day of each month
MISSING_LINKS = {"transparency_url": "Transparencia Activa",
                 "request_url": "solicitud de acceso a la información"}


@dataclass
class Evidence:
    title: str
    href: str | None            # site-relative ("datos/x/") or absolute; None: text only
    local: bool


@dataclass
class IndicatorView:
    id: str
    label: str
    dimension: str
    applies: bool
    points: float | None
    max: float
    detail: str
    reason: str | None
    evidence_for: list[Evidence] = field(default_factory=list)
    evidence_against: list[Evidence] = field(default_factory=list)
    for_count: int = 0
    against_count: int = 0


class Board:
    def __init__(self, site):
        self.site = site
        data = Path(site.settings.get("PORTAL_DATA") or Path(site.generator.path) / "data")
        self.path = data / "scores.yaml"
        self.history_path = data / "history" / "scores.csv"
        self.doc = self._read_doc()
        self.method = self.doc["method"] if self.doc else None
        self.entries = {e["id"]: e for e in (self.doc or {}).get("institutions", [])}
        self.labels = {i["id"]: i for i in (self.method or {}).get("indicators", [])}
        self.excluded = {e["id"]: e["reason"] for e in (self.doc or {}).get("not_evaluated", [])}
        self.trends = self._read_history()
        raw = self.path.read_bytes() if self.doc else b""
        history = self.history_path.read_bytes() if self.history_path.exists() else b""
        self.code_fp = files_fingerprint([SCORING_CODE])
        # Every scorecard page shows only scores.yaml and the history (and the names
        # of the records its evidence links to, in the institution pages' own digests).
        self.digest = digest(self.code_fp, _bytes_digest(raw), _bytes_digest(history))
        self.check = quality_check_from(self.method) if self.method else None
        self.quality_fp = digest(self.code_fp, self.method["digest"] if self.method else "")
        self._records: dict | None = None
        self._warn_if_stale()

    # -- reading ---------------------------------------------------------------
    def _read_doc(self) -> dict | None:
        if not self.path.exists():
            log.warning("Portal: no %s: the scorecard pages say so; run "
                        "`python -m aggregator score`", self.path)
            return None
        try:
            return check_document(load_yaml_cached(self.path, default_cache_dir()))
        except SnapshotError as exc:
            message = str(exc)
        except DocumentError as exc:
            message = f"{self.path}: {exc}"
        from .generator import stop_build
        stop_build(message)

    def _read_history(self) -> dict[str, list[tuple[str, float]]]:
        try:
            rows = read(self.history_path)
        except HistoryError as exc:
            log.warning("Portal: %s; trends left out", exc)
            return {}
        out: dict[str, dict[str, tuple[str, float]]] = {}
        for day, iid, total, _dims, _method in rows:
            out.setdefault(iid, {})[day[:7]] = (day, total)    # the month's last day wins
        return {iid: [v for _, v in sorted(months.items())][-TREND_MONTHS:]
                for iid, months in out.items()}

    def _warn_if_stale(self) -> None:
        block = self.site.settings.get(SETTING)
        if self.method is None or block is None:
            return
        try:
            current = Method.from_settings(block).to_dict()["digest"]
        except MethodError as exc:
            log.warning("Portal: %s", exc)
            return
        if current != self.method.get("digest"):
            log.warning("Portal: %s was computed with other %s values than the settings': "
                        "run `python -m aggregator score` so the pages show the new method",
                        self.path, SETTING)

    # -- what pages show ---------------------------------------------------------
    def fingerprint(self, inst_id: str) -> str:
        """What an institution page's section shows: its entry, its trend and the
        records its evidence names."""
        entry = self.entries.get(inst_id)
        if entry is None:
            return digest("none", str(self.doc is not None), self.excluded.get(inst_id, ""))
        shown = [rid for row in entry["indicators"] if row["applies"]
                 for rid in (*row["for"], *row["against"])]
        records = self.records()
        fp = self.site.fp
        return digest(self.code_fp, repr(entry), repr(self.trends.get(inst_id)),
                      repr(self.method.get("ratings")), str(len(self.entries)),
                      *(fp(records[r]) if r in records else r for r in shown))

    def records(self) -> dict:
        if self._records is None:
            m = self.site.model
            self._records = {r.id: r for group in (m.datasets, m.consultations, m.news,
                                                   m.transparency) for r in group}
        return self._records

    def evidence(self, item: str) -> Evidence:
        if item in MISSING_LINKS:
            return Evidence(f"Falta: {MISSING_LINKS[item]}", None, False)
        if item.startswith(("http://", "https://")):
            return Evidence(item, item, False)
        rec = self.records().get(item)
        if rec is None:
            return Evidence(item, None, False)
        local = self.site.model.page_url(rec)
        return Evidence(rec.title, local or rec.url, local is not None)

    def view(self, inst) -> dict | None:
        entry = self.entries.get(inst.id)
        if entry is None:
            skipped = self.excluded.get(inst.id)
            return {"excluded": skipped} if skipped else None
        rows = []
        for row in entry["indicators"]:
            meta = self.labels.get(row["id"], {})
            v = IndicatorView(row["id"], meta.get("label", row["id"]),
                              DIMENSIONS.get(meta.get("dimension"), ""), row["applies"],
                              row.get("points"), row["max"], row.get("detail", ""),
                              row.get("reason"))
            if row["applies"]:
                v.evidence_for = [self.evidence(i) for i in row["for"]]
                v.evidence_against = [self.evidence(i) for i in row["against"]]
                v.for_count, v.against_count = row["for_count"], row["against_count"]
            rows.append(v)
        dims = [(label, entry["dimensions"].get(key)) for key, label in DIMENSIONS.items()
                if any(d["id"] == key for d in self.method["dimensions"])]
        trend = self.trends.get(inst.id, [])
        points = [(day, total) for day, total in trend]
        return {
            "entry": entry, "indicators": rows, "dimensions": dims,
            "evaluated": self.doc["national"]["evaluated"],
            "weakest": self.labels.get(entry["weakest"] or "", {}).get("label"),
            "day": self.doc["reference"]["day"],
            "dimensions_chart": charts.bars(
                f"dimensiones-{inst.id}", f"Puntaje por dimensión de {inst.name} (de 100)",
                dims),
            "trend": points,
            "trend_chart": charts.sparkline(
                f"tendencia-{inst.id}", f"Evolución del puntaje total de {inst.name}",
                points) if len(points) >= 2 else None,
        }

    def dataset_quality(self, ds) -> dict | None:
        if self.check is None:
            return None
        q = self.check(ds)
        return {"quality": q, "missing": [QUALITY_LABELS[m] for m in q.missing],
                "partial": [QUALITY_LABELS[m] for m in q.partial]}


def _bytes_digest(raw: bytes) -> str:
    return hashlib.blake2b(raw, digest_size=16).hexdigest()


def board(site) -> Board:
    """The build's Board, made on first use."""
    b = getattr(site, "_scorecard_board", None)
    if b is None:
        b = site._scorecard_board = Board(site)
    return b
