"""The search index's files (plugins/portal_search/: text, indexer, layout, store),
read back in Python: impact order, shards, incremental rebuilds, stale files,
the size of the root and of the script. The browser side is in
test_search_browser.py and test_search_engine.py."""

from __future__ import annotations

import dataclasses
import gzip
import json
import sys
from pathlib import Path

import pytest
import test_search_corpus as corpus

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "plugins"))

import itertools

from portal_search.indexer import ATTR_KEYS
from portal_search.store import FOLDER, write_index
from portal_search.text import fold, stem_key, words


@pytest.fixture(scope="module")
def docs(tmp_path_factory):
    return corpus._documents(tmp_path_factory.mktemp("search-docs"))


def build(docs, tmp: Path, **kw):
    out = tmp / "out"
    kw = {"first": 4, "shard_bytes": 600, **kw}
    stats = write_index(docs, out, tmp / "cache", **kw)
    return stats, out / FOLDER


def read_root(folder: Path) -> dict:
    return json.loads((folder / "index.json").read_text("utf-8"))


def read_shard(folder: Path, name: str) -> tuple[dict, bytes]:
    raw = (folder / "t" / f"{name}.bin").read_bytes()
    n = int.from_bytes(raw[:4], "little")
    return json.loads(raw[4:4 + n]), raw[4 + n:]


def _varint(raw: bytes, pos: int) -> tuple[int, int]:
    n = shift = 0
    while True:
        b = raw[pos]
        pos += 1
        n |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return n, pos


def decode_block(raw: bytes) -> list[tuple[int, int, tuple]]:
    """(document id, impact, (kind, day, values...)) of every posting."""
    n, pos = _varint(raw, 0)
    ids = [int.from_bytes(raw[pos + 4 * i:pos + 4 * i + 4], "little") for i in range(n)]
    pos += 4 * n
    impacts = list(raw[pos:pos + n])
    pos += n
    attrs = []
    for _ in range(n):
        kind, pos = _varint(raw, pos)
        day, pos = _varint(raw, pos)
        values = []
        for _key in ATTR_KEYS:
            m, pos = _varint(raw, pos)
            vs = []
            for _ in range(m):
                v, pos = _varint(raw, pos)
                vs.append(v)
            values.append(tuple(vs))
        attrs.append((kind, day, *values))
    assert pos == len(raw), "a block is exactly its postings"
    return list(zip(ids, impacts, attrs))


def term_ref(folder: Path, word: str) -> tuple[list, bytes]:
    """A word's postings reference in its shard (and the shard's blob), found as
    search-engine.js finds them."""
    root = read_root(folder)
    f = fold(word)
    at = max(i for i, (key, _) in enumerate(root["shards"]) if key <= f)
    head, blob = read_shard(folder, root["shards"][at][1])
    entry = next(e for e in head["t"] if e[0] == f and (e[1] or e[0]) == word)
    ref = entry[4]
    return (ref if isinstance(ref[0], int) else expand(folder, ref)), blob


def expand(folder: Path, ref: list) -> list:
    """A postings reference with its tail blocks listed, as search-engine.js reads
    it: [head, [lo, bits, n, name]...]; a long list is a file of its own."""
    if len(ref) == 2 and isinstance(ref[1], str):
        tails = json.loads((folder / "l" / f"{ref[1]}.json").read_text("utf-8"))
        assert len(tails) > 2, "a short list stays in the entry"
        return [ref[0], *tails]
    return ref


def ref_files(folder: Path, ref: list) -> set[str]:
    """The files a postings reference leads to: its blocks and its tail list."""
    out = {f"p/{h}.bin" for h in block_names(expand(folder, ref))}
    if len(ref) == 2 and isinstance(ref[1], str):
        out.add(f"l/{ref[1]}.json")
    return out


def term_blocks(folder: Path, word: str) -> list[list[tuple]]:
    """The postings blocks of a word: the head, then the tail blocks in id order."""
    ref, blob = term_ref(folder, word)
    if isinstance(ref[0], int):
        return [decode_block(blob[ref[0]:ref[0] + ref[1]])]
    return [decode_block((folder / "p" / f"{h}.bin").read_bytes()) for h in block_names(ref)]


