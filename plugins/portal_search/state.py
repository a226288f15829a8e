"""What a build of the index keeps for the next one, in the cache folder
(PORTAL_CACHE, `.cache/search-index/<output>/state.marshal`):

- the document ids by URL, and the index of every filter value;
- the corpus (indexer.Corpus): each document's fingerprint, postings columns,
  filter values and result row, and the postings of every word and filter
  value, so a rebuild scores only the documents whose fingerprint changed;
- what the files were made of (layout.Encoded): each word's postings file and
  each stem group's row, the shards, the filter entries and the chunk groups,
  so a rebuild encodes only what its changed documents touch;
- the list of the index's files, and a hash of the root.

The state is keyed by the index's code and settings: any change to either,
or a state that does not match the files in the output folder, starts afresh.
marshal is a trusted format here: the file is ours, written by the same code.
"""

from __future__ import annotations

import hashlib
import marshal
import os
from array import array
from pathlib import Path

from .indexer import FILTER_KEYS, Corpus

NAME = "state.marshal"
CODE = ("text.py", "documents.py", "indexer.py", "encode.py", "layout.py", "state.py")


def state_dir(cache: Path, output: Path) -> Path:
    key = hashlib.blake2b(str(output.resolve()).encode(), digest_size=6).hexdigest()
    return cache / "search-index" / key


def code_key(*settings) -> str:
    """The index's code and the settings that shape its files."""
    h = hashlib.blake2b(repr(settings).encode(), digest_size=12)
    here = Path(__file__).parent
    for name in CODE:
        h.update((here / name).read_bytes())
    return h.hexdigest()


# The state is written as a sequence of marshal records, each column in slices
# of STEP items: marshalling it whole held a second copy of the corpus (81 MB at
# 100,000 datasets) in memory at the build's peak.
STEP = 8192


def _dump_list(f, items: list) -> None:
    marshal.dump(len(items), f)
    for i in range(0, len(items), STEP):
        marshal.dump(items[i:i + STEP], f)


def _load_list(f) -> list:
    n, out = marshal.load(f), []
    while len(out) < n:
        part = marshal.load(f)
        if not part:
            raise ValueError("truncated state")
        out.extend(part)
    return out


def _dump_postings(f, table: dict) -> None:
    """Postings as (key, array type, bytes) rows, packed a slice at a time."""
    keys = list(table)
    marshal.dump(len(keys), f)
    for i in range(0, len(keys), STEP):
        marshal.dump([(k, table[k].typecode, table[k].tobytes()) for k in keys[i:i + STEP]], f)


def _load_postings(f) -> dict:
    out = {}
    for key, code, raw in _load_list(f):
        p = out[key] = array(code)
        p.frombytes(raw)
    return out


def save(folder: Path, key: str, ids: dict[str, int], corpus: Corpus, encoded: dict,
         files: set[str], root: bytes) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    urls = [""] * corpus.span
    for url, n in ids.items():
        urls[n] = url
    tmp = folder / f".{NAME}.tmp"
    with open(tmp, "wb") as f:
        marshal.dump({"key": key, "root": hashlib.blake2b(root, digest_size=16).digest(),
                      "values": [sorted(v, key=v.get) for v in corpus.filter_values]}, f)
        _dump_list(f, sorted(files))
        for column in (urls, corpus.fps, corpus.attrs, corpus.gids, corpus.rows):
            _dump_list(f, column)
        _dump_postings(f, corpus.terms)
        _dump_postings(f, corpus.filter_postings)
        marshal.dump(list(encoded), f)
        for part in encoded.values():
            _dump_list(f, list(part.items()))
    os.replace(tmp, folder / NAME)


def forget(folder: Path) -> None:
    """Called before the output changes: a build that dies half-way leaves no
    state that the files no longer match."""
    (folder / NAME).unlink(missing_ok=True)


def load(folder: Path, key: str, root: bytes | None, present: set[str]):
    """(ids by URL, corpus, encoded, files) of the previous build, or None when
    there is none that this build can start from."""
    try:
        with open(folder / NAME, "rb") as f:
            head = marshal.load(f)
            if head.get("key") != key or root is None or \
                    head["root"] != hashlib.blake2b(root, digest_size=16).digest():
                return None
            files = set(_load_list(f))
            if not files <= present:
                return None   # files of the previous index were deleted: write them again
            values = [{label: i for i, label in enumerate(labels)} for labels in head["values"]]
            if len(values) != len(FILTER_KEYS):
                return None
            urls = _load_list(f)
            corpus = Corpus(values)
            corpus.fps, corpus.attrs, corpus.gids, corpus.rows = (_load_list(f) for _ in range(4))
            corpus.terms = _load_postings(f)
            corpus.filter_postings = _load_postings(f)
            corpus.wide = any(p.typecode == "Q" for p in corpus.terms.values())
            encoded = {part: dict(_load_list(f)) for part in marshal.load(f)}
        ids = {url: n for n, url in enumerate(urls) if url}
        return ids, corpus, encoded, files
    except (OSError, EOFError, ValueError, TypeError, KeyError, AttributeError):
        return None
