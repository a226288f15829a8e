"""What the scorecard reads of each record, and nothing more: its "facts", kept
between runs.

Building 100,000 full records (descriptions, resource lists) and checking every
dataset's metadata takes seconds, and most source files did not change since the
last run. So each file's facts (per dataset: id, institution, declared frequency,
dates and its metadata-quality percentage; the dates and kinds of news,
consultations and register entries) are kept in `.cache/scores/`:

- by path (`<path key>.marshal`), valid while the file's size and time are the
  same (the snapshot writer replaces files, so a new version has a new time; a
  file written less than 2 s ago is not trusted that way): an unchanged file is
  not even read;
- by content (`content/<digest>.marshal`, the parse cache's key of the bytes):
  `aggregator run` hands over the facts of each file it writes (`Keeper`), so
  after a harvest the scorer hashes the new files and builds no record.

Both hold only for the quality points and code they were computed with (the
salt). Missing, the facts come from the snapshot reader's checked plain data
(its parse cache when warm), still without building a record.
"""

from __future__ import annotations

import gc
import hashlib
import marshal
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from .. import snapshot, yamlio
from ..records import Institution
from ..reparse import RACY_NS, VALIDATED
from ..snapshot import (
    SnapshotError,
    load_yaml_cached,
    read_registry,
    source_files,
)
from .quality import QualityCheck

VERSION = "score-facts-v2"
HERE = Path(__file__).resolve().parent
CODE = [HERE / "facts.py", HERE / "quality.py", HERE / "vocab.py"]
# Facts kept by content are needed only until the path's stamp can be trusted
# (the next scoring 2 s after the write): older ones are removed.
CONTENT_DAYS = 2


class DatasetFacts(NamedTuple):
    id: str
    institution: str | None
    frequency: str | None
    modified: str | None
    issued: str | None
    quality: float              # metadata quality, percent


class NewsFacts(NamedTuple):
    id: str
    institution: str | None
    published: str | None


class ConsultationFacts(NamedTuple):
    id: str
    institution: str | None
    start: str | None
    end: str | None


class RegisterFacts(NamedTuple):
    id: str
    institution: str | None
    kind: str | None
    date: str | None


KINDS = (DatasetFacts, NewsFacts, ConsultationFacts, RegisterFacts)
_CODES = {cls: n for n, cls in enumerate(KINDS)}


def facts_of(records: list[dict], check: QualityCheck) -> list[tuple]:
    """The facts of checked plain records (`read_validated`'s VALIDATED list)."""
    out: list[tuple] = []
    percent = check.plain_percent
    for d in records:
        kind, get = d.get("type"), d.get
        if kind == "dataset":
            out.append(DatasetFacts(d["id"], get("institution"), get("frequency"),
                                    get("modified"), get("issued"), percent(d)))
        elif kind == "news":
            out.append(NewsFacts(d["id"], get("institution"), get("published")))
        elif kind == "consultation":
            out.append(ConsultationFacts(d["id"], get("institution"), get("start"), get("end")))
        elif kind == "transparency":
            out.append(RegisterFacts(d["id"], get("institution"), get("kind"), get("date")))
    return out


@dataclass
class SnapshotFacts:
    institutions: list[Institution]
    status: dict
    harvested: list[str] = field(default_factory=list)     # harvested_at of each file
    records: list[tuple] = field(default_factory=list)


def _salt(check: QualityCheck) -> str:
    h = hashlib.blake2b(digest_size=12)
    h.update(repr((VERSION, check.points, check.ratings)).encode())
    for path in CODE:
        h.update(path.read_bytes())
    return h.hexdigest()


