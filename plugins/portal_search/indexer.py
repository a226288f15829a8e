"""Search documents -> postings in memory: for each word, the documents that
contain it with an impact (a BM25F weight), and for each filter value, its
documents; plus each document's result metadata and filter values.

Scoring (docs/search.md, "Ranking"): fields title (with an institution's own
aliases) > institution line > body, BM25F with fixed reference lengths, times a
small recency boost (dated types) and a type prior (institutions). An impact
depends on its own document only, never on the rest of the corpus: the rarity
of a word (IDF) is applied by search-engine.js from the word's document count, so a
new or changed document leaves every other document's impacts unchanged, and
an incremental rebuild rewrites only the files that hold the changed records.
"""

from __future__ import annotations

import hashlib
import json
from array import array
from collections import Counter
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from .documents import FILTERS, KINDS, SearchDocument
from .encode import varint
from .text import words

# BM25F: (weight, b, reference length in words) per field. Fixed reference
# lengths instead of corpus averages keep impacts independent of other documents.
TITLE = (5.0, 0.5, 8.0)
INSTITUTION = (2.5, 0.3, 8.0)
BODY = (1.0, 0.75, 60.0)
# The type's names and the year, as result lines show them: "eventos" lists the
# events, "presupuesto 2020" finds the budgets dated 2020.
META = (0.5, 0.0, 1.0)
K1 = 1.2
# Type prior: an institution ranks above the records that only mention it.
KIND_PRIOR = {"institution": 1.3}
# Recency: up to +10 % for documents dated 2000-2030 (none for undated types).
RECENCY_FROM, RECENCY_YEARS, RECENCY_MAX = 2000, 30, 0.10
# Impacts are stored as one byte, 1-255, against this ceiling.
IMPACT_CEILING = max(KIND_PRIOR.values()) * (1 + RECENCY_MAX)
# Filter-only listings order dates from 1990 to 2030 (older ones tie).
LISTING_FROM, LISTING_YEARS = 1990, 40
EXCERPT_CHARS = 220
EPOCH = date(1900, 1, 1).toordinal()
KIND_ORDER = list(KINDS)
FILTER_KEYS = list(FILTERS)
# Filters whose values a posting carries: every one but type and year (they come
# from kind and date), public works' stage and region included.
ATTR_KEYS = tuple(k for k in FILTER_KEYS if k not in ("tipo", "anio"))


def day_number(iso: str | None) -> int:
    """Days since 1900-01-01 plus one; 0 for no date."""
    if not iso:
        return 0
    try:
        return date.fromisoformat(iso[:10]).toordinal() - EPOCH + 1
    except ValueError:
        return 0


def recency(day: int) -> float:
    if not day:
        return 1.0
    year = 1900 + (day - 1) / 365.25
    return 1.0 + RECENCY_MAX * min(1.0, max(0.0, (year - RECENCY_FROM) / RECENCY_YEARS))


def listing_order(kind: str, day: int) -> int:
    """The impact of a filter value's postings: a search by filters only lists
    institutions first, then the newest records (about two months a step)."""
    if kind in KIND_PRIOR:
        return 255
    if not day:
        return 1
    year = 1900 + (day - 1) / 365.25
    return 2 + round(252 * min(1.0, max(0.0, (year - LISTING_FROM) / LISTING_YEARS)))


def excerpt_text(body: str) -> str:
    if len(body) <= EXCERPT_CHARS:
        return body
    return body[:EXCERPT_CHARS].rsplit(" ", 1)[0] + " …"


# Postings of a word or filter value: an array of (document id << 8 | impact), in
# no particular order (blocks are ranked when they are written). One int a
# posting, so a build's hot loop appends once; 32-bit while ids fit in 24 bits
# (16.7 million documents), 64-bit past that (Corpus.widen).
NARROW_IDS = 1 << 24
doc_of = (8).__rrshift__   # posting -> document id, for map()


def doc_ids(postings) -> map:
    return map(doc_of, postings)


@dataclass(slots=True)
class Contribution:
    """What one document adds to the index: its words and their impacts, the
    attributes its postings carry (kind and day, then ATTR_KEYS), its filter
    values (key << 24 | value index), the impact of its filter postings, its
    result row."""
    words: list[str]
    impacts: bytes
    attrs: bytes
    gids: tuple[int, ...]
    listing: int
    row: bytes


