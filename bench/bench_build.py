"""Site build: seconds, pages/s, peak RSS and output size of `pelican` on a
synthetic snapshot (without the search index), beside the raw floor measured in
the same run, and incremental rebuilds.

The raw floor is the least any generator must do for the dataset pages: load the
snapshot (same warm parse cache), sort and slug the records, render every
dataset page with the same Jinja2 templates, filters and settings, and write it.
No Pelican, no other page. ratio = full build seconds / raw floor seconds, both
whole processes (interpreter start-up included).

Incremental: the output folder persists and one source file changes (one
dataset gets a new title and a newer `modified`, so it also moves to the top of
the catalog, as a real upstream edit does); the parse cache is warm for the new
file, as after `make aggregate`. Also a rebuild with nothing changed.

    python -m bench --only bench_build --scale 100000
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from .common import PY, ROOT, say, table

TITLE = "Site build (pelican + plugins), raw Jinja2 floor, incremental rebuild"
TODAY = "2026-06-15"
# Each incremental case runs this many times; the best is compared with the best
# full build (the least disturbed run of each), and every time is printed.
INCREMENTAL_REPEAT = 3


def _env(data: Path, cache: Path) -> dict:
    # Without the search index (issue 6 measures it): PORTAL_SEARCH_INDEX=0.
    return {"PORTAL_DATA": str(data), "PORTAL_CACHE": str(cache), "PORTAL_TODAY": TODAY,
            "PORTAL_SEARCH_INDEX": "0"}


def _pelican(out: Path, conf: Path | None = None) -> list[str]:
    return [PY, "-m", "pelican", str(ROOT / "content"), "-o", str(out),
            "-s", str(conf or ROOT / "pelicanconf.py")]


def _portal_only_conf(ctx) -> Path:
    """pelicanconf.py without the search plugin: the site as the portal's plugins
    build it. (The search plugin, even with its index off, extracts its documents
    to size the index it links from /buscar/; measured apart.)"""
    conf = ctx.out / "pelicanconf_portal_only.py"
    conf.write_text(f"import sys\nsys.path.insert(0, {str(ROOT)!r})\n"
                    "from pelicanconf import *  # noqa\n"
                    "PLUGINS = [p for p in PLUGINS if p != 'portal_search']\n")
    return conf


def _stamps(out: Path) -> dict[str, int]:
    stamps = {}
    for dirpath, _dirs, files in os.walk(out):
        for f in files:
            p = os.path.join(dirpath, f)
            stamps[p] = os.stat(p).st_mtime_ns
    return stamps


def _size_mb(out: Path) -> float:
    return sum(os.stat(p).st_size for p in _stamps(out)) / 1e6


@dataclass
class Run:
    seconds: float          # wall
    cpu: float              # user + system seconds of the process
    peak_rss_mb: float
    returncode: int
    stdout: str
    stderr: str


def _run(cmd: list[str], env: dict) -> Run:
    """Like common.run_measured, plus the CPU time: on a shared machine the wall
    time of an I/O-heavy build swings with the neighbours' load, CPU time less."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, env={**os.environ, **env}, cwd=ROOT, stdout=out,
                                stderr=err, text=True)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024,
                   os.waitstatus_to_exitcode(status), out.read(), err.read())


def _check(m, what: str):
    if m.returncode != 0:
        raise RuntimeError(f"{what} failed:\n{m.stdout[-1500:]}\n{m.stderr[-3000:]}")
    return m


def _edit_one_record(data: Path, cache: Path, move: bool) -> tuple[Path, bytes]:
    """Give the 500th dataset of the first source a new title (and, with `move`,
    a newer `modified`, which moves it to the top of the catalog); return the
    file and its original bytes, to restore it."""
    from aggregator.snapshot import read_source_file, source_files, write_source_file
    path = next(p for p in source_files(data) if "datos" in p.name)
    original = path.read_bytes()
    sf = read_source_file(path, cache)
    target = sf.records[min(500, len(sf.records) - 1)]
    target.title = target.title + " (corregido)"
    if move:
        target.modified = "2026-06-10"
    write_source_file(data, sf.source, sf.adapter or "ckan", "2026-06-10T00:00:00+00:00",
                      sf.records, cache, name=sf.name, url=sf.url)
    return path, original


def _html_rewritten(before: dict, after: dict) -> int:
    return sum(1 for p, t in after.items() if p.endswith(".html") and before.get(p) != t)


