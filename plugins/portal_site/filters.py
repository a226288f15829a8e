"""Jinja filters and date helpers shared by every template (Spanish through Babel)."""

from __future__ import annotations

import json
import os
import re
from datetime import UTC, date, datetime
from functools import lru_cache, partial
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal
from markupsafe import Markup, escape

LOCALE = "es"


@lru_cache(maxsize=65536)
def parse_date(value: str | None) -> date | datetime | None:
    """An ISO date or datetime from the snapshot, or None when it is not one."""
    if not value:
        return None
    text = str(value).strip()
    try:
        if len(text) <= 10:
            return date.fromisoformat(text)
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def as_date(value) -> date | None:
    if isinstance(value, str) or value is None:
        value = parse_date(value)
    if isinstance(value, datetime):
        return value.date()
    return value


def portal_zone(settings: dict | None = None) -> ZoneInfo:
    """The portal's time zone: Pelican's TIMEZONE (UTC when unset)."""
    name = (settings or {}).get("TIMEZONE") or "UTC"
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"TIMEZONE: unknown time zone {name!r} (an IANA name such as "
                         "America/Santiago)") from None


def now(settings: dict | None = None) -> datetime:
    """The build's clock in the portal's time zone. PORTAL_NOW (environment or
    setting) fixes the instant: an ISO 8601 time, read in TIMEZONE when it has no
    offset (tests: 23:30 in Santiago is already the next day in UTC)."""
    zone = portal_zone(settings)
    fixed = os.environ.get("PORTAL_NOW") or (settings or {}).get("PORTAL_NOW")
    if not fixed:
        return datetime.now(UTC).astimezone(zone)
    instant = datetime.fromisoformat(str(fixed))
    return instant.astimezone(zone) if instant.tzinfo else instant.replace(tzinfo=zone)


def today(settings: dict | None = None) -> date:
    """The build date, the portal's day (not UTC's): "open now", "closes in N days"
    and upcoming events follow it. PORTAL_TODAY=YYYY-MM-DD pins it (tests,
    reproducible builds)."""
    pinned = os.environ.get("PORTAL_TODAY") or (settings or {}).get("PORTAL_TODAY")
    if pinned:
        return date.fromisoformat(str(pinned))
    return now(settings).date()


def babel_locale(settings: dict | None = None) -> str:
    """The locale dates and numbers are written in (through Babel): the portal's
    language, DEFAULT_LANG ("es": "26 de noviembre de 2026", "25 nov 2026")."""
    name = str((settings or {}).get("DEFAULT_LANG") or LOCALE)
    try:
        return str(Locale.parse(name.replace("-", "_")))
    except (ValueError, UnknownLocaleError):
        raise ValueError(f"DEFAULT_LANG: {name!r} is not a language Babel knows "
                         "(e.g. es, pt, en)") from None


@lru_cache(maxsize=65536)
def _fecha(value: str, fmt: str, locale: str) -> str:
    d = parse_date(value)
    if d is None:
        return value
    if isinstance(d, datetime) and fmt == "long-time":
        if locale.split("_")[0] == "es":
            return format_datetime(d, "d 'de' MMMM 'de' y, HH:mm", locale=locale)
        return f"{format_date(d.date(), 'long', locale=locale)}, {d:%H:%M}"
    return format_date(d if not isinstance(d, datetime) else d.date(),
                       "long" if fmt.startswith("long") else fmt, locale=locale)


def fecha(value, fmt: str = "long", locale: str = LOCALE) -> str:
    """'2024-03-05' -> '5 de marzo de 2024' (in `locale`)."""
    if value is None or value == "":
        return ""
    if isinstance(value, (date, datetime)):
        value = value.isoformat()
    return _fecha(str(value), fmt, locale)


def iso_date(value) -> str:
    d = as_date(value)
    return d.isoformat() if d else ""


def _es(x: float) -> str:
    """A number the way Babel writes it in Spanish ('1.234.567', '1,5'), without
    Babel's per-call cost (pages show tens of thousands of numbers); integers
    and one-decimal values only, which is all the portal shows."""
    if isinstance(x, float) and not x.is_integer():
        text = f"{x:,.1f}"
    else:
        text = f"{int(x):,}"
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


def tamano(size, locale: str = LOCALE) -> str:
    """Bytes in a human unit, decimals as `locale` writes them: 1536 -> '1,5 KB'."""
    if size in (None, ""):
        return ""
    n = float(size)
    for unit in ("bytes", "KB", "MB", "GB", "TB"):
        if n < 1024 or unit == "TB":
            if unit == "bytes":
                return f"{int(n)} bytes"
            return f"{numero(round(n, 1), locale)} {unit}"
        n /= 1024
    return ""


def numero(n, locale: str = LOCALE) -> str:
    if locale.split("_")[0] != "es":
        return format_decimal(n or 0, locale=locale)
    if isinstance(n, (int, float)) and not isinstance(n, bool):
        return _es(n if isinstance(n, int) else round(n, 1))
    return format_decimal(n or 0, locale=locale)


