"""What an adapter is: it lists remote items and maps one item to a record.

Everything else (per-item errors, counting, reconciliation, writing, status)
belongs to the shared run loop in `aggregator.runner`, as in ckanext-harvest's
stages and udata's backends.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar
from urllib.parse import urlsplit

from ..config import ConfigError, Option, SourceConfig, check_value
from ..errors import ItemError, SourceError
from ..http import Http
from ..records import Record
from ..sanitize import Warnings

__all__ = ["Adapter", "HarvestContext", "ItemError", "Option", "SourceError"]


@dataclass
class HarvestContext:
    """What the run loop tells an adapter about this run."""

    settings: dict
    # Harvest only what changed since then (None: list everything).
    since: datetime | None = None
    previous: dict[str, Record] = field(default_factory=dict)
    warnings: Warnings = field(default_factory=Warnings)


class Adapter:
    name: ClassVar[str] = ""
    OPTIONS: ClassVar[dict[str, Option]] = {}
    # True when the adapter can list only what changed since `context.since`.
    incremental: ClassVar[bool] = False

    def __init__(self, source: SourceConfig, http: Http, context: HarvestContext):
        self.source = source
        self.http = http
        self.context = context
        self.options = self.check_options(source)
        # Set by list_items when it listed only changes (no deletions known).
        self.partial = False
        # Items the listing itself had to drop (no identifier): failed items.
        self.failed_items = 0
        # Set by adapters that know the listing is total (the count the server gave).
        self.expected: int | None = None

    @classmethod
    def check_options(cls, source: SourceConfig) -> dict:
        """The source's options with defaults filled in, each checked against its
        declaration in OPTIONS; adapters add checks of their own on top."""
        unknown = sorted(set(source.options) - set(cls.OPTIONS))
        if unknown:
            raise ConfigError(f"source {source.id!r}: unknown option(s) for adapter "
                              f"{cls.name!r}: {', '.join(map(str, unknown))} "
                              f"(known: {', '.join(sorted(cls.OPTIONS)) or 'none'})")
        return {key: check_value(source.options.get(key, opt.default), opt,
                                 f"source {source.id!r}: option {key!r}")
                for key, opt in cls.OPTIONS.items()}

    @classmethod
    def portal_url(cls, source: SourceConfig) -> str:
        """The portal's base URL, written in the source file's header: the origin of
        the configured URL (a catalog file's site), unless an adapter knows better."""
        parts = urlsplit(source.url)
        return f"{parts.scheme}://{parts.netloc}"

    # -- what each adapter implements ----------------------------------------
    def list_items(self) -> Iterator[Any]:
        """Yield raw remote items. Raise SourceError when the listing fails."""
        raise NotImplementedError

    def normalize(self, raw: Any) -> Record:
        """Map one raw item to a record. Raise ItemError when it cannot be used."""
        raise NotImplementedError

    # -- helpers --------------------------------------------------------------
    def warn(self, message: str) -> None:
        self.context.warnings.add(message)

    def record_id(self, remote_id: str) -> str:
        return f"{self.source.id}:{remote_id}"

    def common(self, remote_id: Any, url: str | None, title: str | None) -> dict:
        """The fields every record carries; an item without identifier is unusable."""
        if remote_id is None or not str(remote_id).strip():
            raise ItemError("item has no identifier")
        rid = str(remote_id).strip()
        return {"id": self.record_id(rid), "source": self.source.id, "remote_id": rid,
                "url": url, "institution": self.source.institution,
                "title": title or rid}
