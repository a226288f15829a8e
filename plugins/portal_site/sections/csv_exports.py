"""CSV of every section besides the datasets (sections/exports.py): institutions,
participation processes, transparency register entries and news. UTF-8 with a
BOM (spreadsheets read the accents right), comma-separated, the csv module's
quoting; every column documented on /catalogo/ from the lists below. A file is
rewritten only when a record it holds (or the build date, for statuses) changed.
"""

from __future__ import annotations

import csv
import io

from aggregator.records import Consultation, NewsItem
from aggregator.records_registers import TransparencyEntry

from ..export_registry import CSV_BOM, Export
from ..scorecard import board

INSTITUTIONS = "catalogo/instituciones.csv"
CONSULTATIONS = "catalogo/consultas.csv"
TRANSPARENCY = "catalogo/transparencia.csv"
NEWS = "catalogo/noticias.csv"

INSTITUTION_COLUMNS = [
    ("id", "Identificador en el registro del portal (/instituciones/<id>/)"),
    ("nombre", "Nombre"), ("sigla", "Sigla"), ("alias", "Otros nombres, separados por «; »"),
    ("tipo", "Tipo de institución"), ("region", "Región"), ("sitio_web", "Sitio web"),
    ("depende_de", "Identificador de la institución de la que depende"),
    ("codigo_cplt", "Código del Consejo para la Transparencia"),
    ("codigo_chilecompra", "Código de ChileCompra"), ("id_infolobby", "Identificador en InfoLobby"),
    ("conjuntos_de_datos", "Conjuntos de datos que publica en el portal"),
    ("noticias", "Noticias agregadas"), ("procesos_participacion", "Procesos de participación"),
    ("registros_transparencia", "Registros de transparencia (audiencias, viajes...)"),
    ("evaluacion_total", ("Puntaje total de la evaluación de gobierno abierto (0-100; vacío: "
                          "no evaluada o sin evaluación publicada)")),
    ("evaluacion_calificacion", "Banda de ese puntaje"),
    ("pagina_portal", "Su página en este portal")]
CONSULTATION_COLUMNS = [
    ("id", "Identificador en el portal: <fuente>:<identificador en la fuente>"),
    ("titulo", "Título"), ("tipo", "Tipo de proceso"),
    ("estado", "abierta, proxima o cerrada, según las fechas, el día de la actualización"),
    ("inicio", "Fecha de inicio (ISO 8601)"), ("cierre", "Fecha de cierre (ISO 8601)"),
    ("institucion", "Institución"), ("institucion_id", "Identificador de la institución"),
    ("publicador", "Publicador tal como lo nombra la fuente"),
    ("etapas", "Etapas, separadas por «; »"), ("pagina_portal", "Su página en este portal"),
    ("pagina_fuente", "Su página en la plataforma de participación"),
    ("calendario", "Archivo iCalendar para añadirlo a un calendario")]
TRANSPARENCY_COLUMNS = [
    ("id", "Identificador en el portal: <fuente>:<identificador en la fuente>"),
    ("tipo", "Tipo de registro (audiencia, viaje, donativo...)"), ("fecha", "Fecha (ISO 8601)"),
    ("titulo", "Materia o título"), ("institucion", "Institución"),
    ("institucion_id", "Identificador de la institución"),
    ("publicador", "Publicador tal como lo nombra la fuente"), ("lugar", "Lugar"),
    ("personas", "Personas con su rol y cargo, separadas por «; »"),
    ("organizaciones", "Organizaciones representadas (con su RUT), separadas por «; »"),
    ("pagina_fuente", "Su página en el registro de origen")]
NEWS_COLUMNS = [
    ("fecha", "Fecha de publicación (ISO 8601)"), ("titulo", "Título"),
    ("resumen", "Resumen en texto (hasta 300 caracteres)"),
    ("institucion", "Institución"), ("institucion_id", "Identificador de la institución"),
    ("publicador", "Publicador tal como lo nombra la fuente"),
    ("fuente", "Fuente (el portal, para sus propios artículos)"),
    ("enlace", "La noticia en su sitio (o en este portal)")]


def table(columns: list[tuple[str, str]], rows) -> str:
    """A CSV document: BOM, header, rows (lists of text), as the csv module writes."""
    out = io.StringIO()
    out.write(CSV_BOM)
    w = csv.writer(out, lineterminator="\n")
    w.writerow([c for c, _ in columns])
    w.writerows(rows)
    return out.getvalue()


def _base(site) -> str:
    return (site.settings.get("SITEURL") or "").rstrip("/")


def _inst(model, record) -> tuple[str, str]:
    inst = model.institution_of(record)
    return (inst.name, inst.id) if inst else ("", "")


ROLE_WORDS = {"official": "sujeto pasivo", "lobbyist": "lobbista",
              "manager": "gestor de intereses", "represented": "representado"}


def _named(value) -> str:
    """A person or organization of a register entry: "name (role, position)" for
    {name, role, position} mappings (issue 12's records), the text otherwise."""
    if not isinstance(value, dict):
        return value or ""
    about = [ROLE_WORDS.get(value.get("role"), value.get("role")), value.get("position"),
             value.get("tax_id") and f"RUT {value['tax_id']}"]
    about = [a for a in about if a]
    name = value.get("name") or ""
    return f"{name} ({', '.join(about)})" if name and about else name


