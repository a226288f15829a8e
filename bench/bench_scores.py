"""Scorecard: seconds and peak memory of `python -m aggregator score` on synthetic
snapshots with 1,000 institutions, beside a warm load of the whole snapshot by
the shared reader (the reference: what scoring would cost if it loaded every
record), and the scorecard pages an unchanged site build renders again (goal: none).

Each scale is scored three times, each in a fresh process: cold (no cache: every
file parsed), after a harvest (the parse cache warm, as `aggregator run` leaves
it, the scorer's facts cache empty: every record built and checked) and
unchanged (both warm: the usual nightly case for most source files). Inside the
process: reading the facts, computing (indicators, national figures) and writing
(scores.yaml, history) are timed apart.

    python -m bench --only bench_scores --scale 10000 --scale 100000
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
import time
from pathlib import Path

from .common import PY, ROOT, run_measured, say, table

TITLE = "Scorecard (python -m aggregator score), 1,000 institutions"
INSTITUTIONS = 1000


def _score(data: Path, cache: Path) -> dict:
    """One scoring, timed by stage (run in a child process by _measure)."""
    from aggregator.score import Scorer, write
    started = time.perf_counter()
    scorer = Scorer(ROOT / "pelicanconf.py")
    facts = scorer.read(data, cache)
    loaded = time.perf_counter()
    doc = scorer.document(facts)
    computed = time.perf_counter()
    write(data, doc, cache)
    done = time.perf_counter()
    return {"load": loaded - started, "compute": computed - loaded, "write": done - computed,
            "peak_mb": _peak_mb(), "datasets": doc["national"]["datasets"]["count"],
            "institutions": doc["national"]["evaluated"],
            "bytes": (data / "scores.yaml").stat().st_size}


def _peak_mb() -> float:
    """This process's peak RSS (VmHWM). Not getrusage's ru_maxrss: on Linux a child
    inherits its parent's peak through fork and exec, and the benchmark's parent
    has just generated a snapshot of hundreds of megabytes."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _measure(data: Path, cache: Path) -> tuple[dict, float]:
    m = run_measured([PY, "-m", "bench.bench_scores", "--score", str(data), "--cache",
                      str(cache)])
    if m.returncode != 0:
        raise RuntimeError(m.stderr[-2000:])
    result = json.loads(m.stdout.strip().splitlines()[-1])
    return result, result["peak_mb"]


def _unchanged_build(ctx, data: Path) -> tuple[int, int, str]:
    """Build the site twice into one folder; pages the second build rendered, in
    the scorecard section and in all."""
    out, cache = ctx.out / "scores-site", ctx.out / "scores-site-cache"
    shutil.rmtree(out, ignore_errors=True)
    shutil.rmtree(cache, ignore_errors=True)
    env = {"PORTAL_DATA": str(data), "PORTAL_CACHE": str(cache), "PORTAL_TODAY": "2026-06-15",
           "PORTAL_SEARCH_INDEX": "0", "PORTAL_BUILD_TIMINGS": "1"}
    cmd = [PY, "-m", "pelican", str(ROOT / "content"), "-o", str(out), "-s",
           str(ROOT / "pelicanconf.py")]
    first = run_measured(cmd, env)
    second = run_measured(cmd, env)
    for m in (first, second):
        if m.returncode != 0:
            raise RuntimeError(m.stderr[-2000:])
    def count(text: str, section: str) -> int:
        found = re.search(rf"\b{section} (\d+) in", text)
        return int(found.group(1)) if found else -1

    again, before = second.stderr + second.stdout, first.stderr + first.stdout
    return ({s: count(again, s) for s in ("scorecard", "institutions", "datasets")},
            {s: count(before, s) for s in ("scorecard", "institutions", "datasets")},
            f"{first.seconds:.1f} s, then {second.seconds:.1f} s")


def _total(r: dict) -> float:
    return r["load"] + r["compute"] + r["write"]


def _reference(data: Path, cache: Path) -> float:
    """Seconds of a warm load of every record by the shared snapshot reader."""
    m = run_measured([PY, "-m", "bench.bench_snapshot", "--load", str(data), "--cache",
                      str(cache)])
    if m.returncode != 0:
        raise RuntimeError(m.stderr[-2000:])
    return json.loads(m.stdout.strip().splitlines()[-1])["seconds"]


def run(ctx) -> None:
    rows = []
    for scale in ctx.scales:
        data = ctx.synth(scale, institutions=INSTITUTIONS)
        cache = ctx.out / "cache-scores" / str(scale)
        shutil.rmtree(cache, ignore_errors=True)
        cold, cold_mb = _measure(data, cache)
        shutil.rmtree(cache / "scores")              # as after a harvest changed every file
        harvest, harvest_mb = _measure(data, cache)
        warm, warm_mb = _measure(data, cache)
        reference = _reference(data, cache)
        rows.append((f"{scale:,}", f"{warm['institutions']:,}",
                     f"{_total(cold):.2f} / {cold_mb:.0f}",
                     f"{_total(harvest):.2f} / {harvest_mb:.0f}",
                     f"{warm['load']:.2f} + {warm['compute']:.2f} + {warm['write']:.2f}",
                     f"{_total(warm):.2f} / {warm_mb:.0f}", f"{reference:.2f}",
                     f"{_total(warm) / reference:.2f}", f"{warm['bytes'] / 1e6:.1f} MB"))
    table(rows, ("datasets", "evaluated", "cold s / MB", "after harvest s / MB",
                 "unchanged: read + compute + write s", "unchanged s / MB",
                 "ref: load all s", "unchanged/ref", "scores.yaml"))
    say("  (goal: <= 5 s and <= 500 MB at 100,000 datasets; times inside the process, "
        "peak RSS (VmHWM) of the whole process)")
    smallest = min(min(ctx.scales), 10_000)       # two builds: 10k is enough to tell
    again, first, seconds = _unchanged_build(ctx, ctx.synth(smallest,
                                                            institutions=INSTITUTIONS))
    say(f"  site built twice at {smallest:,} datasets ({seconds}): pages rendered by the "
        f"second build / the first: scorecard {again['scorecard']} / {first['scorecard']}, "
        f"institution pages (with their scorecard section) {again['institutions']} / "
        f"{first['institutions']}, dataset pages (with their quality) {again['datasets']} / "
        f"{first['datasets']} (goal: 0 scorecard pages)")


def main(argv=None) -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--score", type=Path, required=True)
    p.add_argument("--cache", type=Path, required=True)
    args = p.parse_args(argv)
    print(json.dumps(_score(args.score, args.cache)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
