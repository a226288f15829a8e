"""Indexes computed once per build: catalog facets, records per institution,
participation by status, the institution directory.

Every list keeps the model's order (datasets newest first), so a facet page
or an institution page only slices what is already sorted.
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache

from aggregator.records import Dataset, Institution

from .urls import unique_slugs

NO_INSTITUTION = "sin-institucion"


@dataclass(eq=False)
class FacetValue:
    facet: str          # key of the facet ("tema")
    slug: str
    label: str
    datasets: list[Dataset] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.datasets)

    @property
    def path(self) -> str:
        return f"datos/{self.facet}/{self.slug}/"


@dataclass(eq=False)
class Facet:
    key: str            # URL segment of a value page: datos/<key>/<slug>/
    index: str          # URL segment of the list of values: datos/<index>/
    title: str          # "Temas"
    singular: str       # "Tema"
    values: list[FacetValue] = field(default_factory=list)   # most datasets first
    by_label: dict[str, FacetValue] = field(default_factory=dict)

    @property
    def path(self) -> str:
        return f"datos/{self.index}/"


# key, index segment, title, singular: the order of the facets on the pages.
FACETS = [("institucion", "instituciones", "Instituciones", "Institución"),
          ("tema", "temas", "Temas", "Tema"),
          ("formato", "formatos", "Formatos", "Formato"),
          ("licencia", "licencias", "Licencias", "Licencia"),
          ("etiqueta", "etiquetas", "Etiquetas", "Etiqueta")]

_FORMAT_ALIASES = {"text/csv": "CSV", "application/json": "JSON", "application/pdf": "PDF",
                   "application/xml": "XML", "text/xml": "XML", "application/zip": "ZIP",
                   "application/vnd.ms-excel": "XLS", "text/html": "HTML",
                   "application/geo+json": "GeoJSON", "geojson": "GeoJSON",
                   "kml": "KML", "kmz": "KMZ", "shp": "SHP", "shapefile": "SHP",
                   "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "XLSX"}


@lru_cache(maxsize=4096)   # a portal has few distinct formats and many resources
def format_label(fmt: str | None) -> str | None:
    """'csv', '.CSV', 'text/csv' -> 'CSV'; None when there is nothing to show."""
    if not fmt:
        return None
    text = fmt.strip().lstrip(".")
    if not text:
        return None
    alias = _FORMAT_ALIASES.get(text.lower())
    if alias:
        return alias
    return text.upper() if len(text) <= 12 else text


def dataset_formats(ds: Dataset) -> list[str]:
    out: list[str] = []
    for r in ds.resources:
        label = format_label(r.format)
        if label and label not in out:
            out.append(label)
    return out


def license_label(ds: Dataset) -> str | None:
    lic = ds.license
    if lic is None:
        return None
    return lic.title or lic.id or lic.url


def fold_name(text: str) -> str:
    """Sort key for names in Spanish: accents and case ignored, ñ after n."""
    text = text.lower().replace("ñ", "n~")
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if not unicodedata.combining(c))


def initial(name: str) -> str:
    for ch in name.strip():
        if ch.isalnum():
            if ch.upper() == "Ñ":
                return "Ñ"
            base = unicodedata.normalize("NFKD", ch)[0].upper()
            return base if base.isalpha() else "0-9"
    return "#"


def _build_facets(model, formats: dict[str, list[str]]) -> dict[str, Facet]:
    insts = model.institutions
    labels: dict[str, dict[str, list[Dataset]]] = {key: defaultdict(list) for key, *_ in FACETS}
    by_inst, by_theme, by_tag = labels["institucion"], labels["tema"], labels["etiqueta"]
    by_format, by_license = labels["formato"], labels["licencia"]
    # The loop runs once per dataset (100,000 in a large catalog): kept lean.
    for ds in model.datasets:
        iid = ds.institution
        by_inst[iid if iid in insts else NO_INSTITUTION].append(ds)
        themes, tags = ds.themes, ds.tags
        for t in themes if len(themes) < 2 else dict.fromkeys(themes):
            by_theme[t].append(ds)
        for t in tags if len(tags) < 2 else dict.fromkeys(tags):
            by_tag[t].append(ds)
        fmts = formats.get(ds.id)
        if fmts is None:
            fmts = formats[ds.id] = dataset_formats(ds)
        for f in fmts:
            by_format[f].append(ds)
        lic = ds.license
        if lic is not None:
            label = lic.title or lic.id or lic.url      # license_label()
            if label:
                by_license[label].append(ds)
    facets: dict[str, Facet] = {}
    for key, index, title, singular in FACETS:
        groups = labels[key]
        facet = Facet(key, index, title, singular)
        if key == "institucion":
            # Registry ids are already slugs; the label is the institution's name.
            slugs = {k: k for k in groups}
            names = {k: insts[k].name if k in insts else "Sin institución identificada"
                     for k in groups}
        else:
            slugs = unique_slugs(groups, reserved={"pagina"})
            names = {k: k for k in groups}
        for label, items in groups.items():
            value = FacetValue(key, slugs[label], names[label], items)
            facet.values.append(value)
            facet.by_label[label] = value
        facet.values.sort(key=lambda v: (-v.count, fold_name(v.label)))
        facets[key] = facet
    return facets


@dataclass(eq=False)
class Indexes:
    facets: dict[str, Facet]
    formats: dict[str, list[str]]            # dataset id -> its formats, normalized
    news_by_inst: dict[str, list]
    consultations_by_inst: dict[str, list]
    transparency_by_inst: dict[str, list]
    sources_by_inst: dict[str, list[str]]
    open: list           # closing soonest first
    upcoming: list       # starting soonest first
    closed: list         # closed most recently first
    status: dict[str, str]   # consultation id -> upcoming/open/closed
    directory: list[Institution]             # A-Z
    by_kind: dict[str, list[Institution]]
    by_region: dict[str, list[Institution]]

    def datasets_of(self, inst_id: str) -> list[Dataset]:
        value = self.facets["institucion"].by_label.get(inst_id)
        return value.datasets if value else []

    def facet_value(self, key: str, label: str) -> FacetValue | None:
        return self.facets[key].by_label.get(label)

    def facet_slug(self, key: str, label: str) -> str:
        return self.facets[key].by_label[label].slug


def build_indexes(model, formats: dict[str, list[str]] | None = None) -> Indexes:
    """`formats` may bring the datasets' formats already normalized (by id)."""
    news_by, cons_by, transp_by = defaultdict(list), defaultdict(list), defaultdict(list)
    sources_by: dict[str, dict[str, None]] = defaultdict(dict)
    for items, target in ((model.news, news_by), (model.consultations, cons_by),
                          (model.transparency, transp_by)):
        for rec in items:
            if rec.institution:
                target[rec.institution].append(rec)
    for sf in model.snapshot.sources.values():
        for rec in sf.records:
            if rec.institution:
                sources_by[rec.institution][sf.source] = None

    status = {c.id: model.consultation_status(c) for c in model.consultations}
    open_ = [c for c in model.consultations if status[c.id] == "open"]      # by end already
    upcoming = sorted((c for c in model.consultations if status[c.id] == "upcoming"),
                      key=lambda c: (c.start or "", c.id))
    closed = sorted((c for c in model.consultations if status[c.id] == "closed"),
                    key=lambda c: (c.end or "", c.id), reverse=True)

    directory = sorted(model.institutions.values(), key=lambda i: fold_name(i.name))
    by_kind: dict[str, list] = defaultdict(list)
    by_region: dict[str, list] = defaultdict(list)
    for inst in directory:
        by_kind[inst.kind or "Sin tipo indicado"].append(inst)
        by_region[inst.region or "Sin región indicada"].append(inst)
    formats = dict(formats or {})
    return Indexes(
        facets=_build_facets(model, formats), formats=formats, news_by_inst=dict(news_by),
        consultations_by_inst=dict(cons_by), transparency_by_inst=dict(transp_by),
        sources_by_inst={k: list(v) for k, v in sources_by.items()},
        open=open_, upcoming=upcoming, closed=closed, status=status, directory=directory,
        by_kind=dict(sorted(by_kind.items(), key=lambda kv: fold_name(kv[0]))),
        by_region=dict(sorted(by_region.items(), key=lambda kv: fold_name(kv[0]))))
