"""Public works (`obra` records) from the rows of a register: amounts, percentages,
coordinates, dates and stages written the many ways such datasets write them.

Every parser returns the value and, when it had to guess or drop something, a
short reason; the CSV adapter reports each reason with the rows it concerns.
Nothing here is a float on its way to an amount: amounts are `Decimal`.

Number rules (docs/obras.md): currency signs, spaces and "%" are ignored; with
both "." and "," the last one is the decimal separator; one separator repeated
groups digits; a single separator followed by exactly three digits groups
thousands in an amount ("1.234" = 1234) and is decimal anywhere else.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from decimal import Decimal, InvalidOperation

from .config import ConfigError
from .records_obras import Obra, decimal_text
from .sanitize import plain_text, safe_url

STAGES = ("planned", "in_progress", "finished", "stopped", "unknown")

# Status words (folded: lower case, no accents, no punctuation) -> stage. A
# source's `stages:` option adds to these or overrides them.
DEFAULT_STAGES: dict[str, str] = {
    **dict.fromkeys([
        "planificada", "planificado", "en planificacion", "programada", "programado",
        "proyectada", "proyectado", "proyecto", "en proyecto", "en diseno", "en estudio",
        "en licitacion", "licitacion", "licitada", "licitado", "en proceso de licitacion",
        "adjudicada", "adjudicado", "preadjudicada", "en adjudicacion", "a iniciar",
        "por iniciar", "prox proyecto", "prox licitacion", "proxima licitacion"],
        "planned"),
    **dict.fromkeys([
        "en ejecucion", "ejecucion", "en obra", "en obras", "en curso", "iniciada",
        "iniciado", "en construccion", "en proceso", "en desarrollo", "en marcha",
        "en progreso", "en ejecucion avanzada", "activa", "vigente"],
        "in_progress"),
    **dict.fromkeys([
        "finalizada", "finalizado", "terminada", "terminado", "concluida", "concluido",
        "completada", "completado", "ejecutada", "ejecutado", "entregada", "entregado",
        "inaugurada", "inaugurado", "recepcionada", "recepcion provisoria",
        "recepcion definitiva", "proyecto finalizado", "obra terminada"],
        "finished"),
    **dict.fromkeys([
        "paralizada", "paralizado", "suspendida", "suspendido", "detenida", "detenido",
        "rescindida", "rescindido", "desestimada", "desestimado", "cancelada", "cancelado",
        "anulada", "anulado", "neutralizada", "neutralizado", "abandonada", "abandonado",
        "desierta", "sin efecto"],
        "stopped"),
}

_NON_WORD = re.compile(r"[^a-z0-9]+")
_SPACE = re.compile(r"[\s\u00a0\u202f]+")
_NUMBER = re.compile(r"^[+-]?[\d.,]+$")
_AMOUNT_NOISE = re.compile(r"(?i)\b(?:ars|clp|usd|uf|eur|us)\b|[$€%]")
_SEVERAL = re.compile(r"[\n\r;|/]+|\s{2,}")
_MONTH = re.compile(r"^(\d{1,2})[/.-](\d{2}|\d{4})$")
# UTF-8 text that went through Windows-1252 somewhere upstream: "Ã³" for "ó",
# "â€œ" for "“". Only runs that decode as UTF-8 are repaired.
_CP1252_HIGH = "€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ"
_UNASSIGNED = frozenset("\x81\x8d\x8f\x90\x9d")
_MOJIBAKE_RUN = re.compile(f"[\u00c2-\u00f4][\u0080-\u00bf{_CP1252_HIGH}]+")
# A public work's dates: anything earlier or later is a typing error, not a date.
MIN_YEAR, MAX_YEAR = 1950, 2100


def fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return " ".join(w for w in _NON_WORD.split(text) if w)


def stage_mapping(extra: dict[str, str] | None) -> dict[str, str]:
    """The default mapping with a source's own words over it (keys folded)."""
    mapping = dict(DEFAULT_STAGES)
    mapping.update({fold(word): stage for word, stage in (extra or {}).items()})
    return mapping


def stage_of(status: str | None, progress: float | None,
             mapping: dict[str, str]) -> tuple[str, str | None]:
    """(stage, reason when the words were not understood). Without any status
    the progress decides: 100 finished, above 0 in progress."""
    if status:
        stage = mapping.get(fold(status))
        if stage:
            return stage, None
        return "unknown", "status not in the stage mapping, stage 'unknown'"
    if progress is not None:
        if progress >= 100:
            return "finished", None
        if progress > 0:
            return "in_progress", None
    return "unknown", None


