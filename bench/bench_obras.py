"""Public works: harvest and build at scale, on SYNTHETIC data (devtools/synth_obras.py).

- Harvest: a messy Latin-1 `;` export of N works served by the replay server on
  127.0.0.1, read by the csv adapter (`record_type: obra`): fetch + CSV parse +
  normalize, records/s; then the whole run loop (reconcile, write the snapshot).
  Reference in the same process: the same bytes decoded and split into rows by
  the standard `csv` module alone (the floor any CSV reader pays).
- Build: the synthetic snapshot of N datasets built twice, without and with the N
  works (portal plugins, search index off, fresh output and build cache, warm
  parse cache): seconds and peak RSS of each, and from the build's own section
  timings the pages/s of the /obras/ section beside the /datos/ section's in the
  same run. Goal: obras pages/s within 10% of the dataset pages'.

    python -m bench --only bench_obras --scale 100000
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import re
import shutil
import sys
import time
from pathlib import Path

from .bench_build import Runs, _env, _measure, _pelican, _portal_only_conf, _run
from .common import PY, run_measured, say, table

TITLE = "Public works: harvest (CSV parse + normalize) and the /obras/ section in the build"
SOURCE = "sintetico-obras"
_TIMING = re.compile(r"(\w+) (\d+) in ([\d.]+)s \(cpu ([\d.]+)s\)")


def _options() -> dict:
    from devtools.synth_obras import BOUNDS
    return {"record_type": "obra", "currency": "CLP", "bounds": BOUNDS}


def harvest_child(csv_path: str, data_dir: str, cache_dir: str) -> dict:
    """In its own process (for its peak RSS): the adapter alone, then a full run."""
    from aggregator.adapters.base import HarvestContext
    from aggregator.adapters.csv_register import CsvRegisterAdapter
    from aggregator.config import parse_config
    from aggregator.http import Http
    from aggregator.runner import Runner
    from devtools.replay import ReplayServer

    with ReplayServer() as server:
        server.add("/obras.csv", Path(csv_path), content_type="text/csv")
        config = parse_config({"sources": [{
            "id": SOURCE, "name": "Obras públicas (sintéticas)", "adapter": "csv",
            "url": server.url + "/obras.csv", "options": _options()}]})
        source = config.sources[0]
        adapter = CsvRegisterAdapter(source, Http(config.settings), HarvestContext(config.settings))
        started = time.perf_counter()
        count = sum(1 for raw in adapter.list_items() if adapter.normalize(raw))
        parse_s = time.perf_counter() - started
        runner = Runner(config, data_dir, cache_dir=Path(cache_dir))
        started = time.perf_counter()
        result = runner.harvest(source, full=True)
        run_s = time.perf_counter() - started
    started = time.perf_counter()
    text = Path(csv_path).read_bytes().decode("latin-1")
    rows = sum(1 for _ in csv.reader(io.StringIO(text, newline=""), delimiter=";")) - 1
    floor_s = time.perf_counter() - started
    return {"count": count, "parse_s": parse_s, "run_s": run_s, "records": result.records,
            "state": result.state, "warnings": result.warnings, "rows": rows,
            "floor_s": floor_s}


def _snapshot_with_works(data: Path, folder: Path) -> Path:
    """A snapshot folder made of the synthetic one's files (linked) plus the works."""
    if folder.exists():
        shutil.rmtree(folder)
    (folder / "sources").mkdir(parents=True)
    (folder / "institutions.yaml").symlink_to(data / "institutions.yaml")
    for path in sorted((data / "sources").glob("*.yaml")):
        (folder / "sources" / path.name).symlink_to(path)
    return folder


def _publishers(data: Path) -> list[str]:
    from aggregator.snapshot import read_registry
    institutions, _ = read_registry(data / "institutions.yaml")
    return [i.name for i in institutions]


def _sections(stderr: str) -> dict[str, tuple[int, float, float]]:
    """{section: (pages written, wall seconds, CPU seconds)} from PORTAL_BUILD_TIMINGS."""
    line = next((t for t in stderr.splitlines() if t.startswith("Portal sections")), "")
    return {name: (int(pages), float(wall), float(cpu))
            for name, pages, wall, cpu in _TIMING.findall(line)}


