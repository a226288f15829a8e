"""Pelican settings for local builds and previews (`make html`, `make serve`).

Name, logo and colours of the portal are set here; `publishconf.py` adds the
production URL. `PORTAL_DATA` (or `make html DATA=dir`) builds from another
snapshot folder.
"""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
# Plugins import the shared snapshot reader from the aggregator package.
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SITENAME = "Portal de Gobierno Abierto"
SITE_TAGLINE = "Datos, transparencia y participación del Estado en un solo lugar"
SITE_LOGO = "theme/img/logo.svg"
# The navigation bar, in order: (label, address). An address is site-relative
# ("obras/") or absolute ("https://..."); a section's pages mark its link as current.
PORTAL_NAV = [
    ("Datos", "datos/"),
    ("Instituciones", "instituciones/"),
    ("Participación", "participacion/"),
    ("Transparencia", "transparencia/"),
    ("Obras", "obras/"),
    ("Evaluación", "evaluacion/"),
    ("Noticias", "noticias/"),
    ("Apps", "apps/"),
    ("Eventos", "eventos/"),
    ("Cambios", "cambios/"),
    ("Estado de las fuentes", "estado/"),
]
# The footer: a sentence after the site's name, then the editors' pages
# (content/paginas/, by `order`) and these links.
PORTAL_FOOTER_TEXT = ("Los datos provienen de los portales y fuentes de cada institución; "
                      "cada registro enlaza a su origen.")
PORTAL_FOOTER_LINKS = [
    ("Estado de las fuentes", "estado/"),
    ("Catálogo para reutilizadores", "catalogo/"),
    ("Suscripciones (Atom)", "feeds/"),
]
# Colours of the theme (checked for WCAG AA contrast against white text/background).
THEME_COLORS = {"primary": "#0f4c81", "accent": "#b3261e", "text": "#1b1b1b",
                "muted": "#4a4a4a", "background": "#ffffff", "surface": "#f3f5f8"}
AUTHOR = "Portal de Gobierno Abierto"
SITEURL = ""
RELATIVE_URLS = True

PATH = "content"
# The portal's day follows TIMEZONE: consultations open today, "closes in N days",
# upcoming events (PORTAL_TODAY=YYYY-MM-DD pins the day, PORTAL_NOW=<ISO time> the clock).
TIMEZONE = "America/Santiago"
# The portal's language: the pages' lang attribute, the feeds' language, the search
# index's stemming and the dates and numbers (Babel: "26 de noviembre de 2026", "12.345")
# follow DEFAULT_LANG. LOCALE is Pelican's (its own date formats).
DEFAULT_LANG = "es"
LOCALE = ("es_CL.UTF-8", "es_ES.UTF-8", "C.UTF-8")
DEFAULT_DATE_FORMAT = "%d/%m/%Y"

THEME = str(ROOT / "themes" / "portal")
PLUGIN_PATHS = [str(ROOT / "plugins")]
PLUGINS = ["portal_site", "editor_content", "portal_search"]

