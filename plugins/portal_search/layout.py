"""The index's files (format 3, docs/search.md "Index layout"), encoded from a
Corpus. Every file but the root is named by a hash of its content.

- `index.json`, the root: format, document count, shard map, filter
  dictionaries (or the file of a long one), chunk groups. Fetched first.
- `t/<hash>.bin`, term shards: the words of one range of the sorted folded
  vocabulary, each with its surface form, stem group, document count and
  postings (inline when short, else the names of its blocks), and each stem
  group's total and counts file. A shard never splits a stem group.
- `p/<hash>.bin`, postings blocks (encode.py): a word's head, its FIRST best
  documents, and its tail, the other documents cut into aligned id ranges of at
  most TAIL x FIRST: a query of several words intersects them range by range.
- `l/<hash>.json`: the list of a word's (or filter value's) tail blocks when it
  has more than TAIL_INLINE of them, fetched only by a query that needs them:
  the shards and the root stay small whatever the corpus size.
- `c/<hash>.json`: a stem group's (or filter value's) counts per filter value.
- `f/<hash>.json`: a long filter dictionary (institutions).
- `d/<group>/<hash>.<n>.json`: result metadata, CHUNK documents a file, in
  groups of GROUP documents named by the group's hash.

A rebuild encodes only what changed: `Encoded` (kept by state.py) holds what
each word, stem group, shard, filter value and chunk group became last time,
and the corpus says which of them its changed documents touched. The files are
the same bytes as a build that encodes everything (tests check it).
"""

from __future__ import annotations

import hashlib
import json
import os
from array import array
from functools import partial
from itertools import chain
from pathlib import Path

from .documents import FILTERS, KINDS
from .encode import TAIL, blocks_of, counts
from .indexer import ATTR_KEYS, FILTER_KEYS, KIND_ORDER, Corpus, doc_ids, value_id
from .processes import ForkedCall, WorkQueue
from .text import fold, stem_key, stopwords

FORMAT = 3
FIRST = 128          # documents in a word's first block
INLINE = 24          # postings this short live in the shard itself
TAIL_INLINE = 2      # a longer list of tail blocks gets its own file
SHARD_BYTES = 8_000  # target size of a shard, raw (about 3.5 KB gzipped)
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


_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _json(value) -> bytes:
    return _JSON(value).encode()


class Files:
    """Writes the files of one index under `folder`. A file whose name (its
    content's hash) is already there is left alone: it holds the same bytes.
    `paths` lists every file of this index; `sizes`, those this build wrote."""

    def __init__(self, folder: Path, present: set[str] | None = None):
        self.folder = folder
        self.paths: set[str] = set()
        self.sizes: dict[str, int] = {}   # the files this build wrote: bytes
        # The files there when the build began (store.py lists them): no stat
        # per file, and each folder made once (17,000 files at 100,000 datasets).
        self.present = present
        self.folders: set[str] = set()

    def write(self, rel: str, content: bytes) -> None:
        if rel in self.paths:
            return
        self.paths.add(rel)
        if self.present is None:
            if (self.folder / rel).exists():
                return
        elif rel in self.present:
            return
        parent, _, name = rel.rpartition("/")
        if parent not in self.folders:
            (self.folder / parent).mkdir(parents=True, exist_ok=True)
            self.folders.add(parent)
        # The process's own temporary name: two processes of a build may write
        # the same file (two words with the same postings make the same block).
        tmp = self.folder / parent / f".{name}.{os.getpid()}.tmp"
        with open(tmp, "wb") as f:
            f.write(content)
        os.replace(tmp, self.folder / rel)
        self.sizes[rel] = len(content)

    def put(self, folder: str, content: bytes, ext: str) -> str:
        name = name_of(content)
        self.write(f"{folder}/{name}.{ext}", content)
        return name

    @property
    def written(self) -> int:
        return sum(self.sizes.values())

    @property
    def files_written(self) -> int:
        return len(self.sizes)

    def keep(self, rels) -> None:
        """Files of the previous index this one uses unchanged."""
        self.paths.update(rels)


