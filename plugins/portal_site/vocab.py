"""The controlled vocabularies the RDF and data.json exports point to: the EU
data themes, file types and frequencies (publications.europa.eu authority
tables, as DCAT-AP recommends), IANA media types and known licence URIs.

Each mapping is used only where it is known: a theme nobody mapped stays the
portal's own concept, an unknown format a label, a licence without URL a title.
"""

from __future__ import annotations

import re
import unicodedata

from aggregator.normalize import EU_THEMES

EU = "http://publications.europa.eu/resource/authority/"
DATA_THEME = EU + "data-theme"
FILE_TYPE = EU + "file-type/"
FREQUENCY = EU + "frequency/"
LANGUAGE_ES = EU + "language/SPA"
IANA = "http://www.iana.org/assignments/media-types/"

# Words (folded: lower case, no accents) that tie a theme label to an EU data
# theme; several words are matched as a phrase. First theme whose word is in the
# label wins, so the more specific themes come first.
THEME_WORDS = {
    "HEAL": ["salud", "sanitari", "hospital", "health", "sante"],
    "EDUC": ["educacion", "cultura", "deporte", "escuela", "universidad", "patrimonio",
             "museo", "education", "culture", "sport"],
    "ENER": ["energia", "electricidad", "combustible", "energy", "energie"],
    "ENVI": ["medio ambiente", "ambiente", "medioambiente", "clima", "agua", "residuo",
             "biodiversidad", "contaminacion", "emisiones", "environment", "environnement"],
    "AGRI": ["agricultura", "pesca", "silvicultura", "alimentacion", "ganaderia", "forestal",
             "bosque", "acuicultura", "agriculture", "fisheries", "agricole"],
    "TRAN": ["transporte", "movilidad", "transito", "vialidad", "transport", "mobilite",
             "mobility"],
    "JUST": ["justicia", "seguridad", "judicial", "delito", "policia", "justice", "crime"],
    "ECON": ["economia", "finanzas", "presupuesto", "hacienda", "comercio", "empresa",
             "impuesto", "tributa", "compras", "licitacion", "economy", "finance",
             "economie", "budget"],
    "TECH": ["ciencia", "tecnologia", "investigacion", "innovacion", "telecomunicacion",
             "science", "technology"],
    "REGI": ["regiones", "ciudades", "territori", "urbanismo", "vivienda", "regions",
             "cities", "logement"],
    "SOCI": ["poblacion", "sociedad", "demografia", "social", "trabajo", "empleo", "genero",
             "pobreza", "population", "society", "societe"],
    "INTR": ["internacional", "relaciones exteriores", "international"],
    "GOVE": ["gobierno", "sector publico", "administracion", "municipal", "transparencia",
             "eleccion", "government", "gouvernement"],
}
_NON_WORD = re.compile(r"[^a-z0-9]+")


def fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return " ".join(_NON_WORD.split(text)).strip()


_EU_LABELS = {fold(label): code for code, label in EU_THEMES.items()}


def eu_theme(label: str) -> tuple[str, bool] | None:
    """(EU data-theme code, exact) for a theme label, or None when unknown.
    `exact`: the label is the EU theme's own Spanish label."""
    folded = fold(label)
    if folded in _EU_LABELS:
        return _EU_LABELS[folded], True
    padded = f" {folded} "
    for code, words in THEME_WORDS.items():
        for word in words:
            # A word at the start of a label's word: "hospitales" has "hospital".
            if f" {word}" in padded:
                return code, False
    return None


def eu_theme_iri(code: str) -> str:
    return f"{DATA_THEME}/{code}"