def block_names(ref: list) -> list[str]:
    """The files of a word's blocks: the head's name, then [lo, bits, n, name] each."""
    return [b if isinstance(b, str) else b[3] for b in ref]


def test_normalization():
    assert words("Ñuñoa, MINSAL y O'Higgins: covid-19 en 2026") == [
        "ñuñoa", "minsal", "y", "o", "higgins", "covid", "19", "en", "2026"]
    assert fold("ñuñoa") == "nunoa" and fold("información") == "informacion"
    assert stem_key(fold("presupuestos")) == stem_key(fold("presupuesto"))
    assert stem_key(fold("Información".lower())) == stem_key("informacion")


def test_head_holds_the_best_documents_and_the_tail_their_id_ranges(docs, tmp_path):
    _, folder = build(docs, tmp_path, first=2)       # tail blocks of at most 16 x 2
    ref, _ = term_ref(folder, "indicador")           # in all 60 fillers
    blocks = term_blocks(folder, "indicador")
    head, tails = blocks[0], blocks[1:]
    everything = sorted((p for b in blocks for p in b), key=lambda p: (-p[1], p[0]))
    assert len(everything) == len({p[0] for p in everything}) == 60   # each document once
    # The head is the top of the word's documents by impact, ties by id.
    assert sorted(head) == sorted(everything[:2])
    # The tail: the others in aligned id ranges of at most 32, ascending, disjoint,
    # each block's postings count in the shard.
    assert len(tails) >= 2
    end = 0
    for (lo, bits, n, _name), block in zip(ref[1:], tails):
        ids = [d for d, _, _ in block]
        assert lo % 2 ** bits == 0 and lo >= end
        assert len(block) == n <= 32 and ids == sorted(ids)
        assert all(lo <= d < lo + 2 ** bits for d in ids)
        end = lo + 2 ** bits
    root = read_root(folder)
    assert root["v"] == 3 and root["first"] == 2 and root["n"] == len(docs)


def test_a_long_tail_list_is_a_file_of_its_own(docs, tmp_path):
    """A word's (or filter value's) list of tail blocks stays in its entry while
    it is short; a longer one is a file (l/), fetched only by a query that needs
    the tails, so shards and the root do not grow with a word's documents."""
    _, folder = build(docs, tmp_path, first=1)   # tail blocks of at most 16
    root = read_root(folder)
    refs = []   # (documents, reference) of every word and filter value
    for _, name in root["shards"]:
        head, _ = read_shard(folder, name)
        refs += [(e[3], e[4]) for e in head["t"] if isinstance(e[4][0], str)]
    for f in root["filters"]:
        values = f["v"] if "v" in f else json.loads(
            (folder / "f" / f"{f['f']}.json").read_text("utf-8"))
        refs += [(v[1], v[2]) for v in values if v[1]]
    listed = short = 0
    for df, ref in refs:
        tails = expand(folder, ref)[1:]
        if len(ref) == 2 and isinstance(ref[1], str):
            listed += 1
        else:
            short += len(tails) > 0
            assert len(tails) <= 2
        assert sum(t[2] for t in tails) == df - 1   # every posting but the head's
    assert listed and short


def test_tail_ranges_split_in_halves_until_they_fit():
    from portal_search.encode import tail_ranges

    keys = [d << 8 | 1 for d in [*range(10), *range(1000, 1003), 70_000]]
    got = tail_ranges(keys, 4)
    # [0, 2**32) halved until each range holds at most 4: [0, 4), [4, 8), [8, 16),
    # [512, 1024), [65536, 131072); empty halves make no block.
    assert [(lo, bits, end - start) for lo, bits, start, end in got] == [
        (0, 2, 4), (4, 2, 4), (8, 3, 2), (512, 9, 3), (65_536, 16, 1)]
    spans = [(lo, lo + 2 ** bits) for lo, bits, _, _ in got]
    assert spans == sorted(spans) and all(a[1] <= b[0] for a, b in itertools.pairwise(spans))
    for lo, bits, start, end in got:
        assert all(lo <= k >> 8 < lo + 2 ** bits for k in keys[start:end])
    # A changed document moves no cut outside its own range.
    moved = tail_ranges(sorted([k for k in keys if k >> 8 != 1001] + [1001 << 8 | 9]), 4)
    assert [r[:2] for r in moved] == [r[:2] for r in got]


