"""Change log: what recording changes adds to a harvest, and what the change
pages add to an incremental site build, when 1% of the datasets changed.

Harvest: SYNTHETIC CKAN package_search pages (bench_aggregator) replayed on
127.0.0.1; a first full harvest, then the same source with 1% of its packages
changed (0.8% retitled with a newer date, 0.1% removed, 0.1% new). That second
run is measured with change logging (diff, tombstones, append to
changes/<month>.yaml) and without it (the run loop's former counting only),
from the same previous state, alternately; the seconds spent in the change-log
code are timed inside the logged run too.

Site: the synthetic snapshot (devtools/synth.py) built in full, then the same
1% change applied to its dataset files and rebuilt incrementally, in two
folders: one whose snapshot keeps a change log (so the rebuild writes
/cambios/, feeds, tombstone pages and every page's Historial) and one without.
The changes section's own time comes from the build's timings.

    python -m bench --only bench_changes --scale 100000
"""

from __future__ import annotations

import json
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

from .bench_aggregator import ROWS, ckan_pages
from .bench_build import _check, _env, _pelican, _portal_only_conf, _run
from .common import Context, run_measured, say, table

TITLE = "Change log: harvest with 1% changed, change pages in an incremental build"
SHARE = 100              # one dataset in SHARE changes
ROUNDS = 2               # measured runs of each kind (alternating), best kept


