"""Rebuild only the search index of a built site from a snapshot (operators,
benchmarks). `make html` builds it too, with the editors' content; this command
indexes the snapshot's records only.

    PYTHONPATH=plugins python -m portal_search --data content/data --output output
"""

from __future__ import annotations

import argparse
import logging
import resource
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", type=Path, default=ROOT / "content" / "data")
    p.add_argument("--output", type=Path, required=True, help="the built site's folder")
    p.add_argument("--force", action="store_true",
                   help="write every file again (no incremental build)")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    for path in (ROOT, ROOT / "plugins"):
        if str(path) not in sys.path:
            sys.path.insert(0, str(path))
    from portal_site.filters import today
    from portal_site.indexes import build_indexes
    from portal_site.model import SiteModel

    from aggregator.snapshot import default_cache_dir

    from .generator import build_index, documents_of
    from .store import state_dir

    started = time.monotonic()
    model = SiteModel.load(args.data, today())
    model.idx = build_indexes(model)
    loaded = time.monotonic() - started
    if args.force:   # forget the previous build: every file is written again
        shutil.rmtree(args.output / "search", ignore_errors=True)
        shutil.rmtree(state_dir(default_cache_dir(), args.output), ignore_errors=True)
    build_index(documents_of({"portal": model}), args.output)
    print(f"snapshot loaded in {loaded:.1f}s; total {time.monotonic() - started:.1f}s; "
          f"peak RSS of this process {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MB",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