def _joined(values) -> str:
    return "; ".join(n for n in map(_named, values) if n)


def _institution_rows(site):
    idx, base = site.idx, _base(site)
    scores = board(site).entries        # empty without scores.yaml
    for inst in idx.directory:
        score = scores.get(inst.id) or {}
        yield [inst.id, inst.name, inst.acronym or "", _joined(inst.aliases), inst.kind or "",
               inst.region or "", inst.website or "", inst.parent or "", inst.cplt_code or "",
               getattr(inst, "chilecompra_code", None) or "", inst.leylobby_id or "",
               str(len(idx.datasets_of(inst.id))), str(len(idx.news_by_inst.get(inst.id, []))),
               str(len(idx.consultations_by_inst.get(inst.id, []))),
               str(len(idx.transparency_by_inst.get(inst.id, []))),
               _number(score.get("total")), score.get("rating") or "",
               f"{base}/instituciones/{inst.id}/"]


def _number(value) -> str:
    # As evaluacion.csv writes it (77.1, 60, empty when none).
    if value is None:
        return ""
    return f"{value:g}" if isinstance(value, float) else str(value)


STATUS = {"open": "abierta", "upcoming": "proxima", "closed": "cerrada"}


def _consultation_rows(site):
    model, base = site.model, _base(site)
    for c in model.consultations:
        slug = model.slugs[c.id]
        yield [c.id, c.title, c.kind or "", STATUS[site.idx.status[c.id]], c.start or "",
               c.end or "", *_inst(model, c), c.publisher or "", _joined(c.steps),
               f"{base}/participacion/{slug}/", c.url or "",
               f"{base}/participacion/{slug}/calendario.ics"]


def _transparency_rows(site):
    model = site.model
    for t in model.transparency:
        yield [t.id, t.kind or "", t.date or "", t.title, *_inst(model, t), t.publisher or "",
               t.place or "", _joined(t.persons), _joined(t.organizations), t.url or ""]


def _news_rows(site):
    base = _base(site)
    for n in site.news:
        link = n.url if not n.local else f"{base}/{n.url}"
        yield [n.published, n.title, n.summary,
               n.institution.name if n.institution else "",
               n.institution.id if n.institution else "", n.publisher or "",
               n.source or site.settings.get("SITENAME", ""), link]


def write(site) -> None:
    model, fp, today = site.model, site.fp, site.today.isoformat()
    names = [f"{i.id}\x1e{i.name}" for i in model.institutions.values()]
    base = _base(site)
    add = site.exports.file
    add(Export(INSTITUTIONS, "Instituciones", "CSV", "text/csv",
               "Una fila por institución del registro, con sus códigos y cuánto publica "
               "en el portal.", section="Instituciones", columns=INSTITUTION_COLUMNS,
               encoding="UTF-8 con BOM", count=len(model.institutions),
               updated=site.exports.harvested(object)),
        lambda: table(INSTITUTION_COLUMNS, _institution_rows(site)),
        [base, *(repr(i) for i in site.idx.directory), site.snapshot_digest or
         ",".join(site.item_fps().values()), *(fp(r) for r in model.news),
         *(fp(r) for r in model.consultations), str(len(model.transparency)),
         *(f"{k}:{len(v)}" for k, v in site.idx.transparency_by_inst.items()),
         board(site).digest])
    add(Export(CONSULTATIONS, "Procesos de participación", "CSV", "text/csv",
               "Una fila por consulta o proceso de participación: abiertos, próximos y "
               "cerrados.", section="Participación", columns=CONSULTATION_COLUMNS,
               encoding="UTF-8 con BOM", count=len(model.consultations),
               updated=site.exports.harvested(Consultation)),
        lambda: table(CONSULTATION_COLUMNS, _consultation_rows(site)),
        [base, today, *names, *(fp(c) for c in model.consultations),
         *(model.slugs[c.id] for c in model.consultations)])
    add(Export(TRANSPARENCY, "Registros de transparencia", "CSV", "text/csv",
               "Una fila por registro (audiencias de lobby, viajes, donativos...).",
               section="Transparencia", columns=TRANSPARENCY_COLUMNS,
               encoding="UTF-8 con BOM", count=len(model.transparency),
               updated=site.exports.harvested(TransparencyEntry)),
        lambda: table(TRANSPARENCY_COLUMNS, _transparency_rows(site)),
        [*names, *(fp(t) for t in model.transparency)])
    add(Export(NEWS, "Noticias", "CSV", "text/csv",
               "Una fila por noticia: las del portal y las de las instituciones, las más "
               "recientes primero.", section="Noticias", columns=NEWS_COLUMNS,
               encoding="UTF-8 con BOM", count=len(site.news),
               updated=site.exports.harvested(NewsItem)),
        lambda: table(NEWS_COLUMNS, _news_rows(site)),
        [base, *(n.fingerprint for n in site.news)])

