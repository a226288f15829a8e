"""/catalogo/: the datasets machine-readable for reusers: `datasets.csv` (one
row per dataset) and, with PORTAL_EXPORT_DATA_JSON = True, `data.json` (Project
Open Data / DCAT-US 1.1, the shape CKAN and data.gov harvest). Both are rewritten
only when a dataset changed.

data.json is off by default: with every description in it, it weighs about
1.7 KB per dataset (174 MB at 100,000) and adds some 6% to a full build."""

from __future__ import annotations

import html
import json
import re

from ..fragments import CSV, JSON
from ..indexes import license_label
from ..scorecard import board
from . import obras
from .scorecard import CSV_FILE as SCORES_CSV

DATA_JSON = "catalogo/data.json"
CSV_FILE = "catalogo/datasets.csv"
CSV_COLUMNS = ["id", "titulo", "institucion", "institucion_id", "publicador", "temas",
               "etiquetas", "formatos", "licencia", "publicado", "actualizado",
               "pagina_portal", "pagina_fuente"]
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


def _json_entry(model, base: str, formats: dict, ds) -> str:
    inst = model.institution_of(ds)
    lic = ds.license
    entry = {"@type": "dcat:Dataset", "identifier": ds.id, "title": ds.title,
             "description": _text(ds.description_html) or ds.title,
             "keyword": list(dict.fromkeys([*ds.tags, *ds.themes])),
             "modified": ds.modified or ds.issued or "",
             "publisher": {"@type": "org:Organization",
                           "name": inst.name if inst else (ds.publisher or "")},
             "accessLevel": "public",
             "landingPage": f"{base}/datos/{model.slugs[ds.id]}/"}
    # Optional fields only when present (the schema allows them to be absent).
    if ds.themes:
        entry["theme"] = ds.themes
    if ds.issued:
        entry["issued"] = ds.issued
    if ds.url:
        entry["references"] = [ds.url]
    if lic and (lic.url or lic.title):
        entry["license"] = lic.url or lic.title
    if ds.frequency:
        entry["accrualPeriodicity"] = ds.frequency
    distributions = []
    for r in ds.resources:
        if r.url:
            d = {"@type": "dcat:Distribution", "downloadURL": r.url}
            if r.title:
                d["title"] = r.title
            if r.format:
                d["format"] = r.format
            if r.size is not None:
                d["byteSize"] = r.size
            distributions.append(d)
    if distributions:
        entry["distribution"] = distributions
    return _ENCODE(entry)


def _csv_field(value: str) -> str:
    # As the csv module writes them (QUOTE_MINIMAL).
    if any(c in value for c in ',"\r\n'):
        return '"' + value.replace('"', '""') + '"'
    return value


def _csv_row(model, base: str, formats: dict, ds) -> str:
    inst = model.institution_of(ds)
    values = [ds.id, ds.title, inst.name if inst else "", inst.id if inst else "",
              ds.publisher or "", "; ".join(ds.themes), "; ".join(ds.tags),
              "; ".join(formats.get(ds.id, ())), license_label(ds) or "",
              ds.issued or "", ds.modified or "", f"{base}/datos/{model.slugs[ds.id]}/",
              ds.url or ""]
    return ",".join(_csv_field(v) for v in values) + "\n"


def _pieces(site, kind: int, make) -> list[str]:
    """Each dataset's piece, from the fragment store when its dataset is unchanged."""
    model, store, base, formats = site.model, site.fragments, _base(site), site.idx.formats
    fps, get = site.item_fps(), store.entries.get
    out = [e[kind] if (e := get(ds.id)) is not None and e[0] == fps[ds.id] else None
           for ds in model.datasets]
    for n in [n for n, piece in enumerate(out) if piece is None]:
        ds = model.datasets[n]
        out[n] = make(model, base, formats, ds)
        store.put(ds.id, fps[ds.id], kind, out[n])
    return out


def data_json(site) -> str:
    head = json.dumps({
        "@context": "https://project-open-data.cio.gov/v1.1/schema/catalog.jsonld",
        "@type": "dcat:Catalog", "conformsTo": "https://project-open-data.cio.gov/v1.1/schema",
        "describedBy": "https://project-open-data.cio.gov/v1.1/schema/catalog.json"},
        ensure_ascii=False, separators=(",", ":"))
    return head[:-1] + ',"dataset":[' + ",".join(_pieces(site, JSON, _json_entry)) + "]}"


def datasets_csv(site) -> str:
    return ",".join(CSV_COLUMNS) + "\n" + "".join(_pieces(site, CSV, _csv_row))


def write(site) -> None:
    if site.snapshot_digest is not None:       # every record, by its file's bytes
        fingerprint = [_base(site), site.snapshot_digest]
    else:
        fps = site.item_fps()
        fingerprint = [_base(site), *(fps[ds.id] for ds in site.model.datasets)]
    files = [(CSV_FILE, "datasets.csv", "CSV, una fila por conjunto de datos")]
    site.sink.file(CSV_FILE, lambda: datasets_csv(site), fingerprint)
    if site.settings.get("PORTAL_EXPORT_DATA_JSON"):
        site.sink.file(DATA_JSON, lambda: data_json(site), fingerprint)
        files.insert(0, (DATA_JSON, "data.json", "JSON (DCAT-US 1.1 / Project Open Data)"))
    if board(site).doc is not None:         # written by sections/scorecard.py
        files.append((SCORES_CSV, "evaluacion.csv", "CSV, una fila por institución evaluada"))
    files += [(e["url"], e["url"].rsplit("/", 1)[-1], e["about"]) for e in obras.EXPORTS]
    site.sink.page("catalogo/index.html", "catalogo", None, count=len(site.model.datasets),
                   files=files)
