"""Search: the portal's own index (output/search/) beside Pagefind, in one run.

At each scale, on a synthetic snapshot:
- the site built without an index and with it (`make html`), seconds and peak RSS;
- three indexes of the same site: ours (`python -m portal_search`), Pagefind fed
  the same documents (bench/pagefind_reference.py, how the portal used it), and
  Pagefind's default crawl of the built pages (`pagefind --site`): build
  seconds, peak RSS (the whole process tree, sampled), files and MB on disk;
- an incremental rebuild after one dataset of one source file was retitled:
  seconds and bytes written (Pagefind has no incremental mode: it writes its
  bundle again, measured up to 10,000 datasets);
- 50 Spanish queries, each on a fresh page of headless Chromium on localhost,
  served gzipped (search_browser.py): bytes the search downloads until the first
  results show and until their filter counts show (scripts and index files,
  as sent), time from Enter to the first results, time to "Mostrar más".

With BENCH_SEARCH_OURS=1 the site is not built: our index is built from the
snapshot by `python -m portal_search`, Pagefind is fed the same documents
(BENCH_SEARCH_PAGEFIND=0 leaves it out), both are queried through copies of
/buscar/, and there is no crawl (at 100,000 the site builds and the crawl take
most of an hour).

Above SITE_LIMIT datasets the site is not built: our index builder runs alone
on synthetic documents (bench/search_synth.py), and Pagefind is fed the same
documents (`pagefind_reference --synthetic`; BENCH_SEARCH_PAGEFIND=0 skips it,
about half an hour at 1,000,000). Its crawl needs built pages: not measured
there (12.4 GB at 100,000).

    python -m bench --only bench_search --scale 10000 --scale 100000 --scale 1000000
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from .common import PY, ROOT, say, table
from .search_browser import CHROMIUM, CHROMIUM_ARGS, GzipServer, pagefind_page, queries, summary

TITLE = "Search: our sharded index beside Pagefind (fed our documents, and its crawl)"
TODAY = "2026-06-15"
SITE_LIMIT = 200_000
PAGEFIND_REBUILD_LIMIT = 10_000


def _memory(pid: int, rss_pages: int, page: int) -> int:
    """A process's proportional set size (PSS): a page it shares with its fork
    counts half in each, so a tree's sum counts it once (our index builds in
    two processes, one a fork of the other). RSS where the kernel has no PSS."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return rss_pages * page


