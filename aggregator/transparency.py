"""Transparency links of an institution, built from its Transparency-portal code.

Chile's Portal de Transparencia (Consejo para la Transparencia) addresses every
body by its code (`cplt_code`, e.g. "AO001" for the Subsecretaría de Salud
Pública), and so do the Transparencia Activa pages, the access-to-information
request form and the Ley del Lobby platform. The defaults below are the public
URL patterns those sites use; another country sets its own patterns in
pelicanconf.py, and an institution's explicit `transparency_url` /
`request_url` in institutions.yaml always wins.

    from aggregator.transparency import institution_links, patterns_from_settings
    links = institution_links(inst, patterns_from_settings(pelican_settings))
    links["transparency_url"], links["request_url"], links["lobby_url"]
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from .records import Institution
from .sanitize import safe_url

# {code} is the institution's cplt_code; {id} its registry id; {leylobby_id} its
# id on leylobby.gob.cl. A pattern set to None (or "") turns that link off.
DEFAULT_PATTERNS: dict[str, str | None] = {
    # Transparencia Activa: what the body must publish (staff, budget, purchases...).
    "transparency_url": "https://www.portaltransparencia.cl/PortalPdT/pdtta?codOrganismo={code}",
    # The access-to-information request form (Ley 20.285), preselecting the body.
    "request_url": "https://www.portaltransparencia.cl/PortalPdT/ingreso-sai-v2?idOrgTa={code}",
    # The body's lobby register (audiencias, viajes, donativos) under the Ley del Lobby.
    "lobby_url": "https://www.leylobby.gob.cl/instituciones/{code}",
}

# Pelican setting name -> link it overrides.
SETTINGS = {
    "PORTAL_TRANSPARENCY_URL": "transparency_url",
    "PORTAL_REQUEST_URL": "request_url",
    "PORTAL_LOBBY_URL": "lobby_url",
}
FIELDS = frozenset({"code", "id", "leylobby_id"})


class PatternError(ValueError):
    """A URL pattern in the configuration that cannot work; names the setting."""


def check_pattern(name: str, pattern: Any) -> str | None:
    """The pattern if usable (None turns the link off); PatternError otherwise."""
    if pattern is None or pattern == "":
        return None
    if not isinstance(pattern, str):
        raise PatternError(f"{name}: expected a URL pattern, not {type(pattern).__name__}")
    try:
        used = {f for _, f, _, _ in string.Formatter().parse(pattern) if f is not None}
    except ValueError as exc:
        raise PatternError(f"{name}: bad pattern {pattern!r}: {exc}") from None
    unknown = used - FIELDS
    if unknown:
        raise PatternError(f"{name}: unknown placeholder(s) {', '.join(sorted(unknown))} in "
                           f"{pattern!r} (known: {', '.join(sorted(FIELDS))})")
    if not used:
        raise PatternError(f"{name}: pattern {pattern!r} has no placeholder such as {{code}}")
    if safe_url(pattern.replace("{", "").replace("}", "")) is None:
        raise PatternError(f"{name}: pattern {pattern!r} is not an http(s) URL")
    return pattern


def patterns_from_settings(settings: Mapping[str, Any] | None) -> dict[str, str | None]:
    """The defaults, overridden by PORTAL_TRANSPARENCY_URL / PORTAL_REQUEST_URL /
    PORTAL_LOBBY_URL when the settings (pelicanconf) define them."""
    patterns = dict(DEFAULT_PATTERNS)
    for setting, key in SETTINGS.items():
        if settings is not None and setting in settings:
            patterns[key] = check_pattern(setting, settings[setting])
    return patterns


def institution_links(inst: Institution,
                      patterns: Mapping[str, str | None] | None = None) -> dict[str, str | None]:
    """{transparency_url, request_url, lobby_url} for one institution; None where
    the institution has no code (and no explicit link) or the pattern is off."""
    patterns = DEFAULT_PATTERNS if patterns is None else patterns
    values = {"code": inst.cplt_code, "id": inst.id, "leylobby_id": inst.leylobby_id}
    out: dict[str, str | None] = {}
    for key in DEFAULT_PATTERNS:
        explicit = getattr(inst, key, None)
        if explicit:
            out[key] = safe_url(explicit)
            continue
        out[key] = _fill(patterns.get(key), values)
    return out


def _fill(pattern: str | None, values: dict[str, str | None]) -> str | None:
    if not pattern:
        return None
    used = {f for _, f, _, _ in string.Formatter().parse(pattern) if f}
    if any(not (values.get(f) or "").strip() for f in used):
        return None
    filled = pattern.format(**{k: quote(str(v).strip(), safe="") for k, v in values.items()
                               if v is not None and k in used})
    return safe_url(filled)