def read_facts(data_dir: Path | str, check: QualityCheck,
               cache_dir: Path | None = None) -> SnapshotFacts:
    """The facts of a snapshot folder (institutions, status, every record's facts)."""
    data_dir = Path(data_dir)
    institutions, _ = read_registry(data_dir / "institutions.yaml", cache_dir)
    status_path = data_dir / "status.yaml"
    status = load_yaml_cached(status_path, None) if status_path.exists() else {}
    if status is not None and not isinstance(status, dict):
        raise SnapshotError(f"{status_path}: expected a mapping")
    out = SnapshotFacts(institutions, status or {})
    salt = _salt(check)
    was_enabled = gc.isenabled()
    gc.disable()        # hundreds of thousands of small tuples, no cycles among them
    try:
        for path in source_files(data_dir):
            harvested, facts = _file_facts(path, check, cache_dir, salt)
            out.harvested.append(harvested)
            out.records.extend(facts)
    finally:
        if was_enabled:
            gc.enable()
    if cache_dir is not None:
        _prune(Path(cache_dir) / "scores" / "content")
    return out


def _file_facts(path: Path, check: QualityCheck, cache_dir: Path | None,
                salt: str) -> tuple[str | None, list[tuple]]:
    stat = snapshot.file_stat(path)        # before the bytes: a newer file is seen
    if cache_dir is None:
        doc = snapshot.read_validated(path, None, stat=stat)
        return doc["harvested_at"], facts_of(doc[VALIDATED], check)
    folder = Path(cache_dir) / "scores"
    name = hashlib.blake2b(str(path.resolve()).encode(), digest_size=12).hexdigest()
    by_path = folder / f"{name}.marshal"
    stamp = [*stat, salt]
    kept = _load(by_path)
    if kept is not None and kept.get("stamp") == stamp:
        return kept["harvested_at"], _decode(kept["facts"])
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise SnapshotError(f"{path}: cannot read: {exc.strerror}") from None
    by_content = folder / "content" / f"{snapshot.content_digest(raw)}.marshal"
    kept = _load(by_content)
    if kept is not None and kept.get("salt") == salt:
        harvested, coded = kept["harvested_at"], kept["facts"]
    else:
        doc = snapshot.read_validated(path, cache_dir, raw, stat)
        harvested, coded = doc["harvested_at"], _encode(facts_of(doc[VALIDATED], check))
        _save(by_content, {"salt": salt, "harvested_at": harvested, "facts": coded})
    if time.time_ns() - stat[1] >= RACY_NS:
        _save(by_path, {"stamp": stamp, "harvested_at": harvested, "facts": coded})
    return harvested, _decode(coded)


class Keeper:
    """`write_source_file(on_write=...)` for `aggregator run`: the facts of each
    file it writes, kept by content before the file is ever read back."""

    def __init__(self, check: QualityCheck, cache_dir: Path | None):
        self.check, self.cache_dir, self.salt = check, cache_dir, _salt(check)

    def __call__(self, digest: str, doc: dict) -> None:
        if self.cache_dir is None:
            return
        try:
            facts = _encode(facts_of(doc[VALIDATED], self.check))
        except Exception:  # noqa: BLE001 - the file is written: missing facts only cost speed
            return
        _save(Path(self.cache_dir) / "scores" / "content" / f"{digest}.marshal",
              {"salt": self.salt, "harvested_at": doc["harvested_at"], "facts": facts})


def _encode(facts: list[tuple]) -> list[tuple]:
    return [(_CODES[type(f)], tuple(f)) for f in facts]


def _decode(coded: list) -> list[tuple]:
    return [KINDS[k](*t) for k, t in coded]


def _load(path: Path) -> dict | None:
    try:
        doc = marshal.loads(path.read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        return None
    return doc if isinstance(doc, dict) else None


def _save(path: Path, doc: dict) -> None:
    try:
        yamlio.write_atomic(path, marshal.dumps(doc), durable=False)
    except OSError:
        pass        # a read-only cache only costs speed


def _prune(folder: Path, now: float | None = None) -> None:
    """Facts kept by content for more than CONTENT_DAYS: by then the scorer has
    kept them by path (each harvest leaves a new version of every changed file)."""
    limit = (time.time() if now is None else now) - CONTENT_DAYS * 86400
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        try:
            if entry.stat().st_mtime < limit:
                os.unlink(entry.path)
        except OSError:
            pass
