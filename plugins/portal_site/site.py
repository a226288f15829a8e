"""What every section module receives: the model, the page sink, the editors'
content, and per-record helpers computed once and cached (fingerprints, list
fragments, links)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from aggregator.records import Dataset
from aggregator.transparency import institution_links

from .export_registry import ExportRegistry
from .filters import as_date, excerpt
from .fragments import LINE, render_lines
from .indexes import license_label
from .manifest import digest, record_fingerprint
from .pages import Sink
from .records_cache import FP
from .urls import slugify


@dataclass(eq=False)
class NewsEntry:
    """An editor's article or an aggregated news item, as /noticias/ lists them."""

    title: str
    url: str                 # site-relative path for articles, absolute for aggregated
    local: bool
    date: date | None
    published: str           # ISO, for <time datetime>
    institution: object      # Institution or None
    publisher: str | None
    source: str | None       # display name of the source (aggregated)
    summary: str             # plain text
    fingerprint: str
    source_id: str | None = None   # the aggregated item's source
    country: str | None = None     # its country, when the source is foreign


def line_fp(record_fp: str, slug: str, institution_name: str) -> str:
    return f"{record_fp}{slug}\x1e{institution_name}"


class Site:
    def __init__(self, generator, writer, manifest, fragments, export_fragments=None):
        self.generator = generator
        self.settings = generator.settings
        self.context = generator.context
        self.model = generator.model
        self.idx = self.model.idx
        self.today = self.model.today
        self.manifest = manifest
        self.fragments = fragments          # FragmentStore (kept between builds)
        self.export_fragments = export_fragments or fragments     # data.json, CSV pieces
        self.sink = Sink(generator, writer, manifest)
        self.articles = list(self.context.get("articles") or [])
        self.pages = list(self.context.get("pages") or [])
        self.apps = list(self.context.get("apps") or [])
        self.events = list(self.context.get("events") or [])
        self._fp: dict[str, str] = {}
        self._item_fp: dict[str, str] = {}
        # A foreign source's country is shown on its datasets' lines.
        self._countries = {sid: sf.country for sid, sf in self.model.snapshot.sources.items()
                           if getattr(sf, "country", None)}
        self._lines_template = generator.get_template("_dataset_items")
        self._patterns = generator.transparency_patterns
        self._links: dict[str, dict] = {}
        self._by_ref: dict[str, Dataset] | None = None
        self.context["fragments"] = self
        self.exports = ExportRegistry(self)     # what /catalogo/ lists (export_registry.py)
        self.file_digests: dict[str, str] = {}
        self._fingerprint_sources()
        # What every dataset page shows besides its record: institution names and
        # the facet slugs that are not simply slugify(label) (name clashes).
        self.institutions_digest = digest(*(f"{i.id}\x1e{i.name}"
                                            for i in self.model.institutions.values()))
        self.slug_exceptions_digest = digest(*(
            f"{f.key}\x1e{v.label}\x1e{v.slug}" for f in self.idx.facets.values()
            for v in f.values if f.key != "institucion" and v.slug != slugify(v.label)))
        self.news = self._merge_news()
        self.snapshot_digest = self._snapshot_digest()

    # -- fingerprints ---------------------------------------------------------

    def _fingerprint_sources(self) -> None:
        # From the record cache (records_cache.py); anything else is hashed on demand.
        self._fp.update((rid, e[FP]) for rid, e in self.generator.record_entries.items())
        for sf in self.model.snapshot.sources.values():
            key = self.generator.records.source_key(sf)
            if key is not None:
                self.file_digests[sf.source] = key

    def _snapshot_digest(self) -> str | None:
        """Every dataset, by the keys of its source files' bytes, and the names of
        the institutions: what the catalog's listings and exports are made of,
        without looking at 100,000 fingerprints. None when a source of datasets
        was not read from a file."""
        keys = []
        for src, sf in self.model.snapshot.sources.items():
            if any(isinstance(r, Dataset) for r in sf.records):
                if src not in self.file_digests:
                    return None
                keys.append(f"{src}\x1e{self.file_digests[src]}")
        return digest(self.institutions_digest, self.slug_exceptions_digest, *sorted(keys))

    def fp(self, record) -> str:
        key = record.id
        value = self._fp.get(key)
        if value is None:
            value = self._fp[key] = record_fingerprint(record)
        return value

    def item_fp(self, ds: Dataset) -> str:
        """What a dataset's line in a listing shows: the record, its address and
        its institution."""
        value = self._item_fp.get(ds.id)
        if value is None:
            inst = self.model.institution_of(ds)
            value = self._item_fp[ds.id] = line_fp(
                self.fp(ds), self.model.slugs[ds.id],
                (inst.name if inst else "") + (self._countries.get(ds.source) or ""))
        return value

    def item_fps(self) -> dict[str, str]:
        """item_fp of every dataset, by id (listings look up hundreds of thousands),
        made in one comprehension."""
        datasets = self.model.datasets
        if len(self._item_fp) < len(datasets):
            fps = self._fp
            for ds in datasets:
                if ds.id not in fps:      # not read from a file: hashed here
                    self.fp(ds)
            slugs = self.model.slugs
            names = {iid: inst.name for iid, inst in self.model.institutions.items()}
            countries = self._countries
            self._item_fp = {ds.id: line_fp(fps[ds.id], slugs[ds.id],
                                            (names.get(ds.institution, "") if ds.institution
                                             else "") + (countries.get(ds.source) or ""))
                             for ds in datasets}
        return self._item_fp

    # -- a dataset's line in listings, rendered once --------------------------

    def datasets(self, items) -> list[str]:
        if not self.fragments.loaded and len(items) <= 20:
            # A handful (the home page, an unchanged build): cheaper than the store.
            return render_lines(self._lines_template, self.model, self.idx.formats, items)
        store, item_fp = self.fragments, self.item_fp
        out = [store.get(ds.id, item_fp(ds), LINE) for ds in items]
        missing = [ds for ds, line in zip(items, out) if line is None]
        if missing:
            self.render_lines(missing)
            out = [store.get(ds.id, item_fp(ds), LINE) for ds in items]
        return out

    def render_lines(self, items) -> None:
        """Render (in batches) the listing lines the store lacks."""
        entries, fps = self.fragments.entries, self.item_fps()
        get = entries.get
        todo = [ds for ds in items if (e := get(ds.id)) is None or e[LINE] is None
                or e[0] != fps[ds.id]]
        for start in range(0, len(todo), 2000):
            batch = todo[start:start + 2000]
            for ds, line in zip(batch, render_lines(self._lines_template, self.model,
                                                    self.idx.formats, batch)):
                self.fragments.put(ds.id, self.item_fp(ds), LINE, line)

    # -- links ----------------------------------------------------------------

    def transparency_links(self, inst) -> dict:
        links = self._links.get(inst.id)
        if links is None:
            links = self._links[inst.id] = institution_links(inst, self._patterns)
        return links

    def dataset_links(self, ds: Dataset) -> dict:
        """Facet pages a dataset page links to (themes, tags, formats, license)."""
        facet = self.idx.facet_value
        lic = license_label(ds)
        return {
            "themes": [(t, facet("tema", t).path) for t in dict.fromkeys(ds.themes)],
            "tags": [(t, facet("etiqueta", t).path) for t in dict.fromkeys(ds.tags)],
            "formats": [(f, facet("formato", f).path) for f in self.idx.formats.get(ds.id, ())],
            "license": (lic, facet("licencia", lic).path) if lic else None,
        }

    def dataset_ref(self, ref: str) -> Dataset | None:
        """A dataset by its slug here or its record id (editors may write either)."""
        if self._by_ref is None:
            by_id = {d.id: d for d in self.model.datasets}
            self._by_ref = {**by_id, **{s: by_id[i] for i, s in self.model.slugs.items()
                                        if i in by_id}}
        return self._by_ref.get(ref)

    # -- news: editors' articles and aggregated items, newest first -----------

    def _merge_news(self) -> list[NewsEntry]:
        m = self.model
        out: list[NewsEntry] = []
        for art in self.articles:
            day = art.date.date() if isinstance(art.date, datetime) else art.date
            inst = m.institutions.get(getattr(art, "institution", None) or "")
            summary = excerpt(getattr(art, "summary", "") or "", 300)
            out.append(NewsEntry(
                title=art.title, url=art.url, local=True, date=day,
                published=art.date.isoformat(), institution=inst, publisher=None,
                source=None, summary=summary,
                fingerprint=digest(art.title, art.url, art.date.isoformat(), summary,
                                   inst.name if inst else "")))
        for item in m.news:
            inst = m.institution_of(item)
            out.append(NewsEntry(
                title=item.title, url=item.url or "", local=False,
                date=as_date(item.published), published=item.published or "",
                institution=inst, publisher=item.publisher,
                source=m.source_name(item.source), summary=excerpt(item.summary_html, 300),
                fingerprint=self.fp(item) + (inst.name if inst else "")
                + (self._countries.get(item.source) or ""),
                source_id=item.source, country=self._countries.get(item.source)))
        out.sort(key=lambda n: (n.published[:10], n.published), reverse=True)
        return out
