"""The one snapshot reader (and writer), shared by the aggregator and the plugins.

Layout of `content/data/` (format v1, written by other tools too):

    institutions.yaml          institutions: [ {id, name, acronym, ...} ]
    sources/<source_id>.yaml   {source, adapter, schema_version: 1, harvested_at, count, records}
    status.yaml                {run: {...}, sources: {<id>: {...}}}

Parsing YAML runs at about 1.5 MB/s even with libyaml, so a parsed file is kept
in a cache (`.cache/parse/`) keyed by a hash of its bytes: an unchanged file is
read back with `marshal`, which holds only plain data and is fast.
"""

from __future__ import annotations

import gc
import hashlib
import marshal
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from . import yamlio
from .cache_prune import prune_parse_cache
from .keys import unknown_keys_message
from .records import (
    Consultation,
    Dataset,
    Institution,
    NewsItem,
    Record,
    RecordError,
    record_from_dict,
    record_from_trusted,
)
from .records_registers import TransparencyEntry
from .registry import institution_from_dict
from .reparse import (
    MODEL,
    VALIDATED,
    parse_changed,
    pointer,
    record_chunks,
    remember,
    unchanged_since_last_read,
)

SCHEMA_VERSION = 1
ROOT = Path(__file__).resolve().parent.parent
SOURCE_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")


def default_cache_dir() -> Path:
    return Path(os.environ.get("PORTAL_CACHE") or ROOT / ".cache")


class SnapshotError(ValueError):
    """An unreadable or invalid snapshot file; the message names file and record."""


# -- parse cache ------------------------------------------------------------

