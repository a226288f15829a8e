"""`make bench` (`python -m bench`): every benchmark, figures printed.

At 1k and 10k datasets by default; `make bench SCALE=100000` runs 100k.
Each `bench/bench_*.py` module defines `TITLE` and `run(ctx)`. Machines are
noisy: compare ratios measured within one run, not absolute seconds across runs.
"""

from __future__ import annotations

import argparse
import importlib
import platform
import sys
import time
from pathlib import Path

from .common import Context, say

MODULES = ["bench_snapshot", "bench_build", "bench_aggregator", "bench_feeds",
           "bench_search", "bench_lighthouse", "bench_scores"]
MODULES.append("bench_harvest_parallel")
MODULES.append("bench_exports")
MODULES.append("bench_registers")
MODULES.append("bench_publish")
MODULES.append("bench_changes")
MODULES.append("bench_obras")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--scale", type=int, action="append",
                   help="datasets in the synthetic snapshot (repeatable)")
    p.add_argument("--only", nargs="+", help="run only these modules (e.g. bench_build)")
    args = p.parse_args(argv)
    ctx = Context(scales=args.scale or [1000, 10000], only=args.only or [])
    ctx.out.mkdir(parents=True, exist_ok=True)
    say(f"Benchmarks, {time.strftime('%Y-%m-%d %H:%M')}, Python {platform.python_version()}, "
        f"{platform.machine()}; scales: {', '.join(f'{s:,}' for s in ctx.scales)} datasets")
    say("SYNTHETIC snapshots (devtools/synth.py): figures are for comparison, not real data.")
    for name in MODULES:
        if ctx.only and name not in ctx.only:
            continue
        if not (Path(__file__).parent / f"{name}.py").exists():
            continue
        mod = importlib.import_module(f"bench.{name}")
        say(f"\n== {mod.TITLE} ==")
        started = time.perf_counter()
        mod.run(ctx)
        say(f"  ({name}: {time.perf_counter() - started:.0f}s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
