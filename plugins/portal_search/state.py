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
from pathlib import Path

from .indexer import FILTER_KEYS, Corpus, Postings

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


def _packed(table: dict) -> dict:
    return {k: (p.docs.tobytes(), p.impacts.tobytes()) for k, p in table.items()}


def _unpacked(table: dict) -> dict:
    out = {}
    for k, (docs, impacts) in table.items():
        p = Postings()
        p.docs.frombytes(docs)
        p.impacts.frombytes(impacts)
        out[k] = p
    return out


def save(folder: Path, key: str, ids: dict[str, int], corpus: Corpus, encoded: dict,
         files: set[str], root: bytes) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    urls = [""] * corpus.span
    for url, n in ids.items():
        urls[n] = url
    data = {
        "key": key, "urls": urls,
        "values": [sorted(v, key=v.get) for v in corpus.filter_values],
        "fps": corpus.fps, "attrs": corpus.attrs, "gids": corpus.gids, "rows": corpus.rows,
        "terms": _packed(corpus.terms), "fposts": _packed(corpus.filter_postings),
        "encoded": encoded, "files": sorted(files),
        "root": hashlib.blake2b(root, digest_size=16).digest(),
    }
    tmp = folder / f".{NAME}.tmp"
    with open(tmp, "wb") as f:
        marshal.dump(data, f)
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
            data = marshal.load(f)
        if data.get("key") != key or root is None or \
                data["root"] != hashlib.blake2b(root, digest_size=16).digest():
            return None
        files = set(data["files"])
        if not files <= present:
            return None   # files of the previous index were deleted: write them again
        ids = {url: n for n, url in enumerate(data["urls"]) if url}
        values = [{label: i for i, label in enumerate(labels)} for labels in data["values"]]
        if len(values) != len(FILTER_KEYS):
            return None
        corpus = Corpus(values)
        corpus.fps, corpus.attrs = data["fps"], data["attrs"]
        corpus.gids, corpus.rows = data["gids"], data["rows"]
        corpus.terms = _unpacked(data["terms"])
        corpus.filter_postings = _unpacked(data["fposts"])
        return ids, corpus, data["encoded"], files
    except (OSError, EOFError, ValueError, TypeError, KeyError):
        return None

