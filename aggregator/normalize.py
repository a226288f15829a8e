"""Field normalizers the adapters share: what a source sent in, a clean value out.

- `iso_date`: dates and times to ISO 8601 (`2024-05-06`, `2024-05-06T15:15:18+02:00`);
  what cannot be read becomes None and a warning, never a guess.
- `format_name`: a resource's format as its short upper-case name (`CSV`), from a
  format label, a media type, a vocabulary URI or, last, the file extension.
- `size_bytes`: sizes to integers (`43008.0`, `"42 octets"`, `"5120"`).
- `frequency`: update frequencies to ISO 8601 repeating durations (`R/P1Y`) when the
  vocabulary is known (DCAT-AP, Dublin Core, POD, DCAT-AR words), else the text as sent.
- `theme_label`: the 13 EU data themes (DCAT-AP, and DCAT-AR's `superTheme`) in Spanish.
- `make_license`: `{id, title, url}` from whatever pieces a source gives.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import date, datetime
from urllib.parse import unquote, urlsplit

from .records import License
from .sanitize import plain_text, safe_url

Warn = Callable[[str], None]

_YEAR = re.compile(r"^\d{4}$")
_YEAR_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# A time of day is a time, not a date: "2019-09-30 22:00:00" has one.
_HAS_TIME = re.compile(r"^\d{4}-?\d{2}-?\d{2}[T ]\d")


def iso_date(value: object, warn: Warn | None = None, what: str = "date") -> str | None:
    """ISO 8601 text of a date or date-time; None (and a warning) when unreadable."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.replace(microsecond=0).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = str(value).strip()
    if not text:
        return None
    try:
        if _YEAR.match(text):
            return text if 1000 <= int(text) <= 2999 else _bad(text, warn, what)
        m = _YEAR_MONTH.match(text)
        if m:
            return text if 1 <= int(m.group(2)) <= 12 else _bad(text, warn, what)
        if _DATE.match(text):
            return date.fromisoformat(text).isoformat()
        if _HAS_TIME.match(text):
            dt = datetime.fromisoformat(text.replace("z", "Z"))
            if 1000 <= dt.year <= 2999:
                return dt.replace(microsecond=0).isoformat()
    except ValueError:
        pass
    return _bad(text, warn, what)


def _bad(text: str, warn: Warn | None, what: str) -> None:
    if warn is not None:
        warn(f"unreadable {what} {text[:60]!r} left empty")


def parse_datetime(value: str | None) -> datetime | None:
    """A datetime from iso_date's output (dates at midnight), for comparisons."""
    if not value or _YEAR.match(value) or _YEAR_MONTH.match(value):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


# -- formats -------------------------------------------------------------------

MEDIA_TYPES = {
    "text/csv": "CSV", "application/csv": "CSV", "text/comma-separated-values": "CSV",
    "application/json": "JSON", "text/json": "JSON",
    "application/geo+json": "GEOJSON", "application/vnd.geo+json": "GEOJSON",
    "application/xml": "XML", "text/xml": "XML",
    "application/rdf+xml": "RDF", "text/turtle": "TTL", "application/ld+json": "JSON-LD",
    "application/n-triples": "NT",
    "application/pdf": "PDF", "application/zip": "ZIP", "application/x-zip-compressed": "ZIP",
    "application/gzip": "GZIP", "application/x-gzip": "GZIP",
    "application/vnd.ms-excel": "XLS",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "XLSX",
    "application/vnd.oasis.opendocument.spreadsheet": "ODS",
    "application/msword": "DOC",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "DOCX",
    "application/vnd.oasis.opendocument.text": "ODT",
    "text/html": "HTML", "application/xhtml+xml": "HTML", "text/plain": "TXT",
    "text/tab-separated-values": "TSV",
    "application/vnd.google-earth.kml+xml": "KML", "application/vnd.google-earth.kmz": "KMZ",
    "application/gml+xml": "GML", "application/x-shapefile": "SHP",
    "application/x-esri-shape": "SHP", "application/x-netcdf": "NETCDF",
    "application/sparql-query": "SPARQL", "application/sparql-results+json": "JSON",
    "image/png": "PNG", "image/jpeg": "JPEG", "image/tiff": "TIFF",
}
# Labels portals use for the same thing, lower-cased.
FORMAT_ALIASES = {
    "web page": "HTML", "webpage": "HTML", "html page": "HTML", "web": "HTML",
    "shapefile": "SHP", "esri shapefile": "SHP", "excel": "XLS", "microsoft excel": "XLS",
    "jpg": "JPEG", "geo json": "GEOJSON", "json-ld": "JSON-LD", "jsonld": "JSON-LD",
    "text": "TXT", "plain text": "TXT", "netcdf": "NETCDF", "zipped shapefile": "SHP",
    "ogc:wms": "WMS", "ogc:wfs": "WFS", "ogc:wmts": "WMTS", "ogc:wcs": "WCS",
    "arcgis geoservices rest api": "ARCGIS REST", "esri rest": "ARCGIS REST",
    "api": "API", "sparql": "SPARQL",
}
_EXTENSIONS = {"csv", "json", "geojson", "xml", "rdf", "ttl", "pdf", "zip", "xls", "xlsx",
               "ods", "doc", "docx", "odt", "txt", "tsv", "kml", "kmz", "gml", "shp",
               "png", "jpg", "jpeg", "gz", "parquet", "nc"}