def test_titles_weigh_more_than_institution_lines_and_bodies(docs, tmp_path):
    _, folder = build(docs, tmp_path, first=128)
    by_url = {d.url: i for i, d in enumerate(docs)}
    postings = {doc: impact for doc, impact, _ in term_blocks(folder, "salud")[0]}
    title = postings[by_url["/datos/establecimientos-de-salud/"]]      # in its title
    line = postings[by_url["/datos/atenciones-de-urgencia/"]]          # Ministerio de Salud
    body = postings[by_url["/participacion/proceso-1/"]]               # body and line
    assert title > line and title > body


def test_a_shard_never_splits_a_stem_group(docs, tmp_path):
    _, folder = build(docs, tmp_path, shard_bytes=200)
    root = read_root(folder)
    assert len(root["shards"]) >= 15
    seen: dict[str, int] = {}
    keys = [k for k, _ in root["shards"]]
    assert keys == sorted(keys) and keys[0] == ""
    for i, (_, name) in enumerate(root["shards"]):
        head, _ = read_shard(folder, name)
        for entry in head["t"]:
            stem = head["g"][entry[2]][0]
            assert seen.setdefault(stem, i) == i, f"{stem} in shards {seen[stem]} and {i}"
            assert max(k for k in keys if k <= entry[0]) == keys[i]   # found where it is


def test_shards_are_about_their_target_size(docs, tmp_path):
    """Shards are cut by an estimate of their bytes: one that fell short made the
    shards of 100,000 datasets 4.5 times their target (72 KB, 30 KB gzipped,
    the largest part of a first query)."""
    _, folder = build(docs, tmp_path, shard_bytes=600)
    sizes = [(folder / "t" / f"{name}.bin").stat().st_size for _, name in read_root(folder)["shards"]]
    assert len(sizes) >= 15
    assert max(sizes) <= 2.5 * 600, sizes
    assert sum(sizes) / len(sizes) <= 1.5 * 600, sizes


def test_root_is_small_and_lists_filters(docs, tmp_path):
    _, folder = build(docs, tmp_path, first=128, shard_bytes=16_000)
    raw = (folder / "index.json").read_bytes()
    assert len(gzip.compress(raw)) < 3_000
    root = read_root(folder)
    # Every filter of FILTERS, public works' stage and region too (here without values).
    assert [f["k"] for f in root["filters"]] == ["tipo", "institucion", "tema", "formato",
                                                 "anio", "etapa", "region"]
    tipo = {v[0]: v[1] for v in root["filters"][0]["v"]}
    assert tipo["Conjuntos de datos"] == len(corpus.DATASETS) + len(corpus.FILLER)


def _changed(docs, url, **changes):
    return [dataclasses.replace(d, **changes) if d.url == url else d for d in docs]


def test_rebuild_with_nothing_changed_writes_nothing(docs, tmp_path):
    first, _folder = build(docs, tmp_path)
    assert first.files_written == first.files > 50
    again, _ = build(docs, tmp_path)
    assert (again.files_written, again.bytes_written, again.removed) == (0, 0, 0)


