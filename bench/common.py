"""What every benchmark shares: synthetic snapshots, measured subprocesses, output."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from aggregator.snapshot import ROOT
from devtools.synth import generate

OUT = ROOT / "bench" / "out"


@dataclass
class Measured:
    seconds: float
    peak_rss_mb: float
    returncode: int
    stdout: str = ""
    stderr: str = ""
    cpu_seconds: float = 0.0   # user + system time of the process


def run_measured(cmd: list[str], env: dict | None = None, cwd: Path = ROOT) -> Measured:
    """Run a command; wall seconds and the peak RSS of the process (os.wait4)."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, env={**os.environ, **(env or {})}, cwd=cwd,
                                stdout=out, stderr=err, text=True)
        # os.wait4, not proc.wait(): it also returns the child's resource usage.
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Measured(seconds, usage.ru_maxrss / 1024, proc.returncode, out.read(), err.read(),
                        usage.ru_utime + usage.ru_stime)


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


@dataclass
class Context:
    scales: list[int]
    out: Path = OUT
    only: list[str] = field(default_factory=list)

    def synth(self, datasets: int, seed: int = 1, institutions: int | None = None) -> Path:
        """A synthetic snapshot with that many datasets, generated once and reused,
        and scored (scores.yaml, as `aggregator run` leaves a snapshot)."""
        name = f"synth-{datasets}-s{seed}" + (f"-i{institutions}" if institutions else "")
        path = self.out / "snapshots" / name
        marker = path / ".complete"
        if not marker.exists():
            started = time.perf_counter()
            generate(path, datasets, seed, institutions_count=institutions)
            marker.write_text("ok\n")
            say(f"  (generated synthetic snapshot of {datasets:,} datasets in "
                f"{time.perf_counter() - started:.1f}s)")
        if not (path / "scores.yaml").exists():
            from aggregator.score import Scorer
            Scorer().run(path, out=None)
        return path


def say(line: str = "") -> None:
    print(line, flush=True)


def table(rows: list[tuple], head: tuple) -> None:
    rows = [tuple(str(c) for c in r) for r in rows]
    widths = [max(len(str(x)) for x in col) for col in zip(head, *rows)]
    say("  " + "  ".join(str(h).ljust(w) for h, w in zip(head, widths)))
    for r in rows:
        say("  " + "  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in
                             enumerate(zip(r, widths))))


PY = sys.executable
