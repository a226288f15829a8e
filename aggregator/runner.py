"""The shared run loop: every adapter goes through it.

One item failing never stops a source; one source failing never stops the
run; a failed source keeps its last good file. The outcome of each source is
written to `status.yaml` and the exit code tells CI (0 ok, 3 some failed).

Sources are harvested at once (`parallel_sources`, `connections_per_host`,
see aggregator.parallel); each one's work is `harvest()`, and what needs every
source's result (status, summary) comes after all of them, in the order of
sources.yaml, so the output does not depend on which source finished first;
the change log gets every source's entries in one append, in source-id order
(aggregator/changes.py).
Each source has a time budget (`source_max_seconds`) inside the run's
(`run_max_seconds`): over it, the source fails and keeps its last good data.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TextIO
from urllib.parse import urlsplit

from . import changes, tombstones, yamlio
from .adapters import ADAPTERS
from .adapters.base import HarvestContext
from .cache_prune import prune_parse_cache
from .config import DEFAULT_SETTINGS, Config, ConfigError, SourceConfig
from .deadline import Budget
from .errors import ItemError, OutOfTime, SourceError
from .http import Http
from .parallel import WriteGate, run_all
from .reconcile import Reconciler
from .records import Record
from .report import Board, Progress, summary_table
from .snapshot import (
    SnapshotError,
    default_cache_dir,
    read_registry,
    read_source_file,
    write_source_file,
)

EXIT_OK, EXIT_USAGE, EXIT_FAILED = 0, 2, 3
# Incremental runs ask for changes since the last error-free run, minus this
# margin for clock skew and for servers that index late.
INCREMENTAL_MARGIN = timedelta(hours=1)
MAX_NOTES = 20
# A write killed half-way leaves its temporary file; one this old belongs to no live run.
STALE_TEMP_SECONDS = 3600
# After the run's budget, how long to wait for a source stuck outside the HTTP layer
# (where no socket deadline reaches) before reporting it and ending the run anyway.
STRAGGLER_GRACE = 30.0


def now_utc() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


@dataclass
class SourceResult:
    state: str = "failed"
    records: int = 0
    added: int = 0
    updated: int = 0
    removed: int = 0
    warnings: int = 0
    failed_items: int = 0
    seconds: float = 0.0
    error: str | None = None
    notes: list[str] = field(default_factory=list)
    last_success: str | None = None
    # Change-log entries of this harvest (aggregator/changes.py); not in status.yaml.
    changes: list[dict] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"state": self.state, "records": self.records, "added": self.added,
                "updated": self.updated, "removed": self.removed,
                "warnings": self.warnings, "failed_items": self.failed_items,
                "seconds": round(self.seconds, 2), "error": self.error,
                "notes": self.notes, "last_success": self.last_success}


def _one_line(text: str, limit: int = 300) -> str:
    """status.yaml and the summary table show one line per failure."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def _parse_time(value: object) -> datetime | None:
    if not value:
        return None
    try:
        dt = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


