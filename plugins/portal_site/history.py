"""The change log and the tombstones, as the site shows them.

`History` holds the entries of the last PORTAL_CHANGES_MONTHS month files of
`changes/` (the files themselves stay in git; aggregator/changes.py), newest
first, each resolved once: where its record lives on the site (or at its
source), the names of its institution and source, and its before/after in
Spanish sentences. Templates read it as `portal.changes`:

- `portal.changes.of(record_id)`: a record's history (the "Historial" section,
  `_history.html`, for any record page: dataset, consultation, obra...);
- `portal.changes.of_institution(institution_id)`: its recent changes.

Tombstones (aggregator/tombstones.py) are records removed at their source; the
model keeps them apart from the live records, so they are in no listing, facet,
count, export or search document, but they keep their slug and their page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from aggregator import changes as changelog
from aggregator.records import Record
from aggregator.snapshot import SnapshotError, default_cache_dir, load_yaml_cached
from aggregator.tombstones import Tombstone, read_tombstones

from .filters import fecha, numero
from .manifest import digest
from .obras_data import STAGES, money

DEFAULT_MONTHS = 12
# type -> (one, many, URL segment of its filter page)
TYPES = {"dataset": ("Conjunto de datos", "Conjuntos de datos", "conjuntos-de-datos"),
         "consultation": ("Proceso de participación", "Participación", "participacion"),
         "transparency": ("Registro de transparencia", "Transparencia", "transparencia"),
         "news": ("Noticia", "Noticias", "noticias"),
         "obra": ("Obra pública", "Obras públicas", "obras")}
# change -> (one, many, URL segment of its filter page)
KINDS = {"added": ("Nuevo", "Nuevos", "nuevos"),
         "updated": ("Actualizado", "Actualizados", "actualizados"),
         "removed": ("Eliminado", "Eliminados", "eliminados")}
FIELDS = {"title": "Título", "url": "Dirección en la fuente", "modified": "Actualización",
          "license": "Licencia", "resources": "Recursos", "start": "Inicio", "end": "Cierre",
          "date": "Fecha", "published": "Publicación", "status": "Estado", "stage": "Etapa",
          "progress": "Avance", "amount": "Monto", "end_planned": "Término previsto",
          "end_actual": "Término real", "description_html": "Descripción",
          "summary_html": "Resumen", "publisher": "Publicador", "themes": "Temas",
          "tags": "Etiquetas", "issued": "Publicación", "frequency": "Frecuencia",
          "institution": "Institución", "kind": "Tipo", "steps": "Etapas",
          "place": "Lugar", "persons": "Personas", "organizations": "Organizaciones",
          "image": "Imagen", "remote_id": "Identificador", "type": "Tipo de registro"}
DATES = {"modified", "start", "end", "date", "published", "end_planned", "end_actual"}


def _value(name: str, value) -> str:
    if value is None or value == "" or value == []:
        return "sin dato"
    if isinstance(value, dict):          # a license
        return str(value.get("title") or value.get("id") or value.get("url") or "sin dato")
    if name in DATES:
        return fecha(value)
    if name == "progress" and isinstance(value, (int, float)):
        return f"{numero(value)} %"
    if name == "stage":         # a public work's stage, as its page names it
        return STAGES.get(str(value), (str(value),))[0]
    if name == "amount":        # exact decimal text: grouped as on the page
        try:
            return money(str(value))
        except ArithmeticError:
            return str(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return numero(value)
    return str(value)


SHOWN_RESOURCES = 3     # per side, in a sentence; the log keeps up to 10
SHOWN_URL = 60


def _short(url: str) -> str:
    return url if len(url) <= SHOWN_URL else url[:SHOWN_URL - 1] + "…"


def _resources(items) -> str:
    items = [r for r in items if isinstance(r, dict)]
    text = "; ".join(" ".join(str(x) for x in (r.get("format"), r.get("url") and _short(r["url"]))
                              if x) for r in items[:SHOWN_RESOURCES])
    more = len(items) - SHOWN_RESOURCES
    return f"{text} y {more} más" if more > 0 else text


def sentences(entry: dict) -> list[str]:
    """Before/after of an entry in Spanish, one sentence per tracked field."""
    out = []
    before, after = entry["before"], entry["after"]
    for name in [n for n in changelog.TRACKED if n in before or n in after]:
        label = FIELDS.get(name, name)
        if name == "resources":
            parts = []
            if before.get(name):
                parts.append(f"se quitó «{_resources(before[name])}»")
            if after.get(name):
                parts.append(f"se agregó «{_resources(after[name])}»")
            out.append(f"{label}: {'; '.join(parts)}")
            continue
        out.append(f"{label}: antes «{_value(name, before.get(name))}», "
                   f"ahora «{_value(name, after.get(name))}»")
    return out


@dataclass(eq=False, slots=True)
class Change:
    at: str
    source: str
    id: str | None
    type: str | None
    change: str
    title: str
    institution: str | None
    fields: list[str]
    sentences: list[str]
    count: int | None
    key: str                       # digest of the entry as written
    # Resolved against the model (History.resolve):
    link: str | None = None        # site-relative path, or an absolute URL
    local: bool = False            # link is a page of this site
    institution_name: str | None = None
    source_name: str = ""
    view: str = ""                 # digest of everything an entry shows

    @property
    def day(self) -> str:
        return self.at[:10]

    @property
    def month(self) -> str:
        return self.at[:7]

    @property
    def kind_label(self) -> str:
        return KINDS[self.change][0]

    @property
    def type_label(self) -> str:
        return TYPES.get(self.type or "", ("Registros",))[0]

    @property
    def other_fields(self) -> list[str]:
        """Changed fields whose values the log does not keep (named only)."""
        return [FIELDS.get(f, f) for f in self.fields if f not in changelog.TRACKED]


def _change(entry: dict) -> Change:
    return Change(at=entry["at"], source=entry["source"], id=entry["id"], type=entry["type"],
                  change=entry["change"], title=entry["title"],
                  institution=entry["institution"], fields=entry["fields"],
                  sentences=sentences(entry), count=entry["count"],
                  key=digest(repr(sorted(entry.items(), key=lambda kv: kv[0]))))


@dataclass(eq=False)
class History:
    window: int = DEFAULT_MONTHS
    months: list[str] = field(default_factory=list)     # read, oldest first
    entries: list[Change] = field(default_factory=list)  # newest first
    by_record: dict[str, list[Change]] = field(default_factory=dict)
    by_institution: dict[str, list[Change]] = field(default_factory=dict)
    by_source: dict[str, list[Change]] = field(default_factory=dict)

    @classmethod
    def load(cls, data_dir: Path | str, months: int | None = None) -> History:
        window = DEFAULT_MONTHS if months is None else int(months)
        cache = default_cache_dir()
        try:
            read, entries = changelog.read_changes(
                data_dir, window, load=lambda p: load_yaml_cached(p, cache))
        except changelog.ChangeLogError as exc:
            raise SnapshotError(str(exc)) from None
        hist = cls(window=window, months=read)
        # Newest first; entries of one run keep their order (source id, record id).
        items = [_change(e) for e in entries]
        items.sort(key=lambda c: c.at, reverse=True)
        hist.entries = items
        for c in items:
            if c.id:
                hist.by_record.setdefault(c.id, []).append(c)
            if c.institution:
                hist.by_institution.setdefault(c.institution, []).append(c)
            hist.by_source.setdefault(c.source, []).append(c)
        return hist

    def resolve(self, model, tombstones: dict[str, Tombstone]) -> None:
        """Links and names of every entry, from the model (live records, then
        tombstones): a record's page here, or its URL at the source."""
        wanted = {c.id for c in self.entries if c.id}
        found: dict[str, Record] = {}
        if wanted:
            for sf in model.snapshot.sources.values():
                for r in sf.records:
                    if r.id in wanted:
                        found[r.id] = r
            for rid, stone in tombstones.items():
                if rid in wanted and rid not in found:
                    found[rid] = stone.record
        for c in self.entries:
            rec = found.get(c.id) if c.id else None
            page = model.page_url(rec) if rec is not None else None
            if page is not None:
                c.link, c.local = page, True
            elif rec is not None:
                c.link = rec.url
            else:
                c.link = model.source_url(c.source) if c.id is None else None
            inst = model.institutions.get(c.institution) if c.institution else None
            c.institution_name = inst.name if inst else None
            c.source_name = model.source_name(c.source)
            c.view = digest(c.key, c.link or "", str(c.local), c.institution_name or "",
                            c.source_name)

    # -- what pages ask ---------------------------------------------------------

    def of(self, record_id: str) -> list[Change]:
        return self.by_record.get(record_id, [])

    def of_institution(self, institution_id: str) -> list[Change]:
        return self.by_institution.get(institution_id, [])

    def digest_of(self, items: list[Change]) -> str:
        """What a page showing these entries depends on (and the window, which
        its text names)."""
        return digest(str(self.window), *(c.view for c in items)) if items else str(self.window)

    def record_digest(self, record_id: str) -> str:
        return self.digest_of(self.of(record_id))

    def institution_digest(self, institution_id: str) -> str:
        return self.digest_of(self.of_institution(institution_id))

    def source_digest(self, source: str) -> str:
        """The histories of every record of a source (one group of pages)."""
        return self.digest_of([c for c in self.by_source.get(source, []) if c.id])

    @property
    def window_text(self) -> str:
        return "en el último mes" if self.window == 1 else f"en los últimos {self.window} meses"


def load_tombstones(data_dir: Path | str, snapshot) -> dict[str, Tombstone]:
    """Tombstones by record id, without those whose record is live again (a
    source file newer than its tombstone file: the live record wins)."""
    stones = read_tombstones(data_dir, default_cache_dir())
    if not stones:
        return {}
    by_id = {t.record.id: t for t in stones}
    for sf in snapshot.sources.values():
        for r in sf.records:
            if r.id in by_id:
                del by_id[r.id]
    return by_id