def test_one_changed_record_rewrites_only_its_shards_and_chunks(docs, tmp_path):
    _, folder = build(docs, tmp_path, group=16)
    before = read_root(folder)
    files_before = {p.relative_to(folder) for p in folder.rglob("*") if p.is_file()}
    url = "/datos/padron-electoral/"
    changed = _changed(docs, url, title="Padrón electoral actualizado")
    stats, _ = build(changed, tmp_path, group=16)
    after = read_root(folder)
    # The words whose postings changed: the title's (its length changed).
    moved = {fold(w) for w in words("Padrón electoral actualizado")}
    old_names = {name for _, name in before["shards"]}
    new_shards = [name for _, name in after["shards"] if name not in old_names]
    assert 1 <= len(new_shards) <= len(moved)
    for name in new_shards:   # each rewritten shard holds a word of the change
        head, _ = read_shard(folder, name)
        assert {e[0] for e in head["t"]} & moved, head["t"]
    # Result metadata: only the changed document's group of chunks.
    doc_id = [d.url for d in docs].index(url)
    changed_groups = {i for i, (a, b) in enumerate(zip(before["docs"], after["docs"])) if a != b}
    assert changed_groups == {doc_id // 16}
    # Nothing else was written, and the previous index's files are all still there.
    assert stats.files_written <= 1 + 2 + len(new_shards) + 3 * len(moved) + 2
    assert stats.files_written < stats.files / 5
    assert files_before <= {p.relative_to(folder) for p in folder.rglob("*") if p.is_file()}


def test_ids_are_stable_and_stale_files_go_one_build_later(docs, tmp_path):
    _, folder = build(docs, tmp_path)
    before = read_root(folder)
    gone = "/datos/arboles-urbanos/"
    fewer = [d for d in docs if d.url != gone]
    build(fewer, tmp_path)
    middle = read_root(folder)
    assert middle["n"] == len(docs) - 1 and middle["span"] == before["span"]
    referenced = _files(folder, middle)
    present = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    assert referenced < present              # the previous index's files stay one build
    assert _files(folder, before) <= present
    stats, _ = build(fewer, tmp_path)
    present = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    assert present == referenced and stats.removed > 0
    # A new document takes a new id; every other document keeps its own.
    new = dataclasses.replace(docs[0], url="/datos/nuevo/", title="Conjunto nuevo")
    build(fewer + [new], tmp_path)
    assert read_root(folder)["span"] == before["span"] + 1


def _files(folder: Path, root: dict) -> set[str]:
    """Every file a root leads to."""
    out = {"index.json"}
    for _, name in root["shards"]:
        out.add(f"t/{name}.bin")
        head, _ = read_shard(folder, name)
        for entry in head["t"]:
            if isinstance(entry[4][0], str):
                out.update(ref_files(folder, entry[4]))
        out.update(f"c/{g[2]}.json" for g in head["g"] if g[2])
    for f in root["filters"]:
        values = f.get("v")
        if values is None:
            out.add(f"f/{f['f']}.json")
            values = json.loads((folder / "f" / f"{f['f']}.json").read_text("utf-8"))
        for v in values:
            out.update(ref_files(folder, v[2]))
            if v[3:] and v[3]:
                out.add(f"c/{v[3]}.json")
    for g, name in enumerate(root["docs"]):
        for p in (folder / "d" / str(g)).glob(f"{name}.*.json"):
            out.add(p.relative_to(folder).as_posix())
    return out


def test_deploy_sees_content_hashed_names(docs, tmp_path):
    """scripts/s3_upload.py sends hashed files with a year-long immutable cache."""
    sys.path.insert(0, str(ROOT / "scripts"))
    from s3_upload import is_hashed

    _, folder = build(docs, tmp_path)
    names = [p.name for p in folder.rglob("*") if p.is_file()]
    assert len(names) > 50
    assert [n for n in names if not is_hashed(n)] == ["index.json"]


def test_search_script_is_small():
    js = ROOT / "themes" / "portal" / "static" / "js"
    size = sum(len(gzip.compress((js / name).read_bytes(), 9))
               for name in ("search.js", "search-engine.js"))
    assert size <= 15 * 1024, size
    assert "WebAssembly" not in (js / "search-engine.js").read_text("utf-8")


def test_postings_are_one_int_each_and_widen_past_24_bit_ids(docs):
    """A posting is (id << 8 | impact) in a 32-bit array; an id past 2**24 turns
    every array to 64 bits, and blocks read both alike."""
    from array import array

    from portal_search.encode import blocks_of
    from portal_search.indexer import Corpus, contribution, fingerprint

    corpus = Corpus()
    c = contribution(docs[0], corpus.filter_values)
    corpus.put(5, fingerprint(docs[0]), c)
    word = c.words[0]
    assert corpus.terms[word].typecode == "I"
    assert list(corpus.terms[word]) == [5 << 8 | c.impacts[0]]
    corpus.widen()
    corpus.put(7, fingerprint(docs[0]), c)
    assert {p.typecode for p in corpus.terms.values()} == {"Q"}
    assert [k >> 8 for k in corpus.terms[word]] == [5, 7]
    big = (1 << 30) + 3
    attrs = {big: b"\x01\x00", 9: b"\x02\x00"}
    ((block, span),) = blocks_of(array("Q", [big << 8 | 200, 9 << 8 | 100]), attrs, 4)
    assert span is None and block[0] == 2
    assert int.from_bytes(block[1:5], "little") == 9 and int.from_bytes(block[5:9], "little") == big
