"""Helpers for the aggregator tests: run the real run loop over real HTTP against
the replay server, then read what it wrote."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from aggregator import yamlio
from aggregator.config import parse_config
from aggregator.records import Record
from aggregator.runner import Runner
from aggregator.snapshot import read_source_file

FIXTURES = Path(__file__).resolve().parent / "fixtures"
# Short waits, few retries: the fault tests stay fast and still retry once.
FAST = {"retries": 1, "timeout": 2, "read_timeout": 5, "max_retry_wait": 2}
CLOCK = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)


def fixture(kind: str, name: str) -> Path:
    return FIXTURES / kind / name


def fixture_json(kind: str, name: str):
    return json.loads(fixture(kind, name).read_bytes())


class Clock:
    """A clock the test moves forward between runs."""

    def __init__(self, start: datetime = CLOCK):
        self.now = start

    def __call__(self) -> datetime:
        return self.now


def harvest(tmp_path: Path, sources: list[dict], settings: dict | None = None,
            full: bool = False, only: list[str] | None = None, now=None,
            out=None) -> tuple[int, dict]:
    """One aggregator run; (exit code, status.yaml)."""
    config = parse_config({"sources": sources, "settings": {**FAST, **(settings or {})}},
                          tmp_path / "sources.yaml")
    runner = Runner(config, tmp_path / "data", cache_dir=tmp_path / "cache", out=out,
                    now=now or Clock())
    code = runner.run(only=only, full=full)
    return code, yamlio.load_file(tmp_path / "data" / "status.yaml")


def source_path(tmp_path: Path, source_id: str) -> Path:
    return tmp_path / "data" / "sources" / f"{source_id}.yaml"


def records(tmp_path: Path, source_id: str) -> dict[str, Record]:
    """remote_id -> record, as written to the snapshot."""
    sf = read_source_file(source_path(tmp_path, source_id), None)
    return {r.remote_id: r for r in sf.records}