def _weights(text: str, spec: tuple[float, float, float]) -> list[tuple[str, float]]:
    found = words(text)
    if not found:
        return []
    weight, b, ref = spec
    norm = weight / (1 - b + b * len(found) / ref)
    return [(word, n * norm) for word, n in Counter(found).items()]


# Institution lines and type-and-year lines repeat across many documents.
_shared_weights = lru_cache(maxsize=8192)(_weights)


def _body_weights(text: str) -> dict[str, float]:
    """The body's weights as a new dict: the largest field starts the document's
    term weights, so its words are not added one by one (a build's hot path)."""
    found = words(text)
    if not found:
        return {}
    weight, b, ref = BODY
    norm = weight / (1 - b + b * len(found) / ref)
    return {word: n * norm for word, n in Counter(found).items()}


def _raw_labels(doc: SearchDocument) -> list[tuple]:
    """The document's values of each filter, in FILTER_KEYS order, as given."""
    out = []
    for key in FILTER_KEYS:
        if key == "tipo":
            out.append((KINDS[doc.kind][1],))
        elif key == "institucion":
            out.append((doc.institution,) if doc.institution else ())
        elif key == "anio":
            out.append((doc.date[:4],) if doc.date else ())
        else:
            out.append(tuple(doc.filters.get(key, ())))
    return out


def _filter_labels(doc: SearchDocument) -> list[list[str]]:
    """The document's values of each filter, in FILTER_KEYS order, each once."""
    return [list(dict.fromkeys(labels)) for labels in _raw_labels(doc)]


def _encode_labels(k: int, labels: tuple, index: dict[str, int]) -> tuple[tuple, bytes]:
    """Filter k's values: their ids (key << 24 | value index; `index` gets the
    labels it has not seen yet) and, for an attribute, their encoding."""
    ids = []
    for label in dict.fromkeys(labels):
        v = index.get(label)
        if v is None:
            v = index[label] = len(index)
        ids.append(v)
    encoded = varint(len(ids)) + b"".join(map(varint, ids)) if k in _ATTR_AT else b""
    return tuple(value_id(k, v) for v in ids), encoded


_ATTR_AT = {FILTER_KEYS.index(k) for k in ATTR_KEYS}


@lru_cache(maxsize=65536)
def _head(kind: str, day: int) -> bytes:
    """A posting's first attributes: kind and day (type and year come from them)."""
    return varint(KIND_ORDER.index(kind)) + varint(day)


def meta_text(doc: SearchDocument) -> str:
    label, tipo = KINDS[doc.kind]
    return f"{label} {tipo} {doc.date[:4] if doc.date else ''}"


def row_of(doc: SearchDocument) -> bytes:
    """What a result shows: URL, title, type, institution, date, status, excerpt."""
    return _ROW_JSON([doc.url, doc.title, KIND_ORDER.index(doc.kind), doc.institution or "",
                      doc.date or "", doc.status or "", excerpt_text(doc.body)]).encode()


# One encoder for every row: json.dumps with options makes a new one per call.
_ROW_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


FP = 12   # bytes of a fingerprint


def fingerprint(doc: SearchDocument) -> bytes:
    """Everything the document holds (a slotted dataclass's repr is complete)."""
    return hashlib.blake2b(repr(doc).encode("utf-8", "surrogatepass"), digest_size=FP).digest()


def text_of(doc: SearchDocument) -> tuple[str, str, str, str]:
    """The texts a document's words are weighted in: title (with its own
    aliases), institution line, type and year, body."""
    return f"{doc.title} {doc.own_terms}", doc.institution_terms, meta_text(doc), doc.body


def impact_scale(doc: SearchDocument) -> float:
    """What a document's impacts are multiplied by: recency and type prior."""
    return (recency(day_number(doc.date)) * KIND_PRIOR.get(doc.kind, 1.0)
            * 255 / IMPACT_CEILING)


