"""Participation and communication indicators: processes opened in the last
months, processes open now, and a news feed that is alive."""

from __future__ import annotations

from datetime import timedelta

from ..records import Consultation, Institution
from .base import Context, Result, Spec, months_before, plural, share_of

NO_PARTICIPATION_SOURCE = "El portal no cosecha ninguna fuente de participación."


def is_open(c: Consultation, day: str) -> bool:
    """Open on that day, as the site says it (a process without dates is open)."""
    return not ((c.start and day < c.start[:10]) or (c.end and day > c.end[:10]))


def _recent(inst: Institution, ctx: Context, p: dict) -> Result:
    if not ctx.has_consultations:
        return Result.no_aplica(NO_PARTICIPATION_SOURCE)
    since = months_before(ctx.day, p["months"]).isoformat()
    day = ctx.day.isoformat()
    found = [c.id for c in ctx.of(inst).consultations
             if (c.start and since <= c.start[:10] <= day) or is_open(c, day)]
    return Result(True, share_of(len(found), p["full_at"]), len(found),
                  plural(len(found), "proceso", "procesos"), evidence_for=found)


RECENT = Spec(
    "participacion_reciente", "participacion", "Procesos de participación recientes",
    {"months": "whole", "full_at": "positive"},
    lambda p: (f"Consultas y otros procesos de participación que la institución abrió en "
               f"los últimos {plural(p['months'], 'mes', 'meses')}, o abiertos hoy. Puntaje "
               f"completo desde {plural(p['full_at'], 'proceso', 'procesos')}."),
    "La Ley 20.500 pide a los órganos del Estado abrir espacios de participación "
    "ciudadana en sus políticas, planes y programas.",
    "Cuando el portal no cosecha ninguna fuente de participación.",
    _recent)


def _open(inst: Institution, ctx: Context, p: dict) -> Result:
    if not ctx.has_consultations:
        return Result.no_aplica(NO_PARTICIPATION_SOURCE)
    day = ctx.day.isoformat()
    found = [c.id for c in ctx.of(inst).consultations if is_open(c, day)]
    return Result(True, 1.0 if found else 0.0, len(found),
                  plural(len(found), "proceso abierto", "procesos abiertos"),
                  evidence_for=found)


OPEN = Spec(
    "participacion_abierta", "participacion", "Procesos abiertos hoy", {},
    lambda p: ("Si la institución tiene al menos un proceso de participación abierto en la "
               "fecha de la evaluación: todo o nada."),
    "Participar es posible solo mientras un proceso está abierto.",
    "Cuando el portal no cosecha ninguna fuente de participación.",
    _open)


def _news(inst: Institution, ctx: Context, p: dict) -> Result:
    items = ctx.of(inst).news
    if not items:
        return Result.no_aplica("No hay una fuente de noticias de esta institución en el "
                                "portal.")
    since = (ctx.day - timedelta(days=p["days"])).isoformat()
    day = ctx.day.isoformat()
    recent = [n.id for n in items if n.published and since <= n.published[:10] <= day]
    latest = max((n.published[:10] for n in items if n.published), default=None)
    detail = plural(len(recent), "noticia", "noticias") + \
        f" en {plural(p['days'], 'día', 'días')}" + (f"; la última, {latest}" if latest else "")
    return Result(True, share_of(len(recent), p["full_at"]), len(recent), detail,
                  evidence_for=recent)


NEWS = Spec(
    "noticias", "comunicacion", "Noticias al día", {"days": "whole", "full_at": "positive"},
    lambda p: (f"Noticias que la institución publicó en los últimos "
               f"{plural(p['days'], 'día', 'días')} según la fuente de noticias que el "
               f"portal cosecha para ella. Puntaje completo desde "
               f"{plural(p['full_at'], 'noticia', 'noticias')}."),
    "Una fuente de noticias sin novedades en meses dice que nadie la mantiene.",
    "Cuando el portal no tiene una fuente de noticias de la institución (ningún registro "
    "de noticias la nombra).",
    _news)

SPECS = (RECENT, OPEN, NEWS)