def run(ctx) -> None:
    from devtools.synth_obras import obras_csv

    conf = _portal_only_conf(ctx)
    runs = Runs(ctx.out / "obras-runs")
    harvests, builds = [], []
    for scale in ctx.scales:
        data = ctx.synth(scale)
        work = ctx.out / "obras" / f"n{scale}"
        work.mkdir(parents=True, exist_ok=True)
        csv_path = work / "obras.csv"
        if not csv_path.exists():
            csv_path.write_bytes(obras_csv(scale, _publishers(data)))
        with_works = _snapshot_with_works(data, work / "snapshot")
        cache = ctx.out / "cache-obras"
        m = run_measured([PY, "-m", "bench.bench_obras", "--harvest", str(csv_path),
                          str(with_works), str(cache)])
        if m.returncode != 0:
            say(f"  {scale:,}: harvest failed: {m.stderr.strip()[-500:]}")
            continue
        h = json.loads(m.stdout.strip().splitlines()[-1])
        floor = h["rows"] / h["floor_s"]
        harvests.append((f"{scale:,}", f"{csv_path.stat().st_size / 1e6:.1f}", f"{h['count']:,}",
                         f"{h['parse_s']:.1f}", f"{h['count'] / h['parse_s']:,.0f}",
                         f"{floor:,.0f}", f"{h['count'] / h['parse_s'] / floor:.3f}",
                         f"{h['run_s']:.1f}", f"{h['records'] / h['run_s']:,.0f}",
                         f"{h['warnings']}", f"{m.peak_rss_mb:,.0f}"))
        for folder in (data, with_works):      # warm parse cache, as after `make aggregate`
            _run([PY, "-m", "bench.bench_snapshot", "--load", str(folder), "--cache",
                  str(cache)], {})
        best = {}
        for label, folder in (("without", data), ("with", with_works)):
            for _ in range(2 if scale <= 20_000 else 1):
                shutil.rmtree(cache / "build", ignore_errors=True)
                env = {**_env(folder, cache), "PORTAL_BUILD_TIMINGS": "1"}
                one = _measure(_pelican(runs.folder(label), conf), env, f"build {label} works")
                if label not in best or one.seconds < best[label].seconds:
                    best[label] = one
        sections = _sections(best["with"].stderr)
        ds_pages, ds_s, ds_cpu = sections.get("datasets", (0, 0.0, 0.0))
        ob_pages, ob_s, ob_cpu = sections.get("obras", (0, 0.0, 0.0))
        rate = lambda pages, secs: pages / secs if secs else float("nan")
        builds.append((f"{scale:,}", f"{best['without'].seconds:.1f}",
                       f"{best['with'].seconds:.1f}",
                       f"{best['with'].seconds - best['without'].seconds:.1f}",
                       f"{best['without'].peak_rss_mb:,.0f}", f"{best['with'].peak_rss_mb:,.0f}",
                       f"{ds_pages:,} in {ds_s:.1f} (cpu {ds_cpu:.1f})",
                       f"{rate(ds_pages, ds_s):,.0f} / {rate(ds_pages, ds_cpu):,.0f}",
                       f"{ob_pages:,} in {ob_s:.1f} (cpu {ob_cpu:.1f})",
                       f"{rate(ob_pages, ob_s):,.0f} / {rate(ob_pages, ob_cpu):,.0f}",
                       (f"{rate(ob_pages, ob_s) / rate(ds_pages, ds_s):.2f} / "
                        f"{rate(ob_pages, ob_cpu) / rate(ds_pages, ds_cpu):.2f}")))
    say("  Harvest: SYNTHETIC Latin-1 ';' export served on 127.0.0.1, csv adapter "
        "(record_type: obra)")
    table(harvests, ("works", "CSV MB", "records", "fetch+parse+normalize s", "records/s",
                     "csv.reader alone rows/s", "ratio",
                     "full run s", "records/s (run)", "warnings", "peak RSS MB"))
    say("  Build: N synthetic datasets, without and with N works (best of 2 up to 20,000, "
        "else 1); sections from the build's own timings")
    table(builds, ("N", "without s", "with s", "added s", "RSS without MB", "RSS with MB",
                   "/datos/ pages in s", "pages/s wall / CPU", "/obras/ pages in s",
                   "pages/s wall / CPU", "obras/datos wall / CPU"))
    say("  (goal: /obras/ pages/s within 10% of /datos/ pages/s, i.e. ratio >= 0.90; the "
        "CPU ratio is the steadier on a shared machine)")
    runs.clean()      # after the figures: deleting 400,000 files takes minutes


def main(argv=None) -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--harvest", nargs=3, metavar=("CSV", "DATA", "CACHE"), required=True)
    args = p.parse_args(argv)
    print(json.dumps(harvest_child(*args.harvest)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