def repair_text(text: str) -> str:
    """Runs of UTF-8 read as Windows-1252 decoded back, soft hyphens dropped."""
    if "\u00ad" in text:
        text = text.replace("\u00ad", "")
    if not any("\u00c2" <= c <= "\u00f4" for c in text):
        return text

    def fix(m: re.Match) -> str:
        run = m.group(0)
        try:
            # Windows-1252 as WHATWG reads it: its unassigned bytes are their own code point.
            raw = b"".join(c.encode("cp1252") if c not in _UNASSIGNED else bytes([ord(c)])
                           for c in run)
            fixed = raw.decode("utf-8")
        except UnicodeError:
            return run
        # Only Latin letters and punctuation: anything else was not mojibake.
        if all(c <= "\u024f" or "\u2000" <= c <= "\u206f" or c == "€" for c in fixed):
            return fixed
        return run

    return _MOJIBAKE_RUN.sub(fix, text)


def parse_decimal(text: str, amount: bool = True) -> tuple[Decimal | None, str | None]:
    """A number written with decimal commas or points and digit groups."""
    raw = _SPACE.sub("", _AMOUNT_NOISE.sub("", text)) if text else ""
    if not raw or raw in "-–":
        return None, None
    if not _NUMBER.match(raw):
        return None, "not a number, left empty"
    sign = "-" if raw.startswith("-") else ""
    body = raw.lstrip("+-")
    dots, commas = body.count("."), body.count(",")
    if dots and commas:
        decimal_sep = "." if body.rfind(".") > body.rfind(",") else ","
        group_sep = "," if decimal_sep == "." else "."
        if body.count(decimal_sep) > 1:
            return None, "not a number, left empty"
        whole, _, frac = body.partition(decimal_sep)
        if not _grouped(whole, group_sep):
            return None, "digit groups not of three, left empty"
        body = whole.replace(group_sep, "") + "." + frac
    elif dots + commas > 1:
        sep = "." if dots else ","
        if not _grouped(body, sep):
            return None, "digit groups not of three, left empty"
        body = body.replace(sep, "")
    elif dots + commas == 1:
        sep = "." if dots else ","
        whole, _, frac = body.partition(sep)
        if amount and len(frac) == 3 and whole not in ("", "0"):
            body = whole + frac          # "1.234": thousands
        else:
            body = (whole or "0") + "." + frac
    try:
        value = Decimal(sign + body)
    except InvalidOperation:
        return None, "not a number, left empty"
    return value, None


def _grouped(text: str, sep: str) -> bool:
    parts = text.split(sep)
    return 1 <= len(parts[0]) <= 3 and parts[0] != "" and all(len(p) == 3 for p in parts[1:])


def parse_amount(text: str | None) -> tuple[Decimal | None, str | None]:
    value, why = parse_decimal(text or "", amount=True)
    if value is not None and value < 0:
        return None, "negative amount, left empty"
    return value, why


def parse_progress(text: str | None) -> tuple[int | float | None, str | None]:
    value, why = parse_decimal(text or "", amount=False)
    if value is None:
        return None, why
    if not 0 <= value <= 100:
        return None, "outside 0-100, left empty"
    number = float(round(value, 2))
    return (int(number) if number.is_integer() else number), None