_SHORT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._+-]{0,14}$")


def format_name(fmt: object = None, media_type: object = None,
                url: str | None = None) -> str | None:
    """Short upper-case format: 'CSV', 'XLSX', 'GEOJSON', 'WMS'..."""
    for candidate in (fmt, media_type):
        name = _format_from(candidate)
        if name:
            return name
    if url:
        ext = urlsplit(url).path.rsplit("/", 1)[-1].rpartition(".")[2].lower()
        if ext in _EXTENSIONS and "." in urlsplit(url).path.rsplit("/", 1)[-1]:
            return {"jpg": "JPEG", "gz": "GZIP", "nc": "NETCDF"}.get(ext, ext.upper())
    return None


def _format_from(value: object) -> str | None:
    text = plain_text(value, 200) if value is not None else None
    if not text:
        return None
    low = text.lower().strip().lstrip(".")
    if low.startswith(("http://", "https://")):
        # A vocabulary URI: EU file-type .../file-type/CSV, IANA .../media-types/text/csv
        path = unquote(urlsplit(text).path)
        if "/media-types/" in path:
            low = path.split("/media-types/", 1)[1].lower()
        else:
            text = path.rstrip("/").rsplit("/", 1)[-1]
            low = text.lower()
            if not low:
                return None
    low = low.split(";")[0].strip()
    if low in MEDIA_TYPES:
        return MEDIA_TYPES[low]
    if low in FORMAT_ALIASES:
        return FORMAT_ALIASES[low]
    if low.startswith("www:link"):
        return "HTML"
    if low.startswith(("ogc:", "esri:")):
        return low.split(":", 1)[1].split("-")[0].upper() or None
    if "/" in low:  # an unknown media type: its subtype says most
        sub = low.split("/", 1)[1].removeprefix("x-").removeprefix("vnd.")
        return sub.upper() if _SHORT.match(sub) else None
    out = text.strip().lstrip(".")
    return out.upper() if _SHORT.match(out) else out


_SIZE = re.compile(r"^\s*(\d+(?:[.,]\d+)?)\s*([a-zA-Z]*)\s*$")
_UNITS = {"": 1, "b": 1, "byte": 1, "bytes": 1, "o": 1, "octet": 1, "octets": 1,
          "kb": 1024, "ko": 1024, "kib": 1024, "mb": 1024 ** 2, "mo": 1024 ** 2,
          "mib": 1024 ** 2, "gb": 1024 ** 3, "go": 1024 ** 3, "gib": 1024 ** 3}


def size_bytes(value: object, warn: Warn | None = None) -> int | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return int(value) if value >= 0 else None
    m = _SIZE.match(str(value))
    unit = m.group(2).lower() if m else None
    if m and unit in _UNITS:
        return int(float(m.group(1).replace(",", ".")) * _UNITS[unit])
    if warn is not None:
        warn(f"unreadable size {str(value)[:40]!r} left empty")
    return None


