"""/catalogo/: the datasets machine-readable for reusers: `data.json`
(Project Open Data / DCAT-US 1.1, the shape CKAN and data.gov read) and
`datasets.csv` (one row per dataset), rewritten only when a dataset changed."""

from __future__ import annotations

import html
import json
import re

from ..fragments import CSV, JSON
from ..indexes import license_label

DATA_JSON = "catalogo/data.json"
CSV_FILE = "catalogo/datasets.csv"
CSV_COLUMNS = ["id", "titulo", "institucion", "institucion_id", "publicador", "temas",
               "etiquetas", "formatos", "licencia", "publicado", "actualizado",
               "pagina_portal", "pagina_fuente"]
_TAG = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")


def _text(html_text: str | None) -> str:
    if not html_text:
        return ""
    return _SPACE.sub(" ", html.unescape(_TAG.sub(" ", html_text))).strip()


def _base(site) -> str:
    return (site.settings.get("SITEURL") or "").rstrip("/")


def _json_entry(model, base: str, formats: dict, ds) -> str:
    inst = model.institution_of(ds)
    lic = ds.license
    entry = {k: v for k, v in {
        "@type": "dcat:Dataset", "identifier": ds.id, "title": ds.title,
        "description": _text(ds.description_html) or ds.title,
        "keyword": list(dict.fromkeys([*ds.tags, *ds.themes])), "theme": ds.themes,
        "issued": ds.issued, "modified": ds.modified or ds.issued,
        "publisher": {"@type": "org:Organization",
                      "name": inst.name if inst else (ds.publisher or "")},
        "accessLevel": "public", "landingPage": f"{base}/datos/{model.slugs[ds.id]}/",
        "references": [ds.url] if ds.url else None,
        "license": (lic.url or lic.title) if lic else None,
        "accrualPeriodicity": ds.frequency,
        "distribution": [{k2: v2 for k2, v2 in {
            "@type": "dcat:Distribution", "title": r.title, "downloadURL": r.url,
            "format": r.format, "byteSize": r.size}.items() if v2 is not None}
            for r in ds.resources if r.url],
    }.items() if v not in (None, "", [])}
    return json.dumps(entry, ensure_ascii=False, separators=(",", ":"))


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
    out = []
    for ds in model.datasets:
        fp = site.item_fp(ds)
        piece = store.get(ds.id, fp, kind)
        if piece is None:
            piece = make(model, base, formats, ds)
            store.put(ds.id, fp, kind, piece)
        out.append(piece)
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
    fingerprint = [_base(site), *(site.item_fp(ds) for ds in site.model.datasets)]
    site.sink.file(DATA_JSON, lambda: data_json(site), fingerprint)
    site.sink.file(CSV_FILE, lambda: datasets_csv(site), fingerprint)
    site.sink.page("catalogo/index.html", "catalogo", None, count=len(site.model.datasets),
                   files=[(DATA_JSON, "data.json", "JSON (DCAT-US 1.1 / Project Open Data)"),
                          (CSV_FILE, "datasets.csv", "CSV, una fila por conjunto de datos")])
