"""Pieces of output made once per dataset and reused: its line in listings
(`_dataset_item.html`), its entry in data.json and its row in datasets.csv.

They are kept between builds in `.cache/build/fragments-<global>.marshal`, each
with the fingerprint of the dataset it was made from; the file is named by the
global fingerprint (templates, code, settings), so a theme change starts afresh
while two configurations built in turn keep their own (the last few are kept).
An incremental build then re-renders only the lines of changed datasets, and
rewrites the catalog exports by joining strings.

Lines are rendered in one template call for many datasets (a loop with a
separator), which costs a fraction of one call per dataset.
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


class FragmentStore:
    def __init__(self, cache_dir: Path, global_fp: str):
        self.path = Path(cache_dir) / "build" / f"fragments-{global_fp}.marshal"
        self.global_fp = global_fp
        self._entries: dict[str, list] | None = None    # read when first needed
        self.changed = False

    @property
    def entries(self) -> dict[str, list]:
        # A rebuild where nothing listed changed never needs them: read lazily.
        if self._entries is None:
            self._entries = {}
            try:
                doc = marshal.loads(self.path.read_bytes())
                if isinstance(doc, dict) and doc.get("scheme") == SCHEME \
                        and doc.get("global") == self.global_fp:
                    self._entries = doc["entries"]
            except (OSError, EOFError, ValueError, TypeError, KeyError):
                pass
        return self._entries

    @property
    def loaded(self) -> bool:
        return self._entries is not None

    @entries.setter
    def entries(self, value: dict[str, list]) -> None:
        self._entries = value

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
        self.changed = True

    def save(self, live_ids) -> None:
        """Keep only the datasets of this snapshot; write only if anything changed."""
        if self._entries is None:
            return          # never read, so nothing changed
        live = set(live_ids)
        if len(self.entries) != len(live) or not live.issuperset(self.entries):
            self.entries = {k: v for k, v in self.entries.items() if k in live}
            self.changed = True
        if not self.changed:
            return
        doc = {"scheme": SCHEME, "global": self.global_fp, "entries": self.entries}
        try:
            yamlio.write_atomic(self.path, marshal.dumps(doc))
            stores = sorted(self.path.parent.glob("fragments-*.marshal"),
                            key=lambda p: p.stat().st_mtime, reverse=True)
            for old in stores[KEEP:]:
                old.unlink()
        except OSError:
            pass   # a read-only cache only costs speed next time


def render_lines(template, model, formats: dict, items) -> list[str]:
    """The listing line of each dataset, from one render of `_dataset_items.html`."""
    rows = [(ds, model.slugs[ds.id], model.institution_of(ds), formats.get(ds.id, ()))
            for ds in items]
    text = template.render(SITEURL=SITEURL_MARK, rows=rows)
    parts = text.split(SEPARATOR)
    if len(parts) != len(rows) + 1:
        raise ValueError("_dataset_items.html must write SEPARATOR after each dataset")
    return parts[:-1]