# -- frequencies ----------------------------------------------------------------

_ISO_REPEAT = re.compile(r"^R/P(?:\d+(?:\.\d+)?[YMWD])+(?:T(?:\d+(?:\.\d+)?[HMS])+)?$|^R/PT"
                         r"(?:\d+(?:\.\d+)?[HMS])+$")
FREQUENCIES = {
    # Dublin Core collection frequency (purl.org/cld/freq), EU frequency vocabulary,
    # ISO 19115 maintenance codes, POD and DCAT-AR words.
    "triennial": "R/P3Y", "biennial": "R/P2Y", "annual": "R/P1Y", "annually": "R/P1Y",
    "yearly": "R/P1Y", "anual": "R/P1Y", "semiannual": "R/P6M", "biannually": "R/P6M",
    "annual_2": "R/P6M", "annual_3": "R/P4M", "threetimesayear": "R/P4M",
    "quarterly": "R/P3M", "trimestral": "R/P3M", "bimonthly": "R/P2M", "monthly": "R/P1M",
    "mensual": "R/P1M", "monthly_2": "R/P0.5M", "semimonthly": "R/P0.5M",
    "monthly_3": "R/P10D", "threetimesamonth": "R/P10D", "biweekly": "R/P2W",
    "fortnightly": "R/P2W", "weekly": "R/P1W", "semanal": "R/P1W", "weekly_2": "R/P3.5D",
    "semiweekly": "R/P3.5D", "weekly_3": "R/P2D", "threetimesaweek": "R/P2D",
    "daily": "R/P1D", "diaria": "R/P1D", "diario": "R/P1D", "daily_2": "R/PT12H",
    "hourly": "R/PT1H", "continuous": "R/PT1S", "cont": "R/PT1S", "update_cont": "R/PT1S",
    "continual": "R/PT1S", "irregular": "irregular", "irreg": "irregular",
    "asneeded": "irregular", "as needed": "irregular", "eventual": "irregular",
    "punctual": "irregular", "other": "irregular",
    "never": "never", "notplanned": "never", "unknown": None, "unknow": None,
}


def frequency(value: object) -> str | None:
    text = plain_text(value, 200) if value is not None else None
    if not text:
        return None
    if text.upper().startswith("R/P"):
        return text.upper() if _ISO_REPEAT.match(text.upper()) else text
    key = text
    if key.lower().startswith(("http://", "https://")):
        key = unquote(urlsplit(key).path).rstrip("/").rsplit("/", 1)[-1]
    low = key.strip().lower()
    if low in FREQUENCIES:
        return FREQUENCIES[low]
    return text


# -- themes and licences ---------------------------------------------------------

EU_THEMES = {
    "AGRI": "Agricultura, pesca, silvicultura y alimentación",
    "ECON": "Economía y finanzas",
    "EDUC": "Educación, cultura y deportes",
    "ENER": "Energía",
    "ENVI": "Medio ambiente",
    "GOVE": "Gobierno y sector público",
    "HEAL": "Salud",
    "INTR": "Asuntos internacionales",
    "JUST": "Justicia, sistema jurídico y seguridad pública",
    "REGI": "Regiones y ciudades",
    "SOCI": "Población y sociedad",
    "TECH": "Ciencia y tecnología",
    "TRAN": "Transporte",
}


def theme_label(value: object) -> str | None:
    """A theme as text: EU theme codes and URIs in Spanish, other URIs by their
    last readable segment (numeric codes without a label are dropped)."""
    text = plain_text(value, 200) if value is not None else None
    if not text:
        return None
    if text.lower().startswith(("http://", "https://")):
        last = unquote(urlsplit(text).path).rstrip("/").rsplit("/", 1)[-1]
        if "data-theme" in text and last.upper() in EU_THEMES:
            return EU_THEMES[last.upper()]
        return plain_text(last.replace("_", " ")) if last and not last.isdigit() else None
    return text


