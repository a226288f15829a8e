"""Incremental builds: a fingerprint per page, kept between builds.

Every page the portal writes may carry a fingerprint of what it shows (the
records on it, the build date when it depends on it). The digest of a page is
hash(global fingerprint, path, page fingerprint); the global fingerprint covers
the theme's templates, the plugins' code, the settings and the libraries that
render, so changing any of them re-renders everything.

A page is neither rendered nor written when its digest equals the one saved by
the previous build into the same output folder and the file is still there.
The manifest lives in `.cache/build/` (outside the output), keyed by the output
folder. It is removed when a build starts and saved when it ends, so a build
that dies half-way leaves no manifest and the next one renders everything.
"""

from __future__ import annotations

import hashlib
import marshal
import os
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path
from typing import Any

from aggregator import yamlio
from aggregator.reparse import record_chunks
from aggregator.snapshot import default_cache_dir

SCHEME = "portal-manifest-v1"


def digest(*parts: str) -> str:
    return hashlib.blake2b("\x1f".join(parts).encode("utf-8", "surrogatepass"),
                           digest_size=12).hexdigest()


def record_fingerprint(record: Any) -> str:
    """Everything a record holds (dataclass repr is deterministic and complete)."""
    return hashlib.blake2b(repr(record).encode("utf-8", "surrogatepass"),
                           digest_size=10).hexdigest()


def chunk_digests(raw: bytes) -> list[tuple[bytes, str]] | None:
    """(start, fingerprint) of each record's own YAML text, as the snapshot writer
    lays a file out (aggregator.reparse.record_chunks): hashing bytes is ten
    times cheaper than walking the objects. None when the file is laid out
    otherwise (another tool wrote it)."""
    chunks = record_chunks(raw)
    if chunks is None:
        return None
    return [(part[:160], hashlib.blake2b(part, digest_size=10).hexdigest())
            for part in chunks]


def match_chunks(chunks: list[tuple[bytes, str]] | None, records) -> dict[str, str] | None:
    """{record id: fingerprint} when the chunks are the records, in order."""
    if chunks is None or len(chunks) != len(records):
        return None
    out = {}
    for rec, (head, fp) in zip(records, chunks):
        if rec.id.encode("utf-8") not in head:
            return None         # not the same order or not plain ids: hash objects
        out[rec.id] = fp
    return out


def stable_repr(value: Any) -> str:
    """A repr with no memory addresses (functions by qualified name) and dicts
    and sets in sorted order, so equal settings give equal text across runs."""
    if isinstance(value, dict):
        items = sorted(((stable_repr(k), stable_repr(v)) for k, v in value.items()))
        return "{" + ",".join(f"{k}:{v}" for k, v in items) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(stable_repr(v) for v in value) + "]"
    if isinstance(value, (set, frozenset)):
        return "{" + ",".join(sorted(stable_repr(v) for v in value)) + "}"
    if isinstance(value, (str, int, float, bool, type(None))):
        return repr(value)
    if callable(value):
        return f"<{getattr(value, '__module__', '?')}.{getattr(value, '__qualname__', type(value).__name__)}>"
    text = repr(value)
    return f"<{type(value).__qualname__}>" if " at 0x" in text else text


def files_fingerprint(paths: Iterable[Path]) -> str:
    h = hashlib.blake2b(digest_size=16)
    for root in paths:
        root = Path(root)
        files = sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts
                       ) if root.is_dir() else [root]
        for path in files:
            h.update(str(path.relative_to(root.parent)).encode())
            h.update(b"\0")
            h.update(path.read_bytes())
            h.update(b"\0")
    return h.hexdigest()


# Settings that name where inputs and outputs live (their content is fingerprinted
# page by page, or as code) or that only carry this build's bookkeeping.
VOLATILE_SETTINGS = {"PATH", "OUTPUT_PATH", "PORTAL_DATA", "THEME", "PLUGIN_PATHS",
                     "EDITOR_CONTENT_ERRORS", "CACHE_PATH"}


def global_fingerprint(settings: dict, code_paths: Iterable[Path], extra: Iterable[str] = ()
                       ) -> str:
    versions = []
    for dist in ("pelican", "jinja2", "babel", "markupsafe", "markdown"):
        try:
            versions.append(f"{dist}={metadata.version(dist)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{dist}=?")
    kept = {k: v for k, v in settings.items() if k not in VOLATILE_SETTINGS}
    return digest(SCHEME, files_fingerprint(code_paths), stable_repr(kept),
                  *versions, *extra)


