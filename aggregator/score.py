"""`python -m aggregator score [--data DIR] [--settings FILE]`: the scorecard of a
snapshot, written to `scores.yaml` and `history/scores.csv` beside it.

The weights and thresholds are the PORTAL_SCORECARD block of the site's settings
(pelicanconf.py by default), so the site's method page and the totals come from
the same values. The reference time is the snapshot's own (status.yaml's
`run.finished`, else the latest `harvested_at` of its source files), never the
clock: the same snapshot always gives the same bytes. Its day is taken in the
settings' TIMEZONE.
"""

from __future__ import annotations

import runpy
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from . import yamlio
from .scoring import emit, history
from .scoring.compute import compute
from .scoring.facts import SnapshotFacts, read_facts
from .scoring.method import SETTING, Method, MethodError
from .snapshot import ROOT, SnapshotError, _cache_path, _store, default_cache_dir
from .transparency import PatternError, institution_links, patterns_from_settings

DEFAULT_SETTINGS = ROOT / "pelicanconf.py"
SCORES = "scores.yaml"
HISTORY = Path("history") / "scores.csv"


class ScoreError(ValueError):
    """Settings, snapshot or history that cannot be scored; names file and key."""


def load_settings(path: Path | str) -> dict:
    """The UPPER_CASE names a Pelican settings file defines (it is Python)."""
    path = Path(path)
    if not path.is_file():
        raise ScoreError(f"{path}: settings file not found")
    try:
        names = runpy.run_path(str(path))
    except Exception as exc:  # noqa: BLE001 - any error in the file is reported as one line
        raise ScoreError(f"{path}: cannot be read: {type(exc).__name__}: {exc}") from None
    return {k: v for k, v in names.items() if k.isupper()}


class Scorer:
    """Settings checked once (before a harvest, in `aggregator run`), then scored."""

    def __init__(self, settings_path: Path | str = DEFAULT_SETTINGS):
        self.path = Path(settings_path)
        settings = load_settings(self.path)
        if SETTING not in settings:
            raise ScoreError(f"{self.path}: no {SETTING} block (see docs/scorecard.md)")
        try:
            self.method = Method.from_settings(settings[SETTING])
            self.patterns = patterns_from_settings(settings)
        except (MethodError, PatternError) as exc:
            raise ScoreError(f"{self.path}: {exc}") from None
        tz = settings.get("TIMEZONE") or "UTC"
        try:
            self.zone = ZoneInfo(str(tz))
        except (ZoneInfoNotFoundError, ValueError):
            raise ScoreError(f"{self.path}: TIMEZONE {tz!r} is not a known time zone") from None

    def read(self, data_dir: Path | str, cache_dir: Path | None = None) -> SnapshotFacts:
        return read_facts(data_dir, self.method.quality_check(), cache_dir)

    def document(self, facts: SnapshotFacts) -> dict:
        now, reference = reference_time(facts)
        day = now.astimezone(self.zone).date()
        return compute(facts, self.method, lambda inst: institution_links(inst, self.patterns),
                       now, day, reference)

    def run(self, data_dir: Path | str, cache_dir: Path | None | bool = True,
            out: TextIO | None | bool = True) -> dict:
        """`out`: where the one-line summary goes (True: standard error, None: nowhere)."""
        out = sys.stderr if out is True else out
        data_dir = Path(data_dir)
        cache = default_cache_dir() if cache_dir is True else (cache_dir or None)
        try:
            doc = self.document(self.read(data_dir, cache))
            notes = write(data_dir, doc, cache)
        except (SnapshotError, history.HistoryError) as exc:
            raise ScoreError(str(exc)) from None
        if out is not None:
            n = doc["national"]
            mean = "-" if n["mean"] is None else f"{n['mean']}"
            out.write(f"scorecard: {n['evaluated']} of {n['registered']} institutions "
                      f"evaluated, national mean {mean} ({doc['reference']['day']}); "
                      f"{'; '.join(notes)}\n")
        return doc


def reference_time(facts: SnapshotFacts) -> tuple[datetime, str]:
    run = facts.status.get("run") if isinstance(facts.status, dict) else None
    finished = _time(run.get("finished")) if isinstance(run, dict) else None
    if finished is not None:
        return finished, "status.yaml run.finished"
    times = [t for t in (_time(h) for h in facts.harvested) if t]
    if times:
        return max(times), "latest harvested_at of the source files"
    raise ScoreError("the snapshot has no date: status.yaml has no run.finished and no "
                     "source file has harvested_at")


def _time(value) -> datetime | None:
    if not value:
        return None
    if isinstance(value, date) and not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    try:
        dt = value if isinstance(value, datetime) else \
            datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def write(data_dir: Path, doc: dict, cache_dir: Path | None = None) -> list[str]:
    """scores.yaml (left alone when the same) and the day's lines of the history.
    With a cache folder, the document also goes into the snapshot reader's parse
    cache under the new file's bytes: parsing megabytes of YAML takes seconds, and
    the site's next build reads it from there."""
    notes = []
    path = data_dir / SCORES
    raw = emit.dumps(doc)
    if path.exists() and path.read_bytes() == raw:
        notes.append(f"{SCORES} unchanged")
    else:
        yamlio.write_atomic(path, raw)
        notes.append(f"{SCORES} written")
    _store(_cache_path(cache_dir, raw), doc)
    notes.append(history.append(data_dir / HISTORY, doc))
    return notes
