"""/catalogo/obras.csv and /catalogo/obras.geojson: every public work for reusers.

The CSV is UTF-8 with a byte-order mark (spreadsheets then read the accents
right), one row per work. The GeoJSON (RFC 7946) has one Point feature per
work with valid coordinates, [longitude, latitude] in that order, and
properties of plain text only: no markup survives, even written as text.
"""

from __future__ import annotations

import csv
import io
import json
import re

from .obras_data import STAGES

CSV_COLUMNS = ["id", "titulo", "descripcion", "institucion", "institucion_id", "publicador",
               "tipo", "estado_fuente", "etapa", "avance", "monto", "moneda", "contratista",
               "region", "comuna", "direccion", "lat", "lon", "inicio", "fin_previsto",
               "fin_real", "dias_atraso", "pagina_portal", "pagina_fuente", "imagen"]
GEOJSON_PROPERTIES = ["id", "titulo", "etapa", "estado_fuente", "avance", "monto", "moneda",
                      "institucion", "publicador", "tipo", "region", "comuna", "direccion",
                      "inicio", "fin_previsto", "fin_real", "dias_atraso", "pagina_portal",
                      "pagina_fuente"]
_TAG = re.compile(r"<[^>]*>")


def no_html(value):
    """Text with anything that could be read as markup taken out."""
    if not isinstance(value, str):
        return value
    return _TAG.sub("", value).replace("<", "").replace(">", "")


def _row(idx, base: str, o) -> dict:
    model = idx.model
    inst = model.institution_of(o)
    days = idx.delay(o)
    return {"id": o.id, "titulo": o.title, "descripcion": o.description or "",
            "institucion": inst.name if inst else "", "institucion_id": inst.id if inst else "",
            "publicador": o.publisher or "", "tipo": o.kind or "",
            "estado_fuente": o.status or "", "etapa": STAGES[o.stage][0],
            "avance": o.progress, "monto": o.amount or "", "moneda": o.currency or "",
            "contratista": o.contractor or "", "region": o.region or "",
            "comuna": o.commune or "", "direccion": o.address or "", "lat": o.lat,
            "lon": o.lon, "inicio": o.start or "", "fin_previsto": o.end_planned or "",
            "fin_real": o.end_actual or "", "dias_atraso": days,
            "pagina_portal": f"{base}/{model.page_url(o)}", "pagina_fuente": o.url or "",
            "imagen": o.image or ""}


def obras_csv(idx, base: str) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for o in idx.obras:
        row = _row(idx, base, o)
        writer.writerow(["" if row[c] is None else row[c] for c in CSV_COLUMNS])
    return "\ufeff" + out.getvalue()


def valid_point(o) -> bool:
    return (isinstance(o.lat, (int, float)) and isinstance(o.lon, (int, float))
            and -90 <= o.lat <= 90 and -180 <= o.lon <= 180)


def obras_geojson(idx, base: str) -> str:
    features = []
    for o in idx.obras:
        if not valid_point(o):
            continue
        row = _row(idx, base, o)
        features.append({"type": "Feature", "id": o.id,
                         "geometry": {"type": "Point", "coordinates": [o.lon, o.lat]},
                         "properties": {k: no_html(row[k]) for k in GEOJSON_PROPERTIES}})
    return json.dumps({"type": "FeatureCollection", "features": features},
                      ensure_ascii=False, separators=(",", ":"))