def impacts_of(texts: tuple[str, str, str, str], scale: float) -> tuple[list[str], bytes]:
    """A document's words and their impacts (1-255): the text part of scoring,
    which a full build may do in a second process (processes.py)."""
    title, institution, meta, body = texts
    tf = _body_weights(body)
    for pairs in (_weights(title, TITLE), _shared_weights(institution, INSTITUTION),
                  _shared_weights(meta, META)):
        for word, x in pairs:
            tf[word] = tf.get(word, 0.0) + x
    return list(tf), bytes([int(x / (K1 + x) * scale + 0.5) or 1 for x in tf.values()])


def contribution(doc: SearchDocument, filter_values: list[dict[str, int]],
                 text: bool = True, memo: list[dict] | None = None) -> Contribution:
    """Score one document; `filter_values` (label -> index per filter key) gets
    the labels it has not seen yet. `text=False` leaves its words and its row
    out (another process makes them: processes.py). `memo` (Corpus.memo) keeps
    the encoding of each filter's sets of labels: documents share them."""
    day = day_number(doc.date)
    found, impacts = impacts_of(text_of(doc), impact_scale(doc)) if text else ([], b"")
    memo = memo or [{} for _ in FILTER_KEYS]
    attrs = [_head(doc.kind, day)]
    gids: tuple = ()
    for k, labels in enumerate(_raw_labels(doc)):
        hit = memo[k].get(labels)
        if hit is None:
            hit = memo[k][labels] = _encode_labels(k, labels, filter_values[k])
        gids += hit[0]
        attrs.append(hit[1])
    return Contribution(found, impacts, b"".join(attrs), gids,
                        listing_order(doc.kind, day), row_of(doc) if text else b"")


def add_postings(terms: dict[str, array], code: str, doc_id: int, found: list[str],
                 impacts: bytes) -> None:
    """Append a document's postings to its words' arrays (of typecode `code`)."""
    base = doc_id << 8
    for word, impact in zip(found, impacts):   # the hot loop of a build: kept plain
        p = terms.get(word)
        if p is None:
            p = terms[word] = array(code)
        p.append(base | impact)


def value_id(key: int, value: int) -> int:
    """One int for (filter key, value index): a document's values take little memory."""
    return key << 24 | value