def parse_coordinate(text: str | None, limit: int,
                     within: tuple[float, float] | None = None
                     ) -> tuple[float | None, str | None]:
    """A latitude (limit 90) or longitude (limit 180). Digits without a decimal
    separator, or grouped by a spreadsheet ("-34.578.254"), get their decimal
    point where the value falls inside `within` (the source's bounds), else
    inside the valid range, as far left as possible."""
    raw = (text or "").strip().strip("\u00a0").strip()
    if not raw or raw in "-–":
        return None, None
    note = None
    parts = [p for p in _SEVERAL.split(raw) if p.strip()]
    if len(parts) > 1:
        raw, note = parts[0].strip(), "several values, the first kept"
    raw = _SPACE.sub("", raw)
    if not _NUMBER.match(raw):
        return None, "not a coordinate, left empty"
    sign = -1 if raw.startswith("-") else 1
    body = raw.lstrip("+-")
    dots, commas = body.count("."), body.count(",")
    if dots and commas:
        return None, "not a coordinate, left empty"
    if dots + commas == 1:
        value = sign * float(body.replace(",", "."))
        if abs(value) > limit:
            return None, "out of range, left empty"
        if within and not within[0] <= value <= within[1]:
            return None, "outside the source's bounds, left empty"
        return value, note
    digits = body.replace(".", "").replace(",", "")
    if not digits.isdigit():
        return None, "not a coordinate, left empty"
    fits_range = False
    for whole in range(min(3, len(digits)), 0, -1):
        value = sign * float(f"{digits[:whole]}.{digits[whole:] or 0}")
        if abs(value) > limit:
            continue
        fits_range = True
        if within is None or within[0] <= value <= within[1]:
            return value, "digits without a decimal point (or grouped by dots), point placed"
    if fits_range:
        return None, "outside the source's bounds, left empty"
    return None, "out of range, left empty"


def parse_point(lat_text: str | None, lon_text: str | None,
                bounds: list[float] | None = None) -> tuple[float | None, float | None, list]:
    """(lat, lon, [(field, reason)]). `bounds` [west, south, east, north] is where
    the source's works can be: a pair outside them that fits swapped is swapped."""
    lat_range = (bounds[1], bounds[3]) if bounds else None
    lon_range = (bounds[0], bounds[2]) if bounds else None
    lat, lat_why = parse_coordinate(lat_text, 90, lat_range)
    lon, lon_why = parse_coordinate(lon_text, 180, lon_range)
    notes = [("lat/lon", why) for why in dict.fromkeys(filter(None, (lat_why, lon_why)))]
    if bounds and (lat is None or lon is None) and lat_text and lon_text:
        swapped_lat, _why_a = parse_coordinate(lon_text, 90, lat_range)
        swapped_lon, _why_b = parse_coordinate(lat_text, 180, lon_range)
        if swapped_lat is not None and swapped_lon is not None:
            return swapped_lat, swapped_lon, [("lat/lon", "latitude and longitude swapped")]
    if (lat is None) != (lon is None):
        notes.append(("lat/lon", "only one coordinate usable, both left empty"))
        return None, None, notes
    if lat == 0 and lon == 0:
        return None, None, [("lat/lon", "0,0 is no place, left empty")]
    return lat, lon, notes


def parse_day(text: str | None) -> tuple[str | None, str | None]:
    """An ISO day ("2024-05-31") or month ("2024-05", from "05/24" or "5/2024")."""
    raw = (text or "").strip()
    if not raw or raw in "-–":
        return None, None
    m = _MONTH.match(raw)
    if m:
        month, year = int(m.group(1)), int(m.group(2))
        year += 2000 if year < 100 else 0
        if 1 <= month <= 12 and MIN_YEAR <= year <= MAX_YEAR:
            return f"{year:04d}-{month:02d}", None
        return None, "not a date, left empty"
    # The feed adapter's parser knows ISO, RFC 822 and dd/mm/yyyy; imported here
    # because the adapters package imports this module.
    from .adapters.feed import _parse
    found = _parse(raw)
    if found is None:
        return None, "not a date, left empty"
    day = found if not hasattr(found, "date") else found.date()
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        return None, f"year outside {MIN_YEAR}-{MAX_YEAR}, left empty"
    return day.isoformat(), None