# The portal's format names (aggregator.normalize.format_name) -> (EU file type,
# IANA media type); either may be None.
FORMATS = {
    "CSV": ("CSV", "text/csv"), "TSV": ("TSV", "text/tab-separated-values"),
    "JSON": ("JSON", "application/json"), "GEOJSON": ("GEOJSON", "application/geo+json"),
    "JSON-LD": ("JSON_LD", "application/ld+json"), "XML": ("XML", "application/xml"),
    "RDF": ("RDF_XML", "application/rdf+xml"), "TTL": ("RDF_TURTLE", "text/turtle"),
    "NT": ("RDF_N_TRIPLES", "application/n-triples"), "PDF": ("PDF", "application/pdf"),
    "ZIP": ("ZIP", "application/zip"), "GZIP": ("GZIP", "application/gzip"),
    "XLS": ("XLS", "application/vnd.ms-excel"),
    "XLSX": ("XLSX", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "ODS": ("ODS", "application/vnd.oasis.opendocument.spreadsheet"),
    "DOC": ("DOC", "application/msword"),
    "DOCX": ("DOCX",
             "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "ODT": ("ODT", "application/vnd.oasis.opendocument.text"),
    "HTML": ("HTML", "text/html"), "TXT": ("TXT", "text/plain"),
    "KML": ("KML", "application/vnd.google-earth.kml+xml"),
    "KMZ": ("KMZ", "application/vnd.google-earth.kmz"), "GML": ("GML", "application/gml+xml"),
    "SHP": ("SHP", None), "WMS": ("WMS_SRVC", None), "WFS": ("WFS_SRVC", None),
    "PNG": ("PNG", "image/png"), "JPEG": ("JPEG", "image/jpeg"), "TIFF": ("TIFF", "image/tiff"),
    "PARQUET": ("PARQUET", None), "NETCDF": ("NETCDF", "application/x-netcdf"),
}


def file_type(fmt: str | None) -> tuple[str | None, str | None]:
    """(EU file-type IRI, IANA media type) of a format name, each None if unknown."""
    if not fmt:
        return None, None
    known = FORMATS.get(fmt.upper())
    if known is None:
        return None, None
    code, media = known
    return FILE_TYPE + code, media


# ISO 8601 repeating durations (what aggregator.normalize.frequency gives) ->
# EU frequency codes; the adapters read these codes back to the same durations.
FREQUENCIES = {
    "R/P3Y": "TRIENNIAL", "R/P2Y": "BIENNIAL", "R/P1Y": "ANNUAL", "R/P6M": "ANNUAL_2",
    "R/P4M": "ANNUAL_3", "R/P3M": "QUARTERLY", "R/P2M": "BIMONTHLY", "R/P1M": "MONTHLY",
    "R/P0.5M": "MONTHLY_2", "R/P10D": "MONTHLY_3", "R/P2W": "BIWEEKLY", "R/P1W": "WEEKLY",
    "R/P3.5D": "WEEKLY_2", "R/P2D": "WEEKLY_3", "R/P1D": "DAILY", "R/PT12H": "DAILY_2",
    "R/PT1H": "HOURLY", "R/PT1S": "CONT", "irregular": "IRREG", "never": "NEVER",
}


def frequency_iri(value: str | None) -> str | None:
    code = FREQUENCIES.get(value or "")
    return FREQUENCY + code if code else None


# Licence ids sources use -> their canonical URL, for licences given without one.
LICENSES = {
    "cc-by": "https://creativecommons.org/licenses/by/4.0/",
    "cc-by-4.0": "https://creativecommons.org/licenses/by/4.0/",
    "cc-by-sa": "https://creativecommons.org/licenses/by-sa/4.0/",
    "cc-by-sa-4.0": "https://creativecommons.org/licenses/by-sa/4.0/",
    "cc-zero": "https://creativecommons.org/publicdomain/zero/1.0/",
    "cc0-1.0": "https://creativecommons.org/publicdomain/zero/1.0/",
    "cc-nc": "https://creativecommons.org/licenses/by-nc/4.0/",
    "odc-by": "https://opendatacommons.org/licenses/by/1-0/",
    "odc-odbl": "https://opendatacommons.org/licenses/odbl/1-0/",
    "odc-pddl": "https://opendatacommons.org/licenses/pddl/1-0/",
    "lo-2.0": "https://www.etalab.gouv.fr/licence-ouverte-open-licence",
    "fr-lo": "https://www.etalab.gouv.fr/licence-ouverte-open-licence",
    "uk-ogl": "http://www.nationalarchives.gov.uk/doc/open-government-licence/",
}


def license_url(lic) -> str | None:
    """A licence as a URI: its own URL, else the canonical one of a known id."""
    if lic is None:
        return None
    if lic.url:
        return lic.url
    return LICENSES.get((lic.id or "").strip().lower())