def _plain(value: Any) -> Any:
    """Dates and other scalars YAML may produce, as the text marshal can hold."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def content_digest(raw: bytes) -> str:
    """The key of a file's bytes in the parse cache (its entry's name), for this
    version of the reader (reparse.MODEL)."""
    return hashlib.blake2b(raw, digest_size=20, key=MODEL).hexdigest()


def _cache_path(cache_dir: Path | None, raw: bytes) -> Path | None:
    if cache_dir is None:
        return None
    return Path(cache_dir) / "parse" / f"{content_digest(raw)}.marshal"


def _store(cached: Path | None, data: Any) -> Any:
    if cached is None:
        return data
    try:
        blob = marshal.dumps(data)
    except ValueError:
        data = _plain(data)
        blob = marshal.dumps(data)
    try:
        yamlio.write_atomic(cached, blob, durable=False)
    except OSError:
        pass  # a read-only cache only costs speed
    return data


def load_yaml_cached(path: Path, cache_dir: Path | None) -> Any:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise SnapshotError(f"{path}: cannot read: {exc.strerror}") from None
    cached = _cache_path(cache_dir, raw)
    if cached is not None:
        try:
            return marshal.loads(cached.read_bytes())
        except (OSError, EOFError, ValueError, TypeError):
            pass
    try:
        data = yamlio.loads(raw, path)
    except yamlio.YamlError as exc:
        raise SnapshotError(str(exc)) from None
    return _store(cached, data)


# -- reading ----------------------------------------------------------------

@dataclass(slots=True)
class SourceFile:
    source: str
    adapter: str | None
    harvested_at: str | None
    records: list[Record]
    path: Path | None = None
    # Optional header keys: the source's display name ("Fuente: <name>") and the
    # portal's base URL. Files written by other tools may lack them.
    name: str | None = None
    url: str | None = None
    # The country of a foreign source (sources.yaml `country`); None: our own.
    country: str | None = None


@dataclass(slots=True)
class Snapshot:
    institutions: list[Institution] = field(default_factory=list)
    mappings: dict[str, str] = field(default_factory=dict)
    sources: dict[str, SourceFile] = field(default_factory=dict)
    status: dict = field(default_factory=dict)

    def records(self, kind: type[Record] | None = None) -> Iterable[Record]:
        for sf in self.sources.values():
            for r in sf.records:
                if kind is None or isinstance(r, kind):
                    yield r

    @property
    def datasets(self) -> list[Dataset]:
        return list(self.records(Dataset))

    @property
    def news(self) -> list[NewsItem]:
        return list(self.records(NewsItem))

    @property
    def consultations(self) -> list[Consultation]:
        return list(self.records(Consultation))

    @property
    def transparency(self) -> list[TransparencyEntry]:
        return list(self.records(TransparencyEntry))

    def institution_map(self) -> dict[str, Institution]:
        return {i.id: i for i in self.institutions}


def read_institutions(path: Path, cache_dir: Path | None = None) -> list[Institution]:
    return read_registry(path, cache_dir)[0]


def read_registry(path: Path, cache_dir: Path | None = None
                  ) -> tuple[list[Institution], dict[str, str]]:
    """institutions.yaml: the institutions, and the explicit `mappings:` of names
    as sources write them to registry ids. Every key of every entry is checked
    (aggregator/registry.py); an error names the file, line, institution and key."""
    if not path.exists():
        return [], {}
    doc = load_yaml_cached(path, cache_dir)
    if doc is None:
        return [], {}
    if not isinstance(doc, dict) or not isinstance(doc.get("institutions", []), list):
        raise SnapshotError(f"{path}: expected a mapping with an 'institutions:' list")
    unknown = unknown_keys_message(doc, ("institutions", "mappings"), "top level")
    if unknown:
        raise SnapshotError(f"{path}: {unknown}")
    mappings = doc.get("mappings") or {}
    if not isinstance(mappings, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in mappings.items()):
        raise SnapshotError(f"{path}: 'mappings' must map names to institution ids")
    out, seen = [], {}
    for n, item in enumerate(doc.get("institutions") or []):
        try:
            inst = institution_from_dict(item)
        except RecordError as exc:
            raise SnapshotError(f"{_institution_where(path, n, item)}: {exc}") from None
        if inst.id in seen:
            raise SnapshotError(f"{_institution_where(path, n, item)}: id {inst.id!r} "
                                f"appears twice (first as institution {seen[inst.id]})")
        seen[inst.id] = n + 1
        out.append(inst)
    for n, inst in enumerate(out):
        if inst.parent and inst.parent not in seen:
            raise SnapshotError(f"{_item_line(path, 'institutions', n)}: institution "
                                f"{inst.id!r}: 'parent' {inst.parent!r} is not registered")
    missing = sorted(v for v in set(mappings.values()) if v not in seen)
    if missing:
        raise SnapshotError(f"{path}: 'mappings' name unknown institution(s): "
                            f"{', '.join(missing)}")
    return out, mappings


def _institution_where(path: Path, n: int, item: Any) -> str:
    """Where an institution's error is: only ever computed for an error (it
    parses the whole file again: once per institution, that is quadratic)."""
    iid = item.get("id") if isinstance(item, dict) else None
    return f"{_item_line(path, 'institutions', n)}: institution {n + 1}" \
           f"{f' ({iid!r})' if iid else ''}"


def _item_line(path: Path, key: str, index: int) -> str:
    """"path:line" of doc[key][index], or the path alone; computed only for errors
    (the parse cache keeps no positions)."""
    try:
        root = yaml.compose(path.read_bytes(), Loader=yamlio.SafeLoader)
        for k, value in root.value:
            if k.value == key:
                return f"{path}:{value.value[index].start_mark.line + 1}"
    except Exception:  # noqa: BLE001 - best effort, the message stands without a line
        return str(path)
    return str(path)


def _validate_source(path: Path, doc: Any) -> dict:
    """Check a parsed source file and return it with its records normalized
    (each one through its dataclass), ready for the fast path of the cache."""
    if not isinstance(doc, dict):
        raise SnapshotError(f"{path}: expected a mapping with 'source' and 'records'")
    version = doc.get("schema_version", SCHEMA_VERSION)
    if version != SCHEMA_VERSION:
        raise SnapshotError(f"{path}: schema_version {version!r} is not supported "
                            f"(this portal reads version {SCHEMA_VERSION})")
    raw = doc.get("records") or []
    if not isinstance(raw, list):
        raise SnapshotError(f"{path}: 'records' must be a list")
    records = []
    for n, item in enumerate(raw):
        try:
            records.append(record_from_dict(item).to_dict())
        except RecordError as exc:
            rid = item.get("id") if isinstance(item, dict) else None
            where = _item_line(path, "records", n)
            raise SnapshotError(f"{where}: record {n + 1}"
                                f"{f' ({rid})' if rid else ''}: {exc}") from None
    return {"source": str(doc.get("source") or path.stem), "adapter": doc.get("adapter"),
            "harvested_at": _str(doc.get("harvested_at")), "name": _str(doc.get("name")),
            "url": _str(doc.get("url")), "country": _str(doc.get("country")),
            VALIDATED: records}


def read_source_file(path: Path, cache_dir: Path | None = None) -> SourceFile:
    doc = read_validated(path, cache_dir)
    records = [record_from_trusted(r) for r in doc[VALIDATED]]
    return SourceFile(doc["source"], doc["adapter"], doc["harvested_at"], records, path,
                      doc.get("name"), doc.get("url"), doc.get("country"))


def file_stat(path: Path) -> list:
    """[size, mtime_ns] of a file, as the caches note it."""
    try:
        st = path.stat()
    except OSError as exc:
        raise SnapshotError(f"{path}: cannot read: {exc.strerror}") from None
    return [st.st_size, st.st_mtime_ns]


def read_validated(path: Path, cache_dir: Path | None = None, raw: bytes | None = None,
                   stat: list | None = None) -> dict:
    """A source file as checked plain data: its header keys and, under VALIDATED,
    each record's `to_dict()` (what the records are built from; a reader that
    needs a few fields of 100,000 records reads them here). `raw` and `stat`:
    the file's bytes and [size, mtime_ns] when the caller already has them."""
    note = pointer(cache_dir, path)
    stat = stat or file_stat(path)
    doc = unchanged_since_last_read(note, stat) if raw is None else None
    if doc is None:
        doc = _read_and_remember(path, cache_dir, note, stat, raw)
    return doc


