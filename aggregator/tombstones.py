"""Tombstones: the last known state of records removed at their source.

When a harvest notices that a record went away, its last version is kept in
`tombstones/<source_id>.yaml`, so the site can keep the record's page at the
same URL (saying when and from where it disappeared) while it leaves every
listing, count, feed of records and the search index. A record that comes back
leaves the file again. The change log says *that* something was removed; this
file says *what* it was, for as long as the snapshot keeps it (the change
pages show only recent months).

    source: demo-ckan-org
    schema_version: 1
    count: 1
    tombstones:                 # sorted by record id
    - removed_at: '2026-11-01T00:00:00+00:00'
      record: {id: demo-ckan-org:dataset-1, type: dataset, ...}   # as in sources/
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml

from . import yamlio
from .records import Record, RecordError, record_from_dict
from .snapshot import SCHEMA_VERSION, SnapshotError, load_yaml_cached

TOMBSTONES_DIR = "tombstones"


@dataclass(slots=True)
class Tombstone:
    record: Record
    removed_at: str
    source: str


def path_of(data_dir: Path | str, source: str) -> Path:
    return Path(data_dir) / TOMBSTONES_DIR / f"{source}.yaml"


def _raw_entries(path: Path) -> dict[str, dict]:
    """{record id: entry as written} of a tombstone file, unchecked (the writer
    keeps entries it does not touch exactly as they were)."""
    doc = yamlio.load_file(path) or {}
    items = doc.get("tombstones") if isinstance(doc, dict) else None
    if not isinstance(items, list):
        raise SnapshotError(f"{path}: expected a mapping with a 'tombstones:' list")
    out = {}
    for n, item in enumerate(items):
        rec = item.get("record") if isinstance(item, dict) else None
        if not isinstance(rec, dict) or not rec.get("id"):
            raise SnapshotError(f"{path}: tombstone {n + 1}: missing 'record' with an 'id'")
        out[str(rec["id"])] = item
    return out


def update(data_dir: Path | str, source: str, removed: Iterable[Record],
           added_ids: Iterable[str], at: str) -> bool:
    """Add the removed records, drop those that came back; write the file only
    when that changes it (atomically). Returns whether it was written."""
    path = path_of(data_dir, source)
    removed = list(removed)
    if not removed and not path.exists():
        return False
    current = _raw_entries(path) if path.exists() else {}
    returned = [rid for rid in added_ids if rid in current]
    if not removed and not returned:
        return False
    for rid in returned:
        del current[rid]
    for rec in removed:
        current[rec.id] = {"removed_at": at, "record": rec.to_dict()}
    if not current:
        path.unlink()
        return True
    doc = {"source": source, "schema_version": SCHEMA_VERSION, "count": len(current),
           "tombstones": [current[rid] for rid in sorted(current)]}
    yamlio.write_atomic(path, yamlio.dumps(doc))
    return True


def _line(path: Path, index: int) -> int | None:
    try:
        root = yaml.compose(path.read_bytes(), Loader=yamlio.SafeLoader)
        for key, value in root.value:
            if key.value == "tombstones":
                return value.value[index].start_mark.line + 1
    except Exception:  # noqa: BLE001 - best effort, the message stands without a line
        return None
    return None


def read_file(path: Path, cache_dir: Path | None = None) -> list[Tombstone]:
    doc = load_yaml_cached(path, cache_dir)
    if doc is None:
        return []
    if not isinstance(doc, dict) or not isinstance(doc.get("tombstones") or [], list):
        raise SnapshotError(f"{path}: expected a mapping with a 'tombstones:' list")
    version = doc.get("schema_version", SCHEMA_VERSION)
    if version != SCHEMA_VERSION:
        raise SnapshotError(f"{path}: schema_version {version!r} is not supported")
    source = str(doc.get("source") or path.stem)
    out = []
    for n, item in enumerate(doc.get("tombstones") or []):
        try:
            if not isinstance(item, dict):
                raise RecordError("a tombstone must be a mapping")
            when = item.get("removed_at")
            if not when:
                raise RecordError("missing 'removed_at'")
            rec = record_from_dict(item.get("record"))
        except RecordError as exc:
            raise SnapshotError(f"{path}:{_line(path, n) or '?'}: tombstone {n + 1}: "
                                f"{exc}") from None
        when = when.isoformat() if hasattr(when, "isoformat") else str(when)
        out.append(Tombstone(rec, when, source))
    return out


def read_tombstones(data_dir: Path | str, cache_dir: Path | None = None) -> list[Tombstone]:
    """Every tombstone of the snapshot, by source file then record id."""
    folder = Path(data_dir) / TOMBSTONES_DIR
    if not folder.is_dir():
        return []
    out: list[Tombstone] = []
    for path in sorted(folder.glob("*.yaml")):
        out.extend(read_file(path, cache_dir))
    return out
