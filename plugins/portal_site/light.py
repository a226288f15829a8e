"""Datasets of unchanged source files, without their heaviest fields.

A rebuild after one source file changed still needs every dataset of the
others for the catalog's order, its facets and its slugs, but renders none of
their pages: building 100,000 full records from the parse cache (descriptions,
resource lists) was most of what every rebuild paid. The record cache
(records_cache.py) keeps, for each version of a source file made only of
datasets, every field but the HEAVY ones (`description_html`, `resources` and
the rarely read metadata); a LightDataset is made from that. It is a Dataset:
reading a missing field loads that source file's full records once (the
shared snapshot reader, parse cache) and fills them in, so code that needs
them (a page rendered, the search index) sees a complete record.
"""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

from aggregator.records import Dataset, License
from aggregator.snapshot import default_cache_dir, read_source_file

# The metadata only the quality check reads (spatial, temporal, contact_point) is
# filled in with the heavy fields: few pages show it.
HEAVY = ("description_html", "resources", "spatial", "temporal", "contact_point")
# Positions in a light tuple; `license` is stored as (id, title, url) or None.
LIGHT = ("id", "source", "remote_id", "url", "institution", "title", "publisher",
         "themes", "tags", "license", "issued", "modified", "frequency")
if set(LIGHT) | set(HEAVY) != {f.name for f in fields(Dataset)}:   # a field added
    raise ImportError("portal_site.light: LIGHT and HEAVY must name every Dataset field")

# Source file -> its full records by id; emptied when a build starts (forget()),
# so a devserver's next build never fills fields from an older version of a file.
_full: dict[str, dict[str, Dataset]] = {}


def forget() -> None:
    _full.clear()


class LightDataset(Dataset):
    __slots__ = ("_path",)

    def __getattr__(self, name: str):
        # Called only for a field never set: the heavy ones.
        if name not in HEAVY:
            raise AttributeError(name)
        full = full_record(self._path, self.id)
        for field_name in HEAVY:
            setattr(self, field_name, getattr(full, field_name))
        return getattr(full, name)


def full_record(path: str, rid: str) -> Dataset:
    records = _full.get(path)
    if records is None:
        sf = read_source_file(Path(path), default_cache_dir())
        records = _full[path] = {r.id: r for r in sf.records}
    return records[rid]


def to_light(ds: Dataset) -> tuple:
    lic = ds.license
    return (ds.id, ds.source, ds.remote_id, ds.url, ds.institution, ds.title, ds.publisher,
            ds.themes, ds.tags, (lic.id, lic.title, lic.url) if lic else None, ds.issued,
            ds.modified, ds.frequency)


_new = object.__new__


def from_light(path: str, t) -> LightDataset:
    o = _new(LightDataset)
    (o.id, o.source, o.remote_id, o.url, o.institution, o.title, o.publisher, o.themes,
     o.tags, lic, o.issued, o.modified, o.frequency) = t
    o.license = License(*lic) if lic else None
    o._path = path
    return o