# The aggregated snapshot (content/data by default) and the build date.
PORTAL_DATA = os.environ.get("PORTAL_DATA") or str(ROOT / "content" / "data")
# Display names of sources, when the snapshot's own `name:` is not the one wanted:
# {"datos-gob-cl": "datos.gob.cl"}.
PORTAL_SOURCE_NAMES = {}
# Machine-readable exports (docs/exports.md): DCAT-AP 3.0.1 (Turtle, JSON-LD), data.json
# (DCAT-US 1.1), a CSV per section, iCalendar, all listed on /catalogo/. False builds
# the site without them, a list only some ("dcat", "datasets": data.json and
# datasets.csv, "csv": the other sections' CSV, "ical"): only the benchmarks do.
PORTAL_EXPORTS = True
# The exports made by a second process beside the pages (a fork, on machines with more
# than one CPU; not under `make devserver`): the same files, in less time. False: one
# process. The environment variable PORTAL_PARALLEL_EXPORTS=0 or 1, when set, decides alone.
PORTAL_PARALLEL_EXPORTS = True
# Datasets per file of /catalogo/dcat.ttl and dcat.jsonld (more: dcat-pagina-2.ttl...).
PORTAL_DCAT_PAGE_SIZE = 1000
# Contact of the portal's operator, the contactPoint of every dataset in DCAT-AP and
# data.json (data.json requires one with an email): set your own address.
PORTAL_CONTACT = {"name": "Portal de Gobierno Abierto", "email": "contacto@gobiernoabierto.example"}
# DCAT-US 1.1 requires US federal budget codes in data.json; a portal outside the US
# federal government keeps these placeholders ("not a federal agency").
PORTAL_DATAJSON_CODES = {"bureauCode": ["000:00"], "programCode": ["000:000"]}
# /cambios/ and the "Historial" of record pages show the changes of this many months
# (the most recent month files of content/data/changes/; older ones stay in git).
PORTAL_CHANGES_MONTHS = 12
# Transparency links built from each institution's cplt_code (aggregator/transparency.py);
# set PORTAL_TRANSPARENCY_URL / PORTAL_REQUEST_URL / PORTAL_LOBBY_URL to another
# country's URL patterns ({code}, {id}, {leylobby_id}), or None to hide a link.

# The open-government scorecard (/evaluacion/, docs/scorecard.md): the one place its
# weights and thresholds live. `python -m aggregator score` (also run at the end of
# `aggregator run` and `make snapshot`) reads this block from this file, computes
# content/data/scores.yaml and records these values in it; /evaluacion/metodologia/
# is generated from that record, so the totals and the method page always agree.
# Change a value, run `python -m aggregator score`, rebuild.
PORTAL_SCORECARD = {
    # Points of each indicator (an indicator left out is not computed). An
    # institution's total is 100 x points earned / points of the indicators that
    # apply to it: one that says "no aplica" counts neither for nor against.
    # `skip_kinds`: institution kinds the indicator does not apply to.
    "indicators": {
        # Datasets in the harvested catalogs: full points from `full_at` datasets.
        "datos_publicados": {"points": 15, "full_at": 10},
        # Mean metadata quality of its datasets (dataset_quality below); datasets
        # from `pass_at` % count in favour, the rest against.
        "calidad_metadatos": {"points": 15, "pass_at": 54.6},
        # Share of its datasets with a regular frequency that are on time: late when
        # older than `tolerance` x the period (and at least `min_days` days).
        "actualizacion": {"points": 10, "tolerance": 1.5, "min_days": 7},
        # Transparencia Activa and access-request links (half the points each).
        # Ministries publish through their subsecretarías: no obligation of their own.
        "enlaces_transparencia": {"points": 15, "skip_kinds": ["ministerio"]},
        # Lobby register entries in the last `months` months; full from `full_at`.
        "lobby": {"points": 15, "months": 12, "full_at": 1},
        # Participation processes opened in the last `months` months (or open).
        "participacion_reciente": {"points": 12, "months": 12, "full_at": 1},
        # At least one process open on the day of the evaluation.
        "participacion_abierta": {"points": 8},
        # News items in the last `days` days from the institution's own feed.
        "noticias": {"points": 10, "days": 90, "full_at": 1},
    },
    # Rating of a total: (minimum, label), any order; one band must start at 0.
    "ratings": [(75, "Destacado"), (50, "Adecuado"), (25, "Insuficiente"),
                (0, "Deficiente")],
    # A body the portal holds no evidence of (no harvested record, no registry link
    # or code) is listed as "sin evidencia" and not ranked; True ranks it (at 0).
    "evaluate_without_evidence": False,
    # Registry kinds that are not evaluated at all (the demo's foreign portals).
    "exclude_kinds": ["organismo extranjero", "empresa extranjera",
                      "organización de demostración"],
    # Record ids kept in scores.yaml, and shown on the institution's page, per
    # indicator and side (for / against); the counts are always complete.
    "evidence_limit": 10,
    # Metadata quality of each dataset, after data.europa.eu's MQA: points per metric
    # (MQA's own; metrics that need the network are left out) and the rating bands
    # as a percentage of the points that can be checked (MQA: 351, 221, 121 of 405).
    "dataset_quality": {
        "points": {"palabras_clave": 30, "temas": 30, "cobertura_espacial": 20,
                   "cobertura_temporal": 20, "url_descarga": 20, "formato": 20,
                   "tipo_medio": 10, "formato_conocido": 10, "formato_abierto": 20,
                   "legible_por_maquina": 20, "licencia": 20, "licencia_conocida": 10,
                   "punto_de_contacto": 20, "publicador": 10, "tamano": 5,
                   "fecha_publicacion": 5, "fecha_modificacion": 5},
        "ratings": [(86.7, "Excelente"), (54.6, "Buena"), (29.9, "Suficiente"),
                    (0, "Deficiente")],
    },
}