def day_of(value: str | None, last: bool = False) -> date | None:
    """The date of an ISO day or month ("2024-05": its first or `last` day)."""
    if not value:
        return None
    try:
        if len(value) == 7:
            year, month = int(value[:4]), int(value[5:7])
            if not last:
                return date(year, month, 1)
            following = date(year + month // 12, month % 12 + 1, 1)
            return date.fromordinal(following.toordinal() - 1)
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


_HOST_PATH = re.compile(r"^[a-z0-9-]+(?:\.[a-z0-9-]+)+/", re.IGNORECASE)


def web_url(text: str | None) -> str | None:
    """A link written without its scheme ("cdn.example.org/a.jpg") gets https."""
    raw = (text or "").strip()
    if _HOST_PATH.match(raw):
        return "https://" + raw
    return raw or None


def check_options(sid: str, opts: dict) -> None:
    """The CSV adapter's options for public works (stages, bounds), checked."""
    for word, stage in (opts["stages"] or {}).items():
        if not isinstance(word, str) or stage not in STAGES:
            raise ConfigError(f"source {sid!r}: stages: {word!r} must map to one of "
                              f"{', '.join(STAGES)}, not {stage!r}")
    bounds = opts["bounds"]
    if bounds is not None and not (
            len(bounds) == 4 and all(isinstance(b, (int, float)) and not isinstance(b, bool)
                                     for b in bounds)
            and -180 <= bounds[0] < bounds[2] <= 180 and -90 <= bounds[1] < bounds[3] <= 90):
        raise ConfigError(f"source {sid!r}: bounds must be [west, south, east, north] in "
                          f"degrees, west < east and south < north")


# -- one row -> one Obra ---------------------------------------------------------

LINES_SHOWN = 100     # row numbers listed per reason in the run report


class ObraRows:
    """Builds `Obra` records from the CSV adapter's rows and collects, per field
    and reason, the rows where a value had to be guessed or dropped."""

    def __init__(self, adapter):
        self.adapter = adapter
        opts = adapter.options
        self.mapping = stage_mapping(opts.get("stages"))
        self.bounds = opts.get("bounds")
        self.problems: dict[tuple[str, str], list] = {}

    def note(self, field: str, reason: str, where: str, value: str | None) -> None:
        entry = self.problems.setdefault((field, reason), [0, [], value])
        entry[0] += 1
        if len(entry[1]) < LINES_SHOWN:
            entry[1].append(where.split()[-1])

    def report(self) -> list[str]:
        """One line per field and reason, naming every row (up to LINES_SHOWN)."""
        out = []
        for (field, reason), (count, lines, example) in sorted(self.problems.items()):
            more = f" and {count - len(lines)} more" if count > len(lines) else ""
            shown = f" (e.g. {example[:40]!r})" if example else ""
            out.append(f"{field}: {reason}{shown}: {count} row{'s' if count != 1 else ''}, "
                       f"line{'s' if count != 1 else ''} {', '.join(lines)}{more}")
        return out

    def record(self, common: dict, publisher: str | None, where: str, row: dict):
        a = self.adapter

        def text(field: str, limit: int = 300) -> str | None:
            return plain_text(a._first(row, field), limit)

        def parsed(field: str, parser, *args):
            raw = a._first(row, field)
            value, why = parser(raw, *args)
            if why:
                self.note(field, why, where, raw)
            return value

        progress = parsed("progress", parse_progress)
        status = text("status", 120)
        stage, why = stage_of(status, progress, self.mapping)
        if why:
            self.note("status", f"{status!r} {why.removeprefix('status ')}", where, None)
        amount = parsed("amount", parse_amount)
        lat_text, lon_text = a._first(row, "lat"), a._first(row, "lon")
        lat, lon, notes = parse_point(lat_text, lon_text, self.bounds)
        for field, reason in notes:
            self.note(field, reason, where, f"{lat_text}, {lon_text}")
        start = parsed("start", parse_day)
        end_planned = parsed("end_planned", parse_day)
        if start and end_planned and day_of(end_planned, True) < day_of(start):
            self.note("end_planned", "before the start, both kept", where, end_planned)
        image = None
        for raw in a._values(row, "image"):
            image = safe_url(web_url(raw), schemes={"http", "https"})
            if image:
                break
            if raw.strip() not in ("-", ""):
                self.note("image", "not a web link, left empty", where, raw)
        descriptions = [d for d in (plain_text(v, 5000) for v in a._values(row, "description"))
                        if d]
        currency = text("currency", 12) or a.options.get("currency")
        return Obra(**common, publisher=publisher,
                    institution_code=plain_text(a._first(row, "institution_code"), 40),
                    description="\n\n".join(dict.fromkeys(descriptions)) or None,
                    kind=text("kind", 120) or a.options.get("kind"), status=status,
                    stage=stage, progress=progress,
                    amount=decimal_text(amount, "amount") if amount is not None else None,
                    currency=currency.upper() if currency else None,
                    contractor=text("contractor"), region=text("region", 120),
                    commune=text("commune", 120), address=text("address"),
                    lat=lat, lon=lon, start=start, end_planned=end_planned,
                    end_actual=parsed("end_actual", parse_day), image=image)
