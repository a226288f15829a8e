"""Normalized records of the snapshot (format v1), one dataclass each.

`to_dict` gives the mapping written to YAML, fields in a fixed order so that
output is byte-identical for identical input; `from_dict` reads what this
project or another tool wrote, ignoring unknown keys and raising
`RecordError` (with the record id when there is one) on anything unusable.

This module holds the common types (Dataset, NewsItem, Consultation), the
registry's Institution and the dispatch on `type` (`record_from_dict`); the
base they share is in `records_base.py`, the register entry in
`records_registers.py`, public works in `records_obras.py`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, ClassVar

# Record, RecordError, License and Resource are read from here too: this module
# is the model's entry point (record_from_dict needs them all anyway).
from .records_base import License, Record, RecordError, Resource, _text, _texts
from .records_obras import Obra
from .records_registers import TransparencyEntry


@dataclass(slots=True, kw_only=True)
class Dataset(Record):
    TYPE: ClassVar[str] = "dataset"
    description_html: str | None = None
    publisher: str | None = None
    themes: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    license: License | None = None
    issued: str | None = None
    modified: str | None = None
    frequency: str | None = None
    # Metadata the scorecard's quality check reads (docs/scorecard.md): coverage in
    # space (a place name, URI or "W,S,E,N" box) and time ("start/end", ISO 8601),
    # and who answers questions ("Name <email>"). Written only when known.
    spatial: str | None = None
    temporal: str | None = None
    contact_point: str | None = None
    resources: list[Resource] = field(default_factory=list)

    OPTIONAL: ClassVar[tuple[str, ...]] = ("spatial", "temporal", "contact_point")

    def to_dict(self) -> dict:
        out = Record.to_dict(self)
        if self.license is None:
            out["license"] = None
        for key in self.OPTIONAL:
            if out[key] is None:
                del out[key]
        return out

    @classmethod
    def from_dict(cls, d: dict) -> Dataset:
        res = d.get("resources") or []
        if not isinstance(res, list):
            raise RecordError("'resources' must be a list")
        return cls(**cls._common(d),
                   description_html=_text(d.get("description_html"), "description_html"),
                   publisher=_text(d.get("publisher"), "publisher"),
                   themes=_texts(d.get("themes"), "themes"),
                   tags=_texts(d.get("tags"), "tags"),
                   license=License.from_dict(d.get("license")),
                   issued=_text(d.get("issued"), "issued"),
                   modified=_text(d.get("modified"), "modified"),
                   frequency=_text(d.get("frequency"), "frequency"),
                   spatial=_text(d.get("spatial"), "spatial"),
                   temporal=_text(d.get("temporal"), "temporal"),
                   contact_point=_text(d.get("contact_point"), "contact_point"),
                   resources=[Resource.from_dict(r) for r in res])


@dataclass(slots=True, kw_only=True)
class NewsItem(Record):
    TYPE: ClassVar[str] = "news"
    summary_html: str | None = None
    published: str | None = None
    image: str | None = None
    publisher: str | None = None

    @classmethod
    def from_dict(cls, d: dict) -> NewsItem:
        return cls(**cls._common(d),
                   summary_html=_text(d.get("summary_html"), "summary_html"),
                   published=_text(d.get("published"), "published"),
                   image=_text(d.get("image"), "image"),
                   publisher=_text(d.get("publisher"), "publisher"))


@dataclass(slots=True, kw_only=True)
class Consultation(Record):
    """Any participation process. Its status is derived from the dates at build time."""

    TYPE: ClassVar[str] = "consultation"
    description_html: str | None = None
    kind: str | None = None
    start: str | None = None
    end: str | None = None
    publisher: str | None = None
    steps: list[str] = field(default_factory=list)

    @classmethod
    def from_dict(cls, d: dict) -> Consultation:
        return cls(**cls._common(d),
                   description_html=_text(d.get("description_html"), "description_html"),
                   kind=_text(d.get("kind"), "kind"),
                   start=_text(d.get("start"), "start"),
                   end=_text(d.get("end"), "end"),
                   publisher=_text(d.get("publisher"), "publisher"),
                   steps=_texts(d.get("steps"), "steps"))


RECORD_TYPES: dict[str, type[Record]] = {
    c.TYPE: c for c in (Dataset, NewsItem, Consultation, TransparencyEntry, Obra)
}


def record_from_trusted(d: dict) -> Record:
    """Rebuild a record from a dict this module wrote (`to_dict` of a validated
    record), skipping validation: the fast path of the snapshot's parse cache."""
    d = dict(d)
    cls = RECORD_TYPES[d.pop("type")]
    if cls is Dataset:
        lic = d.get("license")
        d["license"] = License(**lic) if lic else None
        d["resources"] = [Resource(**r) for r in d.get("resources") or ()]
    return cls(**d)


def record_from_dict(d: Any) -> Record:
    if not isinstance(d, dict):
        raise RecordError("a record must be a mapping")
    kind = d.get("type")
    cls = RECORD_TYPES.get(kind)
    if cls is None:
        raise RecordError(f"unknown record type {kind!r} (expected one of "
                          f"{', '.join(sorted(RECORD_TYPES))})")
    return cls.from_dict(d)


@dataclass(slots=True, kw_only=True)
class Institution:
    """A public body of the registry, curated by editors in institutions.yaml."""

    id: str
    name: str
    acronym: str | None = None
    aliases: list[str] = field(default_factory=list)
    kind: str | None = None
    region: str | None = None
    website: str | None = None
    parent: str | None = None
    cplt_code: str | None = None
    # Code of the body as a public buyer on ChileCompra (Mercado Público).
    chilecompra_code: str | None = None
    leylobby_id: str | None = None
    # Explicit links override the patterns built from cplt_code.
    transparency_url: str | None = None
    request_url: str | None = None
    participation: list[dict] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_dict(cls, d: Any) -> Institution:
        if not isinstance(d, dict):
            raise RecordError("an institution must be a mapping")
        iid = _text(d.get("id"), "id", required=True)
        part = d.get("participation") or []
        if not isinstance(part, list) or not all(isinstance(p, dict) for p in part):
            raise RecordError("'participation' must be a list of {title, url}")
        return cls(id=iid, name=_text(d.get("name"), "name", required=True),
                   acronym=_text(d.get("acronym"), "acronym"),
                   aliases=_texts(d.get("aliases"), "aliases"),
                   kind=_text(d.get("kind"), "kind"),
                   region=_text(d.get("region"), "region"),
                   website=_text(d.get("website"), "website"),
                   parent=_text(d.get("parent"), "parent"),
                   cplt_code=_text(d.get("cplt_code"), "cplt_code"),
                   chilecompra_code=_text(d.get("chilecompra_code"), "chilecompra_code"),
                   leylobby_id=_text(d.get("leylobby_id"), "leylobby_id"),
                   transparency_url=_text(d.get("transparency_url"), "transparency_url"),
                   request_url=_text(d.get("request_url"), "request_url"),
                   participation=part)
