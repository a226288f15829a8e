"""The follow-up of public works over time, from the snapshot's change log
(`changes/<YYYY-MM>.yaml`, written by the aggregator: DESIGN.md).

Each work's page lists its recorded changes of progress, stage, status, amount
and dates, newest first. The summary compares every work of a source with the
source's previous harvest: the changes recorded by its latest harvest tell which
works advanced or finished; a work in progress whose progress did not grow
stalled. A latest harvest that changed nothing (status.yaml's `last_success`
after its last change) means nothing advanced: every work in progress stalled.
Without an earlier harvest there is nothing to compare, and the page says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from aggregator.snapshot import SnapshotError, default_cache_dir, load_yaml_cached

# Fields of a work whose changes its page shows, in this order, with their labels.
TRACKED = {"progress": "Avance", "stage": "Etapa", "status": "Estado en la fuente",
           "amount": "Monto", "end_planned": "Fin previsto", "end_actual": "Fin real",
           "start": "Inicio", "title": "Nombre"}


@dataclass
class Change:
    at: str
    change: str                                     # added, updated, removed
    fields: list[tuple[str, object, object]]        # (field, before, after)


@dataclass
class FollowUp:
    """Since each source's previous harvest, over the works shown now."""

    compared: bool = False
    advanced: list = field(default_factory=list)
    finished: list = field(default_factory=list)
    stalled: list = field(default_factory=list)
    added: int = 0
    since: str | None = None        # the latest harvest compared (ISO), when one source


EARLIEST = datetime.min.replace(tzinfo=timezone.utc)


def _when(value) -> datetime:
    """An `at` or `last_success` as an aware datetime (naive ones are UTC)."""
    try:
        dt = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return EARLIEST
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


class ObrasHistory:
    def __init__(self, data_dir: Path | str, obra_ids: set[str], cache_dir=None):
        self.by_id: dict[str, list[Change]] = {}
        # source -> [every `at` of its entries] (obra sources only)
        self.runs: dict[str, set[str]] = {}
        self.first_runs: dict[str, str] = {}       # source -> `at` of its first harvest
        self.problems: list[str] = []
        folder = Path(data_dir) / "changes"
        for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else ():
            self._read(path, obra_ids, cache_dir or default_cache_dir())
        for changes in self.by_id.values():
            changes.sort(key=lambda c: c.at, reverse=True)

    def _read(self, path: Path, obra_ids: set[str], cache_dir) -> None:
        try:
            doc = load_yaml_cached(path, cache_dir)
        except SnapshotError as exc:
            self.problems.append(str(exc))
            return
        entries = doc.get("changes") if isinstance(doc, dict) else None
        for entry in entries if isinstance(entries, list) else ():
            if not isinstance(entry, dict) or entry.get("type") not in ("obra", None):
                continue
            rid, source, at = entry.get("id"), entry.get("source"), entry.get("at")
            if not source or not at or (rid and rid not in obra_ids and entry.get("type")
                                        != "obra"):
                continue
            at = str(at)
            self.runs.setdefault(str(source), set()).add(at)
            if not rid:                 # a first harvest's summary ("+N registros")
                self.first_runs[str(source)] = at
                continue
            before = entry.get("before") if isinstance(entry.get("before"), dict) else {}
            after = entry.get("after") if isinstance(entry.get("after"), dict) else {}
            names = [f for f in TRACKED if f in before or f in after]
            self.by_id.setdefault(str(rid), []).append(Change(
                at, str(entry.get("change") or "updated"),
                [(f, before.get(f), after.get(f)) for f in names]))

    def of(self, obra_id: str) -> list[Change]:
        return self.by_id.get(obra_id, [])

    def fingerprint(self, obra_id: str) -> str:
        return repr(self.by_id.get(obra_id, ()))

    def follow_up(self, obras, status: dict) -> FollowUp:
        """How the works shown now moved since their source's previous harvest."""
        out = FollowUp()
        sources = {o.source for o in obras}
        latest: dict[str, str] = {}
        for src in sources:
            runs = sorted(self.runs.get(src, ()), key=_when)
            done = ((status.get("sources") or {}).get(src) or {}).get("last_success")
            if runs and done and _when(done) > _when(runs[-1]):
                latest[src] = str(done)      # a later harvest that changed nothing
            elif len(runs) > 1 or (runs and runs[-1] != self.first_runs.get(src)):
                latest[src] = runs[-1]
        if not latest:
            return out
        out.compared = True
        if len(set(latest.values())) == 1:
            out.since = next(iter(latest.values()))
        for o in obras:
            at = latest.get(o.source)
            if at is None:
                continue
            recent = [c for c in self.of(o.id) if c.at == at]
            if any(c.change == "added" for c in recent):
                out.added += 1
                continue
            moved = {f: (b, a) for c in recent for f, b, a in c.fields}
            stage = moved.get("stage")
            progress = moved.get("progress")
            grew = progress is not None and _num(progress[1]) > _num(progress[0])
            if (stage and stage[1] == "finished" and stage[0] != "finished") or (
                    grew and _num(progress[1]) >= 100):
                out.finished.append(o)
            elif grew:
                out.advanced.append(o)
            elif o.stage == "in_progress":
                out.stalled.append(o)
        return out


def _num(value) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return -1.0
