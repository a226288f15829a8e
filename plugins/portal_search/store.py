"""Writes the index into output/search/, incrementally.

Files are named by their content's hash, so a rebuild writes only the files
whose content changed (a file already there under its name holds the same
bytes) and then the root, `index.json`. The previous build's corpus and what
its files were made of are kept in the cache folder (state.py), so a rebuild
scores only the documents whose fingerprint changed and encodes only the
words, groups, shards, filter values and chunk groups they touch: its work is
in proportion to the change, not to the corpus.

Stale files are removed after the new root is written, except those of the
previous index: a visitor whose page loaded the previous root can still finish
a search. A missing or unusable state only costs a full build.
"""

from __future__ import annotations

import logging
import os
import shutil
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from . import state
from .documents import SearchDocument
from .indexer import Corpus, IdMap, contribution, fingerprint
from .layout import FIRST, FORMAT, GROUP, SHARD_BYTES, Encoded, Files, build_files
from .processes import ScorerProcess
from .text import use_language

log = logging.getLogger(__name__)

FOLDER = "search"
ROOT = "index.json"
state_dir = state.state_dir


@dataclass
class IndexStats:
    documents: int
    seconds: float
    cpu_seconds: float
    document_seconds: float   # spent making the documents (reading the build's data)
    files: int            # files of the index
    bytes: int            # their size on disk
    files_written: int    # written by this build (the rest were there already)
    bytes_written: int
    removed: int          # stale files deleted
    changed: int          # documents scored again (new, changed or removed)
    processes: int = 1    # a full build may use forks (processes.py)


def _present(folder: Path) -> set[str]:
    out = set()
    for dirpath, _dirs, names in os.walk(folder):
        rel = os.path.relpath(dirpath, folder)
        for name in names:
            out.add(name if rel == "." else f"{rel}/{name}")
    return out


def _sweep(folder: Path, present: set[str], keep: set[str]) -> int:
    removed = 0
    for rel in present - keep - {ROOT}:
        (folder / rel).unlink(missing_ok=True)
        removed += 1
    for dirpath, dirs, names in os.walk(folder, topdown=False):
        if not dirs and not names and Path(dirpath) != folder:
            try:
                os.rmdir(dirpath)
            except OSError:
                pass
    return removed


def remove_pagefind(output: Path) -> None:
    """Earlier builds wrote a Pagefind bundle (marked by our stamp file)."""
    if (output / "pagefind" / "portal-search.json").is_file():
        for stale in output.glob("pagefind*"):
            if stale.is_dir():
                shutil.rmtree(stale, ignore_errors=True)


def write_index(documents: Iterable[SearchDocument], output: Path, cache: Path,
                first: int = FIRST, shard_bytes: int = SHARD_BYTES,
                group: int = GROUP, language: str = "es", reuse: bool = True,
                parallel: bool = False) -> IndexStats:
    """Write the index of `documents` into output/search/. `reuse=False` keeps
    the previous build's document ids and filter values but scores and encodes
    every document again (tests compare it with an incremental build).
    `parallel`: a full build scores the words in a second process."""
    started, cpu = time.monotonic(), time.process_time()
    use_language(language)
    folder = output / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    saved = state_dir(cache, output)
    key = state.code_key(FORMAT, first, shard_bytes, group, language)
    present = _present(folder)
    root_path = folder / ROOT
    old_root = root_path.read_bytes() if root_path.is_file() else None
    previous = state.load(saved, key, old_root, present)
    if previous is not None and not IdMap.worth_keeping(previous[0]):
        previous = None   # a quarter of the ids are free: number them again
    if previous is None:
        ids, corpus, encoded, previous_files = IdMap(), Corpus(), Encoded(), present
    elif not reuse:
        ids, corpus, encoded, previous_files = (IdMap(previous[0]),
                                                Corpus(previous[1].filter_values), Encoded(),
                                                previous[3])
    else:
        ids, corpus, encoded, previous_files = (IdMap(previous[0]), previous[1],
                                                Encoded(previous[2]), previous[3])
        corpus.begin()
    state.forget(saved)
    # A full build scores the words in a second process (processes.py).
    scorer = ScorerProcess() if corpus.fresh and parallel else None
    scoring = 0.0
    loop = time.perf_counter()
    seen = bytearray(ids.next)   # seen[id] = 1: a byte a document, not a set of ints
    try:
        for doc in documents:
            t = time.perf_counter()
            doc_id = ids.get(doc.url)
            if doc_id >= len(seen):
                seen.extend(bytes(doc_id + 1 - len(seen)))
            seen[doc_id] = 1
            if scorer and scorer.ready():   # a full build: every document is new
                corpus.put(doc_id, None, contribution(doc, corpus.filter_values, False,
                                                      corpus.memo))
                scorer.send(doc_id, doc)
            else:
                fp = fingerprint(doc)
                if not corpus.unchanged(doc_id, fp):
                    corpus.put(doc_id, fp, contribution(doc, corpus.filter_values,
                                                        memo=corpus.memo))
            scoring += time.perf_counter() - t
        making = time.perf_counter() - loop - scoring
        if scorer:
            scorer.finish(corpus)
    except BaseException:
        if scorer:
            scorer.stop()
        raise
    corpus.finish(seen)
    files = Files(folder, present)
    root, layout_cpu = build_files(corpus, files, encoded, first, shard_bytes, group,
                                   language, fork=parallel)
    if old_root != root:
        tmp = folder / f".{ROOT}.tmp"
        tmp.write_bytes(root)
        os.replace(tmp, root_path)
        files.sizes[ROOT] = len(root)
    files.paths.add(ROOT)
    removed = _sweep(folder, present | files.paths, files.paths | previous_files)
    state.save(saved, key, ids.used, corpus, encoded.now, files.paths, root)
    remove_pagefind(output)
    size = sum((folder / rel).stat().st_size for rel in files.paths)
    cpu = time.process_time() - cpu + (scorer.cpu if scorer else 0.0) + (layout_cpu or 0.0)
    return IndexStats(corpus.size, time.monotonic() - started, cpu,
                      making, len(files.paths), size, files.files_written, files.written,
                      removed, len(corpus.dirty_docs), 1 + bool(scorer) + (layout_cpu is not None))
