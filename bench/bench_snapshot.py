"""Snapshot load: seconds to read a synthetic snapshot cold (empty parse cache:
YAML parsed and validated) and warm (parse cache in .cache/parse), each in a
fresh process, with peak RSS.

    python -m bench --only bench_snapshot
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

from .common import PY, run_measured, say, table

TITLE = "Snapshot load (aggregator/snapshot.py), cold and warm"


def _load(data: Path, cache: Path) -> dict:
    from aggregator.snapshot import load_snapshot
    started = time.perf_counter()
    snap = load_snapshot(data, cache)
    seconds = time.perf_counter() - started
    size = sum(p.stat().st_size for p in (data / "sources").glob("*.yaml"))
    return {"seconds": seconds, "records": sum(len(s.records) for s in snap.sources.values()),
            "bytes": size}


def _measure(data: Path, cache: Path) -> tuple[dict, float]:
    m = run_measured([PY, "-m", "bench.bench_snapshot", "--load", str(data),
                      "--cache", str(cache)])
    if m.returncode != 0:
        raise RuntimeError(m.stderr[-2000:])
    return json.loads(m.stdout.strip().splitlines()[-1]), m.peak_rss_mb


def run(ctx) -> None:
    rows = []
    for scale in ctx.scales:
        data = ctx.synth(scale)
        cache = ctx.out / "cache-snapshot" / str(scale)
        shutil.rmtree(cache, ignore_errors=True)
        cold, cold_rss = _measure(data, cache)
        warm, warm_rss = _measure(data, cache)
        mb = cold["bytes"] / 1e6
        rows.append((f"{scale:,}", f"{mb:.0f} MB", f"{cold['records']:,}",
                     f"{cold['seconds']:.2f}", f"{mb / cold['seconds']:.1f} MB/s",
                     f"{cold_rss:.0f}", f"{warm['seconds']:.2f}", f"{warm_rss:.0f}",
                     f"{cold['seconds'] / warm['seconds']:.0f}x"))
    table(rows, ("datasets", "YAML", "records", "cold s", "cold rate", "cold RSS MB",
                 "warm s", "warm RSS MB", "speed-up"))
    say("  (goal: <= 5 s warm at 100,000 datasets; times inside the process, without "
        "interpreter start-up; RSS is the whole process)")


def main(argv=None) -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--load", type=Path, required=True)
    p.add_argument("--cache", type=Path, required=True)
    args = p.parse_args(argv)
    print(json.dumps(_load(args.load, args.cache)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