def _read_and_remember(path: Path, cache_dir: Path | None, note: Path | None,
                       stat: list, raw: bytes | None = None) -> dict:
    try:
        raw = path.read_bytes() if raw is None else raw
    except OSError as exc:
        raise SnapshotError(f"{path}: cannot read: {exc.strerror}") from None
    cached = _cache_path(cache_dir, raw)
    doc = None
    if cached is not None:
        try:
            doc = marshal.loads(cached.read_bytes())
        except (OSError, EOFError, ValueError, TypeError):
            doc = None
    chunks = record_chunks(raw)
    if not (isinstance(doc, dict) and VALIDATED in doc):
        doc = parse_changed(path, raw, chunks, note, _validate_source)
        if doc is None:
            try:
                parsed = yamlio.loads(raw, path)
            except yamlio.YamlError as exc:
                raise SnapshotError(str(exc)) from None
            doc = _validate_source(path, parsed)
        doc = _store(cached, doc)
    remember(note, cached, chunks, doc, stat, path)
    return doc


def _str(v: Any) -> str | None:
    return v.isoformat() if hasattr(v, "isoformat") else (None if v is None else str(v))


def source_files(data_dir: Path) -> list[Path]:
    return sorted(Path(data_dir, "sources").glob("*.yaml"))


def load_snapshot(data_dir: Path | str, cache_dir: Path | None | bool = True,
                  prebuilt: dict[str, SourceFile] | None = None) -> Snapshot:
    """Load institutions, every source file and the status of a snapshot folder.

    `cache_dir=True` uses the default cache, `None`/`False` disables it.
    `prebuilt` maps source file paths (str) to SourceFiles the caller already
    holds for them (the site's record cache): those files are not read.
    """
    data_dir = Path(data_dir)
    cache = default_cache_dir() if cache_dir is True else (cache_dir or None)
    institutions, mappings = read_registry(data_dir / "institutions.yaml", cache)
    snap = Snapshot(institutions=institutions, mappings=mappings)
    # Hundreds of thousands of new objects and no cycles: the cyclic collector
    # would only rescan them again and again.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        for path in source_files(data_dir):
            sf = (prebuilt or {}).get(str(path)) or read_source_file(path, cache)
            snap.sources[sf.source] = sf
    finally:
        if gc_was_enabled:
            gc.enable()
    prune_parse_cache(cache)       # at most once an hour
    status = data_dir / "status.yaml"
    if status.exists():
        doc = load_yaml_cached(status, None)
        if doc is not None and not isinstance(doc, dict):
            raise SnapshotError(f"{status}: expected a mapping")
        snap.status = doc or {}
    return snap