def _changed(n: int, i: int) -> str | None:
    """What happens to dataset i of n in the second version."""
    if i % SHARE:
        return None
    k = (i // SHARE) % 10
    return "removed" if k == 0 else "added" if k == 1 else "retitled"


def changed_pages(v1: Path, out: Path, n: int) -> Path:
    marker = out / ".complete"
    if marker.exists():
        return out
    out.mkdir(parents=True, exist_ok=True)
    packages = []
    for page in sorted(v1.glob("*.json"), key=lambda p: int(p.stem)):
        packages.extend(json.loads(page.read_text())["result"]["results"])
    v2 = []
    for i, pkg in enumerate(packages):
        what = _changed(n, i)
        if what == "removed":
            continue
        if what == "retitled":
            pkg = {**pkg, "title": pkg["title"] + " (corregido)",
                   "metadata_modified": "2026-06-09T12:00:00.000000"}
        v2.append(pkg)
        if what == "added":
            v2.append({**pkg, "id": "nuevo-" + pkg["id"], "name": "nuevo-" + pkg["name"]})
    for page, start in enumerate(range(0, len(v2), ROWS)):
        body = {"success": True, "result": {"count": len(v2), "results": v2[start:start + ROWS]}}
        (out / f"{page}.json").write_text(json.dumps(body, ensure_ascii=False))
    marker.write_text("ok\n")
    return out


# -- the harvest (in its own process) ---------------------------------------------------

def _child_harvest(v1: str, v2: str, rounds: str) -> None:
    from aggregator import changes, tombstones
    from aggregator.config import parse_config
    from aggregator.http import Http
    from aggregator.runner import Runner
    from devtools.replay import ReplayServer, Reply

    class Unlogged(Runner):
        """The run loop as it was before the change log: counting only."""

        def _diff(self, source_id, previous, records, result):
            for rid, rec in records.items():
                old = previous.get(rid)
                if old is None:
                    result.added += 1
                elif old.to_dict() != rec.to_dict():
                    result.updated += 1
            result.removed = sum(1 for rid in previous if rid not in records)
            return changes.SourceChanges()

        def _keep_tombstones(self, source_id, found):
            pass

        def _append_changes(self, results):
            return True

    spent = {"diff": 0.0, "tombstones": 0.0, "append": 0.0}

    def timed(name, fn):
        def wrapper(*a, **kw):
            started = time.perf_counter()
            try:
                return fn(*a, **kw)
            finally:
                spent[name] += time.perf_counter() - started
        return wrapper

    changes.diff = timed("diff", changes.diff)
    tombstones.update = timed("tombstones", tombstones.update)
    changes.append = timed("append", changes.append)
    folder = {"now": Path(v1)}

    def page(request, raw):
        body = (folder["now"] / f"{int(request.query['start']) // ROWS}.json").read_bytes()
        return Reply(200, body, {"Content-Type": "application/json"})

    out = {"on": [], "off": [], "log": []}
    with ReplayServer() as server, tempfile.TemporaryDirectory() as tmp:
        server.handle("/api/3/action/package_search", page)
        config = parse_config({"sources": [{"id": "sintetico", "adapter": "ckan",
                                            "url": server.url,
                                            "options": {"rows": ROWS, "licenses": False}}]})
        data, cache = Path(tmp) / "data", Path(tmp) / "cache"

        def runner(cls):
            return cls(config, data, cache_dir=cache, http=Http(config.settings, None))

        runner(Runner).run(full=True)
        source = data / "sources" / "sintetico.yaml"
        first = source.read_bytes()
        folder["now"] = Path(v2)
        for _ in range(int(rounds)):
            for mode in ("off", "on"):
                source.write_bytes(first)       # the same previous state for both
                for sub in ("changes", "tombstones"):
                    shutil.rmtree(data / sub, ignore_errors=True)
                for key in spent:
                    spent[key] = 0.0
                started = time.perf_counter()
                code = runner(Runner if mode == "on" else Unlogged).run(full=True)
                out[mode].append(time.perf_counter() - started)
                assert code == 0
                if mode == "on":
                    out["log"].append(dict(spent))
                    month = next((data / "changes").glob("*.yaml"))
                    out["entries"] = len(changes.read_month(month))
                    out["bytes"] = month.stat().st_size
    print(json.dumps(out))


# -- the site ----------------------------------------------------------------------------

def _apply(data: Path, log: bool, cache: Path) -> int:
    """1% of the datasets of every dataset file changed; with `log`, as the
    aggregator records it (change entries, tombstones). Returns the entries."""
    from dataclasses import replace

    from aggregator import changes, tombstones
    from aggregator.snapshot import read_source_file, source_files, write_source_file

    at = "2026-06-10T06:00:00+00:00"
    entries = []
    for path in source_files(data):
        if "datos" not in path.name:
            continue
        sf = read_source_file(path, cache)
        previous = {r.id: r for r in sf.records}
        new = {}
        for i, rec in enumerate(sf.records):
            what = _changed(len(sf.records), i)
            if what == "removed":
                continue
            if what == "retitled":
                rec = replace(rec, title=rec.title + " (corregido)", modified="2026-06-09")
            new[rec.id] = rec
            if what == "added":
                twin = replace(rec, id=rec.id + "-nuevo", remote_id=rec.remote_id + "-nuevo")
                new[twin.id] = twin
        write_source_file(data, sf.source, sf.adapter or "ckan", at, list(new.values()), cache,
                          name=sf.name, url=sf.url)
        if log:
            found = changes.diff(sf.source, previous, new, at)
            tombstones.update(data, sf.source, found.removed_records, found.added_ids, at)
            entries.extend(found.entries)
    if log:
        changes.append(data, entries)
    return len(entries)


def _first_log(data: Path) -> None:
    """The change log a snapshot has after its first harvest: one summary per source."""
    from aggregator import changes
    from aggregator.snapshot import read_source_file, source_files

    changes.append(data, [changes.summary("2026-06-01T00:00:00+00:00", p.stem,
                                          read_source_file(p, None).records)
                          for p in source_files(data)])


def _section_seconds(stderr: str, name: str) -> float:
    m = re.search(rf"\b{name} (\d+) in ([\d.]+)s", stderr)
    return float(m.group(2)) if m else float("nan")


def _save(data: Path, backup: Path) -> None:
    """The dataset files and the change log as they are (times kept: the build's
    caches then know the files again when they are put back)."""
    shutil.rmtree(backup, ignore_errors=True)
    backup.mkdir(parents=True)
    for sub in ("sources", "changes", "tombstones"):
        if (data / sub).is_dir():
            shutil.copytree(data / sub, backup / sub, copy_function=shutil.copy2)


def _restore(data: Path, backup: Path) -> None:
    for sub in ("sources", "changes", "tombstones"):
        shutil.rmtree(data / sub, ignore_errors=True)
        if (backup / sub).is_dir():
            shutil.copytree(backup / sub, data / sub, copy_function=shutil.copy2)


def site_figures(ctx: Context, scale: int, rounds: int) -> tuple:
    root = ctx.out / "changes-site" / f"n{scale}"
    shutil.rmtree(root, ignore_errors=True)
    conf = _portal_only_conf(ctx)
    modes = {}
    for mode in ("off", "on"):
        data = root / f"data-{mode}"
        shutil.copytree(ctx.synth(scale), data)
        if mode == "on":
            _first_log(data)
        env = {**_env(data, root / f"cache-{mode}"), "PORTAL_BUILD_TIMINGS": "1"}
        _check(_run(_pelican(root / f"out-{mode}", conf), env), f"full build ({mode})")
        _save(data, root / f"v1-{mode}")
        modes[mode] = (data, env)
    times: dict[str, list] = {"off": [], "on": []}
    sections, entries = [], 0
    for n in range(rounds):
        for mode, (data, _) in modes.items():
            entries = max(entries, _apply(data, mode == "on", root / "cache-apply"))
        for mode in (("off", "on") if n % 2 == 0 else ("on", "off")):
            data, env = modes[mode]
            m = _check(_run(_pelican(root / f"out-{mode}", conf), env),
                       f"incremental build ({mode})")
            times[mode].append(m.seconds)
            if mode == "on":
                sections.append((m.seconds, _section_seconds(m.stderr, "changes")))
        pages = sum(1 for _ in (root / "out-on" / "cambios").rglob("index.html"))
        if n == rounds - 1:
            break
        for mode, (data, env) in modes.items():       # back to the first version
            _restore(data, root / f"v1-{mode}")
            _check(_run(_pelican(root / f"out-{mode}", conf), env), f"restore ({mode})")
    shutil.rmtree(root, ignore_errors=True)
    off, on = min(times["off"]), min(times["on"])
    build, section = min(sections)
    return (f"{scale:,}", f"{entries:,}", f"{off:.1f}", f"{on:.1f}",
            f"{100 * (on - off) / off:+.1f}%", f"{section:.2f}",
            f"{100 * section / build:.1f}%", f"{pages:,}",
            ", ".join(f"{x:.1f}/{y:.1f}" for x, y in zip(times["off"], times["on"])))


def run(ctx: Context) -> None:
    rows = []
    for n in ctx.scales:
        v1 = ckan_pages(ctx.out / "ckan-pages" / f"n{n}", n)
        v2 = changed_pages(v1, ctx.out / "ckan-pages" / f"n{n}-changed", n)
        rounds = ROUNDS if n <= 20_000 else 1
        m = run_measured([sys.executable, "-c", ("import sys; from bench.bench_changes import "
                          "_child_harvest as c; c(*sys.argv[1:])"), str(v1), str(v2),
                          str(rounds)])
        if m.returncode != 0:
            say(f"  {n:,}: failed: {m.stderr.strip()[-500:]}")
            continue
        r = json.loads(m.stdout.strip().splitlines()[-1])
        off, on = min(r["off"]), min(r["on"])
        log = min(r["log"], key=lambda d: sum(d.values()))
        own = sum(log.values())
        rows.append((f"{n:,}", f"{r['entries']:,}", f"{off:.1f}", f"{on:.1f}",
                     f"{100 * (on - off) / off:+.1f}%", f"{log['diff']:.2f}",
                     f"{log['tombstones']:.3f}", f"{log['append']:.3f}",
                     f"{100 * own / on:.1f}%", f"{r['bytes'] / 1e3:,.0f}",
                     ", ".join(f"{x:.1f}/{y:.1f}" for x, y in zip(r["off"], r["on"]))))
    say("  Harvest of a CKAN source with 1% of its datasets changed (full run over HTTP; "
        f"best of {ROUNDS} below 20,000 datasets, 1 above):")
    table(rows, ("datasets", "entries", "unlogged s", "logged s", "added", "diff s",
                 "tombstones s", "append s", "log code / run", "month KB", "runs off/on"))
    say("  Goal: change logging adds <= 10% to the run.")
    site = [site_figures(ctx, n, ROUNDS if n <= 20_000 else 1) for n in ctx.scales]
    say("  Incremental build after 1% of the datasets changed (search plugin off), without "
        f"and with a change log (best of {ROUNDS} below 20,000 datasets, 1 above):")
    table(site, ("datasets", "entries", "without log s", "with log s", "added",
                 "changes section s", "section / build", "change pages", "runs off/on"))
    say("  Goal: change pages add <= 5% to an incremental build.")
