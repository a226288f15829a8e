"""/estado/: health of every source, from status.yaml (written by the
aggregator) and the source files (the last good harvest of each): state,
changes, how long each source took, the run's wall time and its slowest sources."""

from __future__ import annotations

from dataclasses import dataclass

STATES = {"ok": "Correcta", "unchanged": "Sin cambios", "failed": "Con error"}
SLOWEST = 3


def duration(seconds: float | None) -> str:
    """12,5 s · 3 min 12 s · 1 h 02 min (Spanish decimal comma)."""
    if seconds is None:
        return "—"
    if seconds < 60:
        return f"{seconds:.1f} s".replace(".", ",")
    minutes, secs = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


@dataclass
class SourceHealth:
    id: str
    name: str
    url: str | None
    state: str | None           # ok / unchanged / failed / None (not in the last run)
    records: int | None
    added: int
    updated: int
    removed: int
    warnings: int
    seconds: float | None
    error: str | None
    last_success: str | None    # harvest time of the data the site shows

    @property
    def state_label(self) -> str:
        return STATES.get(self.state or "", "Sin información")

    @property
    def duration(self) -> str:
        return duration(self.seconds)


def _int(value) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


def health(model) -> tuple[dict, list[SourceHealth]]:
    status = model.snapshot.status if isinstance(model.snapshot.status, dict) else {}
    run = status.get("run") if isinstance(status.get("run"), dict) else {}
    sources = status.get("sources") if isinstance(status.get("sources"), dict) else {}
    rows = []
    for sid in sorted(set(sources) | set(model.snapshot.sources)):
        info = sources.get(sid) if isinstance(sources.get(sid), dict) else {}
        sf = model.snapshot.sources.get(sid)
        records = info.get("records")
        if records is None and sf is not None:
            records = len(sf.records)
        seconds = info.get("seconds")
        rows.append(SourceHealth(
            id=sid, name=model.source_name(sid), url=model.source_url(sid),
            state=info.get("state"), records=_int(records) if records is not None else None,
            added=_int(info.get("added")), updated=_int(info.get("updated")),
            removed=_int(info.get("removed")),
            warnings=_int(len(info["warnings"]) if isinstance(info.get("warnings"), list)
                          else info.get("warnings")),
            seconds=float(seconds) if isinstance(seconds, (int, float)) else None,
            error=str(info["error"]) if info.get("error") else None,
            last_success=sf.harvested_at if sf is not None else None))
    rows.sort(key=lambda r: (r.state != "failed", r.name.lower()))
    return run, rows


def write(site) -> None:
    run, rows = health(site.model)
    wall = run.get("seconds")
    slowest = sorted((r for r in rows if r.seconds), key=lambda r: (-r.seconds, r.name))
    site.sink.page("estado/index.html", "status", None, run=run, sources=rows,
                   failed=sum(1 for r in rows if r.state == "failed"),
                   run_duration=duration(wall) if isinstance(wall, (int, float)) and wall > 0
                   else None, slowest=slowest[:SLOWEST])
