"""Open-data indicators: datasets published, their metadata quality, and whether
they are updated as often as they say."""

from __future__ import annotations

import math
import re
from datetime import date, timedelta
from functools import lru_cache

from ..records import Institution
from .base import Context, Result, Spec, format_number, half_up, plural, share_of

NO_DATA_SOURCE = "El portal no cosecha todavía ningún catálogo de datos."


def _published(inst: Institution, ctx: Context, p: dict) -> Result:
    if not ctx.has_datasets:
        return Result.no_aplica(NO_DATA_SOURCE)
    ds = ctx.of(inst).datasets
    return Result(True, share_of(len(ds), p["full_at"]), len(ds),
                  plural(len(ds), "conjunto de datos", "conjuntos de datos"),
                  evidence_for=[d.id for d in ds])


PUBLISHED = Spec(
    "datos_publicados", "datos", "Conjuntos de datos publicados", {"full_at": "positive"},
    lambda p: (f"Conjuntos de datos de la institución en los catálogos que cosecha el "
               f"portal. Puntaje completo desde {format_number(p['full_at'])}; menos, en "
               f"proporción."),
    "La Estrategia de Gobierno Abierto pide publicar datos en formatos abiertos; un "
    "conjunto que nadie encuentra no se reutiliza.",
    "Cuando el portal no cosecha ningún catálogo de datos.",
    _published)


def _quality(inst: Institution, ctx: Context, p: dict) -> Result:
    ds = ctx.of(inst).datasets
    if not ds:
        return Result.no_aplica("La institución no tiene conjuntos de datos que evaluar.")
    rated = [(d.quality, d) for d in ds]
    mean = half_up(sum(q for q, _ in rated) / len(rated), 1)
    good = [d.id for q, d in rated if q >= p["pass_at"]]
    bad = [d.id for q, d in sorted(((q, d) for q, d in rated if q < p["pass_at"]),
                                   key=lambda qd: (qd[0], qd[1].id))]
    detail = f"{format_number(mean)} % en promedio ({plural(len(ds), 'conjunto', 'conjuntos')})"
    return Result(True, mean / 100, mean, detail, evidence_for=good, evidence_against=bad)


QUALITY = Spec(
    "calidad_metadatos", "datos", "Calidad de los metadatos", {"pass_at": "percent"},
    lambda p: (f"Promedio de la calidad de los metadatos de sus conjuntos (ver la tabla de "
               f"métricas más abajo): el indicador obtiene ese porcentaje de sus puntos. "
               f"Cuentan a favor los conjuntos con {format_number(p['pass_at'])} % o más; en "
               f"contra, los demás, del peor al mejor."),
    "Sin título claro, licencia, formato ni fechas, un conjunto de datos no se puede "
    "encontrar, entender ni reutilizar con seguridad (data.europa.eu, MQA).",
    "Cuando la institución no tiene conjuntos de datos.",
    _quality)


# -- freshness ------------------------------------------------------------------

_DURATION = re.compile(r"^R/P(?:(\d+(?:\.\d+)?)Y)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)W)?"
                       r"(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?"
                       r"(?:(\d+(?:\.\d+)?)S)?)?$")
_DAYS = (365.25, 30.44, 7.0, 1.0, 1 / 24, 1 / 1440, 1 / 86400)
# Words some sources leave as text (normalize.frequency maps the known vocabularies).
_WORDS = {"anual": 365.25, "semestral": 182.6, "trimestral": 91.3, "bimestral": 60.9,
          "mensual": 30.44, "quincenal": 15.2, "semanal": 7.0, "diaria": 1.0, "diario": 1.0}


@lru_cache(maxsize=1024)
def period_days(frequency: str | None) -> float | None:
    """Days between updates a declared frequency promises; None when it promises
    none (irregular, never, unknown or unreadable)."""
    if not frequency:
        return None
    text = frequency.strip()
    m = _DURATION.match(text.upper())
    if m and any(m.groups()):
        days = sum(float(g) * d for g, d in zip(m.groups(), _DAYS) if g)
        return days if days > 0 else None
    return _WORDS.get(text.lower())


def _last_update(ds) -> str:
    """ISO day of the last update (the publication date when there is no other);
    "" when the record gives neither as a full date."""
    for value in (ds.modified, ds.issued):
        if value and len(value) >= 10 and value[4] == "-" and value[7] == "-":
            return value[:10]
    return ""


@lru_cache(maxsize=4096)
def deadline(frequency: str | None, today: date, tolerance: float,
             min_days: float) -> str | None:
    """The oldest last-update day (ISO) still on time for a declared frequency:
    late is older than `tolerance` x the period (and than `min_days`). None when
    the frequency promises no regular update."""
    period = period_days(frequency)
    if period is None:
        return None
    allowed = max(period * tolerance, min_days)
    return (today - timedelta(days=math.floor(allowed))).isoformat()


def _fresh(inst: Institution, ctx: Context, p: dict) -> Result:
    on_time, late = [], []
    for d in ctx.of(inst).datasets:
        limit = deadline(d.frequency, ctx.day, p["tolerance"], p["min_days"])
        if limit is None:
            continue
        last = _last_update(d)
        if last >= limit:
            on_time.append(d.id)
        else:
            late.append((last, d.id))
    timed = len(on_time) + len(late)
    if not timed:
        return Result.no_aplica("Ninguno de sus conjuntos declara una frecuencia de "
                                "actualización regular.")
    late.sort()                 # the longest without an update first
    return Result(True, len(on_time) / timed, half_up(100 * len(on_time) / timed, 1),
                  f"{format_number(len(on_time))} de {format_number(timed)} al día",
                  evidence_for=on_time, evidence_against=[rid for _, rid in late])


FRESHNESS = Spec(
    "actualizacion", "datos", "Datos al día", {"tolerance": "positive", "min_days": "count"},
    lambda p: (f"De sus conjuntos que declaran una frecuencia de actualización regular "
               f"(mensual, anual...), la parte actualizada a tiempo: un conjunto está "
               f"atrasado cuando su última modificación tiene más de "
               f"{format_number(p['tolerance'])} veces su período (y al menos "
               f"{plural(p['min_days'], 'día', 'días')}). Un conjunto mensual sin cambios "
               f"en 14 meses está atrasado; uno sin fecha de modificación ni de "
               f"publicación, también."),
    "Un dato que promete actualizarse y no lo hace engaña a quien lo usa.",
    "Cuando ninguno de sus conjuntos declara una frecuencia regular (o no tiene conjuntos).",
    _fresh)

SPECS = (PUBLISHED, QUALITY, FRESHNESS)
