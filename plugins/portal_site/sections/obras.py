"""/obras/: public works. A summary (works by stage, amounts by stage and by
institution, delays, what moved since the previous harvest, three charts with
their tables), listings as static pages (all, by stage, region, commune,
institution and kind, the late ones), one page per work, and the exports
/catalogo/obras.csv and /catalogo/obras.geojson.

Delays depend on the build date: a page's fingerprint holds the days late it
shows, so an unchanged work's page is rewritten only when that number moves.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from markupsafe import Markup

from aggregator.records_obras import Obra

from ..charts import bars, histogram
from ..export_registry import Export
from ..filters import SITEURL_MARK, numero
from ..fragments import SEPARATOR
from ..manifest import digest
from ..obras_data import STAGES, build, money
from ..obras_exports import (
    CSV_COLUMNS,
    GEOJSON_PROPERTIES,
    MEANINGS,
    obras_csv,
    obras_geojson,
)
from ..obras_history import follow_up

# The exports this section writes, for the /catalogo/ pages (url, format, title, columns).
EXPORTS = [
    {"url": "catalogo/obras.csv", "format": "CSV", "title": "Obras públicas",
     "about": "CSV (UTF-8), una fila por obra: etapa, avance, monto, fechas, ubicación",
     "columns": CSV_COLUMNS},
    {"url": "catalogo/obras.geojson", "format": "GeoJSON", "title": "Obras públicas en el mapa",
     "about": "GeoJSON (RFC 7946), un punto por obra con coordenadas válidas",
     "columns": GEOJSON_PROPERTIES},
]
PER_PAGE = 50               # works per listing page
GROUPS_PER_PAGE = 200       # regions, communes, kinds or institutions per index page
SUMMARY_ROWS = 10           # late works and institutions shown on the summary
FACETS = [("regiones", "Regiones y comunas", "region"), ("tipos", "Tipos de obra", "tipo"),
          ("instituciones", "Instituciones", "institucion")]


class Obras:
    """What the section's pages share in one build: the index, the history, and
    each work's line in listings, rendered once when a listing needs it."""

    def __init__(self, site):
        self.site = site
        model = site.model
        self.idx = build(model, site.today)
        data = site.settings.get("PORTAL_DATA") or Path(site.generator.path) / "data"
        self.follow = follow_up(data, model.obras, model.snapshot.status,
                                model.changes.window)
        self._lines: dict[str, str] = {}
        self._template = site.generator.get_template("_obra_items")
        names = {iid: i.name for iid, i in model.institutions.items()}
        self.line_fps = {o.id: digest(site.fp(o), model.slugs[o.id],
                                      names.get(o.institution or "", ""),
                                      str(self.idx.delays.get(o.id)))
                         for o in model.obras}

    def lines(self, items) -> list[str]:
        """The listing lines of these works (SITEURL left as a mark)."""
        todo = [o for o in items if o.id not in self._lines]
        if todo:
            rows = [(o, self.site.model.slugs[o.id], self.site.model.institution_of(o))
                    for o in todo]
            text = self._template.render(SITEURL=SITEURL_MARK, rows=rows, ob=self.idx)
            parts = text.split(SEPARATOR)
            if len(parts) != len(rows) + 1:
                raise ValueError("_obra_items.html must write SEPARATOR after each work")
            self._lines.update(zip((o.id for o in todo), parts))
        return [self._lines[o.id] for o in items]

    def institution(self, inst_id: str) -> dict:
        """The counts an institution's page shows (template `_institution_obras.html`)."""
        works = self.idx.by_institution(inst_id)
        stages = [(STAGES[s][1], STAGES[s][2], n) for s in STAGES
                  if (n := sum(1 for o in works if o.stage == s))]
        return {"count": len(works), "stages": stages,
                "delayed": sum(1 for o in works if o.id in self.idx.delays),
                "total": self.idx.totals_text(works) if works else ""}


def section(site) -> Obras:
    """The section's shared state, made once per build (institutions use it too)."""
    found = getattr(site, "_obras", None)
    if found is None:
        found = site._obras = Obras(site)
    return found