class Runs:
    """Every measured run writes into a folder never used before, and nothing is
    deleted until all are done: right after a mass deletion ext4 is slow to
    allocate inodes (it skips recently freed ones, `recently_deleted`), which
    tripled the kernel time of whichever run came next."""

    SETTLE = 35    # seconds; ext4 treats inodes freed in the last 30 s as recent

    def __init__(self, root: Path):
        self.root = root
        self.count = 0
        if root.exists():
            shutil.rmtree(root)
            say(f"  (removed earlier outputs; waiting {self.SETTLE} s for the file system "
                "to settle)")
            os.sync()
            time.sleep(self.SETTLE)

    def folder(self, label: str) -> Path:
        self.count += 1
        return self.root / f"{self.count:02d}-{label}"

    def clean(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


def _measure(cmd: list[str], env: dict, what: str) -> Run:
    os.sync()      # the previous run's writes are not charged to this one
    return _check(_run(cmd, env), what)


def _full_and_raw(runs: Runs, data: Path, cache: Path, env: dict, repeat: int, conf: Path):
    """Best of `repeat` alternating runs of the full build and the raw floor (the
    machine is shared: the minimum is the least disturbed). Returns the output
    folder of the best full build too."""
    fulls, raws = [], []
    for _ in range(repeat):
        out = runs.folder("site")
        shutil.rmtree(cache / "build", ignore_errors=True)   # no manifest, no fragments
        fulls.append((_measure(_pelican(out, conf), env, "full build"), out))
        raws.append(_measure([PY, "-m", "bench.bench_build", "--raw", str(data),
                              str(runs.folder("raw"))], env, "raw floor"))
    full, out = min(fulls, key=lambda m: m[0].seconds)
    raw = min(raws, key=lambda m: m.seconds)
    return full, out, raw, json.loads(raw.stdout.strip().splitlines()[-1])


def run(ctx) -> None:
    builds, incr = [], []
    conf = _portal_only_conf(ctx)
    runs = Runs(ctx.out / "build-runs")
    for scale in ctx.scales:
        data = ctx.synth(scale)
        cache = ctx.out / "cache-build"
        env = _env(data, cache)
        # Warm the parse cache, as `make aggregate` leaves it.
        _check(_run([PY, "-m", "bench.bench_snapshot", "--load", str(data),
                     "--cache", str(cache)], {}), "cache warm-up")
        # The same build with the search plugin loaded (its index off), apart.
        with_search = _measure(_pelican(runs.folder("with-search")), env,
                               "full build with search plugin")
        full, out, raw, raw_info = _full_and_raw(runs, data, cache, env,
                                                 repeat=3 if scale <= 20_000 else 2, conf=conf)
        # The manifest of the kept output must be the one the next runs read.
        _check(_run(_pelican(out, conf), env), "settle build")
        stamps = _stamps(out)
        pages = sum(1 for p in stamps if p.endswith(".html"))
        builds.append((f"{scale:,}", f"{pages:,}", f"{full.seconds:.1f}", f"{full.cpu:.1f}",
                       f"{pages / full.seconds:,.0f}", f"{full.peak_rss_mb:,.0f}",
                       f"{_size_mb(out):,.0f}", f"{raw.seconds:.1f}", f"{raw.cpu:.1f}",
                       f"{raw_info['render_write']:.1f}", f"{raw.peak_rss_mb:,.0f}",
                       f"{full.seconds / raw.seconds:.2f}", f"{full.cpu / raw.cpu:.2f}",
                       f"{with_search.seconds:.1f}"))

        nochange = _measure(_pelican(out, conf), env, "no-change rebuild")
        after = _stamps(out)
        row = [f"{scale:,}", f"{full.seconds:.1f}", f"{nochange.seconds:.1f}",
               f"{_html_rewritten(stamps, after):,}"]
        for move in (False, True):
            times = []
            for _ in range(INCREMENTAL_REPEAT):
                before = after
                path, original = _edit_one_record(data, cache, move)
                try:
                    one = _measure(_pelican(out, conf), env, "incremental rebuild")
                finally:
                    path.write_bytes(original)
                after = _stamps(out)
                rewritten = _html_rewritten(before, after)
                times.append(one.seconds)
                # Back to the pristine snapshot (itself an incremental rebuild).
                _check(_run(_pelican(out, conf), env), "restore build")
                after = _stamps(out)
            best = min(times)
            row += [f"{best:.1f} ({', '.join(f'{t:.1f}' for t in times)})", f"{rewritten:,}",
                    f"{100 * best / full.seconds:.1f}%"]
        incr.append((*row, f"{one.peak_rss_mb:,.0f}"))
    runs.clean()
    say("  Full build (fresh output folder and build cache, warm parse cache; portal plugins, "
        "search plugin off; best of 3 below 20,000 datasets, of 2 above):")
    table(builds, ("datasets", "pages", "build s", "build CPU s", "pages/s", "peak RSS MB",
                   "output MB", "raw s", "raw CPU s", "raw render+write s", "raw RSS MB",
                   "build/raw", "CPU build/raw", "with search plugin s"))
    say("  Incremental (output folder kept; one source file changed: one dataset retitled "
        f"in place, or retitled and moved to the top by a newer date; best of "
        f"{INCREMENTAL_REPEAT}, every run in brackets):")
    table(incr, ("datasets", "full s", "no change s", "html rewritten", "retitled s (runs)",
                 "html rewritten", "% of full", "moved s (runs)", "html rewritten", "% of full",
                 "peak RSS MB"))
    say("  (goals at 100,000: build/raw <= 1.5, peak RSS <= 2,048 MB; incremental <= 10% "
        "of full)")


# -- the raw floor (run in its own process) -----------------------------------

def raw_floor(data: Path, out: Path) -> dict:
    sys.path.insert(0, str(ROOT / "plugins"))
    started = time.perf_counter()
    from editor_content.frontmatter import split
    from jinja2 import Environment, FileSystemLoader
    from pelican.settings import read_settings
    from portal_site import jsonld
    from portal_site.filters import FILTERS, today
    from portal_site.indexes import dataset_formats, license_label
    from portal_site.model import SiteModel
    from portal_site.theme import theme_css
    from portal_site.urls import slugify

    settings = read_settings(str(ROOT / "pelicanconf.py"))
    model = SiteModel.load(data, today(settings))
    loaded = time.perf_counter()
    gc.freeze()     # as the build does (SiteModel.load freezes the snapshot already)
    env = Environment(loader=FileSystemLoader(str(ROOT / "themes" / "portal" / "templates")),
                      **settings["JINJA_ENVIRONMENT"])
    env.filters.update(FILTERS)
    template = env.get_template("dataset.html")
    pages = []
    for md in sorted((ROOT / "content" / "paginas").glob("*.md")):
        doc = split(md.read_text("utf-8"), str(md))
        pages.append((doc.fields["title"].value, f"{md.stem}/"))
    base = {**settings, "THEME_CSS": theme_css(settings.get("THEME_COLORS") or {}),
            "footer_pages": pages, "portal": model, "SITEURL": "../.."}
    for ds in model.datasets:
        slug = model.slugs[ds.id]
        inst = model.institution_of(ds)
        lic = license_label(ds)
        links = {"themes": [(t, f"datos/tema/{slugify(t)}/") for t in ds.themes],
                 "tags": [(t, f"datos/etiqueta/{slugify(t)}/") for t in ds.tags],
                 "formats": [(f, f"datos/formato/{slugify(f)}/") for f in dataset_formats(ds)],
                 "license": (lic, f"datos/licencia/{slugify(lic)}/") if lic else None}
        html = template.render({
            **base, "page_url": f"datos/{slug}/", "output_file": f"datos/{slug}/index.html",
            "dataset": ds, "institution": inst, "links": links,
            "source_name": model.source_name(ds.source), "resources": ds.resources[:40],
            "more_resources": max(0, len(ds.resources) - 40),
            "long_description": len(ds.description_html or "") > 12_000,
            "ld": lambda ds=ds, slug=slug, inst=inst: jsonld.dataset(ds, slug, inst, "")})
        target = out / "datos" / slug
        os.makedirs(target, exist_ok=True)
        with open(target / "index.html", "w", encoding="utf-8") as f:
            f.write(html)
    done = time.perf_counter()
    return {"load": loaded - started, "render_write": done - loaded,
            "pages": len(model.datasets)}


def main(argv=None) -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--raw", nargs=2, type=Path, metavar=("DATA", "OUT"), required=True)
    args = p.parse_args(argv)
    print(json.dumps(raw_floor(*args.raw)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