# Autoescape stays on: everything from sources is untrusted (docs/contracts.md, Security).
# auto_reload off: each build (and each devserver rebuild) makes a new environment
# anyway, and checking every template's mtime on every page costs seconds at scale.
JINJA_ENVIRONMENT = {"autoescape": True, "trim_blocks": True, "lstrip_blocks": True,
                     "auto_reload": False}

# Editors' content (plugins/editor_content, docs/editors.md): Markdown with YAML front
# matter. News in content/noticias, pages in content/paginas; apps in content/apps and
# events in content/eventos are read by the plugin. Images in content/images.
ARTICLE_PATHS = ["noticias"]
PAGE_PATHS = ["paginas"]
ARTICLE_EXCLUDES = ["data"]
PAGE_EXCLUDES = ["data"]
ARTICLE_URL = "noticias/{slug}/"
ARTICLE_SAVE_AS = "noticias/{slug}/index.html"
PAGE_URL = "{slug}/"
PAGE_SAVE_AS = "{slug}/index.html"
# The home page and the section listings are the portal generator's.
INDEX_SAVE_AS = ""
DIRECT_TEMPLATES = []
CATEGORY_SAVE_AS = CATEGORIES_SAVE_AS = ""
TAG_SAVE_AS = TAGS_SAVE_AS = ""
AUTHOR_SAVE_AS = AUTHORS_SAVE_AS = ""
ARCHIVES_SAVE_AS = YEAR_ARCHIVE_SAVE_AS = MONTH_ARCHIVE_SAVE_AS = DAY_ARCHIVE_SAVE_AS = ""
DRAFT_SAVE_AS = ""
ARTICLE_LANG_SAVE_AS = PAGE_LANG_SAVE_AS = ""

FEED_DOMAIN = SITEURL
# Pelican's own Atom feed of editors' news; the portal adds the institutions' news
# and participation feeds next to it (listed on /feeds/).
FEED_ALL_ATOM = "feeds/noticias.atom.xml"
FEED_MAX_ITEMS = 50
CATEGORY_FEED_ATOM = None
AUTHOR_FEED_ATOM = AUTHOR_FEED_RSS = None
TRANSLATION_FEED_ATOM = None
FEED_ATOM = None

STATIC_PATHS = ["images"]
# The portal plugin copies the theme's static/ folder itself, leaving files that did
# not change alone (Pelican would rewrite them on every build).
THEME_STATIC_PATHS = []
# Unchanged images are not copied again (incremental builds).
STATIC_CHECK_IF_MODIFIED = True
DELETE_OUTPUT_DIRECTORY = False
CACHE_CONTENT = False
DEFAULT_PAGINATION = False

# URLs of editors' files come from their file names, so a new title keeps the URL:
# content/paginas/acerca.md -> /acerca/, content/noticias/2026-11-20-nace-el-portal.md
# -> /noticias/nace-el-portal/ (the date prefix is dropped). `slug:` overrides it.
SLUGIFY_SOURCE = "basename"
FILENAME_METADATA = r"(?:\d{4}-\d{2}-\d{2}-)?(?P<slug>.*)"
