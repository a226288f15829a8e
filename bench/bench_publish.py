"""Publishing again: `make html`, then `make publish` twice, then once more after
one upstream change, into the same output folder (without the search index),
beside a publish into an empty folder measured in the same run.

Files written are counted by their modification times; "same bytes" is a
rebuild that renders every page again (a setting no page shows changed) into a
folder that already holds them: the worst case of the writer's comparison of
each page with the file on disk.

    python -m bench --only bench_publish --scale 10000
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from .bench_build import _check, _edit_one_record, _run, _stamps
from .common import PY, ROOT, say, table

TITLE = "Publishing again: html, publish, publish, one change (files written)"
TODAY = "2026-06-15"
SITEURL = "https://portal.example"


def _env(data: Path, cache: Path) -> dict:
    return {"PORTAL_DATA": str(data), "PORTAL_CACHE": str(cache), "PORTAL_TODAY": TODAY,
            "PORTAL_SEARCH_INDEX": "0", "PORTAL_SITEURL": SITEURL}


def _conf(root: Path, name: str, extra: str = "") -> Path:
    conf = root / f"{name}.py"
    conf.write_text(f"import sys\nsys.path.insert(0, {str(ROOT)!r})\n"
                    f"from publishconf import *  # noqa\n{extra}\n")
    return conf


def _build(out: Path, conf: Path, env: dict):
    return _check(_run([PY, "-m", "pelican", str(ROOT / "content"), "-o", str(out),
                        "-s", str(conf)], env), f"build into {out}")


def _written(before: dict, after: dict) -> int:
    return sum(1 for p, t in after.items() if before.get(p) != t)


def run(ctx) -> None:
    rows = []
    for scale in ctx.scales:
        data = ctx.synth(scale)
        root = ctx.out / f"publish-{scale}-{int(time.time())}"
        root.mkdir(parents=True)
        env = _env(data, root / "cache")
        out, fresh = root / "output", root / "fresh"
        publish = _conf(root, "publish")
        same_bytes = _conf(root, "publish_same_bytes", "BENCH_UNSHOWN_SETTING = 1")
        steps = []

        def step(name, conf, folder=out, env=env, steps=steps):
            before = _stamps(folder) if folder.exists() else {}
            m = _build(folder, conf, env)
            after = _stamps(folder)
            steps.append((name, m.seconds, m.cpu, _written(before, after), len(after)))

        step("html (preview)", ROOT / "pelicanconf.py")
        step("publish after html", publish)
        step("publish again, nothing changed", publish)
        step("publish, every page rendered, same bytes", same_bytes)
        path, original = _edit_one_record(data, root / "cache", move=True)
        try:
            step("publish after one retitled dataset", same_bytes)
        finally:
            path.write_bytes(original)
            os.utime(path)
        step("reference: publish into an empty folder", publish, fresh)
        ref = steps[-1][1]
        for name, secs, cpu, written, total in steps:
            rows.append((f"{scale:,}", name, f"{secs:.1f}", f"{cpu:.1f}", f"{secs / ref:.2f}",
                         f"{written:,} of {total:,}"))
    table(rows, ("datasets", "build", "wall s", "cpu s", "x fresh publish", "files written"))
    say("  (search index off; files written = files whose time changed)")
