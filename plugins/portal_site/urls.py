"""Stable, readable URL slugs for records (the site's `/datos/<slug>/` etc.).

A slug comes from the remote id when it is already readable (a CKAN package
name), else from the last segment of the record's URL at its source, else from
the title plus a short hash of the id. Collisions get the hash appended, in id
order, so the same snapshot always gives the same URLs. Words the section
uses for its own pages (`pagina`, `tema`, ...) are never given to a record.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable
from operator import attrgetter
from urllib.parse import urlsplit

from aggregator.registry import RESERVED_IDS

_NON_SLUG = re.compile(r"[^a-z0-9]+")
_OPAQUE = re.compile(r"^(?:[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}"
                     r"|[0-9a-f]{16,}|[0-9]+)$")

# Paths each section keeps for itself (see the section modules).
RESERVED = {
    "datos": {"pagina", "tema", "temas", "etiqueta", "etiquetas", "formato", "formatos",
              "licencia", "licencias", "institucion", "instituciones"},
    "participacion": {"pagina", "cerradas", "abiertas", "proximas"},
    # Institution ids are checked against these when the registry is read.
    "instituciones": set(RESERVED_IDS),
    "transparencia": set(RESERVED_IDS),
    "obras": {"pagina", "todas", "etapa", "atrasadas", "region", "regiones", "comuna",
              "institucion", "instituciones", "tipo", "tipos"},
}


def slugify(text: str, limit: int = 80) -> str:
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return _NON_SLUG.sub("-", text).strip("-")[:limit].strip("-")


def short_hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:6]


def _readable(candidate: str | None) -> str | None:
    if not candidate:
        return None
    slug = slugify(candidate)
    if 3 <= len(slug) <= 80 and not _OPAQUE.match(slug.replace("-", "")) \
            and not _OPAQUE.match(slug):
        return slug
    return None


# Last path segments that say nothing about a record ("/home/item.html?id=...").
_GENERIC = {"item", "items", "index", "dataset", "datasets", "view", "views", "api",
            "explore", "show", "detail", "details", "record", "records", "ficha",
            "catalog", "search", "metadata", "dcat", "mapserv", "mapservwfs", "wfs", "wms",
            "ows", "csw", "geonetwork", "srv", "resources", "download"}
_PAGE_EXT = re.compile(r"\.(?:html?|php|aspx?|jsp|json|xml|rdf|ttl|jsonld)$", re.IGNORECASE)


def _last_segment(url: str | None) -> str | None:
    """The meaningful last path segment of a URL, if it has one."""
    if not url:
        return None
    if "://" in url:
        parts = urlsplit(url)
        # "item.html?id=...", "catalog.search#/metadata/...": an application's page,
        # the record is named in the query or fragment, not in the path.
        if parts.query or parts.fragment:
            return None
        path = parts.path
    else:
        path = url
    segments = [s for s in path.split("/") if s]
    if not segments:
        return None
    last = _PAGE_EXT.sub("", segments[-1])
    return None if last.lower() in _GENERIC else last


def base_slug(remote_id: str, url: str | None, title: str, rid: str) -> str:
    # Identifiers that are URLs (DCAT, data.json) give their last segment.
    own = _last_segment(remote_id) if "://" in remote_id else remote_id
    return (_readable(own) or _readable(_last_segment(url))
            or f"{slugify(title, 60) or 'registro'}-{short_hash(rid)}")


def assign_slugs(records: Iterable, reserved: Iterable[str] = (),
                 known: dict[str, str] | None = None) -> dict[str, str]:
    """record id -> slug, unique within the given records and never a reserved word.
    `known` gives base slugs already computed (by record id)."""
    out: dict[str, str] = {}
    taken: set[str] = set(reserved)
    known = known or {}
    for rec in sorted(records, key=attrgetter("id")):
        slug = known.get(rec.id) or base_slug(rec.remote_id, rec.url, rec.title, rec.id)
        if slug in taken:
            slug = f"{slug[:72]}-{short_hash(rec.id)}"
        taken.add(slug)
        out[rec.id] = slug
    return out


def unique_slugs(labels: Iterable[str], reserved: Iterable[str] = ()) -> dict[str, str]:
    """label -> slug for facet values ("Medio ambiente" -> "medio-ambiente"), unique:
    labels that fold to the same slug get a short hash, in sorted order."""
    out: dict[str, str] = {}
    taken: set[str] = set(reserved)
    for label in sorted(set(labels)):
        slug = slugify(label) or f"valor-{short_hash(label)}"
        if slug in taken:
            slug = f"{slug[:72]}-{short_hash(label)}"
        taken.add(slug)
        out[label] = slug
    return out


def obra_slugs(obras: Iterable) -> dict[str, str]:
    """Public works share their links at the source (a programme's page), so
    their slugs come from the title and the id: "escuela-n-24-1"."""
    known = {}
    for o in obras:
        own = slugify(o.remote_id, 12)
        tail = own if own and len(own) == len(o.remote_id) else short_hash(o.id)
        known[o.id] = f"{slugify(o.title, 60) or 'obra'}-{tail}"
    return assign_slugs(obras, RESERVED["obras"], known)