class Corpus:
    """The index of one build in memory, by document id: postings of every word
    and filter value, and each document's fingerprint, postings columns, filter
    values and result row. A rebuild starts from the previous build's corpus
    (state.py) and changes only what its changed documents touch; `dirty_terms`
    and `dirty_values` name the postings that changed, `dirty_docs` the ids."""

    def __init__(self, filter_values: list[dict[str, int]] | None = None):
        self.filter_values = filter_values or [{} for _ in FILTER_KEYS]
        self.memo: list[dict] = [{} for _ in FILTER_KEYS]   # for contribution()
        self.terms: dict[str, array] = {}
        self.filter_postings: dict[int, array] = {}   # by value_id
        self.wide = False   # postings arrays of 64 bits (an id past NARROW_IDS)
        self.fps: list[bytes | None] = []
        self.attrs: list[bytes | None] = []
        self.gids: list[tuple] = []
        self.rows: list[bytes | None] = []
        self.dirty_terms: set[str] = set()
        self.dirty_values: set[int] = set()
        self.dirty_docs: set[int] = set()
        self._marks: tuple[dict, dict] | None = None
        self.fresh = True   # every postings list is new: all dirty, named once in finish()

    @property
    def size(self) -> int:
        return sum(r is not None for r in self.rows)

    @property
    def span(self) -> int:
        return len(self.rows)

    def begin(self) -> None:
        """Before a rebuild: remember where each postings list ends, so the
        entries of documents that changed or went can be told from new ones."""
        self._marks = ({w: len(p) for w, p in self.terms.items()},
                       {g: len(p) for g, p in self.filter_postings.items()})
        self.dirty_terms, self.dirty_values, self.dirty_docs = set(), set(), set()
        self.fresh = False

    def unchanged(self, doc_id: int, fp: bytes) -> bool:
        return doc_id < len(self.fps) and self.fps[doc_id] == fp

    def put(self, doc_id: int, fp: bytes | None, c: Contribution) -> None:
        """Index a new or changed document under `doc_id`."""
        while len(self.rows) <= doc_id:
            for column in (self.fps, self.attrs, self.rows):
                column.append(None)
            self.gids.append(())
        self.dirty_docs.add(doc_id)
        if doc_id >= NARROW_IDS and not self.wide:
            self.widen()
        code = "Q" if self.wide else "I"
        add_postings(self.terms, code, doc_id, c.words, c.impacts)
        listing = doc_id << 8 | c.listing
        for gid in c.gids:
            p = self.filter_postings.get(gid)
            if p is None:
                p = self.filter_postings[gid] = array(code)
            p.append(listing)
        if not self.fresh:
            self.dirty_terms.update(c.words)
            self.dirty_values.update(self.gids[doc_id])
            self.dirty_values.update(c.gids)
        self.fps[doc_id], self.attrs[doc_id], self.rows[doc_id] = fp, c.attrs, c.row
        self.gids[doc_id] = c.gids

    def add_scored(self, terms: dict[str, array]) -> None:
        """Postings of words another process scored (processes.py)."""
        if not self.wide and any(p.typecode == "Q" for p in terms.values()):
            self.widen()   # before merging: a 64-bit posting never goes into 32 bits
        code = "Q" if self.wide else "I"
        for word, p in terms.items():
            p = p if p.typecode == code else array(code, p)
            mine = self.terms.get(word)
            if mine is None:
                self.terms[word] = p
            else:
                mine.extend(p)

    def add_rows(self, ids: array, fps: bytes, rows: list[bytes]) -> None:
        """The fingerprints (FP bytes each, one after the other) and result rows
        of documents another process scored."""
        for i, (doc_id, row) in enumerate(zip(ids, rows)):
            self.fps[doc_id], self.rows[doc_id] = fps[i * FP:(i + 1) * FP], row

    def widen(self) -> None:
        """Postings of 64 bits: an id does not fit in 24 bits any more."""
        for table in (self.terms, self.filter_postings):
            for key, p in table.items():
                table[key] = array("Q", p)
        self.wide = True

    def finish(self, seen: bytearray) -> None:
        """After a rebuild's documents: drop the previous entries of documents
        that changed, and every document not seen this time (seen[id] is 0)."""
        gone = {d for d in range(len(self.rows))
                if (d >= len(seen) or not seen[d]) and self.rows[d] is not None}
        for d in gone:
            self.dirty_values.update(self.gids[d])
            self.fps[d] = self.attrs[d] = self.rows[d] = None
            self.gids[d] = ()
        while self.rows and self.rows[-1] is None:   # the span ends at the last document
            for column in (self.fps, self.attrs, self.rows, self.gids):
                column.pop()
        stale = self.dirty_docs | gone
        self.dirty_docs = stale
        if self.fresh:
            self.dirty_terms, self.dirty_values = set(self.terms), set(self.filter_postings)
        if self._marks is None or not stale:
            return
        for table, marks, dirty in ((self.terms, self._marks[0], self.dirty_terms),
                                    (self.filter_postings, self._marks[1], self.dirty_values)):
            for key, end in marks.items():
                p = table[key]
                if stale.isdisjoint(doc_ids(p[:end])):
                    continue
                p = table[key] = array(p.typecode, [k for i, k in enumerate(p)
                                                    if i >= end or k >> 8 not in stale])
                dirty.add(key)
                if not p:
                    del table[key]
        self._marks = None


class IdMap:
    """Stable document ids: a URL keeps the id it had in the previous build; a new
    URL takes the next id after every id used so far. Ids of removed documents
    stay free (an empty slot in their chunk) until the map is renumbered, which
    happens when a quarter of the ids are free (`worth_keeping`)."""

    def __init__(self, previous: dict[str, int] | None = None):
        self.previous = previous or {}
        self.next = max(self.previous.values(), default=-1) + 1
        self.used: dict[str, int] = {}

    def get(self, url: str) -> int:
        found = self.used.get(url)
        if found is not None:
            raise ValueError(f"two search documents with the URL {url}")
        found = self.previous.get(url)
        if found is None:
            found = self.next
            self.next += 1
        self.used[url] = found
        return found

    @staticmethod
    def worth_keeping(previous: dict[str, int]) -> bool:
        span = max(previous.values(), default=-1) + 1
        return bool(previous) and len(previous) * 4 >= span * 3
