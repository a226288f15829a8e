"""Everything the templates need, computed once per build from the snapshot.

Sections read from this model; nothing is recomputed per page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from aggregator.records import Consultation, Dataset, Institution, NewsItem, TransparencyEntry
from aggregator.snapshot import Snapshot, load_snapshot

from .filters import as_date
from .urls import assign_slugs


def _sort_key_desc(value: str | None) -> str:
    # ISO strings sort chronologically; missing dates go last.
    return value or ""


@dataclass
class SiteModel:
    snapshot: Snapshot
    datasets: list[Dataset] = field(default_factory=list)      # newest first
    news: list[NewsItem] = field(default_factory=list)          # newest first
    consultations: list[Consultation] = field(default_factory=list)
    transparency: list[TransparencyEntry] = field(default_factory=list)
    institutions: dict[str, Institution] = field(default_factory=dict)
    slugs: dict[str, str] = field(default_factory=dict)         # record id -> slug

    @classmethod
    def load(cls, data_dir: Path | str) -> SiteModel:
        snap = load_snapshot(data_dir)
        model = cls(snapshot=snap)
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
        model.slugs = assign_slugs(model.datasets)
        model.slugs.update(assign_slugs(model.consultations))
        return model

    def slug(self, record) -> str:
        return self.slugs[record.id]

    def institution_of(self, record) -> Institution | None:
        return self.institutions.get(record.institution) if record.institution else None

    def source_name(self, source_id: str) -> str:
        return self.source_names.get(source_id, source_id)

    source_names: dict[str, str] = field(default_factory=dict)


def consultation_status(c: Consultation, today) -> str:
    """upcoming / open / closed, from the dates, at build time (never stored)."""
    start, end = as_date(c.start), as_date(c.end)
    if start and today < start:
        return "upcoming"
    if end and today > end:
        return "closed"
    return "open"
