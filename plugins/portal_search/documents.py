"""What the search index holds: one small document per searchable item, built
from the build's context (the snapshot model and the editors' content), never
from the rendered pages, so no header, navigation or footer text gets in.

This module is the corpus: to index a new kind of record, add a builder here;
to leave records out, skip them here. The index (indexer.py) weighs the title
most, then the institution's name, acronym and aliases (so "MINSAL" finds the
Ministerio de Salud and its records), then the body. `to_html` writes the same
document for Pagefind, the benchmark's reference (bench/pagefind_reference.py).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime

from markupsafe import Markup

from aggregator.records import Dataset, Institution

# Filter keys (also the URL parameters of /buscar/) and the labels the page shows.
FILTERS = {"tipo": "Tipo", "institucion": "Institución", "tema": "Tema",
           "formato": "Formato", "anio": "Año", "etapa": "Etapa", "region": "Región"}
SORT_KEY = "fecha"
# Documents without a date still take part in a date-sorted search, last.
NO_DATE = "0000-00-00"

# kind: (label of one result, value of the "tipo" filter)
KINDS = {
    "dataset": ("Conjunto de datos", "Conjuntos de datos"),
    "institution": ("Institución", "Instituciones"),
    "consultation": ("Participación", "Participación"),
    "news": ("Noticia", "Noticias"),
    "transparency": ("Registro de transparencia", "Transparencia"),
    "obra": ("Obra", "Obras"),
    "app": ("App", "Apps"),
    "event": ("Evento", "Eventos"),
    "page": ("Página", "Páginas"),
}
STATUS_LABELS = {"open": "Abierta", "upcoming": "Próxima", "closed": "Cerrada"}
# A public work's stage as its page names it (portal_site/obras_data.py STAGES).
STAGE_LABELS = {"planned": "Planificada", "in_progress": "En ejecución",
                "finished": "Finalizada", "stopped": "Detenida",
                "unknown": "Etapa desconocida"}

# Words of the institution line weigh less than the title (h1 = 7) and more than
# the body (1); an institution's own aliases weigh as its name.
INSTITUTION_WEIGHT = "2"
OWN_NAME_WEIGHT = "7"
# Long descriptions are cut: the excerpt needs the beginning, and every word
# indexed costs bytes in the chunks a query downloads.
BODY_CHARS = 600

_SPACES = re.compile(r"\s+")


@dataclass(slots=True)
class SearchDocument:
    url: str                     # "/datos/x/" (site root-relative) or an absolute URL
    kind: str                    # a KINDS key
    title: str
    body: str = ""
    date: str | None = None      # ISO date, shown and sorted on
    institution: str | None = None       # name, shown and filtered on
    institution_terms: str = ""          # name, acronym, aliases: weighted words
    own_terms: str = ""                  # an institution's own aliases
    filters: dict[str, list[str]] = field(default_factory=dict)
    status: str | None = None            # consultations: Abierta / Próxima / Cerrada

    def to_html(self) -> str:
        e = _attr
        label, tipo = KINDS[self.kind]
        parts = ['<html lang="es"><head>',
                 f'<meta data-pagefind-meta="tipo[content]" content="{e(label)}">',
                 f'<meta data-pagefind-filter="tipo[content]" content="{e(tipo)}">']
        if self.institution:
            parts.append(f'<meta data-pagefind-meta="institucion[content]" '
                         f'content="{e(self.institution)}">')
            parts.append(f'<meta data-pagefind-filter="institucion[content]" '
                         f'content="{e(self.institution)}">')
        if self.date:
            parts.append(f'<meta data-pagefind-meta="fecha[content]" content="{e(self.date)}">')
            parts.append(f'<meta data-pagefind-filter="anio[content]" '
                         f'content="{e(self.date[:4])}">')
        if self.status:
            parts.append(f'<meta data-pagefind-meta="estado[content]" content="{e(self.status)}">')
        for key, values in self.filters.items():
            for value in values:
                parts.append(f'<meta data-pagefind-filter="{key}[content]" content="{e(value)}">')
        parts.append(f'<meta data-pagefind-sort="{SORT_KEY}[content]" '
                     f'content="{e(self.date or NO_DATE)}">')
        parts.append(f"</head><body><h1>{_text(self.title)}</h1>")
        if self.own_terms:
            parts.append(f'<p data-pagefind-weight="{OWN_NAME_WEIGHT}">{_text(self.own_terms)}</p>')
        if self.institution_terms:
            parts.append(f'<p data-pagefind-weight="{INSTITUTION_WEIGHT}">'
                         f"{_text(self.institution_terms)}</p>")
        if self.body:
            parts.append(f"<p>{_text(self.body)}</p>")
        parts.append("</body></html>")
        return "".join(parts)


def _attr(value: str) -> str:
    return html.escape(value, quote=True)


def _text(value: str) -> str:
    return html.escape(value, quote=False)


def plain(value: str | None, limit: int = BODY_CHARS) -> str:
    """Plain text of (sanitized) HTML, whitespace collapsed, cut at a word."""
    if not value:
        return ""
    text = Markup(value).striptags()   # whitespace collapsed, then entities decoded:
    if "&" in value:                    # only an entity can bring whitespace back
        text = _SPACES.sub(" ", text).strip()
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0] + " …"


def iso_day(value) -> str | None:
    """'2024-05-01T10:00:00-03:00', a date or a datetime -> '2024-05-01'."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = str(value).strip()
    return text[:10] if re.match(r"^\d{4}-\d{2}-\d{2}", text) else None