class Manifest:
    def __init__(self, output_path: str | Path, global_fp: str,
                 cache_dir: Path | None = None):
        self.output_path = Path(output_path)
        self.global_fp = global_fp
        key = digest(str(self.output_path.resolve()))
        self.path = Path(cache_dir or default_cache_dir()) / "build" / f"{key}.marshal"
        self.previous: dict[str, str] = {}
        self.current: dict[str, str] = {}
        self.previous_global: str | None = None
        # Groups of pages with one fingerprint for all (every dataset page of one
        # source file, all the catalog's listings): name -> (digest, pages).
        self.previous_groups: dict[str, list] = {}
        self.current_groups: dict[str, list] = {}
        self._group: list | None = None
        try:
            doc = marshal.loads(self.path.read_bytes())
            if isinstance(doc, dict) and doc.get("scheme") == SCHEME:
                self.previous_global = doc.get("global")
                self.previous = doc.get("pages") or {}
                self.previous_groups = doc.get("groups") or {}
        except (OSError, EOFError, ValueError, TypeError):
            pass
        self.old_pages = set(self.previous)     # for removing pages no longer built
        if self.previous_global != global_fp:
            self.previous = {}      # templates, code or settings changed: render all
        # Until this build finishes, no manifest: a crash must not vouch for pages.
        try:
            self.path.unlink()
        except OSError:
            pass
        self.kept = 0
        self.rendered = 0
        self.written_pages: set[str] = set()

    def page_digest(self, save_as: str, fingerprint: Iterable[str]) -> str:
        return digest(self.global_fp, save_as, *fingerprint)

    def is_fresh(self, save_as: str, page_digest: str) -> bool:
        return (self.previous.get(save_as) == page_digest
                and os.path.exists(os.path.join(self.output_path, save_as)))

    def keep(self, save_as: str, page_digest: str) -> None:
        self.current[save_as] = page_digest
        self.kept += 1
        if self._group is not None:
            self._group.append(save_as)

    def wrote(self, save_as: str, page_digest: str | None) -> None:
        # A page without a fingerprint is still listed, so it can be removed later.
        self.current[save_as] = page_digest or ""
        self.written_pages.add(save_as)
        self.rendered += 1
        if self._group is not None:
            self._group.append(save_as)

    # -- groups: many pages skipped at once ------------------------------------

    def keep_group(self, name: str, group_digest: str) -> list[str] | None:
        """If the group's fingerprint is the previous build's and its pages are
        there, keep them all without looking at each one; return their paths."""
        digest_ = self._group_digest(group_digest)
        previous = self.previous_groups.get(name)
        if not previous or previous[0] != digest_:
            return None
        pages = previous[1]
        # One look at the folder: an output wiped since (publish, make clean) is seen.
        if pages and not os.path.exists(os.path.join(self.output_path, pages[0])):
            return None
        get = self.previous.get
        if any(get(p) is None for p in pages):
            return None
        for p in pages:
            self.current[p] = self.previous[p]
        self.current_groups[name] = previous
        self.kept += len(pages)
        return pages

    def start_group(self, name: str, group_digest: str) -> None:
        self._group = []
        self.current_groups[name] = [self._group_digest(group_digest), self._group]

    def end_group(self) -> None:
        self._group = None

    def _group_digest(self, group_digest: str) -> str:
        return digest(self.global_fp, group_digest)

    def kept_pages(self) -> list[str]:
        """Pages of this build taken from the previous one (not rendered now)."""
        return [p for p in self.current if p not in self.written_pages]

    def own(self, paths: Iterable[str]) -> None:
        """Files other writers put in the output in this build (editors' pages,
        static files): listed, so that when a later build no longer writes one,
        it is removed like a portal page."""
        for path in paths:
            self.current.setdefault(path, "")

    def stale(self) -> list[str]:
        """Pages a previous build wrote that this one no longer produces."""
        return sorted(self.old_pages - set(self.current))

    def remove_stale(self) -> int:
        removed = 0
        for save_as in self.stale():
            path = self.output_path / save_as
            try:
                path.unlink()
                removed += 1
            except OSError:
                continue
            parent = path.parent
            while parent != self.output_path and parent.is_dir() and not any(parent.iterdir()):
                parent.rmdir()
                parent = parent.parent
        return removed

    def save(self) -> None:
        doc = {"scheme": SCHEME, "global": self.global_fp, "pages": self.current,
               "groups": self.current_groups}
        try:
            yamlio.write_atomic(self.path, marshal.dumps(doc), durable=False)
        except OSError:
            pass  # a read-only cache only costs speed next time
