"""Exports (docs/exports.md): what each format adds to a full build, in seconds
and peak memory, beside the same build without exports in the same run; a
rebuild with nothing changed (it must rewrite no export); and the time each
format's text takes to make in one process, beside rdflib's graph serializers
(the reference the exports do not use).

Builds as bench_build's: portal plugins only (search plugin off), warm parse
cache, fresh output folder and build cache; `PORTAL_EXPORTS` off (reference) or
on. Each export's seconds and memory come from the build's own timings
(PORTAL_BUILD_TIMINGS: seconds per section, the process's peak after each).
Goal at 100k: all exports add <= 20% to the full build and stay within its
memory goal (2 GB). The build with exports runs twice over: as shipped, the
exports made by a second process beside the pages (`PORTAL_PARALLEL_EXPORTS`),
and in one process; each export's seconds come from the one-process build.

    python -m bench --only bench_exports --scale 100000
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .bench_build import Run, Runs, _check, _measure, _pelican, _run, _stamps
from .common import PY, ROOT, say, table

TITLE = "Exports: DCAT-AP, data.json, CSV, iCalendar (seconds, memory, no-change rebuild)"
TODAY = "2026-06-15"
# In the order the build runs them (each one's memory is the peak it adds).
FAMILIES = [("datasets", "data.json + datasets.csv"),
            ("dcat", "DCAT-AP Turtle + JSON-LD (pages and per dataset)"),
            ("csv", "CSV of the other sections"), ("ical", "iCalendar")]
EXPORT_SUFFIXES = (".ics", "/dataset.ttl", "/dataset.jsonld")
RDFLIB_SAMPLE = 1000
# Builds of each kind, alternated, best kept; BENCH_EXPORTS_RUNS=1 for one pair (100k
# takes some 15 minutes a pair on the shared machine).
RUNS = max(1, int(os.environ.get("BENCH_EXPORTS_RUNS", "2")))
SECTION = {"dcat": "dcat", "datasets": "exports", "csv": "csv_exports", "ical": "calendars"}


def _conf(ctx, exports) -> Path:
    name = "all" if exports is True else ("none" if not exports else "-".join(exports))
    path = ctx.out / f"pelicanconf_exports_{name}.py"
    path.write_text(f"import sys\nsys.path.insert(0, {str(ROOT)!r})\n"
                    "from pelicanconf import *  # noqa\n"
                    "PLUGINS = [p for p in PLUGINS if p != 'portal_search']\n"
                    f"PORTAL_EXPORTS = {exports!r}\n")
    return path


def _env(data: Path, cache: Path, parallel: bool = True) -> dict:
    return {"PORTAL_DATA": str(data), "PORTAL_CACHE": str(cache), "PORTAL_TODAY": TODAY,
            "PORTAL_SEARCH_INDEX": "0", "PORTAL_BUILD_TIMINGS": "1",
            "PORTAL_PARALLEL_EXPORTS": "1" if parallel else "0"}


# (key, PORTAL_EXPORTS, exports beside the pages)
KINDS = [("none", False, True), ("one", True, False), ("all", True, True)]


def _added(m, base) -> str:
    return (f"{100 * (m.seconds - base.seconds) / base.seconds:+.1f}% "
            f"(cpu {100 * (m.cpu - base.cpu) / base.cpu:+.1f}%)")


def _tree(pid: int) -> list[int]:
    out = [pid]
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as f:
                for child in f.read().split():
                    out += _tree(int(child))
    except OSError:
        pass
    return out


def _pss_mb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) // 1024
    except OSError:
        pass
    return 0


def _measure_together(cmd: list[str], env: dict, what: str) -> tuple[Run, int]:
    """A build and its peak memory with its second process, counted together: the
    sum of their PSS (shared pages split between them), sampled every 0.2 s; 0
    where /proc has no smaps_rollup (not Linux)."""
    os.sync()
    peak = 0
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, env={**os.environ, **env}, cwd=ROOT, stdout=out,
                                stderr=err, text=True)
        while True:
            peak = max(peak, sum(_pss_mb(p) for p in _tree(proc.pid)))
            done, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if done:
                break
            time.sleep(0.2)
        wall = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        run = Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024,
                  os.waitstatus_to_exitcode(status), out.read(), err.read())
    return _check(run, what), peak


def _beside_peak(stderr: str) -> int:
    """The second process's peak (MB): the last of its sections' timings."""
    peaks = re.findall(r"\(peak (\d+) MB\) \[beside\]", stderr)
    return int(peaks[-1]) if peaks else 0


_TIMING = re.compile(r"(\w+) \d+ in ([\d.]+)s(?: \(cpu [\d.]+s\))?(?: \(peak (\d+) MB\))?")


def _sections(stderr: str) -> dict[str, tuple[float, int]]:
    """{section: (seconds, process peak MB after it)} from PORTAL_BUILD_TIMINGS."""
    for line in stderr.splitlines():
        if line.startswith("Portal sections"):
            return {m.group(1): (float(m.group(2)), int(m.group(3) or 0))
                    for m in _TIMING.finditer(line)}
    return {}


def _export_files(stamps: dict, out: Path) -> dict:
    prefix = str(out / "catalogo") + os.sep
    return {p: t for p, t in stamps.items() if p.startswith(prefix) or p.endswith(
        EXPORT_SUFFIXES)}


def _size(paths) -> float:
    return sum(os.stat(p).st_size for p in paths) / 1e6


def run(ctx) -> None:
    rows, total_rows, rebuild_rows, text_rows = [], [], [], []
    runs = Runs(ctx.out / "export-runs")
    for scale in ctx.scales:
        data = ctx.synth(scale)
        cache = ctx.out / "cache-exports"
        env = _env(data, cache)
        _check(_run([PY, "-m", "bench.bench_snapshot", "--load", str(data),
                     "--cache", str(cache)], {}), "cache warm-up")
        measured, pss_peak = {}, 0
        for key, exports, beside in KINDS * RUNS:
            shutil.rmtree(cache / "build", ignore_errors=True)
            out = runs.folder(key)
            cmd, env_k, what = (_pelican(out, _conf(ctx, exports)), _env(data, cache, beside),
                                f"build, exports {key}")
            if key == "all":
                m, together = _measure_together(cmd, env_k, what)
                pss_peak = max(pss_peak, together)
            else:
                m = _measure(cmd, env_k, what)
            # Best of two of each, alternated (the machine is shared).
            if key not in measured or m.seconds < measured[key][0].seconds:
                measured[key] = (m, out)
        base, _ = measured["none"]
        one, _ = measured["one"]
        full, full_out = measured["all"]
        sections = _sections(one.stderr)
        previous_peak = sections.get("status", (0, 0))[1]      # the section before them
        for fam, label in FAMILIES:
            seconds, peak = sections.get(SECTION[fam], (float("nan"), 0))
            rows.append((f"{scale:,}", label, f"{seconds:.1f}",
                         f"{100 * seconds / base.seconds:.1f}%", f"{peak:,}",
                         f"{max(0, peak - previous_peak):+,}"))
            previous_peak = max(previous_peak, peak)
            if fam == "dcat":
                files_s = sections.get("dcat_files", (float("nan"), 0))[0]
                rows.append((f"{scale:,}", "  of which writing the per-dataset files",
                             f"{files_s:.1f}", f"{100 * files_s / base.seconds:.1f}%", "", ""))
        files = _export_files(_stamps(full_out), full_out)
        total_rows.append((f"{scale:,}", f"{base.seconds:.1f} (cpu {base.cpu:.1f})",
                           f"{base.peak_rss_mb:,.0f}",
                           f"{one.seconds:.1f} (cpu {one.cpu:.1f})", _added(one, base),
                           f"{one.peak_rss_mb:,.0f}",
                           f"{full.seconds:.1f} (cpu {full.cpu:.1f})", _added(full, base),
                           f"{full.peak_rss_mb:,.0f} + {_beside_peak(full.stderr):,}",
                           f"{pss_peak:,}",
                           f"{len(files):,}", f"{_size(files):,.0f}"))
        # Nothing changed: the same output folder and cache, built again. First a
        # build that leaves the manifest of this folder (the later runs removed it).
        _check(_run(_pelican(full_out, _conf(ctx, True)), env), "settle build")
        before = _stamps(full_out)
        again = _measure(_pelican(full_out, _conf(ctx, True)), env, "no-change rebuild")
        after = _stamps(full_out)
        rewritten = [p for p, t in _export_files(after, full_out).items() if before.get(p) != t]
        export_s = sum(sections.get(SECTION[f], (0, 0))[0] for f, _ in FAMILIES)
        again_s = sum(_sections(again.stderr).get(SECTION[f], (0, 0))[0] for f, _ in FAMILIES)
        rebuild_rows.append((f"{scale:,}", f"{again.seconds:.1f}", f"{again_s:.1f}",
                             f"{export_s:.1f}", f"{len(rewritten):,}",
                             f"{again.peak_rss_mb:,.0f}"))
        text = json.loads(_check(_run([PY, "-m", "bench.bench_exports", "--text", str(data)],
                                      env), "text timings").stdout.strip().splitlines()[-1])
        rdflib_s = text["rdflib"] * scale / RDFLIB_SAMPLE     # timed on a sample, scaled
        text_rows.append((f"{scale:,}", *(f"{text[k]:.2f}" for k in ("dcat", "datajson", "csv")),
                          f"{rdflib_s:.0f}", f"{rdflib_s / max(1e-9, text['dcat']):.0f}x"))
    runs.clean()
    say("  Full build with every export against the same build without any (fresh output "
        "and build cache, warm parse cache, search plugin off; "
        f"best of {RUNS} each, alternated; wall seconds, cpu of every process; RSS of the "
        "build, + its second process's when the exports run beside the pages, and both "
        "together as PSS, shared pages split):")
    table(total_rows, ("datasets", "no exports s", "RSS MB", "one process s", "exports add",
                       "RSS MB", "beside the pages s", "exports add", "RSS MB",
                       "together PSS MB", "export files", "export MB"))
    say("  Each export in the one-process build (its section's seconds, share of the build "
        "without exports; the process's peak after it and what it added to the peak):")
    table(rows, ("datasets", "export", "seconds", "% of build", "peak MB", "peak +MB"))
    say("  Rebuild with nothing changed (all exports on):")
    table(rebuild_rows, ("datasets", "rebuild s", "export sections s",
                         "(full build's export sections s)", "export files rewritten",
                         "peak RSS MB"))
    say("  Making the text in one process (no writes), seconds for every dataset; rdflib's "
        f"graph + Turtle + JSON-LD serializers measured on {RDFLIB_SAMPLE:,} datasets and "
        "scaled:")
    table(text_rows, ("datasets", "DCAT-AP Turtle + JSON-LD s", "data.json s", "CSV s",
                      "rdflib est. s", "rdflib / ours"))
    say("  (goal at 100,000: all exports add <= 20% to the full build, peak RSS <= 2,048 MB; "
        "a no-change rebuild rewrites no export)")


# -- the text of each format, in one process -----------------------------------

class _Site:
    """What the sections' text functions read from a site, without Pelican."""

    def __init__(self, model, settings):
        self.model, self.settings = model, settings