# -- writing ----------------------------------------------------------------

def source_document(source: str, adapter: str, harvested_at: str,
                    records: list[Record], name: str | None = None,
                    url: str | None = None, country: str | None = None) -> dict:
    records = sorted(records, key=lambda r: r.id)
    doc: dict[str, Any] = {"source": source}
    # Optional keys only when known, so files without them keep their exact bytes.
    if name:
        doc["name"] = name
    if url:
        doc["url"] = url
    if country:
        doc["country"] = country
    doc.update({"adapter": adapter, "schema_version": SCHEMA_VERSION,
                "harvested_at": harvested_at, "count": len(records),
                "records": [r.to_dict() for r in records]})
    return doc


def dump_source(doc: dict) -> bytes:
    """The YAML of a source document, record by record: the same bytes as dumping it
    whole, in half the time and without a node tree of the whole file in memory."""
    head = {k: v for k, v in doc.items() if k != "records"}
    if not doc["records"]:
        return yamlio.dumps(doc)
    return b"".join([yamlio.dumps(head), b"records:\n"]
                    + [yamlio.dumps([r]) for r in doc["records"]])


def write_source_file(data_dir: Path, source: str, adapter: str, harvested_at: str,
                      records: list[Record], cache_dir: Path | None | bool = True, *,
                      name: str | None = None, url: str | None = None,
                      country: str | None = None,
                      on_write: Callable[[str, dict], None] | None = None) -> bool:
    """Write `sources/<source>.yaml` atomically; return False (and leave the file
    alone) when its content (records, name, url) is the same as on disk.
    `on_write(digest, document)`: told the written bytes' content digest and the
    validated document (as `read_validated` gives it), for what a reader keeps of
    it (the scorecard's facts, aggregator/scoring/facts.py)."""
    cache = default_cache_dir() if cache_dir is True else (cache_dir or None)
    path = Path(data_dir) / "sources" / f"{source}.yaml"
    doc = source_document(source, adapter, harvested_at, records, name, url, country)
    if path.exists():
        try:
            old = read_source_file(path, cache)
        except SnapshotError:
            old = None
        # Compared as data, not bytes: dumping a big source twice costs seconds.
        if old is not None and (old.source, old.adapter, old.name, old.url, old.country) == (
                source, adapter, name or None, url or None, country or None) \
                and len(old.records) == len(doc["records"]) \
                and [r.to_dict() for r in old.records] == doc["records"]:
            return False
    raw = dump_source(doc)
    yamlio.write_atomic(path, raw)
    validated = {"source": source, "adapter": adapter, "harvested_at": harvested_at,
                 "name": name or None, "url": url or None,
                 "country": country or None, VALIDATED: doc["records"]}
    _store(_cache_path(cache, raw), validated)
    if on_write is not None:
        on_write(content_digest(raw), validated)
    return True
