"""How public works moved between harvests, from the snapshot's change log
(`changes/<YYYY-MM>.yaml`, aggregator/changes.py): the summary of /obras/.

Each work's own history is the change log's "Historial" (`_history.html`, as on
every record page). Here every work is compared with its source's previous
harvest: the entries of the source's latest harvest tell which works advanced
(progress grew) or finished (stage became finished, or progress reached 100);
a work in progress whose progress did not grow stalled. A latest harvest that
changed nothing (status.yaml's `last_success` after the source's last entry)
means nothing advanced: every work in progress stalled. A source harvested only
once has nothing to compare, and the page says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from aggregator.changes import read_changes
from aggregator.snapshot import default_cache_dir, load_yaml_cached

EARLIEST = datetime.min.replace(tzinfo=timezone.utc)


@dataclass
class FollowUp:
    """Since each source's previous harvest, over the works shown now."""

    compared: bool = False
    advanced: list = field(default_factory=list)
    finished: list = field(default_factory=list)
    stalled: list = field(default_factory=list)
    added: int = 0
    since: str | None = None        # the latest harvest compared (ISO), when one for all


def _when(value) -> datetime:
    """An `at` or `last_success` as an aware datetime (naive ones are UTC)."""
    try:
        dt = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return EARLIEST
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


def _num(value) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return -1.0


def follow_up(data_dir: Path | str, obras, status: dict, months: int | None) -> FollowUp:
    """The works of `obras` compared with their sources' previous harvests, from
    the same months of the change log the site shows."""
    cache = default_cache_dir()
    _, entries = read_changes(data_dir, months, load=lambda p: load_yaml_cached(p, cache))
    sources = {o.source for o in obras}
    runs: dict[str, set[str]] = {}
    first: dict[str, str] = {}          # source -> `at` of its first-harvest summary
    latest_of: dict[str, dict] = {}     # record id -> its fields' (before, after) at `at`
    for e in entries:
        if e["source"] not in sources:
            continue
        runs.setdefault(e["source"], set()).add(e["at"])
        if e["id"] is None:
            first[e["source"]] = e["at"]
    out = FollowUp()
    latest: dict[str, str] = {}
    for src in sources:
        done = ((status.get("sources") or {}).get(src) or {}).get("last_success")
        ordered = sorted(runs.get(src, ()), key=_when)
        if ordered and done and _when(done) > _when(ordered[-1]):
            latest[src] = str(done)         # a later harvest that changed nothing
        elif len(ordered) > 1 or (ordered and ordered[-1] != first.get(src)):
            latest[src] = ordered[-1]
    if not latest:
        return out
    for e in entries:
        if e["id"] and latest.get(e["source"]) == e["at"] and e["type"] in ("obra", None):
            moved = latest_of.setdefault(e["id"], {"change": e["change"]})
            for name in ("progress", "stage"):
                if name in e["before"] or name in e["after"]:
                    moved[name] = (e["before"].get(name), e["after"].get(name))
    out.compared = True
    if len(set(latest.values())) == 1:
        out.since = next(iter(latest.values()))
    for o in obras:
        if o.source not in latest:
            continue
        moved = latest_of.get(o.id, {})
        if moved.get("change") == "added":
            out.added += 1
            continue
        stage, progress = moved.get("stage"), moved.get("progress")
        grew = progress is not None and _num(progress[1]) > _num(progress[0])
        if (stage and stage[1] == "finished" and stage[0] != "finished") or (
                grew and _num(progress[1]) >= 100):
            out.finished.append(o)
        elif grew:
            out.advanced.append(o)
        elif o.stage == "in_progress":
            out.stalled.append(o)
    return out
