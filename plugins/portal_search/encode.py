"""Binary encodings of the index (format 1, docs/search.md "Index layout"):
postings blocks in impact order, and counts per filter value.

A postings block, little-endian:
    varint n
    n u32       document ids, ascending
    n u8        impacts, in the same order
    n x         the document's attributes (indexer.Contribution.attrs):
                varint kind, varint day, then per ATTR_KEYS varint count,
                count x varint value
"""

from __future__ import annotations

import sys
from array import array
from collections import Counter
from itertools import chain

GROWTH = 4   # each postings block this many times larger than the one before


def varint(n: int) -> bytes:
    out = bytearray()
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def block_sizes(count: int, first: int) -> list[int]:
    sizes, size = [], first
    while count > 0:
        sizes.append(min(size, count))
        count -= size
        size *= GROWTH
    return sizes


def encode_block(keys: list[int], attrs: list) -> bytes:
    """`keys`: (document id << 8 | impact) of one block, sorted; attrs[id] = the
    document's attribute bytes."""
    docs = [k >> 8 for k in keys]
    ids = array("I", docs)
    if sys.byteorder != "little":
        ids.byteswap()
    return b"".join((varint(len(keys)), ids.tobytes(), bytes([k & 255 for k in keys]),
                     b"".join(map(attrs.__getitem__, docs))))


def blocks_of(docs: array, impacts: array, attrs: list, first: int) -> list[bytes]:
    """Postings in impact order (ties: lower id first), cut into blocks of
    first, 4 x first, 16 x first... documents, each block in id order. The
    order of `docs` does not matter."""
    if len(docs) <= first:   # one block: no need to rank
        return [encode_block(sorted([(d << 8) | i for d, i in zip(docs, impacts)]), attrs)]
    ranked = [((255 - i) << 32) | d for d, i in zip(docs, impacts)]
    ranked.sort()
    out, start = [], 0
    for size in block_sizes(len(ranked), first):
        block = [((k & 0xFFFFFFFF) << 8) | (255 - (k >> 32)) for k in ranked[start:start + size]]
        block.sort()
        out.append(encode_block(block, attrs))
        start += size
    return out


def counts(docs, gids: list, keys: list[str]) -> dict:
    """Documents per filter value: {key: [[value index, count], ...]}, largest
    first; gids[d] = the document's (key << 24 | value) ids."""
    tally = Counter(chain.from_iterable(map(gids.__getitem__, docs)))
    out: dict[str, list] = {}
    for gid, n in sorted(tally.items(), key=lambda kv: (-kv[1], kv[0])):
        out.setdefault(keys[gid >> 24], []).append([gid & 0xFFFFFF, n])
    return out