def dias(n) -> str:
    """Days left until a closing date, in words: 'Cierra hoy', 'Queda 1 día'."""
    if n is None:
        return ""
    if n < 0:
        return "Cerrada"
    if n == 0:
        return "Cierra hoy"
    if n == 1:
        return "Queda 1 día"
    return f"Quedan {numero(n)} días"


def faltan(n) -> str:
    """Days until a start date: 'Comienza mañana', 'Comienza en 5 días'."""
    if n is None:
        return ""
    if n <= 0:
        return "Comienza hoy"
    if n == 1:
        return "Comienza mañana"
    return f"Comienza en {numero(n)} días"


# Update frequencies as sources write them: ISO 8601 repeating durations (DCAT-US,
# DCAT-AR), Dublin Core and EU vocabulary URIs, and plain English words.
_FREQ_WORDS = {
    "continuous": "Continua", "cont": "Continua", "continual": "Continua",
    "hourly": "Cada hora", "daily": "Diaria", "weekly": "Semanal",
    "biweekly": "Quincenal", "fortnightly": "Quincenal", "semimonthly": "Quincenal",
    "monthly": "Mensual", "bimonthly": "Bimestral", "quarterly": "Trimestral",
    "semiannual": "Semestral", "annual": "Anual", "annually": "Anual",
    "yearly": "Anual", "biennial": "Bienal", "triennial": "Trienal",
    "irregular": "Irregular", "irreg": "Irregular", "eventual": "Eventual",
    "as needed": "Según necesidad", "never": "Sin actualizaciones",
    "unknown": "Desconocida", "unkwn": "Desconocida", "other": "Otra",
}
_FREQ_ONE = {"PT1S": "Continua", "PT1H": "Cada hora", "P1D": "Diaria", "P1W": "Semanal",
             "P2W": "Quincenal", "P0.5M": "Quincenal", "P1M": "Mensual",
             "P2M": "Bimestral", "P3M": "Trimestral", "P4M": "Cuatrimestral",
             "P6M": "Semestral", "P0.5Y": "Semestral", "P1Y": "Anual", "P2Y": "Bienal",
             "P3Y": "Trienal", "P4Y": "Cada 4 años", "P10Y": "Cada 10 años"}
# Values already in Spanish ('mensual', 'Anual') are shown capitalized.
_FREQ_WORDS.update({w.lower(): w for w in [*_FREQ_WORDS.values(), *_FREQ_ONE.values()]})
_FREQ_WORDS.update({"diario": "Diaria", "semestral": "Semestral", "bianual": "Semestral"})
_FREQ_UNITS = {"D": ("día", "días"), "W": ("semana", "semanas"),
               "M": ("mes", "meses"), "Y": ("año", "años")}
_FREQ_ISO = re.compile(r"^(?:R/)?(PT?)(\d+(?:[.,]\d+)?)([HDWMYS])$")


@lru_cache(maxsize=1024)
def frecuencia(value: str | None) -> str:
    """A dataset's update frequency in Spanish: 'R/P1M' -> 'Mensual'; values it
    does not know are shown as the source wrote them."""
    if not value:
        return ""
    text = str(value).strip()
    key = text.rstrip("/").rsplit("/", 1)[-1] if "://" in text else text
    word = _FREQ_WORDS.get(key.lower().replace("_", " ").replace("-", " "))
    if word:
        return word
    iso = key[2:] if key.upper().startswith("R/") else key
    if iso.upper() in _FREQ_ONE:
        return _FREQ_ONE[iso.upper()]
    m = _FREQ_ISO.match(key.upper())
    if m and m.group(1) == "P" and m.group(3) in _FREQ_UNITS:
        n = float(m.group(2).replace(",", "."))
        one, many = _FREQ_UNITS[m.group(3)]
        return f"Cada {one}" if n == 1 else f"Cada {_es(int(n) if n.is_integer() else n)} {many}"
    return text


def excerpt(html: str | None, length: int = 280) -> str:
    """Plain text of sanitized HTML, cut at a word near `length` characters."""
    if not html:
        return ""
    text = Markup(html).striptags()
    if len(text) <= length:
        return text
    cut = text[:length].rsplit(" ", 1)[0].rstrip(" ,;:.")
    return cut + "…"


def jsonld(data) -> Markup:
    """JSON for a <script type="application/ld+json">: nothing in it can close the
    script element or open a comment."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)


# Placeholder for SITEURL in fragments rendered once and reused on many pages
# (dataset list items): each page puts its own (relative) SITEURL in.
SITEURL_MARK = "\x1aSITEURL\x1a"


def fill_siteurl(fragments, siteurl: str) -> Markup:
    return Markup("".join(fragments).replace(SITEURL_MARK, str(escape(siteurl))))


FILTERS = {"fecha": fecha, "iso_date": iso_date, "tamano": tamano, "numero": numero,
           "dias": dias, "faltan": faltan, "excerpt": excerpt, "jsonld": jsonld,
           "fill_siteurl": fill_siteurl, "frecuencia": frecuencia}


def filters_for(settings: dict | None) -> dict:
    """FILTERS writing dates and numbers in the portal's locale (babel_locale)."""
    locale = babel_locale(settings)
    return {**FILTERS, "fecha": partial(fecha, locale=locale),
            "numero": partial(numero, locale=locale), "tamano": partial(tamano, locale=locale)}