class Encoded:
    """What each part of the index was encoded as, by what it is made of:
    `terms` word -> (postings ref, files), `groups` stem -> (row, files),
    `shards` signature -> (name, files), `values` value id -> (entry, files),
    `chunks` group number -> (name, files)."""

    PARTS = ("terms", "groups", "shards", "values", "chunks")

    def __init__(self, previous: dict | None = None):
        self.previous = {k: (previous or {}).get(k, {}) for k in self.PARTS}
        self.now: dict[str, dict] = {k: {} for k in self.PARTS}

    def reuse(self, part: str, key, files: Files):
        found = self.previous[part].get(key)
        if found is not None:
            self.now[part][key] = found
            files.keep(found[1])
            return found[0]
        return None

    def record(self, part: str, key, value, paths: list[str]):
        self.now[part][key] = (value, paths)
        return value


class _Recorder:
    """Collects the paths written for one part, to record them with it."""

    def __init__(self, files: Files):
        self.files, self.paths = files, []

    def write(self, rel: str, content: bytes) -> None:
        self.files.write(rel, content)
        self.paths.append(rel)

    def put(self, folder: str, content: bytes, ext: str) -> str:
        name = name_of(content)
        self.write(f"{folder}/{name}.{ext}", content)
        return name


def _postings(p: array, corpus: Corpus, out: _Recorder, first: int, inline: bool):
    """Bytes of an inline block, or the word's blocks: [head name, then
    [lo, bits, postings, name] per tail block in id order, or the name of the
    file listing them]."""
    blocks = blocks_of(p, corpus.attrs, first)
    if inline and len(blocks) == 1 and len(p) <= INLINE:
        return blocks[0][0]
    head = out.put("p", blocks[0][0], "bin")
    tails = [[*span, out.put("p", block, "bin")] for block, span in blocks[1:]]
    if len(tails) > TAIL_INLINE:
        return [head, out.put("l", _json(tails), "json")]
    return [head, *tails]


def _cuts(stems: list[str]) -> set[int]:
    """Indexes where a shard may start: never inside a stem group's range."""
    last: dict[str, int] = {}
    for i, stem in enumerate(stems):
        last[stem] = i
    allowed, reach = set(), -1
    for i, stem in enumerate(stems):
        if i and reach < i:
            allowed.add(i)
        reach = max(reach, last[stem])
    return allowed


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
    if size >= 2 * shard_bytes:
        return True
    h = int.from_bytes(hashlib.blake2b(folded.encode(), digest_size=8).digest(), "big")
    return h / 2**64 < entry / shard_bytes


