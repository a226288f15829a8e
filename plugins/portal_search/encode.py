"""Binary encodings of the index (format 3, docs/search.md "Index layout"):
postings blocks (a word's best documents, then the rest by id range), and
counts per filter value.

A postings block, little-endian:
    varint n
    n u32       document ids, ascending
    n u8        impacts, in the same order
    n x         the document's attributes (indexer.Contribution.attrs):
                varint kind, varint day, then per ATTR_KEYS varint count,
                count x varint value
"""

from __future__ import annotations

import heapq
import sys
from array import array
from bisect import bisect_left
from collections import Counter
from itertools import chain

TAIL = 16   # a tail block holds at most TAIL x first postings
ID_BITS = 32   # document ids are u32: the tail's ranges split [0, 2**32)


def varint(n: int) -> bytes:
    out = bytearray()
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def encode_block(keys: list[int], attrs: list) -> bytes:
    """`keys`: (document id << 8 | impact) of one block, sorted; attrs[id] = the
    document's attribute bytes."""
    docs = [k >> 8 for k in keys]
    ids = array("I", docs)
    if sys.byteorder != "little":
        ids.byteswap()
    return b"".join((varint(len(keys)), ids.tobytes(), bytes([k & 255 for k in keys]),
                     b"".join(map(attrs.__getitem__, docs))))


def tail_ranges(keys: list[int], limit: int) -> list[tuple[int, int, int, int]]:
    """Cut id-sorted keys (id << 8 | impact) into aligned id ranges [lo, lo + 2**bits)
    of at most `limit` postings: a range holding more is split in halves. Returns
    (lo, bits, start, end) with keys[start:end] in the range. A changed document
    changes the block of its own range only (and a split or merge where a range
    crosses the limit), never the cuts of the rest of the word."""
    out: list[tuple[int, int, int, int]] = []
    todo = [(0, ID_BITS, 0, len(keys))]
    while todo:
        lo, bits, start, end = todo.pop()
        if start == end:
            continue
        if end - start <= limit or not bits:
            out.append((lo, bits, start, end))
            continue
        mid = lo + (1 << (bits - 1))
        cut = bisect_left(keys, mid << 8, start, end)
        todo.append((mid, bits - 1, cut, end))   # popped after the lower half
        todo.append((lo, bits - 1, start, cut))
    return out


def blocks_of(postings: array, attrs: list, first: int
              ) -> list[tuple[bytes, tuple[int, int, int] | None]]:
    """A word's postings as blocks, each in id order: the head, its `first` best
    documents by impact (ties: lower id first), then the tail, the rest cut into
    aligned id ranges of at most TAIL x first postings (tail_ranges). Returns
    (block, None) for the head and (block, (lo, bits, n)) for each tail block.
    The head answers a word's best results; the tail, id-aligned across words,
    lets a query of several words intersect them one id range at a time.
    `postings`: (document id << 8 | impact), in any order."""
    keys = sorted(postings)
    if len(keys) <= first:   # one block: no need to rank
        return [(encode_block(keys, attrs), None)]
    best = heapq.nsmallest(first, [((255 - (k & 255)) << 32) | (k >> 8) for k in keys])
    head = sorted(((k & 0xFFFFFFFF) << 8) | (255 - (k >> 32)) for k in best)
    chosen = set(head)
    rest = [k for k in keys if k not in chosen]
    out = [(encode_block(head, attrs), None)]
    for lo, bits, start, end in tail_ranges(rest, TAIL * first):
        out.append((encode_block(rest[start:end], attrs), (lo, bits, end - start)))
    return out


def counts(docs, gids: list, keys: list[str]) -> dict:
    """Documents per filter value: {key: [[value index, count], ...]}, largest
    first; gids[d] = the document's (key << 24 | value) ids."""
    tally = Counter(chain.from_iterable(map(gids.__getitem__, docs)))
    out: dict[str, list] = {}
    for gid, n in sorted(tally.items(), key=lambda kv: (-kv[1], kv[0])):
        out.setdefault(keys[gid >> 24], []).append([gid & 0xFFFFFF, n])
    return out