def institution_summary(site, inst_id: str) -> dict | None:
    """For an institution's page: its works' counts, or None when it has none."""
    if not site.model.obras:
        return None
    summary = section(site).institution(inst_id)
    return summary if summary["count"] else None


def write(site) -> None:
    obras = section(site)
    _summary(site, obras)
    if site.model.obras:
        _work_pages(site, obras)
        _listings(site, obras)
    _exports(site, obras)


# -- the summary ----------------------------------------------------------------

@dataclass
class Figure:
    """A chart and the table of its numbers (the summary shows both)."""

    svg: Markup
    title: str
    head: str                       # the table's first column
    caption: str                    # what the numbers are
    rows: list[tuple[str, str]]     # (label, value as the table shows it)


def _charts(idx) -> list[Figure]:
    cur = idx.main_currency()
    amounts = idx.amount_by_stage()
    # Bars in millions (readable); the table beside them gives every amount exactly.
    millions = [(label, float(total / 1_000_000)) for label, total in amounts]
    title = f"Monto por etapa, en millones{f' de {cur}' if cur else ''}"
    regions, progress = idx.count_by_region(), idx.progress_distribution()
    return [
        Figure(bars("grafico-monto", title, millions, _top(millions), " M"), title, "Etapa",
               "Monto contratado", [(label, money(total, cur)) for label, total in amounts]),
        Figure(bars("grafico-regiones", "Obras por región", regions, _top(regions)),
               "Obras por región", "Región", "Obras", [(r, numero(n)) for r, n in regions]),
        Figure(histogram("grafico-avance", "Distribución del avance", progress),
               "Distribución del avance", "Avance", "Obras",
               [(label, numero(n)) for label, n in progress]),
    ]


def _top(rows) -> float:
    return max((value for _label, value in rows), default=0) or 1


def _summary(site, obras) -> None:
    idx, follow = obras.idx, obras.follow
    stages = [(STAGES[s][1], g.path, g.count, idx.totals_text(g.obras))
              for s, g in idx.stages.items()]
    ranked = sorted(idx.institutions.values(),
                    key=lambda g: (-(idx.totals(g.obras)[0][1] if idx.totals(g.obras) else 0),
                                   -g.count, g.label))
    institutions = [(g.label, g.path, g.count, idx.totals_text(g.obras))
                    for g in ranked[:SUMMARY_ROWS]]
    delayed = [(o, idx.delays[o.id]) for o in idx.delayed[:SUMMARY_ROWS]]
    charts = _charts(idx)
    moved = (follow.compared, len(follow.advanced), len(follow.stalled),
             len(follow.finished), follow.added, follow.removed, follow.since)
    fingerprint = [repr(stages), repr(institutions), repr(moved), str(len(idx.institutions)),
                   idx.totals_text(idx.obras), str(len(idx.delayed)),
                   *(f"{obras.line_fps[o.id]}" for o, _days in delayed),
                   *(c.svg for c in charts), str(len(site.model.obras))]
    site.sink.page("obras/index.html", "obras", fingerprint, ob=idx, stages=stages,
                   institutions=institutions, institutions_count=len(idx.institutions),
                   delayed=delayed, charts=charts, follow=follow, facets=FACETS,
                   exports=EXPORTS, total=idx.totals_text(idx.obras),
                   with_amount=idx.with_amount(idx.obras))


# -- one page per work ----------------------------------------------------------

def _work_pages(site, obras) -> None:
    model, idx = site.model, obras.idx
    by_source: dict[str, list] = {}
    for o in model.obras:
        by_source.setdefault(o.source, []).append(o)
    for source, items in by_source.items():
        # Skipped at once when nothing any of these pages shows changed.
        if site.sink.group(f"obras:{source}", (
                site.file_digests.get(source) or digest(*(site.fp(o) for o in items)),
                site.institutions_digest, model.source_name(source),
                model.changes.source_digest(source), obras.follow.source_digest(source),
                *(f"{model.slugs[o.id]}:{idx.delays.get(o.id)}" for o in items))):
            continue
        for o in items:
            _work(site, obras, o)
        site.sink.end_group()


