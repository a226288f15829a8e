"""Writes the index into output/search/, incrementally.

Files are named by their content's hash, so a rebuild writes only the files
whose content changed (a file already there under its name holds the same
bytes) and then the root, `index.json`. What keeps the unchanged files
unchanged is kept between builds in the cache folder (PORTAL_CACHE, `.cache/`),
per output folder:
- `ids.txt`: document ids by URL (one URL a line; line n is id n);
- `values.json`: the index of each filter value;
- `files.txt`: the files of the previous index.

Stale files are removed after the new root is written, except those of the
previous index: a visitor whose page loaded the previous root can still finish
a search. A missing cache only costs a rewrite of every file.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .documents import SearchDocument
from .indexer import FILTER_KEYS, Corpus, IdMap, add
from .layout import FIRST, GROUP, SHARD_BYTES, Files, build_files
from .text import use_language

log = logging.getLogger(__name__)

FOLDER = "search"
ROOT = "index.json"


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


def state_dir(cache: Path, output: Path) -> Path:
    key = hashlib.blake2b(str(output.resolve()).encode(), digest_size=6).hexdigest()
    return cache / "search-index" / key


def _read_state(folder: Path) -> tuple[dict[str, int], list[dict[str, int]], set[str] | None]:
    try:
        lines = (folder / "ids.txt").read_text("utf-8").split("\n")
        ids = {url: n for n, url in enumerate(lines) if url}
        raw = json.loads((folder / "values.json").read_text("utf-8"))
        values = [{label: i for i, label in enumerate(raw.get(k, []))} for k in FILTER_KEYS]
    except (OSError, ValueError, AttributeError):
        ids, values = {}, [{} for _ in FILTER_KEYS]
    try:
        previous = set((folder / "files.txt").read_text("utf-8").split("\n")) - {""}
    except OSError:
        previous = None
    return ids, values, previous


def _write_state(folder: Path, ids: dict[str, int], corpus: Corpus, files: set[str]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    slots = [""] * (max(ids.values(), default=-1) + 1)
    for url, n in ids.items():
        slots[n] = url.replace("\n", " ")
    values = {k: sorted(corpus.filter_values[i], key=corpus.filter_values[i].get)
              for i, k in enumerate(FILTER_KEYS)}
    for name, text in (("ids.txt", "\n".join(slots)), ("values.json", json.dumps(values)),
                       ("files.txt", "\n".join(sorted(files)))):
        tmp = folder / f".{name}.tmp"
        tmp.write_text(text, "utf-8")
        os.replace(tmp, folder / name)


def _present(folder: Path) -> set[str]:
    out = set()
    for dirpath, _dirs, names in os.walk(folder):
        rel = os.path.relpath(dirpath, folder)
        for name in names:
            out.add(name if rel == "." else f"{rel}/{name}")
    return out


def _sweep(folder: Path, keep: set[str]) -> int:
    removed = 0
    for rel in _present(folder) - keep - {ROOT}:
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
                group: int = GROUP, language: str = "es") -> IndexStats:
    started, cpu = time.monotonic(), time.process_time()
    use_language(language)
    folder = output / FOLDER
    state = state_dir(cache, output)
    previous_ids, values, previous_files = _read_state(state)
    if not IdMap.worth_keeping(previous_ids):
        previous_ids, values = {}, [{} for _ in FILTER_KEYS]
    ids = IdMap(previous_ids)
    corpus = Corpus(filter_values=values)
    indexing = 0.0
    loop = time.perf_counter()
    for doc in documents:
        t = time.perf_counter()
        add(corpus, ids.get(doc.url), doc)
        indexing += time.perf_counter() - t
    making = time.perf_counter() - loop - indexing
    span = max(ids.used.values(), default=-1) + 1
    folder.mkdir(parents=True, exist_ok=True)
    if previous_files is None:   # no record of the last index: keep what is there
        previous_files = _present(folder)
    files = Files(folder)
    root = build_files(corpus, span, files, first, shard_bytes, group, language)
    path = folder / ROOT
    if not path.is_file() or path.read_bytes() != root:
        tmp = folder / f".{ROOT}.tmp"
        tmp.write_bytes(root)
        os.replace(tmp, path)
        files.written += len(root)
        files.files_written += 1
    files.paths.add(ROOT)
    removed = _sweep(folder, files.paths | previous_files)
    _write_state(state, ids.used, corpus, files.paths)
    remove_pagefind(output)
    size = sum((folder / rel).stat().st_size for rel in files.paths)
    return IndexStats(corpus.size, time.monotonic() - started, time.process_time() - cpu,
                      making, len(files.paths), size, files.files_written, files.written,
                      removed)
