"""Transparency indicators: the Transparencia Activa and access-request links of
the registry, and the lobby register's activity."""

from __future__ import annotations

from ..records import Institution
from .base import Context, Result, Spec, format_number, months_before, plural, share_of

LINKS = (("transparency_url", "Transparencia Activa"),
         ("request_url", "solicitud de acceso a la información"))
LOBBY_KINDS = {"audiencia", "viaje", "donativo"}


def _links(inst: Institution, ctx: Context, p: dict) -> Result:
    links = ctx.links(inst)
    present = [links[k] for k, _ in LINKS if links.get(k)]
    missing = [k for k, _ in LINKS if not links.get(k)]
    return Result(True, len(present) / len(LINKS), len(present),
                  f"{format_number(len(present))} de {len(LINKS)} enlaces",
                  evidence_for=present, evidence_against=missing)


TRANSPARENCY_LINKS = Spec(
    "enlaces_transparencia", "transparencia", "Transparencia Activa y solicitudes",
    {},
    lambda p: ("Si la institución tiene enlace a su Transparencia Activa y al formulario de "
               "solicitud de acceso a la información (Ley 20.285), explícitos en el "
               "registro o construidos con su código del Portal de Transparencia: la mitad "
               "de los puntos por cada uno."),
    "La Ley de Transparencia obliga a publicar la información activa y a recibir "
    "solicitudes; un ciudadano debe encontrar ambas cosas.",
    "Para los tipos de institución que cumplen a través de otra (los ministerios, a "
    "través de sus subsecretarías), si la configuración los indica.",
    _links)


def _lobby(inst: Institution, ctx: Context, p: dict) -> Result:
    if not ctx.has_lobby:
        return Result.no_aplica("El portal no cosecha un registro de lobby.")
    if not (inst.cplt_code or inst.leylobby_id):
        return Result.no_aplica("La institución no tiene código en el registro de lobby.")
    since = months_before(ctx.day, p["months"]).isoformat()
    until = ctx.day.isoformat()
    entries = [e for e in ctx.of(inst).register if (e.kind or "").lower() in LOBBY_KINDS]
    recent = [e.id for e in entries if e.date and since <= e.date[:10] <= until]
    return Result(True, share_of(len(recent), p["full_at"]), len(recent),
                  f"{plural(len(recent), 'registro', 'registros')} en "
                  f"{plural(p['months'], 'mes', 'meses')} ({format_number(len(entries))} en "
                  f"total)", evidence_for=recent)


LOBBY = Spec(
    "lobby", "transparencia", "Registro de lobby al día",
    {"months": "whole", "full_at": "positive"},
    lambda p: (f"Audiencias, viajes y donativos que la institución registró en los últimos "
               f"{plural(p['months'], 'mes', 'meses')} (Ley 20.730). Puntaje completo desde "
               f"{plural(p['full_at'], 'registro', 'registros')}."),
    "La Ley del Lobby obliga a registrar las reuniones con quienes gestionan intereses; "
    "un registro vacío durante un año suele ser un registro desatendido.",
    "Cuando el portal no cosecha un registro de lobby, o la institución no tiene código en "
    "él (no es sujeto pasivo propio).",
    _lobby)

SPECS = (TRANSPARENCY_LINKS, LOBBY)