def _tree_rss(root: int) -> int:
    """Memory (bytes) of a process and its descendants: the sum of their PSS."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    page = os.sysconf("SC_PAGE_SIZE")
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))
        rss[int(entry)] = int(fields[21])
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        if pid in rss:
            total += _memory(pid, rss[pid], page)
        todo.extend(children.get(pid, []))
    return total


def run_tree(cmd: list, env: dict) -> dict:
    """Wall and CPU seconds, peak RSS of the process tree (sampled) in MB, output."""
    with tempfile.TemporaryFile("w+") as out:
        started = time.perf_counter()
        proc = subprocess.Popen([str(c) for c in cmd], env={**os.environ, **env}, cwd=ROOT,
                                stdout=out, stderr=subprocess.STDOUT, text=True)
        peak = 0
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            peak = max(peak, _tree_rss(proc.pid))
            time.sleep(0.2)
        seconds = time.perf_counter() - started
        out.seek(0)
        text = out.read()
    if os.waitstatus_to_exitcode(status):
        raise RuntimeError(f"{cmd[:4]} failed:\n{text[-3000:]}")
    return {"s": seconds, "cpu": usage.ru_utime + usage.ru_stime,
            "mb": max(peak / 2**20, usage.ru_maxrss / 1024), "out": text}


def _disk(folders) -> tuple[int, float]:
    files = size = 0
    for folder in folders:
        for dirpath, _dirs, names in os.walk(folder):
            for name in names:
                files += 1
                size += os.stat(os.path.join(dirpath, name)).st_size
    return files, size / 1e6


def _ours_log(text: str) -> dict:
    """Figures from the portal_search log line."""
    m = re.search(r"indexed in ([\d.]+)s \(CPU ([\d.]+)s; making the documents ([\d.]+)s\) "
                  r"\((\d+) files, ([\d.]+) MB; written: (\d+) files, ([\d.]+) MB", text)
    if not m:
        raise RuntimeError(f"no index figures in:\n{text[-2000:]}")
    keys = ("index_s", "index_cpu", "docs_s", "files", "disk_mb", "written_files", "written_mb")
    return {k: float(v) for k, v in zip(keys, m.groups())}


def _env(data: Path, cache: Path) -> dict:
    return {"PORTAL_DATA": str(data), "PORTAL_CACHE": str(cache), "PORTAL_TODAY": TODAY,
            "PYTHONPATH": str(ROOT / "plugins")}


def _pelican(out: Path, env: dict) -> dict:
    shutil.rmtree(out, ignore_errors=True)
    return run_tree([PY, "-m", "pelican", ROOT / "content", "-o", out, "-s",
                     ROOT / "pelicanconf.py"], env)


def _retitled(data: Path, work: Path) -> Path:
    """A copy of the snapshot (hard links) where one dataset has a new title."""
    from aggregator.snapshot import read_source_file, write_source_file
    copy = work / "data-retitled"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(data, copy, copy_function=os.link)
    path = max((copy / "sources").glob("sintetico-datos-*.yaml"))
    sf = read_source_file(path, None)
    sf.records[len(sf.records) // 2].title += " (corregido)"
    path.unlink()   # a new file: the original keeps its bytes
    write_source_file(copy, sf.source, sf.adapter, sf.harvested_at, sf.records,
                      cache_dir=False, name=sf.name, url=sf.url)
    return copy


def _cold_builds(data: Path, site: Path, env: dict, scale: int) -> dict:
    """Our index built from nothing in one process, then in two (the default on
    two CPUs, processes.py), side by side; the figures of the second."""
    one = run_tree([PY, "-m", "portal_search", "--data", data, "--output", site, "--force"],
                   {**env, "PORTAL_SEARCH_PARALLEL": "0"})
    one.update(_ours_log(one["out"]))
    two = run_tree([PY, "-m", "portal_search", "--data", data, "--output", site, "--force"],
                   {**env, "PORTAL_SEARCH_PARALLEL": "1"})
    two.update(_ours_log(two["out"]))
    say(f"  (ours at {scale:,}, cold: two processes {two['index_s']:.1f}s (CPU "
        f"{two['index_cpu']:.1f}s, {two['mb']:,.0f} MB), one process {one['index_s']:.1f}s "
        f"(CPU {one['index_cpu']:.1f}s, {one['mb']:,.0f} MB): ratio "
        f"{two['index_s'] / one['index_s']:.2f})")
    return two


def _measure(ctx, browser_for, scale: int) -> list[dict]:
    data = ctx.synth(scale)
    work = ctx.out / "search" / str(scale)
    work.mkdir(parents=True, exist_ok=True)
    env = _env(data, work / "cache")
    shutil.rmtree(work / "cache", ignore_errors=True)
    # A first build fills the caches (parse, records, templates): both builds
    # measured after it find them warm.
    _pelican(work / "site-without", {**env, "PORTAL_SEARCH_INDEX": "0"})
    without = _pelican(work / "site-without", {**env, "PORTAL_SEARCH_INDEX": "0"})
    site = work / "site"
    with_index = _pelican(site, env)
    say(f"  {scale:,}: make html without the index {without['s']:.1f}s "
        f"({without['mb']:,.0f} MB), with it {with_index['s']:.1f}s ({with_index['mb']:,.0f} MB): "
        f"ratio {with_index['s'] / without['s']:.2f}")
    ours = _cold_builds(data, site, env, scale)
    rebuild = run_tree([PY, "-m", "portal_search", "--data", _retitled(data, work), "--output",
                        site], env)
    rebuild.update(_ours_log(rebuild["out"]))
    ref = run_tree([PY, "-m", "bench.pagefind_reference", "--data", data, "--output", site], env)
    bundles = sorted(p.name for p in site.glob("pagefind-docs*"))
    ref_disk = _disk(site / b for b in bundles)
    ref_rebuild = None
    if scale <= PAGEFIND_REBUILD_LIMIT:
        ref_rebuild = run_tree([PY, "-m", "bench.pagefind_reference", "--data",
                                _retitled(data, work), "--output", site], env)
    crawl = run_tree([PY, "-m", "pagefind", "--site", site, "--output-subdir", "pagefind-crawl",
                      "--quiet"], env)
    crawl_disk = _disk([site / "pagefind-crawl"])
    pages = {"ours": "/buscar/", "docs": pagefind_page(site, "buscar-pf", bundles),
             "crawl": pagefind_page(site, "buscar-crawl", ["pagefind-crawl"])}
    server = GzipServer(site)
    try:
        found = {k: summary(queries(browser_for(), server.url, p)) for k, p in pages.items()}
    finally:
        server.close()
    rows = [{"scale": scale, "index": "ours", "build_s": ours["index_s"],
             "cpu": ours["index_cpu"], "mb_rss": ours["mb"], "files": int(ours["files"]),
             "disk_mb": ours["disk_mb"],
             "inc_s": rebuild["index_s"], "inc_mb": rebuild["written_mb"],
             "inc_files": int(rebuild["written_files"]), **found["ours"],
             "site_ratio": with_index["s"] / without["s"]},
            {"scale": scale, "index": "Pagefind, our documents", "build_s": ref["s"],
             "cpu": ref["cpu"], "mb_rss": ref["mb"], "files": ref_disk[0], "disk_mb": ref_disk[1],
             "inc_s": ref_rebuild["s"] if ref_rebuild else None, "inc_mb": ref_disk[1],
             "inc_files": ref_disk[0], **found["docs"]},
            {"scale": scale, "index": "Pagefind crawl", "build_s": crawl["s"], "cpu": crawl["cpu"],
             "mb_rss": crawl["mb"], "files": crawl_disk[0], "disk_mb": crawl_disk[1],
             "inc_s": None, "inc_mb": crawl_disk[1], "inc_files": crawl_disk[0],
             **found["crawl"]}]
    say(f"  (ours at {scale:,}: documents made in {ours['docs_s']:.1f}s of the index's "
        f"{ours['index_s']:.1f}s; the command with the snapshot load {ours['s']:.1f}s)")
    return rows


def _measure_ours(ctx, browser_for, scale: int, page_site: Path) -> list[dict]:
    """Our index alone, from the snapshot: a cold build, a rebuild after one
    dataset was retitled, and the queries through a copy of /buscar/."""
    data = ctx.synth(scale)
    work = ctx.out / "search" / str(scale)
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    site = work / "site"
    shutil.copytree(page_site / "theme", site / "theme")
    shutil.copytree(page_site / "buscar", site / "buscar")
    # The page site may have been built by an earlier commit: today's scripts.
    shutil.copytree(ROOT / "themes" / "portal" / "static" / "js", site / "theme" / "js",
                    dirs_exist_ok=True)
    # Kept between runs: the snapshot's parse cache (a cold one costs minutes at
    # 100,000 and is not the index's time); --force forgets the index's state.
    env = _env(data, ctx.out / "search" / f"cache-{scale}")
    ours = _cold_builds(data, site, env, scale)
    rebuild = run_tree([PY, "-m", "portal_search", "--data", _retitled(data, work), "--output",
                        site], env)
    rebuild.update(_ours_log(rebuild["out"]))
    server = GzipServer(site)
    try:
        found = summary(queries(browser_for(), server.url, "/buscar/"))
    finally:
        server.close()
    for r in (ours, rebuild):
        say(f"  (ours at {scale:,}: documents made in {r['docs_s']:.1f}s of the index's "
            f"{r['index_s']:.1f}s (CPU {r['index_cpu']:.1f}s); the command with the snapshot "
            f"load {r['s']:.1f}s, CPU {r['cpu']:.1f}s)")
    rows = [{"scale": scale, "index": "ours, from the snapshot", "build_s": ours["index_s"],
             "cpu": ours["index_cpu"], "mb_rss": ours["mb"], "files": int(ours["files"]),
             "disk_mb": ours["disk_mb"],
             "inc_s": rebuild["index_s"], "inc_mb": rebuild["written_mb"],
             "inc_files": int(rebuild["written_files"]), **found}]
    if os.environ.get("BENCH_SEARCH_PAGEFIND") != "0":
        rows.append(_pagefind_alone(browser_for, scale, site, env, ["--data", data]))
    return rows


def _measure_alone(ctx, browser_for, scale: int, page_site: Path) -> list[dict]:
    """Our builder on synthetic documents, no site; queried through a copy of /buscar/."""
    work = ctx.out / "search" / str(scale)
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    site = work / "site"
    shutil.copytree(page_site / "theme", site / "theme")
    shutil.copytree(page_site / "buscar", site / "buscar")
    # The page site may have been built by an earlier commit: today's scripts
    # (an older search-engine.js rejects a root of a newer format).
    shutil.copytree(ROOT / "themes" / "portal" / "static" / "js", site / "theme" / "js",
                    dirs_exist_ok=True)
    cmd = [PY, "-m", "bench.search_synth", "--datasets", scale, "--output", site,
           "--cache", work / "cache"]
    env = {"PYTHONPATH": str(ROOT / "plugins")}
    # One process first, for the ratio (BENCH_SEARCH_ONE_PROCESS=0 skips it: minutes
    # at 1,000,000); the figures are those of two (the default).
    one = None
    if os.environ.get("BENCH_SEARCH_ONE_PROCESS") != "0":
        one = run_tree(cmd, {**env, "PORTAL_SEARCH_PARALLEL": "0"})
        one.update(_ours_log(one["out"]))
        shutil.rmtree(site / "search", ignore_errors=True)
        shutil.rmtree(work / "cache", ignore_errors=True)
    built = run_tree(cmd, {**env, "PORTAL_SEARCH_PARALLEL": "1"})
    built.update(_ours_log(built["out"]))
    rebuild = run_tree(cmd + ["--retitle", scale // 2], env)
    rebuild.update(_ours_log(rebuild["out"]))
    for r in filter(None, (one, built, rebuild)):   # making the records is not the index's
        m = re.search(r"synthetic records made in ([\d.]+)s \(CPU ([\d.]+)s\)", r["out"])
        r["synth_s"], r["synth_cpu"] = float(m[1]), float(m[2])
        say(f"  (ours at {scale:,}, builder alone: {r['index_s']:.1f}s, CPU {r['index_cpu']:.1f}s, "
            f"of which making the synthetic records {r['synth_s']:.1f}s, CPU "
            f"{r['synth_cpu']:.1f}s: the index's own {r['index_s'] - r['synth_s']:.1f}s, CPU "
            f"{r['index_cpu'] - r['synth_cpu']:.1f}s)")
    if one:
        say(f"  (ours at {scale:,}, builder alone, cold: two processes "
            f"{built['index_s'] - built['synth_s']:.1f}s ({built['mb']:,.0f} MB), one process "
            f"{one['index_s'] - one['synth_s']:.1f}s ({one['mb']:,.0f} MB): ratio "
            f"{(built['index_s'] - built['synth_s']) / (one['index_s'] - one['synth_s']):.2f})")
    server = GzipServer(site)
    try:
        found = summary(queries(browser_for(), server.url, "/buscar/"))
    finally:
        server.close()
    say(f"  (ours at {scale:,}, builder alone: documents made in {built['docs_s']:.1f}s "
        f"of {built['index_s']:.1f}s)")
    rows = [{"scale": scale, "index": "ours, builder alone",
             "build_s": built["index_s"] - built["synth_s"],
             "cpu": built["index_cpu"] - built["synth_cpu"], "mb_rss": built["mb"],
             "files": int(built["files"]), "disk_mb": built["disk_mb"],
             "inc_s": rebuild["index_s"] - rebuild["synth_s"], "inc_mb": rebuild["written_mb"],
             "inc_files": int(rebuild["written_files"]), **found}]
    if os.environ.get("BENCH_SEARCH_PAGEFIND") != "0":
        rows.append(_pagefind_alone(browser_for, scale, site, env, ["--synthetic", scale]))
    return rows


def _pagefind_alone(browser_for, scale: int, site: Path, env: dict, source: list) -> dict:
    """Pagefind fed the documents our index had (`source`: the snapshot, or the
    synthetic documents of our builder alone), queried through the same page.
    Its time includes reading them and writing each document as a tiny page, as
    the portal fed it."""
    ref = run_tree([PY, "-m", "bench.pagefind_reference", *source, "--output", site], env)
    bundles = sorted(p.name for p in site.glob("pagefind-docs*"))
    files, mb = _disk(site / b for b in bundles)
    server = GzipServer(site)
    try:
        found = summary(queries(browser_for(), server.url,
                                pagefind_page(site, "buscar-pf", bundles)))
    finally:
        server.close()
    say(f"  (Pagefind at {scale:,}, fed the same documents: {len(bundles)} bundles)")
    return {"scale": scale, "index": "Pagefind, the same documents", "build_s": ref["s"],
            "cpu": ref["cpu"], "mb_rss": ref["mb"], "files": files, "disk_mb": mb,
            "inc_s": None, "inc_mb": mb, "inc_files": files, **found}


def _fmt(v, spec=",.0f") -> str:
    return "-" if v is None else format(v, spec)


def _table(rows: list[dict]) -> None:
    table([(f"{r['scale']:,}", r["index"], _fmt(r["build_s"], ".1f"), _fmt(r["cpu"], ".1f"),
            _fmt(r["mb_rss"]), _fmt(r["files"]), _fmt(r["disk_mb"], ",.1f"),
            _fmt(r["inc_s"], ".1f"), f"{r['inc_files']:,} / {r['inc_mb']:,.2f}",
            f"{r['kb']:,.0f} / {r['kb_max']:,.0f}", (f"{r['counts_kb']:,.0f} / "
            f"{r['counts_kb_max']:,.0f}"), f"{r['ms']:,.0f} / {r['ms_p95']:,.0f}",
            _fmt(r["more_ms"]), f"{r['found']}/50" + (f", {r['timeouts']} timed out"
                                                       if r.get("timeouts") else "")
            + (f", {r['more_timeouts']} more timed out" if r.get("more_timeouts") else "")
            + (f", {r['failed']} failed" if r.get("failed") else ""))
           for r in rows],
          ("docs", "index", "build s", "CPU s", "PSS MB", "files", "disk MB", "rebuild s",
           "rebuild files / MB", "1st KB med/max", "+counts KB med/max", "1st ms med/p95",
           "more ms", "found"))


def _page_site(ctx) -> Path:
    """A small site without an index, for its /buscar/ page and theme."""
    out = ctx.out / "search" / "page"
    if not (out / "buscar" / "index.html").is_file():
        data = ctx.synth(1000)
        _pelican(out, {**_env(data, ctx.out / "search" / "page-cache"),
                       "PORTAL_SEARCH_INDEX": "0"})
    return out


def run(ctx) -> None:
    from playwright.sync_api import sync_playwright
    rows = []
    with sync_playwright() as p:
        browser = None

        def browser_for():
            nonlocal browser
            browser = browser or p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            return browser
        for scale in sorted(ctx.scales):
            if os.environ.get("BENCH_SEARCH_OURS") == "1":
                found = _measure_ours(ctx, browser_for, scale, _page_site(ctx))
            elif scale <= SITE_LIMIT:
                found = _measure(ctx, browser_for, scale)
            else:
                found = _measure_alone(ctx, browser_for, scale, _page_site(ctx))
            rows += found
            load = os.getloadavg()
            say(f"  ({scale:,}: load average {load[0]:.1f} on {os.cpu_count()} CPUs)")
            _table(found)   # each scale as soon as it is measured
            for r in found:
                say(f"  heaviest first queries ({r['index']}): " + "; ".join(
                    f"«{q}» {kb:,.0f} KB {ms:,.0f} ms" for kb, ms, q in r["heaviest"]))
        if browser:
            browser.close()
    say("")
    _table(rows)
    for r in rows:
        if "site_ratio" in r:
            say(f"  make html with the index / without, {r['scale']:,}: {r['site_ratio']:.2f}")
    say("  (goals at 100,000: first query median <= 60 KB, max <= 150 KB, with counts median "
        "<= 300 KB; p95 <= 300 ms; index build <= 25 s, <= 1 GB; make html ratio <= 1.5)")