def join(*parts) -> str:
    """The non-empty parts as text (Pelican's Author and the like become their name)."""
    return " ".join(str(p) for p in parts if p)


def institution_terms(inst: Institution | None) -> str:
    if inst is None:
        return ""
    return join(inst.name, inst.acronym, *inst.aliases)


def entry_anchor(entry) -> str:
    """The fragment naming a register entry on its institution's listing page."""
    return "registro-" + (re.sub(r"[^a-z0-9]+", "-", entry.remote_id.lower()).strip("-")
                          or "sin-id")


def site_path(url: str) -> str:
    """Pelican's site-relative URL ('datos/x/') as Pagefind wants it ('/datos/x/');
    absolute URLs (aggregated news at their source) are kept."""
    if re.match(r"^[a-z][a-z0-9+.-]*:", url):
        return url
    return "/" + url.lstrip("/")


# -- one builder per kind -------------------------------------------------------

class DocumentBuilder:
    """Builds the documents of one build. `model` is the portal plugin's SiteModel
    (context["portal"]); articles, pages, apps and events come from the context."""

    def __init__(self, model, dataset_formats=None, transparency_page=None):
        self.model = model
        self._formats = dataset_formats or _formats
        self._transparency_page = transparency_page or (lambda entry, inst: None)

    def _inst(self, record) -> Institution | None:
        return self.model.institution_of(record)

    def _of(self, inst_id: str | None) -> Institution | None:
        return self.model.institutions.get(inst_id) if inst_id else None

    def institutions(self) -> Iterator[SearchDocument]:
        parents = self.model.institutions
        for inst in self.model.institutions.values():
            parent = parents.get(inst.parent) if inst.parent else None
            # The acronym in the title: "MINSAL" then finds the ministry before any
            # record that merely mentions it.
            title = f"{inst.name} ({inst.acronym})" if inst.acronym else inst.name
            yield SearchDocument(
                url=site_path(f"instituciones/{inst.id}/"), kind="institution",
                title=title, institution=inst.name, own_terms=join(*inst.aliases),
                body=join(inst.kind, inst.region, parent.name if parent else None,
                          parent.acronym if parent else None))

    def datasets(self) -> Iterator[SearchDocument]:
        model = self.model
        for ds in model.datasets:
            inst = self._inst(ds)
            formats = self._formats(ds)
            yield SearchDocument(
                url=site_path(f"datos/{model.slug(ds)}/"), kind="dataset", title=ds.title,
                date=iso_day(ds.modified or ds.issued),
                institution=inst.name if inst else None,
                institution_terms=institution_terms(inst) or (ds.publisher or ""),
                body=join(plain(ds.description_html), " ".join(ds.themes),
                          " ".join(ds.tags), " ".join(formats)),
                filters={"tema": list(dict.fromkeys(ds.themes)), "formato": formats})

    def consultations(self) -> Iterator[SearchDocument]:
        model = self.model
        for c in model.consultations:
            inst = self._inst(c)
            yield SearchDocument(
                url=site_path(f"participacion/{model.slug(c)}/"), kind="consultation",
                title=c.title, date=iso_day(c.start or c.end),
                institution=inst.name if inst else None,
                institution_terms=institution_terms(inst) or (c.publisher or ""),
                body=join(c.kind, plain(c.description_html), " ".join(c.steps)),
                status=STATUS_LABELS.get(model.consultation_status(c)))

    def news(self) -> Iterator[SearchDocument]:
        for item in self.model.news:
            if not item.url:
                continue   # nowhere to link to
            inst = self._inst(item)
            yield SearchDocument(
                url=item.url, kind="news", title=item.title, date=iso_day(item.published),
                institution=inst.name if inst else None,
                institution_terms=institution_terms(inst) or (item.publisher or ""),
                body=plain(item.summary_html))

    def transparency(self) -> Iterator[SearchDocument]:
        for entry in self.model.transparency:
            inst = self._inst(entry)
            # Its own page here; else the listing that shows it (the anchor keeps
            # each entry a result), else its page at the source.
            page = self.model.page_url(entry) if hasattr(self.model, "page_url") else None
            if page is None:
                page = self._transparency_page(entry, inst)
                page = f"{page}#{entry_anchor(entry)}" if page else None
            url = page or entry.url
            if not url:
                continue
            yield SearchDocument(
                url=site_path(url), kind="transparency", title=entry.title,
                date=iso_day(entry.date), institution=inst.name if inst else None,
                institution_terms=institution_terms(inst) or (entry.publisher or ""),
                body=join(entry.kind, plain(entry.description_html), entry.place,
                          ", ".join(_names(entry.persons)),
                          ", ".join(_names(entry.organizations))))

    def obras(self) -> Iterator[SearchDocument]:
        """Public works: filters by stage and region; dated by their start."""
        model = self.model
        for o in getattr(model, "obras", ()):
            inst = self._inst(o)
            stage = STAGE_LABELS.get(o.stage, STAGE_LABELS["unknown"])
            filters = {"etapa": [stage]}
            if o.region:
                filters["region"] = [o.region]
            yield SearchDocument(
                url=site_path(f"obras/{model.slug(o)}/"), kind="obra", title=o.title,
                date=iso_day(o.start or o.end_planned),
                institution=inst.name if inst else None,
                institution_terms=institution_terms(inst) or (o.publisher or ""),
                body=join(o.kind, stage, o.status, o.region, o.commune, o.address,
                          o.contractor, plain(o.description)),
                filters=filters, status=stage)

    def articles(self, articles: Iterable) -> Iterator[SearchDocument]:
        for art in articles:
            inst = self._of(getattr(art, "institution", None))
            yield SearchDocument(
                url=site_path(art.url), kind="news", title=art.title,
                date=iso_day(getattr(art, "date", None)),
                institution=inst.name if inst else None,
                institution_terms=institution_terms(inst),
                body=join(plain(getattr(art, "summary", "")), plain(art.content)))

    def pages(self, pages: Iterable) -> Iterator[SearchDocument]:
        for page in pages:
            yield SearchDocument(
                url=site_path(page.url), kind="page", title=page.title,
                date=iso_day(getattr(page, "modified", None)), body=plain(page.content))

    def editor_items(self, items: Iterable, kind: str) -> Iterator[SearchDocument]:
        """Apps and events (the editor_content plugin's items)."""
        for item in items:
            inst = self._of(getattr(item, "institution", None))
            yield SearchDocument(
                url=site_path(item.url), kind=kind, title=item.title,
                date=iso_day(getattr(item, "date", None)),
                institution=inst.name if inst else None,
                institution_terms=institution_terms(inst),
                body=join(plain(item.summary_html), getattr(item, "place", None),
                          getattr(item, "author", None), plain(item.content_html)))

    def all(self, context: dict) -> Iterator[SearchDocument]:
        """Every document once: Pagefind keeps one result per URL, so a second
        item at the same URL (a news item twice in a feed) is left out."""
        seen: set[str] = set()
        parts = [self.editor(context)]
        if self.model is not None:
            parts[:0] = [self.institutions(), self.datasets(), self.consultations(),
                         self.news(), self.transparency(), self.obras()]
        for part in parts:
            for doc in part:
                if doc.url not in seen:
                    seen.add(doc.url)
                    yield doc

    def editor(self, context: dict) -> Iterator[SearchDocument]:
        yield from self.articles(context.get("articles") or [])
        yield from self.pages(context.get("pages") or [])
        yield from self.editor_items(context.get("apps") or [], "app")
        yield from self.editor_items(context.get("events") or [], "event")


def _names(items) -> list[str]:
    """Names of a register entry's persons or organizations (older snapshots: strings)."""
    return [i["name"] if isinstance(i, dict) else str(i) for i in items]


def _formats(ds: Dataset) -> list[str]:
    out: list[str] = []
    for r in ds.resources:
        label = (r.format or "").strip().lstrip(".").upper()
        if label and label not in out:
            out.append(label)
    return out
