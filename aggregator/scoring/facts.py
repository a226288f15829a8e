"""What the scorecard reads of each record, and nothing more: its "facts", kept
per source file between runs.

Building 100,000 full records (descriptions, resource lists) and checking every
dataset's metadata takes seconds, and most source files did not change since the
last run. So each file's facts (per dataset: id, institution, declared frequency,
dates and its metadata-quality percentage; the dates and kinds of news,
consultations and register entries) are kept in `.cache/scores/`, one file per
source path, valid while the file's size and time are the same (the snapshot
writer replaces files, so a new version has a new time; a file written less than
2 s ago is not trusted that way) and the quality points and code are the same.
A changed file is read through the one snapshot reader (and its parse cache).
"""

from __future__ import annotations

import gc
import hashlib
import marshal
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from .. import yamlio
from ..records import Consultation, Dataset, Institution, NewsItem, TransparencyEntry
from ..snapshot import (
    RACY_NS,
    SnapshotError,
    SourceFile,
    load_yaml_cached,
    read_registry,
    read_source_file,
    source_files,
)
from .quality import QualityCheck

VERSION = "score-facts-v1"
HERE = Path(__file__).resolve().parent
CODE = [HERE / "facts.py", HERE / "quality.py", HERE / "vocab.py"]


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


def facts_of(sf: SourceFile, check: QualityCheck) -> list[tuple]:
    out: list[tuple] = []
    percent = check.percent
    for r in sf.records:
        if isinstance(r, Dataset):
            out.append(DatasetFacts(r.id, r.institution, r.frequency, r.modified, r.issued,
                                    percent(r)))
        elif isinstance(r, NewsItem):
            out.append(NewsFacts(r.id, r.institution, r.published))
        elif isinstance(r, Consultation):
            out.append(ConsultationFacts(r.id, r.institution, r.start, r.end))
        elif isinstance(r, TransparencyEntry):
            out.append(RegisterFacts(r.id, r.institution, r.kind, r.date))
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
    return out


def _file_facts(path: Path, check: QualityCheck, cache_dir: Path | None,
                salt: str) -> tuple[str | None, list[tuple]]:
    try:
        st = path.stat()
    except OSError as exc:
        raise SnapshotError(f"{path}: cannot read: {exc.strerror}") from None
    stamp = [st.st_size, st.st_mtime_ns, salt]
    kept = None
    if cache_dir is not None:
        name = hashlib.blake2b(str(path.resolve()).encode(), digest_size=12).hexdigest()
        kept = Path(cache_dir) / "scores" / f"{name}.marshal"
        try:
            doc = marshal.loads(kept.read_bytes())
            if doc["stamp"] == stamp:
                return doc["harvested_at"], [KINDS[k](*t) for k, t in doc["facts"]]
        except (OSError, EOFError, ValueError, TypeError, KeyError, IndexError):
            pass
    sf = read_source_file(path, cache_dir)
    facts = facts_of(sf, check)
    if kept is not None and time.time_ns() - st.st_mtime_ns >= RACY_NS:
        codes = {cls: n for n, cls in enumerate(KINDS)}
        try:
            yamlio.write_atomic(kept, marshal.dumps({
                "stamp": stamp, "harvested_at": sf.harvested_at,
                "facts": [(codes[type(f)], tuple(f)) for f in facts]}), durable=False)
        except OSError:
            pass        # a read-only cache only costs speed
    return sf.harvested_at, facts