def eu_theme(code: object) -> str | None:
    """DCAT-AR `superTheme` codes (same 13 codes as the EU vocabulary)."""
    return EU_THEMES.get(str(code).strip().upper()) if code else None


_URL_IN_TEXT = re.compile(r"https?://[^\s<>\"')]+")


def make_license(lid: object = None, title: object = None, url: object = None,
                 base_url: str | None = None) -> License | None:
    lid_text = plain_text(lid, 200)
    title_text = plain_text(title, 300)
    link = safe_url(url, base_url) if url else None
    if title_text and title_text.lower().startswith(("http://", "https://")) \
            and " " not in title_text:
        link = link or safe_url(title_text)
        title_text = None
    if lid_text and lid_text.lower().startswith(("http://", "https://")) and " " not in lid_text:
        link = link or safe_url(lid_text)
        lid_text = None
    if not link and title_text:
        found = _URL_IN_TEXT.search(title_text)
        link = safe_url(found.group(0).rstrip(".,;")) if found else None
    if not (lid_text or title_text or link):
        return None
    return License(id=lid_text, title=title_text or lid_text, url=link)


# -- coverage and contact (read by the scorecard's metadata-quality check) -------

_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
# Catalog software that leaves its template unfilled: "{{extent:computeSpatialProperty}}".
_PLACEHOLDER = re.compile(r"^\s*\{\{.*\}\}\s*$")


def spatial_text(value: object) -> str | None:
    """A dataset's spatial coverage as short text: a place name or URI as given;
    a geometry (GeoJSON, WKT, a box of numbers) as its bounding box "W,S,E,N"."""
    if isinstance(value, dict):
        value = json.dumps(value)
    text = plain_text(value, 100_000) if value is not None else None
    if not text or _PLACEHOLDER.match(text):
        return None
    geometric = text.startswith("{") or text.split("(", 1)[0].strip().upper() in _WKT \
        or all(_NUMBER.fullmatch(p.strip()) for p in text.split(","))
    if not geometric:
        return text[:300]
    numbers = [float(n) for n in _NUMBER.findall(text)]
    if len(numbers) < 2:
        return None
    xs, ys = numbers[0::2], numbers[1::2]
    if len(numbers) == 4 and not text.startswith("{") and "(" not in text:
        xs, ys = [numbers[0], numbers[2]], [numbers[1], numbers[3]]   # already a box
    return ",".join(f"{v:g}" for v in (min(xs), min(ys), max(xs), max(ys)))


_WKT = {"POINT", "LINESTRING", "POLYGON", "MULTIPOINT", "MULTILINESTRING", "MULTIPOLYGON",
        "GEOMETRYCOLLECTION", "ENVELOPE"}


def temporal_text(start: object = None, end: object = None) -> str | None:
    """A dataset's temporal coverage as an ISO 8601 interval "start/end" (either
    side may be ".." when open); a single "a/b" text is split first."""
    if end is None and isinstance(start, str) and "/" in start:
        start, end = start.split("/", 1)
    a, b = iso_date(_none(start)), iso_date(_none(end))
    if not (a or b):
        return None
    return f"{a or '..'}/{b or '..'}"


def _none(value: object) -> object:
    return None if value in ("", "..") else value


def contact_text(name: object = None, email: object = None) -> str | None:
    """A contact point as "Name <email>" (either part alone when that is all)."""
    who = plain_text(name, 200) if name is not None else None
    mail = plain_text(email, 200) if email is not None else None
    if mail:
        mail = mail.removeprefix("mailto:").strip() or None
    if who and mail and mail not in who:
        return f"{who} <{mail}>"
    return who or mail


def media_type(value: object) -> str | None:
    """An IANA media type ("text/csv"), from the type itself or its IANA URI."""
    text = plain_text(value, 200) if value is not None else None
    if not text:
        return None
    low = text.lower()
    if "/media-types/" in low:
        low = low.split("/media-types/", 1)[1]
    low = low.split(";")[0].strip()
    return low if re.fullmatch(r"[a-z0-9][a-z0-9.+-]*/[a-z0-9][a-z0-9.+-]*", low) else None
