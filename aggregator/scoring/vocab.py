"""Vocabularies the metadata-quality check compares against (docs/scorecard.md).

Formats are the short upper-case names `aggregator.normalize.format_name`
gives (CSV, XLSX, GEOJSON, WMS...). The lists follow the criteria of
data.europa.eu's Metadata Quality Assessment: a format is *open* when its
specification is public and free to implement, *machine-readable* when a
program can read its data without a person (a PDF or a web page is not), and
*known* when it is a recognised file type at all.
"""

from __future__ import annotations

import re

OPEN_FORMATS = frozenset({
    "CSV", "TSV", "TXT", "JSON", "JSON-LD", "GEOJSON", "XML", "RDF", "TTL", "NT", "N3",
    "GML", "KML", "KMZ", "GPX", "GPKG", "ODS", "ODT", "ODP", "HTML", "PNG", "SVG", "TIFF",
    "GZIP", "ZIP", "7Z", "NETCDF", "PARQUET", "PDF", "SPARQL", "WMS", "WFS", "WMTS", "WCS",
    "CSW", "SOS", "ATOM", "RSS", "YAML", "SQL",
})
MACHINE_READABLE = frozenset({
    "CSV", "TSV", "JSON", "JSON-LD", "GEOJSON", "XML", "RDF", "TTL", "NT", "N3", "GML",
    "KML", "KMZ", "GPX", "GPKG", "ODS", "XLS", "XLSX", "SHP", "NETCDF", "PARQUET",
    "SPARQL", "WFS", "WCS", "SOS", "ATOM", "RSS", "YAML", "SQL", "DBF", "MDB", "API",
    "ARCGIS REST",
})
KNOWN_FORMATS = OPEN_FORMATS | MACHINE_READABLE | frozenset({
    "XLS", "XLSX", "DOC", "DOCX", "PPT", "PPTX", "RTF", "JPEG", "GIF", "BMP", "ECW",
    "DWG", "DXF", "SHP", "MDB", "ACCDB", "DBF", "SAV", "DTA", "RAR", "TAR", "EXE",
})

# Licences from a known vocabulary: Creative Commons, Open Data Commons, the
# EU's licence authority table and the national open licences portals use.
_LICENSE_URLS = re.compile(
    r"creativecommons\.org/(licenses|publicdomain)/|opendatacommons\.org/licenses/"
    r"|publications\.europa\.eu/resource/authority/licence/|dcat-ap\.de/def/licenses/"
    r"|etalab\.gouv\.fr/licence|nationalarchives\.gov\.uk/doc/open-government-licence"
    r"|data\.gov\.\w+/licen[cs]e|opensource\.org/licenses/|gnu\.org/licenses/")
_LICENSE_IDS = re.compile(
    r"^(cc[-_ ]?(by|zero|0|pddl)|cc0|odc[-_ ]?(by|odbl|pddl)|odbl|pddl|ogl|uk-ogl"
    r"|etalab|lo-2|fr-lo|dl-de|gfdl|gpl|mit|apache|other-open|other-pd|other-at)",
    re.IGNORECASE)
_LICENSE_TITLES = re.compile(
    r"creative commons|open data commons|open government licen[cs]e|licence ouverte"
    r"|dominio público|public domain|datenlizenz deutschland", re.IGNORECASE)


def known_license(lic) -> bool:
    """Whether a licence is one of a known vocabulary (by URL, id or title)."""
    if lic is None:
        return False
    return bool((lic.url and _LICENSE_URLS.search(lic.url.lower()))
                or (lic.id and _LICENSE_IDS.match(lic.id.strip()))
                or (lic.title and _LICENSE_TITLES.search(lic.title)))
