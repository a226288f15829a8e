"""Keep `.cache/parse/` bounded.

Every version of every source file ever read leaves a parse-cache entry, and
every folder ever read (a benchmark's temporary snapshot, an old checkout)
leaves a pointer to one: without pruning the folder only grows (181 MB seen on
a development machine). An entry is kept while a pointer of an existing file
names it (the latest version of each file, which is also what a changed file
is re-read against), and for a day after it was written (entries not pointed
at: the registry's, one just written by the aggregator). Everything else goes.
Pruning runs at most once an hour; a reader that misses an entry parses again.
"""

from __future__ import annotations

import marshal
import os
import time
from pathlib import Path

GRACE_SECONDS = 24 * 3600
EVERY_SECONDS = 3600
STAMP = ".pruned"


def prune_parse_cache(cache_dir: Path | str | None, now: float | None = None,
                      force: bool = False) -> int:
    """Remove what no existing file needs; return the number of files removed."""
    if cache_dir is None:
        return 0
    folder = Path(cache_dir) / "parse"
    now = time.time() if now is None else now
    stamp = folder / STAMP
    try:
        if not force and now - stamp.stat().st_mtime < EVERY_SECONDS:
            return 0
    except OSError:
        if not folder.is_dir():
            return 0
    removed, live = 0, set()
    for pointer in (folder / "by-path").glob("*.marshal"):
        try:
            note = marshal.loads(pointer.read_bytes())
            path = note.get("path")
            alive = os.path.exists(path) if path else \
                now - pointer.stat().st_mtime < GRACE_SECONDS   # written before paths were kept
        except (OSError, EOFError, ValueError, TypeError, AttributeError):
            note, alive = {}, False
        if alive:
            live.add(note.get("entry"))
            continue
        removed += _unlink(pointer)
    for entry in folder.glob("*.marshal"):
        if entry.name in live:
            continue
        try:
            if now - entry.stat().st_mtime < GRACE_SECONDS:
                continue
        except OSError:
            continue
        removed += _unlink(entry)
    try:
        stamp.touch()
    except OSError:
        pass        # a read-only cache: nothing was removed either
    return removed


def _unlink(path: Path) -> int:
    try:
        path.unlink()
        return 1
    except OSError:
        return 0
