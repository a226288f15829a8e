"""/catalogo/: every machine-readable export, as an API reference would list
it: format, standard, URL, size, records, columns, encoding and update time.

Written after every other section (generator.py runs it with `seo`), from the
registry the sections filled (export_registry.py), so an export another
section adds is listed without touching this module.
"""

from __future__ import annotations

from ..export_registry import Export
from ..urls import slugify
from .feeds import feeds

SECTIONS = ["Datos", "Instituciones", "Evaluación", "Participación", "Transparencia", "Noticias",
            "Eventos"]


def write(site) -> None:
    listed = site.exports.listed()
    order = {name: n for n, name in enumerate(SECTIONS)}
    groups: dict[str, list] = {}
    for item in sorted(listed, key=lambda x: order.get(x.export.section, len(order))):
        groups.setdefault(item.export.section, []).append(item)
    fingerprint = [repr(_key(item.export)) + f"|{item.size}|{item.updated}" for item in listed]
    site.sink.page("catalogo/index.html", "catalogo", fingerprint,
                   count=len(site.model.datasets),
                   groups=[(name, slugify(name), items) for name, items in groups.items()],
                   feeds=feeds(site))


def _key(export: Export) -> tuple:
    return (export.path, export.title, export.format, export.media_type, export.description,
            export.section, export.standard, tuple(export.columns), export.encoding,
            len(export.pages), export.per_record, export.count)
