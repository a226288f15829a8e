"""The registry of machine-readable exports that /catalogo/ documents.

Every section module that writes an export (a CSV, a calendar, an RDF page...)
writes it through `site.exports.file(...)` or, for exports made of many files,
registers it with `site.exports.add(...)`; the /catalogo/ page (written after
every section) lists each one with its format, URL, size, columns and update
time. Another section adds its own exports the same way:

    site.exports.file(Export("catalogo/obras.csv", "Obras públicas", "CSV",
                             "text/csv", "Una fila por obra.", section="Obras",
                             columns=[("id", "Identificador"), ...]),
                      lambda: text, fingerprint)
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

CSV_BOM = "\ufeff"      # spreadsheets read UTF-8 only when the file says so


@dataclass
class Export:
    path: str                     # site-relative path of the (first) file
    title: str
    format: str                   # "CSV", "JSON-LD", "Turtle", "iCalendar"...
    media_type: str
    description: str
    section: str = "Datos"        # heading it is listed under on /catalogo/
    standard: str | None = None   # "DCAT-AP 3.0.1", "RFC 5545"...
    columns: list[tuple[str, str]] = field(default_factory=list)   # (name, meaning)
    encoding: str = "UTF-8"
    pages: list[str] = field(default_factory=list)   # every file of a paged export
    per_record: str | None = None  # "one file per dataset" exports: the URL pattern
    count: int | None = None       # records in it, when it says
    updated: str | None = None     # ISO time of the newest harvest of its records


@dataclass
class Listed:
    """An export as /catalogo/ shows it: with its files' size and data's date."""

    export: Export
    size: int | None
    updated: datetime | None


class ExportRegistry:
    def __init__(self, site):
        self.site = site
        self.exports: list[Export] = []

    def add(self, export: Export) -> None:
        self.exports.append(export)

    def file(self, export: Export, produce: Callable[[], str | bytes | Iterable[str]],
             fingerprint: Iterable[str] | None) -> bool:
        """Write (unless unchanged) one export file and list it; whether written."""
        self.add(export)
        return self.site.sink.file(export.path, produce, fingerprint)

    def harvested(self, kind: type) -> str | None:
        """When the newest source holding records of that kind was harvested: the
        "updated" of an export made of them (the same in every build of the same
        snapshot, unlike a file's time)."""
        times = [sf.harvested_at for sf in self.site.model.snapshot.sources.values()
                 if sf.harvested_at and any(isinstance(r, kind) for r in sf.records)]
        return max(times) if times else None

    def listed(self) -> list[Listed]:
        out = []
        root = self.site.generator.output_path
        zone = _zone(self.site.settings)
        for export in self.exports:
            size = 0
            for path in export.pages or [export.path]:
                try:
                    size += os.stat(os.path.join(root, path)).st_size
                except OSError:
                    continue
            out.append(Listed(export, None if export.per_record else size,
                              _time(export.updated, zone)))
        return out


def _time(value: str | None, zone) -> datetime | None:
    if not value:
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        return None
    return when.astimezone(zone) if when.tzinfo else when


def _zone(settings: dict):
    try:
        return ZoneInfo(settings.get("TIMEZONE") or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return UTC