def _entry_bytes(folded: str, word: str, df: int, first: int, new_stem: str | None) -> int:
    """About the bytes a word takes in its shard (as _shard writes it): its entry,
    its inline postings or its blocks' names, and its stem group's row if it
    starts one. Shards are cut by these sizes: an estimate that falls short
    makes shards (and a query's first download) larger than SHARD_BYTES."""
    # A tail block holds between a quarter and all of TAIL x first postings; a
    # longer list than TAIL_INLINE is one more name.
    tails = -(-(df - first) * 2 // (TAIL * first)) if df > first else 0
    refs = df * 16 if df <= min(INLINE, first) else 17 + (36 * tails if tails <= TAIL_INLINE else 17)
    size = len(folded) + (len(word) + 3 if word != folded else 1) + len(str(df)) + 14 + refs
    return size + (len(new_stem) + 24 if new_stem is not None else 0)


def _group_row(stem: str, ws: list[str], corpus: Corpus, out: _Recorder, first: int) -> list:
    """[stem, documents, counts file or 0]. A group whose postings all fit in
    first blocks has no counts file: the script counts them."""
    lists = [corpus.terms[w] for w in ws]
    docs = list(doc_ids(lists[0])) if len(ws) == 1 else set(doc_ids(chain.from_iterable(lists)))
    if max(map(len, lists)) <= first:
        return [stem, len(docs), 0]
    return [stem, len(docs), out.put("c", _json(counts(docs, corpus.gids, FILTER_KEYS)), "json")]


def _shard(vocab: list, corpus: Corpus, enc: Encoded, files: Files, first: int) -> str:
    out = _Recorder(files)
    blob = bytearray()
    groups: dict[str, int] = {}
    entries, members = [], {}
    for f, w, stem in vocab:
        g = groups.setdefault(stem, len(groups))
        members.setdefault(stem, []).append(w)
        p = corpus.terms[w]
        ref = None if w in corpus.dirty_terms else enc.reuse("terms", w, files)
        if ref is None:
            rec = _Recorder(files)
            ref = enc.record("terms", w, _postings(p, corpus, rec, first, True), rec.paths)
        if isinstance(ref, bytes):   # inline: its place in the shard's blob
            inline, ref = ref, [len(blob), len(ref)]
            blob += inline
        entries.append([f, 0 if w == f else w, g, len(p), ref])
    rows = []
    for stem, ws in members.items():
        key = "\n".join([stem, *ws])   # a word leaving the group changes its row
        row = None
        if corpus.dirty_terms.isdisjoint(ws):
            row = enc.reuse("groups", key, files)
        if row is None:
            rec = _Recorder(files)
            row = enc.record("groups", key, _group_row(stem, ws, corpus, rec, first), rec.paths)
        rows.append(row)
    head = _json({"t": entries, "g": rows})
    return out.put("t", len(head).to_bytes(4, "little") + head + bytes(blob), "bin")


def shard_ranges(corpus: Corpus, first: int, shard_bytes: int) -> tuple[list, list]:
    """The sorted vocabulary [(folded, word, stem)] and where its shards start
    and end [(lo, hi)]."""
    vocab = sorted((fold(w), w) for w in corpus.terms)
    vocab = [(f, w, stem_key(f)) for f, w in vocab]
    allowed = _cuts([s for _, _, s in vocab])
    ranges, start, size = [], 0, 0
    for i, (f, w, stem) in enumerate(vocab):
        entry = _entry_bytes(f, w, len(corpus.terms[w]), first,
                             stem if not i or vocab[i - 1][2] != stem else None)
        if i in allowed and _cut_before(f, entry, size, shard_bytes):
            ranges.append((start, i))
            start, size = i, 0
        size += entry
    if vocab:
        ranges.append((start, len(vocab)))
    return vocab, ranges


def write_shard(part: list, corpus: Corpus, files: Files, enc: Encoded, first: int) -> str:
    """The shard of these words (reused when none of them changed): its name."""
    sig = name_of("\n".join(w for _, w, _ in part).encode())
    if corpus.dirty_terms.isdisjoint(w for _, w, _ in part):
        name = enc.reuse("shards", sig, files)
        if name is not None:   # its words and groups stay as they were
            members: dict[str, list[str]] = {}
            for _, w, stem in part:
                enc.reuse("terms", w, files)
                members.setdefault(stem, []).append(w)
            for stem, ws in members.items():
                enc.reuse("groups", "\n".join([stem, *ws]), files)
            return name
    name = _shard(part, corpus, enc, files, first)
    enc.record("shards", sig, name, [f"t/{name}.bin"])
    return name


def shard_map(vocab: list, ranges: list, names: list[str]) -> list:
    """The root's shard map: [first folded word (shortest prefix), name]."""
    return [["" if lo == 0 else _boundary(vocab[lo - 1][0], vocab[lo][0]), name]
            for (lo, _), name in zip(ranges, names)]


def _far_shards(vocab, ranges, groups, queue, corpus, files, enc, first):
    """In a fork (processes.ForkedCall): the shard groups it takes from `queue`,
    and what a Files and an Encoded of their own recorded, for the build to
    merge."""
    mine, e = Files(files.folder, files.present), Encoded()
    e.previous = enc.previous
    names = [(i, write_shard(vocab[ranges[i][0]:ranges[i][1]], corpus, mine, e, first))
             for g in queue for i in groups[g]]
    return names, list(mine.paths), mine.sizes, e.now


def write_filters(corpus: Corpus, files: Files, enc: Encoded, first: int) -> list:
    out = []
    for k, key in enumerate(FILTER_KEYS):
        values = []
        for label, v in sorted(corpus.filter_values[k].items(), key=lambda lv: lv[1]):
            gid = value_id(k, v)
            p = corpus.filter_postings.get(gid)
            if p is None:   # a value no document has any more keeps its index
                values.append([label, 0, []])
                continue
            entry = None if gid in corpus.dirty_values else enc.reuse("values", gid, files)
            if entry is None:
                rec = _Recorder(files)
                refs = _postings(p, corpus, rec, first, False)
                many = len(p) > first
                ref = rec.put("c", _json(counts(doc_ids(p), corpus.gids, FILTER_KEYS)),
                              "json") if many else 0
                entry = enc.record("values", gid, [label, len(p), refs, ref], rec.paths)
            values.append(entry)
        item = {"k": key, "l": FILTERS[key]}
        if len(values) > INLINE_FILTER_VALUES:
            item["f"] = files.put("f", _json(values), "json")
        else:
            item["v"] = values
        out.append(item)
    return out


def write_chunks(corpus: Corpus, files: Files, enc: Encoded, group: int) -> list[str]:
    span = corpus.span
    dirty = {d // group for d in corpus.dirty_docs}
    names = []
    for g, lo in enumerate(range(0, span, group)):
        hi = min(span, lo + group)
        name = None if g in dirty else enc.reuse("chunks", (g, hi), files)
        if name is None:
            chunks = []
            for c in range(lo, hi, CHUNK):
                rows = [corpus.rows[d] or b"null" for d in range(c, min(hi, c + CHUNK))]
                chunks.append(b"[" + b",".join(rows) + b"]")
            name = name_of(b"\n".join(chunks))
            paths = [f"d/{g}/{name}.{n}.json" for n in range(len(chunks))]
            for rel, chunk in zip(paths, chunks):
                files.write(rel, chunk)
            enc.record("chunks", (g, hi), name, paths)
        names.append(name)
    return names


def build_files(corpus: Corpus, files: Files, enc: Encoded, first: int = FIRST,
                shard_bytes: int = SHARD_BYTES, group: int = GROUP,
                language: str = "es", fork: bool = False) -> tuple[bytes, float | None]:
    """Write every file of the index but the root; return the root's content and
    the CPU seconds of its fork (None: no fork). `fork`: a full build writes
    shards in a second process too (processes.py), each taking the next from a
    shared queue, while this one writes the filters first (the result chunks
    are written before the fork)."""
    vocab, ranges = shard_ranges(corpus, first, shard_bytes)
    names: list = [None] * len(ranges)
    # Shards in groups (at most 8,192 of them), taken by whichever process is free.
    size = -(-len(ranges) // 8192) or 1
    groups = [range(i, min(i + size, len(ranges))) for i in range(0, len(ranges), size)]
    queue = WorkQueue(len(groups)) if fork and corpus.fresh and len(groups) > 1 else None
    # The result chunks before the fork: writing them reads every row, and a
    # page the build reads while the fork lives is copied (a reference count
    # changes): the rows are the largest part of the corpus.
    job = None
    try:
        docs = write_chunks(corpus, files, enc, group)
        if queue:
            job = ForkedCall(partial(_far_shards, vocab, ranges, groups, queue, corpus, files,
                                     enc, first), "writing the term shards")
        filters = write_filters(corpus, files, enc, first)
        for g in queue if queue else range(len(groups)):
            for i in groups[g]:
                names[i] = write_shard(vocab[ranges[i][0]:ranges[i][1]], corpus, files, enc,
                                       first)
        if job:
            got, paths, sizes, now = job.result()
            for i, name in got:
                names[i] = name
            files.keep(paths)
            files.sizes.update(sizes)   # a file both wrote counts once
            for part, entries in now.items():
                enc.now[part].update(entries)
    except BaseException:
        if job:
            job.stop()
        raise
    finally:
        if queue:
            queue.close()
    tipo = corpus.filter_values[FILTER_KEYS.index("tipo")]
    root = {
        "v": FORMAT, "lang": language, "n": corpus.size, "span": corpus.span, "first": first,
        "chunk": CHUNK, "group": group,
        "kinds": [[KINDS[k][0], tipo.get(KINDS[k][1], -1)] for k in KIND_ORDER],
        "attrs": list(ATTR_KEYS),
        "stop": sorted(stopwords(language)),
        "shards": shard_map(vocab, ranges, names),
        "filters": filters,
        "docs": docs,
    }
    return _json(root), job.cpu if job else None
