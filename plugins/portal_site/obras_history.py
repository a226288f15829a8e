"""How public works moved between harvests, from the snapshot's change log
(`changes/<YYYY-MM>.yaml`, aggregator/changes.py): the summary of /obras/ and
each work's progress over time.

Each work's page has the change log's "Historial" (`_history.html`, as on every
record page) and, read from the same entries, its progress and stage at each
harvest that changed them (`FollowUp.timeline`): walked back from the work as it
is now, so the last row is always what the page shows. For the summary, every
work is compared with its source's previous harvest: the entries of the source's latest harvest tell which works advanced
(progress grew) or finished (stage became finished, or progress reached 100);
a work in progress whose progress did not grow stalled. A latest harvest that
changed nothing (status.yaml's `last_success` after the source's last entry)
means nothing advanced: every work in progress stalled. A source harvested only
once has nothing to compare, and the page says so. Works removed at the latest
harvest are counted too (their pages are tombstones).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from aggregator.changes import read_changes
from aggregator.snapshot import default_cache_dir, load_yaml_cached

EARLIEST = datetime.min.replace(tzinfo=UTC)


@dataclass
class FollowUp:
    """Since each source's previous harvest, over the works shown now."""

    compared: bool = False
    advanced: list = field(default_factory=list)
    finished: list = field(default_factory=list)
    stalled: list = field(default_factory=list)
    added: int = 0
    removed: int = 0                # works the latest harvest no longer found
    since: str | None = None        # the latest harvest compared (ISO), when one for all
    # For the timelines: each source's first harvest (its summary entry), each
    # work's `added` entry, and its entries that moved progress or stage (oldest first).
    first: dict[str, str] = field(default_factory=dict)
    seen: dict[str, str] = field(default_factory=dict)
    moves: dict[str, list[dict]] = field(default_factory=dict)

    def timeline(self, obra) -> list[tuple[str | None, object, str]]:
        """(harvest time, progress, stage) of a work, oldest first: the state it
        was first seen in (time None when the window of the log does not reach
        it), then one row per harvest that changed its progress or stage."""
        state = (obra.progress, obra.stage)
        rows = []
        moves = self.moves.get(obra.id, ())
        for e in reversed(moves):
            rows.append((e["at"], *state))
            before = e["before"]
            state = (before.get("progress") if _moved(e, "progress") else state[0],
                     before.get("stage") if _moved(e, "stage") else state[1])
        since = self.seen.get(obra.id) or self.first.get(obra.source)
        if since and moves and _when(since) >= _when(moves[0]["at"]):
            since = None
        rows.append((since, *state))
        rows.reverse()
        return rows

    def source_digest(self, source: str) -> str:
        """What the timelines of a source's works read besides their own entries."""
        return str(self.first.get(source))


def _when(value) -> datetime:
    """An `at` or `last_success` as an aware datetime (naive ones are UTC)."""
    try:
        dt = datetime.fromisoformat(str(value))     # 3.11 reads a trailing Z
    except ValueError:
        return EARLIEST
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def _moved(entry: dict, name: str) -> bool:
    return name in entry["before"] or name in entry["after"]


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
    out = FollowUp(first=first)
    for e in entries:
        if e["source"] not in sources:
            continue
        runs.setdefault(e["source"], set()).add(e["at"])
        if e["id"] is None:
            first[e["source"]] = e["at"]
        elif e["change"] == "added":
            out.seen[e["id"]] = e["at"]
            out.moves.pop(e["id"], None)        # back after a removal: a new life
        elif e["change"] == "updated" and (_moved(e, "progress") or _moved(e, "stage")):
            out.moves.setdefault(e["id"], []).append(e)
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
            if e["change"] == "removed":
                out.removed += 1
                continue
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
