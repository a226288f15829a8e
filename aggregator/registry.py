"""The institution registry (`content/data/institutions.yaml`), checked entry by
entry as it is read.

Editors curate it by hand and imports grow it from lists made elsewhere, so it is
as untrusted as any source: a key nobody knows is a typo (`parnet`), an id is a
URL and must be a slug that no directory page already uses, and its URLs get
the same scheme check as every harvested URL (http, https, mailto only). Every
problem is a RecordError naming the key; `snapshot.read_registry` adds the file,
line and institution.
"""

from __future__ import annotations

import re
from dataclasses import fields
from typing import Any

from .keys import unknown_keys_message
from .records import Institution, RecordError
from .records_base import _text, _texts
from .sanitize import safe_url

# Keys an institution may carry: its dataclass's fields, plus keys other tools
# write before this reader stores them (none today).
EXTRA_KEYS: set[str] = set()
KEYS = {f.name for f in fields(Institution)} | EXTRA_KEYS
URL_KEYS = ("website", "transparency_url", "request_url")
PARTICIPATION_KEYS = {"title", "url"}
# Words the site uses for its own pages beside institutions' pages:
# /instituciones/{pagina,tipo,region,sin-informacion}/ and
# /transparencia/{pagina,lobby,entidades,sin-institucion}/.
# plugins/portal_site/urls.py reserves the same words; a new page there is a word here.
RESERVED_IDS = frozenset({"pagina", "tipo", "region", "lobby", "sin-informacion", "entidades",
                          "sin-institucion"})
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def check_id(iid: str) -> str:
    if not SLUG.match(iid):
        raise RecordError(f"'id' must be a slug (lowercase letters, digits and single "
                          f"hyphens, e.g. ministerio-de-salud), not {iid!r}")
    if iid in RESERVED_IDS:
        raise RecordError(f"'id' {iid!r} is the address of a directory page "
                          f"(reserved: {', '.join(sorted(RESERVED_IDS))}); choose another")
    return iid


def check_url(value: Any, key: str) -> str | None:
    """An http, https or mailto URL, or None when empty; anything else (javascript:,
    data:, a relative path) is an error, never a link on a page."""
    text = _text(value, key)
    if text is None:
        return None
    url = safe_url(text)
    if url is None:
        raise RecordError(f"'{key}' must be an http, https or mailto URL, not {text[:80]!r}")
    return url


def _participation(value: Any) -> list[dict]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise RecordError("'participation' must be a list of {title, url}")
    out = []
    for n, item in enumerate(value, 1):
        if not isinstance(item, dict):
            raise RecordError(f"participation {n} must be a mapping {{title, url}}")
        error = unknown_keys_message(item, PARTICIPATION_KEYS, f"participation {n}")
        if error:
            raise RecordError(error)
        url = check_url(item.get("url"), f"participation[{n}].url")
        if url is None:
            raise RecordError(f"participation {n}: 'url' is required")
        out.append({"title": _text(item.get("title"), f"participation[{n}].title"),
                    "url": url})
    return out


def institution_from_dict(d: Any) -> Institution:
    """One registry entry, every key checked (RecordError names the key)."""
    if not isinstance(d, dict):
        raise RecordError("an institution must be a mapping (id, name, ...)")
    error = unknown_keys_message(d, KEYS, "institution")
    if error:
        raise RecordError(error.removeprefix("institution: "))
    iid = check_id(_text(d.get("id"), "id", required=True))
    parent = _text(d.get("parent"), "parent")
    if parent is not None and parent == iid:
        raise RecordError("'parent' names the institution itself")
    return Institution(
        id=iid, name=_text(d.get("name"), "name", required=True),
        acronym=_text(d.get("acronym"), "acronym"),
        aliases=_texts(d.get("aliases"), "aliases"),
        kind=_text(d.get("kind"), "kind"), region=_text(d.get("region"), "region"),
        website=check_url(d.get("website"), "website"), parent=parent,
        cplt_code=_text(d.get("cplt_code"), "cplt_code"),
        chilecompra_code=_text(d.get("chilecompra_code"), "chilecompra_code"),
        leylobby_id=_text(d.get("leylobby_id"), "leylobby_id"),
        transparency_url=check_url(d.get("transparency_url"), "transparency_url"),
        request_url=check_url(d.get("request_url"), "request_url"),
        participation=_participation(d.get("participation")))
