"""`python -m aggregator summary`: what the last run did, as a commit message.

CI commits the snapshot after each harvest with this message, so `git log
content/data` reads as a history of the sources. With `--since`, it also checks
that the run it reports is the one that just ran: a run that stopped on bad
configuration (exit 2) or crashed wrote no status.yaml, and the job must stop
there instead of publishing (exit 3, some sources failed, does not stop it).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from . import yamlio

SLOWEST = 3


class NoRun(Exception):
    """No report of a finished run (at or after the time asked)."""


def _when(value) -> datetime | None:
    try:
        dt = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def read_run(data: Path, since: datetime | None = None) -> dict:
    path = Path(data) / "status.yaml"
    if not path.exists():
        raise NoRun(f"{path}: no run report (the aggregator stopped before writing it)")
    try:
        doc = yamlio.load_file(path)
    except yamlio.YamlError as exc:
        raise NoRun(str(exc)) from None
    run = doc.get("run") if isinstance(doc, dict) else None
    if not isinstance(run, dict) or _when(run.get("started")) is None:
        raise NoRun(f"{path}: no 'run' with a start time")
    if since is not None and _when(run["started"]) < since.replace(microsecond=0):
        raise NoRun(f"{path}: the last report is of a run started {run['started']}, before "
                    f"{since.isoformat()}: this run wrote none (bad configuration, exit 2, "
                    f"or a crash; see its output)")
    return doc


def commit_message(doc: dict) -> str:
    run = doc["run"]
    sources = {sid: e for sid, e in (doc.get("sources") or {}).items() if isinstance(e, dict)}
    changed, failed, quiet = [], [], 0
    totals = [0, 0, 0]
    for sid, e in sources.items():
        counts = [int(e.get(k) or 0) for k in ("added", "updated", "removed")]
        if e.get("state") == "failed":
            failed.append(f"{sid}: failed, last good data kept: {e.get('error') or '?'}")
        elif any(counts):
            totals = [t + c for t, c in zip(totals, counts, strict=True)]
            changed.append(f"{sid}: +{counts[0]} ~{counts[1]} -{counts[2]}")
        else:
            quiet += 1
    day = str(run["started"])[:10]
    head = f"Harvest {day}: "
    head += (f"+{totals[0]} ~{totals[1]} -{totals[2]} in {len(changed)} source"
             f"{'s' if len(changed) != 1 else ''}") if changed else "no changes"
    if failed:
        head += f", {len(failed)} failed"
    lines = [head, ""] + changed + failed
    if quiet:
        lines.append(f"{quiet} source{'s' if quiet != 1 else ''} unchanged.")
    timed = sorted(((float(e.get("seconds") or 0), sid) for sid, e in sources.items()),
                   reverse=True)[:SLOWEST]
    slow = ", ".join(f"{sid} {secs:.1f} s" for secs, sid in timed if secs > 0)
    wall = run.get("seconds")
    if isinstance(wall, (int, float)):
        lines.append(f"Wall time {wall:.1f} s" + (f"; slowest: {slow}." if slow else "."))
    lines.append(f"Exit {run.get('exit')}.")
    return "\n".join(lines) + "\n"
