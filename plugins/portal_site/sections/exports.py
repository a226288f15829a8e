"""The datasets machine-readable for reusers: `catalogo/datasets.csv` (one row
per dataset, UTF-8 with BOM) and `catalogo/data.json` (Project Open Data /
DCAT-US 1.1, the shape CKAN and data.gov harvest), valid against the official
DCAT-US 1.1 JSON Schema. Both are rewritten only when a dataset changed, from
pieces kept per dataset between builds (fragments.py), and data.json is
written piece by piece, never joined into one string (174 MB at 100,000).

DCAT-US has fields made for US federal agencies that its schema requires:
`bureauCode` and `programCode` come from PORTAL_DATAJSON_CODES, `contactPoint`
from PORTAL_CONTACT. A dataset without tags gets its themes (else its title)
as `keyword`, and one without dates the date its source was harvested as
`modified`: the schema requires both.
"""

from __future__ import annotations

import html
import json
import re

from aggregator.records import Dataset

from .. import vocab
from ..export_registry import CSV_BOM, Export
from ..fragments import CSV, JSON
from ..indexes import license_label

DATA_JSON = "catalogo/data.json"
CSV_FILE = "catalogo/datasets.csv"
CSV_COLUMNS = [
    ("id", "Identificador en el portal: <fuente>:<identificador en la fuente>"),
    ("titulo", "Título"), ("institucion", "Institución del registro que lo publica"),
    ("institucion_id", "Identificador de esa institución (/instituciones/<id>/)"),
    ("publicador", "Publicador tal como lo nombra la fuente"),
    ("temas", "Temas, separados por «; »"), ("etiquetas", "Etiquetas, separadas por «; »"),
    ("formatos", "Formatos de sus recursos, separados por «; »"),
    ("licencia", "Licencia declarada por la fuente"),
    ("publicado", "Fecha de publicación (ISO 8601)"),
    ("actualizado", "Fecha de la última actualización (ISO 8601)"),
    ("pagina_portal", "Su página en este portal"), ("pagina_fuente", "Su página en la fuente")]
DEFAULT_CODES = {"bureauCode": ["000:00"], "programCode": ["000:000"]}
_PERIODICITY = re.compile(r"^R/P(?:\d+(?:\.\d+)?[YMWD])*(?:T(?:\d+(?:\.\d+)?[HMS])+)?$")
_BLOCK = re.compile(r"</?(?:p|br|li|ul|ol|h[1-6]|div|tr|td|th|table|blockquote|pre)\b[^>]*>",
                    re.IGNORECASE)
_TAG = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")


def _text(html_text: str | None) -> str:
    if not html_text:
        return ""
    text = _TAG.sub("", _BLOCK.sub(" ", html_text))
    if "&" in text:
        text = html.unescape(text)
    return _SPACE.sub(" ", text).strip()


def _base(site) -> str:
    return (site.settings.get("SITEURL") or "").rstrip("/")


_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


class DataJsonContext:
    """What every data.json entry needs besides its record."""

    def __init__(self, site):
        settings = site.settings
        contact = settings.get("PORTAL_CONTACT") or {}
        self.contact = {"@type": "vcard:Contact",
                        "fn": contact.get("name") or settings.get("SITENAME") or "Portal",
                        "hasEmail": f"mailto:{contact.get('email') or ''}"}
        codes = {**DEFAULT_CODES, **(settings.get("PORTAL_DATAJSON_CODES") or {})}
        self.codes = {k: list(codes[k]) for k in DEFAULT_CODES}
        self.site_name = settings.get("SITENAME") or "Portal"
        self.harvested = {src: (sf.harvested_at or "")[:10]
                          for src, sf in site.model.snapshot.sources.items()}


def _json_entry(model, base: str, formats: dict, ds, ctx: DataJsonContext) -> str:
    inst = model.institution_of(ds)
    page = f"{base}/datos/{model.slugs[ds.id]}/"
    entry = {"@type": "dcat:Dataset", "identifier": ds.id, "title": ds.title,
             "description": ds.description_html or ds.title,
             "keyword": list(dict.fromkeys(ds.tags or ds.themes or [ds.title])),
             "modified": ds.modified or ds.issued or ctx.harvested.get(ds.source) or "",
             "publisher": {"@type": "org:Organization",
                           "name": inst.name if inst else (ds.publisher or ctx.site_name)},
             "contactPoint": _contact(ds.contact_point) or ctx.contact, "accessLevel": "public",
             **ctx.codes,
             "landingPage": ds.url or page}
    # Optional fields only when present (the schema allows them to be absent).
    if ds.themes:
        entry["theme"] = list(dict.fromkeys(ds.themes))
    if ds.issued:
        entry["issued"] = ds.issued
    lic = vocab.license_url(ds.license)
    if lic:
        entry["license"] = lic
    if ds.frequency and (ds.frequency == "irregular" or _PERIODICITY.match(ds.frequency)):
        entry["accrualPeriodicity"] = ds.frequency
    if ds.spatial:
        entry["spatial"] = ds.spatial
    if ds.temporal and ".." not in ds.temporal:     # the schema wants both ends
        entry["temporal"] = ds.temporal
    distributions = []
    for r in ds.resources:
        if r.url:
            media = r.media_type or vocab.file_type(r.format)[1]
            # downloadURL requires a mediaType: without one, the link is an accessURL.
            d = {"@type": "dcat:Distribution",
                 **({"downloadURL": r.url, "mediaType": media} if media
                    else {"accessURL": r.url})}
            if r.title:
                d["title"] = r.title
            if r.format:
                d["format"] = r.format
            if r.size is not None:
                d["byteSize"] = r.size
            if r.modified:
                d["modified"] = r.modified
            distributions.append(d)
    if distributions:
        entry["distribution"] = distributions
    return _ENCODE(entry)