def text_timings(data: Path) -> dict:
    sys.path.insert(0, str(ROOT / "plugins"))
    from pelican.settings import read_settings
    from portal_site import dcat_ap
    from portal_site.filters import today
    from portal_site.indexes import build_indexes
    from portal_site.model import SiteModel
    from portal_site.rdf_text import turtle_header
    from portal_site.sections import exports
    from rdflib import Graph

    settings = read_settings(str(ROOT / "pelicanconf.py"))
    model = SiteModel.load(data, today(settings))
    model.idx = build_indexes(model)
    datasets = model.datasets
    writer = dcat_ap.DcatWriter(model, model.idx.facet_slug, settings)
    out = {}
    started = time.perf_counter()
    texts = [writer.dataset(ds) for ds in datasets]
    out["dcat"] = time.perf_counter() - started
    site = _Site(model, settings)
    jctx = exports.DataJsonContext(site)
    formats = model.idx.formats
    started = time.perf_counter()
    for ds in datasets:
        exports._json_entry(model, "", formats, ds, jctx)
    out["datajson"] = time.perf_counter() - started
    started = time.perf_counter()
    for ds in datasets:
        exports._csv_row(model, "", formats, ds)
    out["csv"] = time.perf_counter() - started
    sample = datasets[:RDFLIB_SAMPLE]
    header = turtle_header("http://portal.test/")
    started = time.perf_counter()
    g = Graph().parse(data=header + "".join(t.ttl for t in texts[:len(sample)]),
                      format="turtle")
    g.serialize(format="turtle")
    g.serialize(format="json-ld")
    # rdflib also has to build the graph: parsing our text stands in for adding triples.
    out["rdflib"] = time.perf_counter() - started
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--text", type=Path, metavar="DATA", required=True)
    args = p.parse_args(argv)
    print(json.dumps(text_timings(args.text)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
