"""Everything the templates need, computed once per build from the snapshot.

Sections read from this model (`portal` in templates); nothing is recomputed
per page. `SiteModel.load` does what any build needs (records sorted, slugs);
`indexes` (facets, groupings per institution, participation by status) are
built once by `build_indexes` and hang off `model.idx`.

Public helpers other plugins rely on (search reads them): `datasets`, `news`,
`consultations`, `transparency` (lists), `institutions` (id -> Institution),
`slug(record)`, `institution_of(record)`, `source_name(id)`, `url_of(record)`.
"""

from __future__ import annotations

import gc
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from aggregator.records import Consultation, Dataset, Institution, NewsItem, Record
from aggregator.records_obras import Obra
from aggregator.records_registers import TransparencyEntry
from aggregator.snapshot import Snapshot, load_snapshot

from .filters import as_date
from .history import History, load_tombstones
from .registers import RegisterIndex, entry_paths
from .urls import RESERVED, assign_slugs, obra_slugs


def _sort_key_desc(value: str | None) -> str:
    # ISO strings sort chronologically; missing dates go last.
    return value or ""


@dataclass(eq=False)
class SiteModel:
    snapshot: Snapshot
    datasets: list[Dataset] = field(default_factory=list)      # newest first
    news: list[NewsItem] = field(default_factory=list)          # newest first
    consultations: list[Consultation] = field(default_factory=list)  # by closing date
    transparency: list[TransparencyEntry] = field(default_factory=list)  # newest first
    obras: list[Obra] = field(default_factory=list)             # by title
    institutions: dict[str, Institution] = field(default_factory=dict)  # by name
    slugs: dict[str, str] = field(default_factory=dict)         # record id -> slug
    source_names: dict[str, str] = field(default_factory=dict)  # settings override
    today: date = field(default_factory=date.today)
    idx: object = None                                          # indexes.Indexes
    entry_paths: dict[str, str] = field(default_factory=dict)   # register entry -> its page
    registers: object = None                                    # registers.RegisterIndex
    # Records removed at their source (id -> aggregator.tombstones.Tombstone): in
    # no list above, but their slug and page stay. The change log: history.py.
    tombstones: dict = field(default_factory=dict)
    changes: History = field(default_factory=History)

    @classmethod
    def load(cls, data_dir: Path | str, today: date | None = None,
             source_names: dict | None = None,
             known_slugs: dict[str, str] | None = None,
             prebuilt: dict | None = None, changes_months: int | None = None) -> SiteModel:
        """`known_slugs` and `prebuilt` (source files already held, see
        records_cache.py) come from the record cache, when there is one."""
        snap = load_snapshot(data_dir, prebuilt=prebuilt)
        # Millions of long-lived objects just loaded, no cycles among them: move them
        # out of the cyclic collector's sight, or every collection triggered while
        # sorting and indexing (and rendering) walks them all again.
        gc.freeze()
        model = cls(snapshot=snap, source_names=dict(source_names or {}))
        if today is not None:
            model.today = today
        model.institutions = {i.id: i for i in sorted(snap.institutions,
                                                      key=lambda i: i.name.lower())}
        model.datasets = sorted(snap.records(Dataset),
                                key=lambda d: (_sort_key_desc(d.modified or d.issued), d.id),
                                reverse=True)
        model.news = sorted(snap.records(NewsItem),
                            key=lambda n: (_sort_key_desc(n.published), n.id), reverse=True)
        model.consultations = sorted(snap.records(Consultation),
                                     key=lambda c: (c.end or "9999", c.id))
        model.transparency = sorted(snap.records(TransparencyEntry),
                                    key=lambda t: (_sort_key_desc(t.date), t.id), reverse=True)
        model.tombstones = load_tombstones(data_dir, snap)
        # Removed records keep their slugs, so no other record's URL moves.
        gone = [t.record for t in model.tombstones.values()]
        model.slugs = assign_slugs([*model.datasets, *(r for r in gone if isinstance(r, Dataset))],
                                   RESERVED["datos"], known_slugs)
        model.slugs.update(assign_slugs(
            [*model.consultations, *(r for r in gone if isinstance(r, Consultation))],
            RESERVED["participacion"], known_slugs))
        model.obras = sorted(snap.records(Obra), key=lambda o: (o.title.lower(), o.id))
        model.slugs.update(obra_slugs([*model.obras, *(r for r in gone if isinstance(r, Obra))]))
        # Register entries too: a removed meeting keeps its page (a tombstone) and path.
        model.entry_paths = entry_paths(
            [*model.transparency, *(r for r in gone if isinstance(r, TransparencyEntry))],
            model.institutions)
        model.changes = History.load(data_dir, changes_months)
        model.changes.resolve(model, model.tombstones)
        return model

    # -- lookups used by every template --------------------------------------

    def slug(self, record) -> str:
        return self.slugs[record.id]

    def institution_of(self, record) -> Institution | None:
        return self.institutions.get(record.institution) if record.institution else None

    def source_name(self, source_id: str) -> str:
        """Display name of a source: settings override, the source file's `name`
        header, else its id; a foreign source's country after it ("Golem.de ·
        Alemania") unless the name says it already."""
        if source_id in self.source_names:
            return self.source_names[source_id]
        sf = self.snapshot.sources.get(source_id)
        name = getattr(sf, "name", None) or source_id
        country = getattr(sf, "country", None)
        if country and country.lower() not in name.lower():
            return f"{name} · {country}"
        return name

    def source_country(self, source_id: str) -> str | None:
        """The country of a foreign source's records (None: this portal's own)."""
        return getattr(self.snapshot.sources.get(source_id), "country", None)

    def source_url(self, source_id: str) -> str | None:
        sf = self.snapshot.sources.get(source_id)
        return getattr(sf, "url", None)

    def page_url(self, record) -> str | None:
        """Site-relative path (no leading slash) of the record's page here, or None
        for records that only live at their source (news)."""
        if isinstance(record, Institution):
            return f"instituciones/{record.id}/"
        if isinstance(record, Dataset):
            return f"datos/{self.slugs[record.id]}/"
        if isinstance(record, Consultation):
            return f"participacion/{self.slugs[record.id]}/"
        if isinstance(record, TransparencyEntry):
            return self.entry_paths.get(record.id)
        if isinstance(record, Obra):
            return f"obras/{self.slugs[record.id]}/"
        return None

    def registers_index(self):
        """Register entries grouped for their pages (registers.py), built once."""
        if self.registers is None:
            self.registers = RegisterIndex(self)
        return self.registers

    def url_of(self, record) -> str | None:
        """Where a link to the record goes: its page here (site-relative path), or
        its URL at the source for kinds without a page here."""
        local = self.page_url(record)
        if local is not None:
            return local
        return record.url if isinstance(record, Record) else None

    def consultation_status(self, c: Consultation) -> str:
        return consultation_status(c, self.today)

    def days_left(self, c: Consultation) -> int | None:
        end = as_date(c.end)
        return (end - self.today).days if end else None

    def days_until(self, c: Consultation) -> int | None:
        start = as_date(c.start)
        return (start - self.today).days if start else None


def consultation_status(c: Consultation, today) -> str:
    """upcoming / open / closed, from the dates, at build time (never stored)."""
    start, end = as_date(c.start), as_date(c.end)
    if start and today < start:
        return "upcoming"
    if end and today > end:
        return "closed"
    return "open"