class Runner:
    def __init__(self, config: Config, data_dir: Path | str, cache_dir: Path | None = None,
                 out: TextIO | None = None, now=now_utc, http: Http | None = None):
        self.config = config
        self.data_dir = Path(data_dir)
        configured = config.settings.get("cache_dir")
        if cache_dir:
            self.cache_dir = Path(cache_dir)
        elif configured and config.path is not None:
            # Relative to the sources file, like every other path an operator writes there.
            self.cache_dir = Path(config.path).parent / configured
        else:
            self.cache_dir = default_cache_dir()
        self.out = out
        self.now = now
        try:
            institutions, mappings = read_registry(self.data_dir / "institutions.yaml",
                                                   self.cache_dir)
        except SnapshotError as exc:
            raise ConfigError(str(exc)) from None
        self.reconciler = Reconciler(institutions, mappings)
        for s in config.sources:
            if s.institution and s.institution not in self.reconciler.institutions:
                raise ConfigError(f"{config.path}: source {s.id!r}: institution "
                                  f"{s.institution!r} is not in "
                                  f"{self.data_dir / 'institutions.yaml'}")
        self.http = http or Http(config.settings, self.cache_dir)
        self.old_status = self._read_status()
        self.limits = {**DEFAULT_SETTINGS, **config.settings}
        self.run_budget: Budget | None = None
        self.run_clock = time.monotonic()
        self.gate = WriteGate()
        self.board: Board | None = None
        # Every change of a run carries the run's start (set by run()).
        self.run_at: str | None = None
        # Told of each source file written (write_source_file's on_write): the
        # scorecard's facts keeper, set by `aggregator run`.
        self.on_write = None

    def _read_status(self) -> dict:
        path = self.data_dir / "status.yaml"
        try:
            doc = yamlio.load_file(path) if path.exists() else {}
        except yamlio.YamlError:
            doc = {}
        return doc if isinstance(doc, dict) else {}

    # -- one source -----------------------------------------------------------
    def source_budget(self, started: float) -> Budget:
        limit = float(self.limits["source_max_seconds"])
        own = Budget(started + limit,
                     f"the source's time budget of {limit:g} s (source_max_seconds)")
        return Budget.earliest(own, self.run_budget)

    def harvest(self, source: SourceConfig, full: bool = False) -> SourceResult:
        started = time.monotonic()
        budget = self.source_budget(started)
        result = SourceResult()
        old = (self.old_status.get("sources") or {}).get(source.id) or {}
        result.last_success = old.get("last_success")
        path = self.data_dir / "sources" / f"{source.id}.yaml"
        previous: dict[str, Record] = {}
        if path.exists():
            try:
                previous = {r.id: r for r in read_source_file(path, self.cache_dir).records}
            except SnapshotError as exc:
                result.notes.append(f"previous file unreadable, harvesting in full: {exc}")
                full = True
        adapter_cls = ADAPTERS[source.adapter]
        since = None
        last = _parse_time(result.last_success)
        if adapter_cls.incremental and not full and previous and last:
            since = last - INCREMENTAL_MARGIN
        context = HarvestContext(settings=self.config.settings, since=since,
                                 previous=previous)
        progress = self.board.progress(source.id) if self.board else Progress(source.id, self.out)
        try:
            budget.check("before it started")
            adapter = adapter_cls(source, self.http.bounded(budget), context)
            records = self._collect(adapter, result, progress, budget)
            budget.check()
            if adapter.partial:
                records = {**previous, **records}
            if not records:
                raise SourceError(f"no records (it had {len(previous)} before)" if previous
                                  else "no records found")
            for rec in records.values():
                self.reconciler.assign(rec, source.institution)
            result.records = len(records)
            found = self._diff(source.id, previous, records, result)
            if not self.gate.enter():
                raise OutOfTime(f"over {self.run_budget.reason}: the run's report was "
                                f"written before this source's file")
            try:
                self._keep_tombstones(source.id, found)
                changed = write_source_file(self.data_dir, source.id, source.adapter,
                                            self.now().isoformat(), list(records.values()),
                                            self.cache_dir, name=source.name,
                                            url=adapter_cls.portal_url(source),
                                            country=source.country,
                                            on_write=self.on_write)
            finally:
                self.gate.leave()
            result.state = "ok" if changed else "unchanged"
            if result.failed_items == 0:
                result.last_success = self.now().isoformat()
        except (SourceError, OutOfTime) as exc:
            result.state, result.error = "failed", _one_line(str(exc))
        except Exception as exc:  # noqa: BLE001 - an adapter bug must not stop the run
            result.state = "failed"
            result.error = _one_line(f"unexpected {type(exc).__name__}: {exc}")
        finally:
            progress.done()
        warnings = context.warnings.messages
        result.warnings = len(warnings)
        result.notes.extend(warnings[: MAX_NOTES - len(result.notes)])
        if result.state == "failed":
            result.records = len(previous)
            result.added = result.updated = result.removed = 0
            result.changes = []
        result.seconds = time.monotonic() - started
        return result

    @staticmethod
    def _collect(adapter, result: SourceResult, progress: Progress,
                 budget: Budget) -> dict[str, Record]:
        records: dict[str, Record] = {}
        for raw in adapter.list_items():
            budget.check()
            try:
                rec = adapter.normalize(raw)
            except ItemError as exc:
                result.failed_items += 1
                adapter.warn(f"item skipped: {exc}")
                continue
            if rec.id in records:
                adapter.warn(f"duplicate item {rec.remote_id!r} listed twice, kept once")
            records[rec.id] = rec
            progress.update(len(records), adapter.expected)
        result.failed_items += adapter.failed_items
        return records

    def _diff(self, source_id: str, previous: dict[str, Record],
              records: dict[str, Record], result: SourceResult) -> changes.SourceChanges:
        """Count the changes and make their log entries (appended by run())."""
        found = changes.diff(source_id, previous, records, self.run_at or self.now().isoformat())
        result.added, result.updated, result.removed = found.added, found.updated, found.removed
        result.changes = found.entries
        return found

    def _keep_tombstones(self, source_id: str, found: changes.SourceChanges) -> None:
        """Removed records kept as tombstones, before the source file is written: a
        run killed in between notices them again."""
        at = self.run_at or self.now().isoformat()
        try:
            tombstones.update(self.data_dir, source_id, found.removed_records,
                              found.added_ids, at)
        except (SnapshotError, yamlio.YamlError) as exc:
            raise SourceError(f"tombstones not updated: {exc}") from None

    # -- the run --------------------------------------------------------------
    def run(self, only: list[str] | None = None, full: bool = False) -> int:
        known = {s.id for s in self.config.sources}
        for sid in only or []:
            if sid not in known:
                raise ConfigError(f"--only {sid}: no such source in {self.config.path}")
        if only:
            selected = [s for s in self.config.sources if s.id in only]
        else:
            selected = [s for s in self.config.sources if s.enabled]
        started = self.now()
        self.run_at = started.isoformat()
        clock = self.run_clock = time.monotonic()
        self._remove_stale_temporaries()
        limit = float(self.limits["run_max_seconds"])
        self.run_budget = Budget(clock + limit,
                                 f"the run's time budget of {limit:g} s (run_max_seconds)")
        workers = int(self.limits["parallel_sources"])
        if self.out is not None:
            self.board = Board(self.out, len(selected), bars=min(workers, len(selected)) == 1)
        harvested = run_all(
            selected, lambda s: self.harvest(s, full), workers=workers,
            key=lambda s: _host(s.url), per_key=int(self.limits["connections_per_host"]),
            stop_at=self.run_budget.deadline + STRAGGLER_GRACE, straggler=self._straggler)
        self.gate.close()  # nothing is written after this point
        results = {s.id: r for s, r in zip(selected, harvested, strict=True)}
        logged = self._append_changes(results)
        exit_code = EXIT_FAILED if not logged or any(
            r.state == "failed" for r in results.values()) else EXIT_OK
        wall = time.monotonic() - clock
        self._write_status(started, results, exit_code, wall)
        prune_parse_cache(self.cache_dir)
        if self.out is not None:
            self.board.finish()
            self.out.write(summary_table(results, wall) + "\n")
        self.http.close()
        return exit_code

    def _straggler(self, source: SourceConfig) -> SourceResult:
        """A source still busy when the run's time is up: failed, last good data kept."""
        old = (self.old_status.get("sources") or {}).get(source.id) or {}
        return SourceResult(state="failed", records=int(old.get("records") or 0),
                            last_success=old.get("last_success"),
                            seconds=time.monotonic() - self.run_clock,
                            error=f"still running at the end of {self.run_budget.reason}")

    def _append_changes(self, results: dict[str, SourceResult]) -> bool:
        """Every source's changes in one append, in source-id order (not in the
        order the harvests ended); False when the change log could not be written."""
        entries = [e for sid in sorted(results) for e in results[sid].changes]
        if not entries:
            return True
        try:
            changes.append(self.data_dir, entries)
        except (changes.ChangeLogError, OSError) as exc:
            print(f"error: change log not written ({len(entries)} changes): {exc}",
                  file=sys.stderr)
            return False
        return True

    def _remove_stale_temporaries(self) -> None:
        limit = time.time() - STALE_TEMP_SECONDS
        for folder in (self.data_dir, self.data_dir / "sources",
                       self.data_dir / changes.CHANGES_DIR,
                       self.data_dir / tombstones.TOMBSTONES_DIR):
            for tmp in folder.glob(".*.tmp"):
                try:
                    if tmp.stat().st_mtime < limit:
                        tmp.unlink()
                except OSError:
                    pass

    def _write_status(self, started: datetime, results: dict[str, SourceResult],
                      exit_code: int, wall: float) -> None:
        sources = {sid: entry for sid, entry in (self.old_status.get("sources") or {}).items()
                   if any(s.id == sid for s in self.config.sources)}
        sources.update({sid: r.to_dict() for sid, r in results.items()})
        doc = {"run": {"started": started.isoformat(), "finished": self.now().isoformat(),
                       "exit": exit_code, "seconds": round(wall, 2)},
               "sources": dict(sorted(sources.items())),
               "unmatched": self.reconciler.unmatched_report()}
        yamlio.write_atomic(self.data_dir / "status.yaml", yamlio.dumps(doc))
