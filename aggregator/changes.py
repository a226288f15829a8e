"""The public change log: what each harvest added, updated or removed.

`diff()` compares a source's previous records with the new ones; the run loop
appends every source's entries once per run, in source-id order, to
`changes/<YYYY-MM>.yaml` (month of the run):

    changes:
    - at: '2026-11-01T00:00:00+00:00'    # when the run started
      source: demo-ckan-org
      id: demo-ckan-org:dataset-1         # null in a first-harvest summary
      type: dataset
      change: updated                     # added | updated | removed
      title: Dataset 1
      institution: null
      fields: [title, modified]           # every field that changed
      before: {title: Dataset 1}          # only TRACKED fields, values bounded
      after: {title: Conjunto 1}

A source's first harvest is one summary entry (`id: null`, `count: N`,
title "+N registros"), not N lines. A failed source records nothing, and a
run that only asked for changes (incremental) cannot see removals, so it
records none. Files are only ever appended to, atomically (the whole month
file is written to a temporary file and renamed over the old one), so a run
killed at any moment leaves the old file or the new one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import yaml

from . import yamlio
from .records import Record

CHANGES_DIR = "changes"
KINDS = ("added", "updated", "removed")
# Fields whose values a change entry keeps (before/after), in this order: what a
# reader asks about ("what did it say before?"). Any other changed field is only
# named in `fields`. A record type without one of them simply lacks it.
TRACKED = ("title", "url", "modified", "license", "resources", "start", "end", "date",
           "published", "status", "stage", "progress", "amount", "end_planned",
           "end_actual")
TEXT_MAX = 200          # characters of a text value kept in before/after
RESOURCES_MAX = 10      # resources (url, format) listed on each side
MONTH_FILE = re.compile(r"^\d{4}-\d{2}\.yaml$")
HEADER = b"changes:\n"


class ChangeLogError(ValueError):
    """A change file that cannot be read or appended to; names the file and entry."""


@dataclass
class SourceChanges:
    """What one harvest of one source changed."""

    added: int = 0
    updated: int = 0
    removed: int = 0
    entries: list[dict] = field(default_factory=list)
    removed_records: list[Record] = field(default_factory=list)
    added_ids: list[str] = field(default_factory=list)


# -- comparing two harvests ------------------------------------------------------

def _cut(text: str) -> str:
    return text if len(text) <= TEXT_MAX else text[:TEXT_MAX - 1] + "…"


def _resources(rec: Record) -> list[tuple]:
    return [(r.url, r.format) for r in getattr(rec, "resources", None) or ()]


def _value(value: Any) -> Any:
    if isinstance(value, str):
        return _cut(value)
    if hasattr(value, "to_dict"):       # License
        return {k: _cut(v) if isinstance(v, str) else v for k, v in value.to_dict().items()}
    return value


def _side(pairs: list[tuple]) -> list[dict]:
    return [{"url": _cut(url) if url else url, "format": fmt}
            for url, fmt in pairs[:RESOURCES_MAX]]


def changed_fields(old: Record, new: Record) -> tuple[list[str], dict, dict]:
    """(names of every changed field, before, after): before/after hold only the
    TRACKED fields. Resources are compared as (url, format) pairs: `before` lists
    those that went away, `after` those that appeared (at most RESOURCES_MAX each)."""
    names = [f.name for f in fields(new)]
    changed = [n for n in names if getattr(old, n, None) != getattr(new, n, None)]
    if type(old) is not type(new):
        changed.insert(0, "type")
    before: dict = {}
    after: dict = {}
    for name in TRACKED:
        if name not in changed:
            continue
        if name == "resources":
            was, now = _resources(old), _resources(new)
            gone = [p for p in was if p not in now]
            came = [p for p in now if p not in was]
            if gone or came:
                before[name], after[name] = _side(gone), _side(came)
            continue
        before[name] = _value(getattr(old, name, None))
        after[name] = _value(getattr(new, name, None))
    return changed, before, after


def entry(at: str, rec: Record, change: str, changed: list[str] | None = None,
          before: dict | None = None, after: dict | None = None) -> dict:
    return {"at": at, "source": rec.source, "id": rec.id, "type": rec.TYPE,
            "change": change, "title": _cut(rec.title or rec.remote_id),
            "institution": rec.institution, "fields": changed or [],
            "before": before or {}, "after": after or {}}


def summary(at: str, source: str, records: Iterable[Record]) -> dict:
    """One entry for a source's first harvest: how many records, of which type
    and institution (when they all share one)."""
    records = list(records)
    types = {r.TYPE for r in records}
    insts = {r.institution for r in records}
    n = len(records)
    return {"at": at, "source": source, "id": None,
            "type": types.pop() if len(types) == 1 else None, "change": "added",
            "title": f"+{n} registro{'s' if n != 1 else ''}",
            "institution": insts.pop() if len(insts) == 1 else None, "fields": [],
            "before": {}, "after": {}, "count": n}


def diff(source: str, previous: dict[str, Record], records: dict[str, Record],
         at: str) -> SourceChanges:
    """The changes from `previous` (the last good harvest) to `records`."""
    out = SourceChanges()
    for rid, rec in records.items():
        old = previous.get(rid)
        if old is None:
            out.added += 1
            out.added_ids.append(rid)
        elif old != rec:        # dataclass equality: every field, same type
            out.updated += 1
    out.removed_records = [old for rid, old in previous.items() if rid not in records]
    out.removed = len(out.removed_records)
    if not previous:
        if records:
            out.entries.append(summary(at, source, records.values()))
        return out
    entries = [entry(at, records[rid], "added") for rid in out.added_ids]
    if out.updated:
        for rid, rec in records.items():
            old = previous.get(rid)
            if old is not None and old != rec:
                entries.append(entry(at, rec, "updated", *changed_fields(old, rec)))
    entries.extend(entry(at, old, "removed") for old in out.removed_records)
    entries.sort(key=lambda e: e["id"])
    out.entries = entries
    return out


# -- appending -----------------------------------------------------------------

def month_path(data_dir: Path | str, at: str) -> Path:
    return Path(data_dir) / CHANGES_DIR / f"{at[:7]}.yaml"


def _appended(path: Path, items: list[dict]) -> bytes:
    """The month file with `items` added at its end. A file laid out as this
    module writes it is extended as bytes (no parse: a month of a large
    catalog's changes weighs megabytes); any other layout is parsed and
    written again whole."""
    new = b"".join(yamlio.dumps([e]) for e in items)
    if not path.exists():
        return HEADER + new
    raw = path.read_bytes()
    if raw.startswith(HEADER + b"- ") and raw.endswith(b"\n"):
        return raw + new
    try:
        doc = yamlio.loads(raw, path)
    except yamlio.YamlError as exc:
        raise ChangeLogError(f"{exc}; nothing appended") from None
    if doc is None or doc == {"changes": None}:
        return HEADER + new
    if not isinstance(doc, dict) or not isinstance(doc.get("changes"), list):
        raise ChangeLogError(f"{path}: expected a mapping with a 'changes:' list; "
                             "nothing appended")
    return yamlio.dumps({"changes": doc["changes"] + items})


def append(data_dir: Path | str, items: list[dict]) -> list[Path]:
    """Append entries to their month files (in the order given); return the
    files written. Each file is replaced atomically."""
    by_month: dict[Path, list[dict]] = {}
    for item in items:
        by_month.setdefault(month_path(data_dir, item["at"]), []).append(item)
    for path, month_items in sorted(by_month.items()):
        yamlio.write_atomic(path, _appended(path, month_items))
    return sorted(by_month)


# -- reading -------------------------------------------------------------------

def month_files(data_dir: Path | str) -> list[Path]:
    folder = Path(data_dir) / CHANGES_DIR
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if MONTH_FILE.match(p.name))


def _line(path: Path, index: int) -> int | None:
    """Line of changes[index] in a file; only computed when reporting an error."""
    try:
        root = yaml.compose(path.read_bytes(), Loader=yamlio.SafeLoader)
        for key, value in root.value:
            if key.value == "changes":
                return value.value[index].start_mark.line + 1
    except Exception:  # noqa: BLE001 - best effort, the message stands without a line
        return None
    return None


def _text(value: Any) -> str | None:
    if value is None or value == "":
        return None
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def check_entry(item: Any) -> dict:
    """An entry as read from a file, checked; raises ValueError naming the problem."""
    if not isinstance(item, dict):
        raise ValueError("an entry must be a mapping")  # noqa: TRY004 (bad data in a file, not a caller's type)
    at = _text(item.get("at"))
    if not at or not re.match(r"^\d{4}-\d{2}-\d{2}", at):
        raise ValueError(f"'at' must be an ISO date-time, not {item.get('at')!r}")
    if item.get("change") not in KINDS:
        raise ValueError(f"'change' must be one of {', '.join(KINDS)}, "
                         f"not {item.get('change')!r}")
    if not _text(item.get("source")):
        raise ValueError("missing 'source'")
    flds = item.get("fields") or []
    if not isinstance(flds, list):
        raise ValueError("'fields' must be a list")  # noqa: TRY004 (bad data in a file, not a caller's type)
    for side in ("before", "after"):
        if not isinstance(item.get(side) or {}, dict):
            raise ValueError(f"'{side}' must be a mapping")  # noqa: TRY004 (bad data in a file, not a caller's type)
    count = item.get("count")
    if count is not None and (isinstance(count, bool) or not isinstance(count, int)):
        raise ValueError("'count' must be a number")
    return {"at": at, "source": _text(item["source"]), "id": _text(item.get("id")),
            "type": _text(item.get("type")), "change": item["change"],
            "title": _text(item.get("title")) or "", "institution": _text(item.get("institution")),
            "fields": [str(f) for f in flds], "before": dict(item.get("before") or {}),
            "after": dict(item.get("after") or {}), "count": count}


def read_month(path: Path, load=yamlio.load_file) -> list[dict]:
    """The checked entries of one month file. `load` may be a cached YAML loader."""
    try:
        doc = load(path)
    except yamlio.YamlError as exc:
        raise ChangeLogError(str(exc)) from None
    if doc is None:
        return []
    if not isinstance(doc, dict) or not isinstance(doc.get("changes") or [], list):
        raise ChangeLogError(f"{path}: expected a mapping with a 'changes:' list")
    out = []
    for n, item in enumerate(doc.get("changes") or []):
        try:
            out.append(check_entry(item))
        except ValueError as exc:
            line = _line(path, n)
            raise ChangeLogError(f"{path}:{line or '?'}: change {n + 1}: {exc}") from None
    return out


def read_changes(data_dir: Path | str, months: int | None = None,
                 load=yamlio.load_file) -> tuple[list[str], list[dict]]:
    """(months read, entries in file order) of the `months` most recent month
    files (all when None)."""
    files = month_files(data_dir)
    if months is not None:
        files = files[-months:] if months > 0 else []
    entries: list[dict] = []
    for path in files:
        entries.extend(read_month(path, load))
    return [p.stem for p in files], entries
