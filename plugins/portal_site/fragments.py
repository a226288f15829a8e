"""Pieces of output made once per dataset and reused: its line in listings
(`_dataset_item.html`), its entry in data.json and its row in datasets.csv.

They are kept between builds in `.cache/build/fragments-<global>.marshal` (the
exports' pieces in `exportfragments-<global>.marshal`: the exports may be made
by another process, plugins/portal_site/exports_process.py), each
with the fingerprint of the dataset it was made from; the file is named by the
global fingerprint (templates, code, settings), so a theme change starts afresh
while two configurations built in turn keep their own (the last few are kept).
An incremental build then re-renders only the lines of changed datasets, and
rewrites the catalog exports by joining strings.

Lines are rendered in one template call for many datasets (a loop with a
separator), which costs a fraction of one call per dataset.

A build that changes a few datasets does not rewrite the whole store (77 MB at
100,000 datasets): the entries changed since the store was last written whole go
to a small delta file beside it, applied when the store is read; the store is
rewritten whole when the delta grows past a tenth of it. Entries carry their
dataset's fingerprint, so a stale entry is never used, only rendered again.
"""

from __future__ import annotations

import marshal
from pathlib import Path

from aggregator import yamlio

from .filters import SITEURL_MARK

SCHEME = "portal-fragments-v1"
# Autoescape turns any "<" from data into "&lt;": only the template can write this.
SEPARATOR = "<!--/item-->"
LINE, JSON, CSV = 1, 2, 3     # positions in an entry: [fingerprint, line, json, csv]


KEEP = 3
DELTA_SHARE = 10      # the store is rewritten whole when the delta passes 1/10 of it


class FragmentStore:
    def __init__(self, cache_dir: Path, global_fp: str, name: str = "fragments"):
        self.name = name
        self.path = Path(cache_dir) / "build" / f"{name}-{global_fp}.marshal"
        self.delta_path = self.path.with_name(self.path.name + ".delta")
        self.global_fp = global_fp
        self._entries: dict[str, list] | None = None    # read when first needed
        # Changed since the store was written whole: id -> entry (None: removed).
        self._delta: dict[str, list | None] = {}
        self.changed = False

    def _read(self, path: Path) -> dict | None:
        try:
            doc = marshal.loads(path.read_bytes())
        except (OSError, EOFError, ValueError, TypeError):
            return None
        if isinstance(doc, dict) and doc.get("scheme") == SCHEME \
                and doc.get("global") == self.global_fp and isinstance(doc.get("entries"), dict):
            return doc["entries"]
        return None

    @property
    def entries(self) -> dict[str, list]:
        # A rebuild where nothing listed changed never needs them: read lazily.
        if self._entries is None:
            self._entries = self._read(self.path) or {}
            self._delta = self._read(self.delta_path) or {} if self._entries else {}
            for rid, entry in self._delta.items():
                if entry is None:
                    self._entries.pop(rid, None)
                else:
                    self._entries[rid] = entry
        return self._entries

    @property
    def loaded(self) -> bool:
        return self._entries is not None

    def get(self, rid: str, fingerprint: str, kind: int) -> str | None:
        entry = self.entries.get(rid)
        if entry is not None and entry[0] == fingerprint:
            return entry[kind]
        return None

    def put(self, rid: str, fingerprint: str, kind: int, value: str) -> None:
        entry = self.entries.get(rid)
        if entry is None or entry[0] != fingerprint:
            entry = self.entries[rid] = [fingerprint, None, None, None]
        entry[kind] = value
        self._delta[rid] = entry
        self.changed = True

    def save(self, live_ids) -> None:
        """Keep only the datasets of this snapshot; write only what changed."""
        if self._entries is None:
            return          # never read, so nothing changed
        live = set(live_ids)
        if len(self._entries) != len(live) or not live.issuperset(self._entries):
            for rid in [rid for rid in self._entries if rid not in live]:
                del self._entries[rid]
                self._delta[rid] = None
                self.changed = True
        if not self.changed:
            return
        try:
            if self._delta and len(self._delta) * DELTA_SHARE < len(self._entries) \
                    and self.path.exists():
                self._write(self.delta_path, self._delta)
                return
            # The delta goes first: a crash in between leaves an older store,
            # whose stale entries are only rendered again.
            self.delta_path.unlink(missing_ok=True)
            self._write(self.path, self._entries)
            stores = sorted(self.path.parent.glob(f"{self.name}-*.marshal"),
                            key=lambda p: p.stat().st_mtime, reverse=True)
            for old in stores[KEEP:]:
                old.unlink()
                old.with_name(old.name + ".delta").unlink(missing_ok=True)
        except OSError:
            pass   # a read-only cache only costs speed next time

    def _write(self, path: Path, entries: dict) -> None:
        yamlio.write_atomic(path, marshal.dumps(
            {"scheme": SCHEME, "global": self.global_fp, "entries": entries}), durable=False)


def render_lines(template, model, formats: dict, items) -> list[str]:
    """The listing line of each dataset, from one render of `_dataset_items.html`."""
    rows = [(ds, model.slugs[ds.id], model.institution_of(ds), formats.get(ds.id, ()),
             model.source_country(ds.source)) for ds in items]
    text = template.render(SITEURL=SITEURL_MARK, rows=rows)
    parts = text.split(SEPARATOR)
    if len(parts) != len(rows) + 1:
        raise ValueError("_dataset_items.html must write SEPARATOR after each dataset")
    return parts[:-1]
