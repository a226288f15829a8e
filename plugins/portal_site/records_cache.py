"""What the site derives from each record, kept between builds by source file.

For every source file, keyed by a hash of its bytes: each record's fingerprint,
the base of its URL slug and, for datasets, its formats. A file that did not
change (the usual case: one source changes at a time) costs a dictionary lookup
instead of hashing, slugging and normalizing its records again. None of it
depends on templates, code or settings, so it is kept across theme changes.
Stored in `.cache/build/records-<code>/`, one file per source file version
(named by the key of its bytes) and a table of the files' sizes and times: a
changed source writes one small file, not the whole cache.

A file made only of datasets also keeps its header and every dataset without
its description and resources (light.py): the next build takes its records
from here instead of the snapshot reader, which fills those two fields in only
if a page or the search index reads them.
"""

from __future__ import annotations

import hashlib
import marshal
import shutil
import time
from pathlib import Path

from aggregator import yamlio
from aggregator.records import Dataset
from aggregator.reparse import RACY_NS
from aggregator.snapshot import SourceFile

from .indexes import dataset_formats
from .light import from_light, to_light
from .manifest import chunk_digests, digest, files_fingerprint, match_chunks, record_fingerprint
from .urls import base_slug

SCHEME = "portal-records-v4"
FP, SLUG, FORMATS = 0, 1, 2
HERE = Path(__file__).resolve().parent
# The code that derives the cached values: changing it empties the cache.
CODE = [HERE / "urls.py", HERE / "indexes.py", HERE / "manifest.py", HERE / "records_cache.py",
        HERE / "light.py"]


def file_key(raw: bytes) -> str:
    return hashlib.blake2b(raw, digest_size=16).hexdigest()


class RecordCache:
    def __init__(self, cache_dir: Path):
        self.code = files_fingerprint(CODE)
        self.root = Path(cache_dir) / "build"
        self.dir = self.root / f"records-{digest(SCHEME, self.code)}"
        # key -> {"entries": {record id: [fp, slug base, formats]}, "header": [source,
        # adapter, harvested_at, name, url], "light": [light tuple, ...] or None}
        self.current: dict[str, dict] = {}      # of this snapshot's files
        self._new: set[str] = set()             # keys computed in this build
        # path -> [size, mtime_ns, key]: a file whose size and time did not change
        # is not read again to know its key (the snapshot writer replaces files).
        self.previous_stats: dict[str, list] = self._load("stats") or {}
        self.current_stats: dict[str, list] = {}
        self.keys: dict[str, str] = {}       # source file path -> key of its bytes
        self._chunks: dict[str, list | None] = {}    # files not in the cache yet

    def _load(self, name: str) -> dict | None:
        try:
            doc = marshal.loads((self.dir / f"{name}.marshal").read_bytes())
        except (OSError, EOFError, ValueError, TypeError):
            return None
        return doc if isinstance(doc, dict) else None

    def _load_doc(self, key: str) -> dict | None:
        doc = self._load(key)
        return doc if doc is not None and isinstance(doc.get("entries"), dict) else None

    def read(self, paths) -> dict[str, str]:
        """Hash the source files; return {record id: slug base} for those the
        cache knows (SiteModel.load skips computing them)."""
        known: dict[str, str] = {}
        for path in paths:
            name = str(path)
            try:
                st = Path(path).stat()
                stat = [st.st_size, st.st_mtime_ns]
                seen = self.previous_stats.get(name)
                doc = None
                if seen and seen[:2] == stat:
                    key = seen[2]
                    doc = self._load_doc(key)
                if doc is None:
                    raw = Path(path).read_bytes()
                    key = file_key(raw)
                    doc = self._load_doc(key)
                    if doc is None:
                        self._chunks[name] = chunk_digests(raw)
            except OSError:
                continue
            self.keys[name] = key
            if time.time_ns() - stat[1] < RACY_NS:
                stat = [-1, -1]     # modified just now: size and time prove nothing yet
            self.current_stats[name] = [*stat, key]
            if doc is not None:
                self.current[key] = doc
                known.update((rid, e[SLUG]) for rid, e in doc["entries"].items())
        return known

    def light_sources(self) -> dict[str, SourceFile]:
        """{path: SourceFile of LightDataset} for the files read() found in the
        cache that hold datasets only (load_snapshot takes them as they are)."""
        out = {}
        for name, key in self.keys.items():
            doc = self.current.get(key)
            if doc is None or doc["light"] is None:
                continue
            source, adapter, harvested_at, sname, url, country = doc["header"]
            out[name] = SourceFile(source, adapter, harvested_at,
                                   [from_light(name, t) for t in doc["light"]], Path(name),
                                   sname, url, country)
        return out

    def entries(self, snapshot) -> dict[str, list]:
        """{record id: [fingerprint, slug base, formats]} for every record read
        from a file, computing what the cache lacks."""
        out: dict[str, list] = {}
        for sf in snapshot.sources.values():
            key = self.keys.get(str(sf.path)) if sf.path is not None else None
            if key is None:
                continue
            doc = self.current.get(key)
            if doc is None or len(doc["entries"]) != len(sf.records):
                doc = self._compute(self._chunks.pop(str(sf.path), None), sf)
                self.current[key] = doc
                self._new.add(key)
            out.update(doc["entries"])
        self._chunks.clear()
        return out

    @staticmethod
    def _compute(chunks: list | None, sf: SourceFile) -> dict:
        records = sf.records
        fps = match_chunks(chunks, records) or {r.id: record_fingerprint(r) for r in records}
        entries = {r.id: [fps[r.id], base_slug(r.remote_id, r.url, r.title, r.id),
                          dataset_formats(r) if isinstance(r, Dataset) else None]
                   for r in records}
        light = ([to_light(r) for r in records]
                 if records and all(type(r) is Dataset for r in records) else None)
        return {"entries": entries, "light": light,
                "header": [sf.source, sf.adapter, sf.harvested_at, sf.name, sf.url,
                           sf.country]}

    def source_key(self, sf) -> str | None:
        return self.keys.get(str(sf.path)) if sf.path is not None else None

    def save(self) -> None:
        """Write the entries of new file versions and the table of stats; remove
        the entries of versions no longer in the snapshot, and other schemes'."""
        try:
            for key in self._new:
                yamlio.write_atomic(self.dir / f"{key}.marshal",
                                    marshal.dumps(self.current[key]), durable=False)
            if self.current_stats != self.previous_stats:
                yamlio.write_atomic(self.dir / "stats.marshal",
                                    marshal.dumps(self.current_stats), durable=False)
            live = {f"{key}.marshal" for key in self.current} | {"stats.marshal"}
            for path in self.dir.iterdir():
                if path.name not in live and path.suffix == ".marshal":
                    path.unlink()
            for old in self.root.glob("records*"):
                if old != self.dir:
                    shutil.rmtree(old) if old.is_dir() else old.unlink()
        except OSError:
            pass    # a read-only cache only costs speed next time