_CONTACT = re.compile(r"^(.*\S)\s*<([^<>\s]+@[^<>\s]+)>$")
# The schema's pattern of hasEmail (without "mailto:").
_EMAIL = re.compile(r"^[\w~!$&'()*+,;=:.-]+@[\w.-]+\.[\w.-]+?$")


def _contact(text: str | None) -> dict | None:
    """The dataset's own contact point when it has an email (the schema requires
    one): "Name <email>" or an email alone."""
    if not text:
        return None
    m = _CONTACT.match(text)
    if m and _EMAIL.match(m.group(2)):
        return {"@type": "vcard:Contact", "fn": m.group(1), "hasEmail": f"mailto:{m.group(2)}"}
    if _EMAIL.match(text):
        return {"@type": "vcard:Contact", "fn": text, "hasEmail": f"mailto:{text}"}
    return None


def _csv_field(value: str) -> str:
    # As the csv module writes them (QUOTE_MINIMAL).
    if any(c in value for c in ',"\r\n'):
        return '"' + value.replace('"', '""') + '"'
    return value


def _csv_row(model, base: str, formats: dict, ds, _ctx=None) -> str:
    inst = model.institution_of(ds)
    values = [ds.id, ds.title, inst.name if inst else "", inst.id if inst else "",
              ds.publisher or "", "; ".join(ds.themes), "; ".join(ds.tags),
              "; ".join(formats.get(ds.id, ())), license_label(ds) or "",
              ds.issued or "", ds.modified or "", f"{base}/datos/{model.slugs[ds.id]}/",
              ds.url or ""]
    return ",".join(_csv_field(v) for v in values) + "\n"


def _pieces(site, kind: int, make, ctx=None) -> list[str]:
    """Each dataset's piece, from the fragment store when its dataset is unchanged."""
    model, store, base, formats = site.model, site.export_fragments, _base(site), site.idx.formats
    fps, get = site.item_fps(), store.entries.get
    out = [e[kind] if (e := get(ds.id)) is not None and e[0] == fps[ds.id] else None
           for ds in model.datasets]
    for n in [n for n, piece in enumerate(out) if piece is None]:
        ds = model.datasets[n]
        out[n] = make(model, base, formats, ds, ctx)
        store.put(ds.id, fps[ds.id], kind, out[n])
    return out


def data_json(site):
    """data.json in pieces: the catalog's head, then one dataset at a time."""
    head = json.dumps({
        "@context": "https://project-open-data.cio.gov/v1.1/schema/catalog.jsonld",
        "@type": "dcat:Catalog", "conformsTo": "https://project-open-data.cio.gov/v1.1/schema",
        "describedBy": "https://project-open-data.cio.gov/v1.1/schema/catalog.json"},
        ensure_ascii=False, separators=(",", ":"))
    pieces = _pieces(site, JSON, _json_entry, DataJsonContext(site))
    yield head[:-1] + ',"dataset":['
    for n, piece in enumerate(pieces):
        yield "," + piece if n else piece
    yield "]}"


def datasets_csv(site):
    yield CSV_BOM + ",".join(c for c, _ in CSV_COLUMNS) + "\n"
    yield from _pieces(site, CSV, _csv_row)


def write(site) -> None:
    if site.snapshot_digest is not None:       # every record, by its file's bytes
        fingerprint = [_base(site), site.snapshot_digest]
    else:
        fps = site.item_fps()
        fingerprint = [_base(site), *(fps[ds.id] for ds in site.model.datasets)]
    count = len(site.model.datasets)
    updated = site.exports.harvested(Dataset)
    s = site.settings
    site.exports.file(Export(
        DATA_JSON, "Catálogo data.json", "JSON", "application/json",
        "Todos los conjuntos de datos en el formato de Project Open Data (DCAT-US 1.1), "
        "el que cosechan CKAN y data.gov.", standard="DCAT-US 1.1", count=count, updated=updated),
        lambda: data_json(site),
        [*fingerprint, repr(s.get("PORTAL_CONTACT")), repr(s.get("PORTAL_DATAJSON_CODES")),
         str(s.get("SITENAME"))])
    site.exports.file(Export(
        CSV_FILE, "Conjuntos de datos", "CSV", "text/csv",
        "Una fila por conjunto de datos, en el orden del catálogo (actualizados primero).",
        columns=CSV_COLUMNS, encoding="UTF-8 con BOM", count=count, updated=updated),
        lambda: datasets_csv(site), fingerprint)