def _work(site, obras, o) -> None:
    model, idx = site.model, obras.idx
    inst = model.institution_of(o)
    source = model.source_name(o.source)
    slug = model.slugs[o.id]
    timeline = obras.follow.timeline(o)
    fingerprint = (site.fp(o), inst.name if inst else "", inst.id if inst else "", source,
                   str(idx.delays.get(o.id)), model.changes.record_digest(o.id), repr(timeline),
                   *(g.path if g else "" for g in (idx.region_of(o), idx.commune_of(o),
                                                   idx.kind_of(o))))
    site.sink.page(f"obras/{slug}/index.html", "obra", fingerprint, obra=o, institution=inst,
                   source_name=source, ob=idx, delay=idx.delays.get(o.id), region=idx.region_of(o),
                   commune=idx.commune_of(o), kind=idx.kind_of(o), timeline=timeline)


# -- listings -------------------------------------------------------------------

def _listings(site, obras) -> None:
    idx, sink = obras.idx, site.sink
    groups = [*idx.stages.values(), *idx.regions.values(), *idx.communes.values(),
              *idx.institutions.values(), *idx.kinds.values()]
    if sink.group("obras:listings", (digest(*(obras.line_fps[o.id] for o in idx.obras)),
                                     digest(*(f"{g.path}{g.label}{g.count}" for g in groups)),
                                     digest(*(o.id for o in idx.delayed)))):
        return
    common = {"ob": idx, "lines": obras.lines}

    def listing(base, items, title, group=None, lead=""):
        sink.paginated(base, items, PER_PAGE, "obras_list", fingerprint_of=obras.line_fps,
                       fingerprint=(title, lead, idx.totals_text(items),
                                    *(f"{c.path}{c.label}{c.count}"
                                      for c in _children(idx, group))),
                       title=title, group=group, lead=lead, total=idx.totals_text(items),
                       children=_children(idx, group), **common)

    listing("obras/todas/", idx.obras, "Todas las obras")
    listing("obras/atrasadas/", idx.delayed, "Obras atrasadas",
            lead="De la más atrasada a la menos atrasada, al día de la última actualización "
                 "del portal.")
    for g in idx.stages.values():
        listing(g.path, g.obras, f"Obras: {g.label.lower()}", g)
    for g in [*idx.regions.values(), *idx.communes.values(), *idx.institutions.values(),
              *idx.kinds.values()]:
        listing(g.path, g.obras, g.label, g)
    for segment, title, key in FACETS:
        values = {"region": idx.regions, "tipo": idx.kinds,
                  "institucion": idx.institutions}[key]
        rows = [(g, idx.totals_text(g.obras), _children(idx, g)) for g in values.values()]
        sink.paginated(f"obras/{segment}/", rows, GROUPS_PER_PAGE, "obras_groups",
                       fingerprint_of=lambda r: digest(r[0].path, r[0].label, str(r[0].count),
                                                       r[1], *(f"{c.path}{c.label}{c.count}"
                                                               for c in r[2])),
                       title=title, key=key, **common)
    sink.end_group()


def _children(idx, group) -> list:
    """The communes of a region (its page links them)."""
    if group is None or group.key != "region":
        return []
    return [c for c in idx.communes.values() if c.parent is group]


# -- exports --------------------------------------------------------------------

def _exports(site, obras) -> None:
    base = (site.settings.get("SITEURL") or "").rstrip("/")
    idx = obras.idx
    fingerprint = [base, digest(*(obras.line_fps[o.id] for o in idx.obras)),
                   site.institutions_digest]
    count, updated = len(idx.obras), site.exports.harvested(Obra)
    csv_file, geojson = EXPORTS
    site.exports.file(Export(
        csv_file["url"], csv_file["title"], "CSV", "text/csv", csv_file["about"],
        section="Obras", columns=[(c, MEANINGS[c]) for c in CSV_COLUMNS],
        encoding="UTF-8 con BOM", count=count, updated=updated),
        lambda: obras_csv(idx, base), fingerprint)
    site.exports.file(Export(
        geojson["url"], geojson["title"], "GeoJSON", "application/geo+json", geojson["about"],
        section="Obras", standard="RFC 7946",
        columns=[(c, MEANINGS[c]) for c in GEOJSON_PROPERTIES], count=count, updated=updated),
        lambda: obras_geojson(idx, base), fingerprint)
