"""The index's files (format 1, docs/search.md "Index layout"), encoded from a
Corpus. Every file but the root is named by a hash of its content.

- `index.json`, the root: format, document count, shard map, filter
  dictionaries (or the file of a long one), chunk groups. Fetched first.
- `t/<hash>.bin`, term shards: the words of one range of the sorted folded
  vocabulary, each with its surface form, stem group, document count and
  postings (inline when short, else the names of its blocks), and each stem
  group's total and counts file. A shard never splits a stem group.
- `p/<hash>.bin`, postings blocks: a word's documents in impact order, cut into
  blocks of FIRST, 4 x FIRST, 16 x FIRST... documents: the first block holds its
  best documents. Each posting carries its document's type, date and filter
  values, so filters and date sorting need no other file.
- `c/<hash>.json`: a stem group's (or filter value's) counts per filter value.
- `f/<hash>.json`: a long filter dictionary (institutions).
- `d/<group>/<hash>.<n>.json`: result metadata, CHUNK documents a file, in
  groups of GROUP documents named by the group's hash.

Binary layouts (little-endian): a shard is `u32 length, JSON, blob`; a block is
`varint n, n x u32 document ids (ascending), n x u8 impacts, n x attributes`,
attributes being `varint kind, varint day` then for each of ATTR_KEYS
`varint count, count x varint value`.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from array import array
from collections import Counter
from itertools import chain
from pathlib import Path

from .documents import FILTERS, KINDS
from .indexer import ATTR_KEYS, FILTER_KEYS, KIND_ORDER, Corpus, Postings, value_id, varint
from .text import fold, stem_key, stopwords

FORMAT = 1
FIRST = 128          # documents in a word's first block
GROWTH = 4           # each next block this many times larger
INLINE = 24          # postings this short live in the shard itself
SHARD_BYTES = 16_000  # target size of a shard, raw
CHUNK = 8            # result metadata: documents per file
GROUP = 2048         # documents per chunk folder (one hash in the root)
INLINE_FILTER_VALUES = 64   # a longer filter dictionary gets its own file


def name_of(content: bytes) -> str:
    """14 hex digits of the content's BLAKE2b. Deploy tools (scripts/s3_upload.py)
    take a run of hex digits with letters and digits for a content hash and let
    CDNs cache it forever: in the rare name without a letter, the last digit
    becomes one."""
    name = hashlib.blake2b(content, digest_size=7).hexdigest()
    if name.isdigit():
        name = name[:-1] + "abcdef"[int(name[-1]) % 6]
    return name


def _json(value) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


class Files:
    """Writes the files of one index under `folder`. A file whose name (its
    content's hash) is already there is left alone: it holds the same bytes.
    `paths` lists every file of this index; `written`, the bytes written."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.paths: set[str] = set()
        self.written = 0
        self.files_written = 0

    def write(self, rel: str, content: bytes) -> None:
        self.paths.add(rel)
        path = self.folder / rel
        if path.exists():
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_bytes(content)
        os.replace(tmp, path)
        self.written += len(content)
        self.files_written += 1

    def put(self, folder: str, content: bytes, ext: str) -> str:
        name = name_of(content)
        self.write(f"{folder}/{name}.{ext}", content)
        return name


def block_sizes(count: int, first: int) -> list[int]:
    sizes, size = [], first
    while count > 0:
        sizes.append(min(size, count))
        count -= size
        size *= GROWTH
    return sizes


def encode_block(keys: list[int], attrs: dict[int, bytes]) -> bytes:
    """`keys`: (document id << 8 | impact) of one block, sorted."""
    ids = array("I", [k >> 8 for k in keys])
    if sys.byteorder != "little":
        ids.byteswap()
    return b"".join((varint(len(keys)), ids.tobytes(), bytes([k & 255 for k in keys]),
                     b"".join([attrs[k >> 8] for k in keys])))


def blocks_of(p: Postings, attrs: dict[int, bytes], first: int) -> list[bytes]:
    """The postings in impact order (ties: lower id first), cut into blocks."""
    if len(p.docs) <= first:   # one block: no need to rank
        return [encode_block(sorted([(d << 8) | i for d, i in zip(p.docs, p.impacts)]), attrs)]
    ranked = [((255 - i) << 32) | d for d, i in zip(p.docs, p.impacts)]
    ranked.sort()
    out, start = [], 0
    for size in block_sizes(len(ranked), first):
        block = [((k & 0xFFFFFFFF) << 8) | (255 - (k >> 32)) for k in ranked[start:start + size]]
        block.sort()
        out.append(encode_block(block, attrs))
        start += size
    return out


def counts(docs, corpus: Corpus) -> dict:
    """Documents per filter value: {key: [[value index, count], ...]}, largest first."""
    tally = Counter(chain.from_iterable(map(corpus.values.__getitem__, docs)))
    out: dict[str, list] = {}
    for gid, n in sorted(tally.items(), key=lambda kv: (-kv[1], kv[0])):
        out.setdefault(FILTER_KEYS[gid >> 24], []).append([gid & 0xFFFFFF, n])
    return out


def _postings_ref(p: Postings, corpus: Corpus, files: Files, first: int, blob: bytearray):
    blocks = blocks_of(p, corpus.attrs, first)
    if len(blocks) == 1 and len(p.docs) <= INLINE and blob is not None:
        start = len(blob)
        blob += blocks[0]
        return [start, len(blocks[0])]
    return [files.put("p", b, "bin") for b in blocks]


def _cuts(terms: list[tuple[str, str, str]]) -> list[int]:
    """Indexes where a shard may start: never inside a stem group's range."""
    last: dict[str, int] = {}
    for i, (_, _, stem) in enumerate(terms):
        last[stem] = i
    allowed, reach = set(), -1
    for i, (_, _, stem) in enumerate(terms):
        if i and reach < i:
            allowed.add(i)
        reach = max(reach, last[stem])
    return sorted(allowed)


def _boundary(previous: str, word: str) -> str:
    """The shortest prefix of `word` sorting after `previous`."""
    for n in range(1, len(word) + 1):
        if word[:n] > previous:
            return word[:n]
    return word


def _cut_before(folded: str, entry: int, size: int, shard_bytes: int) -> bool:
    """Whether a shard that has `size` bytes ends before this word. Decided by the
    word itself (a hash of it, in proportion to its entry's size), not by the
    position of the word in the vocabulary: a word added or removed changes its
    own shard and not the cuts after it (content-defined chunking)."""
    if size < shard_bytes // 4:
        return False
    if size >= 3 * shard_bytes:
        return True
    h = int.from_bytes(hashlib.blake2b(folded.encode(), digest_size=8).digest(), "big")
    return h / 2**64 < entry / shard_bytes


def write_shards(corpus: Corpus, files: Files, first: int, shard_bytes: int) -> list:
    terms = sorted((fold(w), w, "") for w in corpus.terms)
    terms = [(f, w, stem_key(f)) for f, w, _ in terms]
    allowed = set(_cuts(terms))
    shards, start, size = [], 0, 0
    for i, (f, w, _) in enumerate(terms):
        df = len(corpus.terms[w].docs)
        entry = len(f) + len(w) + 14 + (df * 16 if df <= min(INLINE, first) else 13 * len(
            block_sizes(df, first)))
        if i in allowed and _cut_before(f, entry, size, shard_bytes):
            shards.append((start, i))
            start, size = i, 0
        size += entry
    if terms:
        shards.append((start, len(terms)))
    out = []
    for lo, hi in shards:
        blob = bytearray()
        groups: dict[str, int] = {}
        entries, members = [], {}
        for f, w, stem in terms[lo:hi]:
            g = groups.setdefault(stem, len(groups))
            members.setdefault(g, []).append(w)
            p = corpus.terms[w]
            entries.append([f, 0 if w == f else w, g, len(p.docs),
                            _postings_ref(p, corpus, files, first, blob)])
        group_rows = []
        for stem, g in groups.items():
            ws = members[g]
            docs = corpus.terms[ws[0]].docs if len(ws) == 1 else sorted(
                set(chain.from_iterable(corpus.terms[w].docs for w in ws)))
            # Counts of a group whose postings are all inline come from them.
            many = any(len(corpus.terms[w].docs) > first for w in ws)
            ref = files.put("c", _json(counts(docs, corpus)), "json") if many else 0
            group_rows.append([stem, len(docs), ref])
        head = _json({"t": entries, "g": group_rows})
        content = len(head).to_bytes(4, "little") + head + bytes(blob)
        key = "" if lo == 0 else _boundary(terms[lo - 1][0], terms[lo][0])
        out.append([key, files.put("t", content, "bin")])
    return out


def write_filters(corpus: Corpus, files: Files, first: int) -> list:
    out = []
    for k, key in enumerate(FILTER_KEYS):
        values = []
        for label, v in sorted(corpus.filter_values[k].items(), key=lambda lv: lv[1]):
            p = corpus.filter_postings.get(value_id(k, v))
            if p is None:   # a value no document has any more keeps its index
                values.append([label, 0, []])
                continue
            refs = [files.put("p", b, "bin") for b in blocks_of(p, corpus.attrs, first)]
            many = len(p.docs) > first
            values.append([label, len(p.docs), refs,
                           files.put("c", _json(counts(p.docs, corpus)), "json") if many else 0])
        entry = {"k": key, "l": FILTERS[key]}
        if len(values) > INLINE_FILTER_VALUES:
            entry["f"] = files.put("f", _json(values), "json")
        else:
            entry["v"] = values
        out.append(entry)
    return out


def write_chunks(corpus: Corpus, files: Files, span: int, group: int) -> list[str]:
    groups = []
    for g in range(0, span, group):
        chunks = []
        for c in range(g, min(span, g + group), CHUNK):
            rows = [corpus.rows.get(d, b"null") for d in range(c, min(span, c + CHUNK))]
            chunks.append(b"[" + b",".join(rows) + b"]")
        name = name_of(b"\n".join(chunks))
        for n, chunk in enumerate(chunks):
            files.write(f"d/{g // group}/{name}.{n}.json", chunk)
        groups.append(name)
    return groups


def build_files(corpus: Corpus, span: int, files: Files, first: int = FIRST,
                shard_bytes: int = SHARD_BYTES, group: int = GROUP,
                language: str = "es") -> bytes:
    """Write every file of the index but the root, and return the root's content;
    `span` is one more than the highest document id."""
    tipo = corpus.filter_values[FILTER_KEYS.index("tipo")]
    root = {
        "v": FORMAT, "lang": language, "n": corpus.size, "span": span, "first": first, "growth": GROWTH,
        "chunk": CHUNK, "group": group,
        "kinds": [[KINDS[k][0], tipo.get(KINDS[k][1], -1)] for k in KIND_ORDER],
        "attrs": list(ATTR_KEYS),
        "stop": sorted(stopwords(language)),
        "shards": write_shards(corpus, files, first, shard_bytes),
        "filters": write_filters(corpus, files, first),
        "docs": write_chunks(corpus, files, span, group),
    }
    return _json(root)
