"""`.cache/parse/` stays bounded: versions no existing file points at, and
pointers of folders that are gone, are removed; what is in use stays."""

from __future__ import annotations

import os
import shutil
import time

import site_snapshot

from aggregator.cache_prune import GRACE_SECONDS, prune_parse_cache
from aggregator.snapshot import load_snapshot, read_source_file, write_source_file


def _entries(cache):
    return {p.name for p in (cache / "parse").glob("*.marshal")}


def _age(folder, seconds: float) -> None:
    old = time.time() - seconds
    for path in folder.rglob("*.marshal"):
        os.utime(path, (old, old))


def test_old_versions_and_gone_folders_are_pruned_what_is_used_stays(tmp_path):
    cache = tmp_path / "cache"
    data = site_snapshot.write(tmp_path / "data", count=20)
    gone = site_snapshot.write(tmp_path / "gone", count=5)
    load_snapshot(data, cache)
    load_snapshot(gone, cache)
    # A new version of one file: the old version's entry is now unused.
    sf = read_source_file(data / "sources" / "portal-datos.yaml", cache)
    sf.records[0].title = "Nuevo título"
    write_source_file(data, "portal-datos", "ckan", "2026-11-26T06:00:00+00:00", sf.records,
                      cache_dir=cache, name=sf.name, url=sf.url)
    load_snapshot(data, cache)
    shutil.rmtree(gone)
    before = _entries(cache)
    pointers = len(list((cache / "parse" / "by-path").glob("*.marshal")))
    assert pointers == 8            # 4 source files in each folder

    # Within a day nothing is removed (an entry may be about to be pointed at).
    assert prune_parse_cache(cache, force=True) == 4        # only the gone folder's pointers
    assert _entries(cache) == before
    _age(cache, GRACE_SECONDS + 60)
    removed = prune_parse_cache(cache, force=True)
    kept = _entries(cache)
    assert removed == len(before) - len(kept) and len(kept) == 4   # one per live file
    assert len(list((cache / "parse" / "by-path").glob("*.marshal"))) == 4
    # What stays is what the reader uses: no source file is parsed again (only the
    # small registry, whose entry is not pointed at).
    snap = load_snapshot(data, cache)
    assert snap.sources["portal-datos"].records[0].title == "Nuevo título"
    assert len(_entries(cache) - kept) == 1 and kept <= _entries(cache)


def test_pruning_runs_at_most_once_an_hour(tmp_path):
    cache = tmp_path / "cache"
    data = site_snapshot.write(tmp_path / "data", count=3)
    load_snapshot(data, cache)          # prunes (nothing to remove) and stamps
    shutil.rmtree(data)
    _age(cache, GRACE_SECONDS + 60)
    assert prune_parse_cache(cache) == 0                       # stamped just now
    assert prune_parse_cache(cache, now=time.time() + 3700) > 0
