"""/catalogo/: the datasets machine-readable for reusers: `data.json`
(Project Open Data / DCAT-US 1.1, the shape CKAN and data.gov read) and
`datasets.csv` (one row per dataset), rewritten only when a dataset changed."""

from __future__ import annotations

import csv
import html
import io
import json
import re

from ..indexes import dataset_formats, license_label

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


def data_json(site) -> str:
    model, base = site.model, _base(site)
    out = []
    for ds in model.datasets:
        inst = model.institution_of(ds)
        lic = ds.license
        out.append({k: v for k, v in {
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
        }.items() if v not in (None, "", [])})
    doc = {"@context": "https://project-open-data.cio.gov/v1.1/schema/catalog.jsonld",
           "@type": "dcat:Catalog", "conformsTo": "https://project-open-data.cio.gov/v1.1/schema",
           "describedBy": "https://project-open-data.cio.gov/v1.1/schema/catalog.json",
           "dataset": out}
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"))


def datasets_csv(site) -> str:
    model, base = site.model, _base(site)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for ds in model.datasets:
        inst = model.institution_of(ds)
        w.writerow([ds.id, ds.title, inst.name if inst else "", inst.id if inst else "",
                    ds.publisher or "", "; ".join(ds.themes), "; ".join(ds.tags),
                    "; ".join(dataset_formats(ds)), license_label(ds) or "",
                    ds.issued or "", ds.modified or "",
                    f"{base}/datos/{model.slugs[ds.id]}/", ds.url or ""])
    return buf.getvalue()


def write(site) -> None:
    fingerprint = [_base(site), *(site.item_fp(ds) for ds in site.model.datasets)]
    site.sink.file(DATA_JSON, lambda: data_json(site), fingerprint)
    site.sink.file(CSV_FILE, lambda: datasets_csv(site), fingerprint)
    site.sink.page("catalogo/index.html", "catalogo", None, count=len(site.model.datasets),
                   files=[(DATA_JSON, "data.json", "JSON (DCAT-US 1.1 / Project Open Data)"),
                          (CSV_FILE, "datasets.csv", "CSV, una fila por conjunto de datos")])
