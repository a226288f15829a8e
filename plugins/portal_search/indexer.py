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

import json
from array import array
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from .documents import FILTERS, KINDS, SearchDocument
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


def varint(n: int) -> bytes:
    out = bytearray()
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


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


@dataclass
class Postings:
    """Documents (ids) and their impacts for one word or filter value, in the
    order they were indexed."""
    docs: array = field(default_factory=lambda: array("I"))
    impacts: array = field(default_factory=lambda: array("B"))


@dataclass
class Corpus:
    rows: dict[int, bytes] = field(default_factory=dict)     # id -> result metadata (JSON)
    attrs: dict[int, bytes] = field(default_factory=dict)    # id -> kind, date, filter values
    values: dict[int, tuple] = field(default_factory=dict)   # id -> its value_ids
    terms: dict[str, Postings] = field(default_factory=dict)
    # per filter key: label -> index (stable across builds: see store.py)
    filter_values: list[dict[str, int]] = field(
        default_factory=lambda: [{} for _ in FILTER_KEYS])
    filter_postings: dict[int, Postings] = field(default_factory=dict)   # by value_id

    @property
    def size(self) -> int:
        return len(self.rows)


def value_id(key: int, value: int) -> int:
    """One int for (filter key, value index): a document's values take little memory."""
    return key << 24 | value


def _field_weights(text: str, spec: tuple[float, float, float], tf: dict) -> None:
    found = words(text)
    if not found:
        return
    weight, b, ref = spec
    norm = weight / (1 - b + b * len(found) / ref)
    for word, n in Counter(found).items():
        tf[word] = tf.get(word, 0.0) + n * norm


def _filter_labels(doc: SearchDocument) -> list[list[str]]:
    """The document's values of each filter, in FILTER_KEYS order."""
    out = []
    for key in FILTER_KEYS:
        if key == "tipo":
            out.append([KINDS[doc.kind][1]])
        elif key == "institucion":
            out.append([doc.institution] if doc.institution else [])
        elif key == "anio":
            out.append([doc.date[:4]] if doc.date else [])
        else:
            out.append(list(dict.fromkeys(doc.filters.get(key, []))))
    return out


def meta_text(doc: SearchDocument) -> str:
    label, tipo = KINDS[doc.kind]
    return f"{label} {tipo} {doc.date[:4] if doc.date else ''}"


def row_of(doc: SearchDocument) -> bytes:
    """What a result shows: URL, title, type, institution, date, status, excerpt."""
    return json.dumps([doc.url, doc.title, KIND_ORDER.index(doc.kind), doc.institution or "",
                       doc.date or "", doc.status or "", excerpt_text(doc.body)],
                      ensure_ascii=False, separators=(",", ":")).encode()


def add(corpus: Corpus, doc_id: int, doc: SearchDocument) -> None:
    """Index one document under `doc_id`."""
    tf: dict[str, float] = {}
    _field_weights(f"{doc.title} {doc.own_terms}", TITLE, tf)
    _field_weights(doc.institution_terms, INSTITUTION, tf)
    _field_weights(doc.body, BODY, tf)
    _field_weights(meta_text(doc), META, tf)
    day = day_number(doc.date)
    scale = recency(day) * KIND_PRIOR.get(doc.kind, 1.0) * 255 / IMPACT_CEILING
    terms = corpus.terms
    for word, x in tf.items():   # the hot loop of a build: kept plain
        p = terms.get(word)
        if p is None:
            p = terms[word] = Postings()
        p.docs.append(doc_id)
        p.impacts.append(int(x / (K1 + x) * scale + 0.5) or 1)
    # Type and year are known from the kind and the date: not stored again.
    attrs = [varint(KIND_ORDER.index(doc.kind)), varint(day)]
    gids = []
    prior = listing_order(doc.kind, day)
    for k, labels in enumerate(_filter_labels(doc)):
        index = corpus.filter_values[k]
        stored = FILTER_KEYS[k] in ATTR_KEYS
        if stored:
            attrs.append(varint(len(labels)))
        for label in labels:
            v = index.get(label)
            if v is None:
                v = index[label] = len(index)
            if stored:
                attrs.append(varint(v))
            gid = value_id(k, v)
            gids.append(gid)
            p = corpus.filter_postings.get(gid)
            if p is None:
                p = corpus.filter_postings[gid] = Postings()
            p.docs.append(doc_id)
            p.impacts.append(prior)
    corpus.attrs[doc_id] = b"".join(attrs)
    corpus.values[doc_id] = tuple(gids)
    corpus.rows[doc_id] = row_of(doc)


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
