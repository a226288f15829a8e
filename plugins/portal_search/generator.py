"""Writes /buscar/ and, once the whole site is written (Pelican's `finalized`
signal), the Pagefind bundle in output/pagefind/, for `make html` and
`make publish` alike.

The index is built from the build's context (see documents.py). A build whose
documents are unchanged keeps the bundle it finds (a digest is stored in it), so
a rebuild with nothing new is cheap. Settings (or environment variables):
PORTAL_SEARCH_INDEX = False skips the index (site benchmarks; /buscar/ is
written either way); PORTAL_SEARCH_SHARD_PAGES sets the documents per bundle.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

from pelican import signals
from pelican.generators import Generator

from .documents import FILTERS, SORT_KEY, DocumentBuilder
from .pagefind_index import (SHARD_PAGES, bundle_names, digest, plan, read_stamp,
                             shard_count, write_bundles)

log = logging.getLogger(__name__)

PAGE = "buscar/index.html"
# Where the page points when search cannot help (no results, no JavaScript).
BROWSE = [("datos/", "Datos"), ("instituciones/", "Instituciones"),
          ("participacion/", "Participación"), ("transparencia/", "Transparencia"),
          ("noticias/", "Noticias"), ("apps/", "Apps"), ("eventos/", "Eventos")]


def shard_pages(settings: dict) -> int:
    """Documents per bundle (PORTAL_SEARCH_SHARD_PAGES, setting or environment)."""
    value = os.environ.get("PORTAL_SEARCH_SHARD_PAGES") or settings.get(
        "PORTAL_SEARCH_SHARD_PAGES") or SHARD_PAGES
    return max(1, int(value))


def index_enabled(settings: dict) -> bool:
    env = os.environ.get("PORTAL_SEARCH_INDEX")
    if env is not None:
        return env.strip().lower() not in ("0", "false", "no", "")
    return bool(settings.get("PORTAL_SEARCH_INDEX", True))


def portal_helpers(model):
    """The portal plugin's own helpers, so facets and links match its pages:
    resource format labels, and the page of an institution's transparency
    listing that shows a given entry."""
    try:
        from portal_site.indexes import dataset_formats  # noqa: PLC0415
        from portal_site.pages import Pager  # noqa: PLC0415
        from portal_site.sections.transparency import ENTRIES_PER_PAGE  # noqa: PLC0415
    except ImportError:  # the portal plugin is not loaded: plain labels, first page
        return None, None
    by_inst = getattr(getattr(model, "idx", None), "transparency_by_inst", None) or {}
    where = {e.id: (i, len(entries)) for entries in by_inst.values()
             for i, e in enumerate(entries)}

    def transparency_page(entry, inst):
        if inst is None:
            return None
        position, total = where.get(entry.id, (0, 1))
        number = position // ENTRIES_PER_PAGE + 1
        pages = max(1, -(-total // ENTRIES_PER_PAGE))
        return Pager(number, pages, f"transparencia/{inst.id}/", total,
                     ENTRIES_PER_PAGE).url(number)

    return dataset_formats, transparency_page


def documents_of(context: dict):
    """Every search document of a build, in a stable order."""
    model = context.get("portal")
    if model is None:
        log.warning("Search: the portal plugin's model is missing; only editors' "
                    "content is indexed")
        return DocumentBuilder(None).all(context)
    formats, transparency_page = portal_helpers(model)
    return DocumentBuilder(model, formats, transparency_page).all(context)


def build_index(documents: list, output_path: str | Path, per_shard: int = SHARD_PAGES,
                language: str = "es") -> None:
    """Write the bundles for these documents, unless the output already has them."""
    output = Path(output_path)
    key, count = digest(documents, per_shard)
    shards = shard_count(count, per_shard)
    stamp = {"digest": key, "documents": count, "shards": shards, "language": language}
    if read_stamp(output) == stamp and all(
            (output / name / "pagefind.js").is_file() for name in bundle_names(shards)):
        log.info("Search: %d documents unchanged, index kept", count)
        return
    try:
        stats = write_bundles(plan(documents, per_shard), output, stamp,
                              {"force_language": language})
    except (OSError, RuntimeError) as exc:
        print(f"error: search index not written: {exc}", file=sys.stderr, flush=True)
        raise SystemExit(1) from exc
    log.info("Search: %d documents indexed in %.1fs (%d bundle(s), %d files, %.1f MB)",
             stats.documents, stats.seconds, stats.shards, stats.files, stats.bytes / 1e6)


class SearchGenerator(Generator):
    """The /buscar/ page; the index once every other page is written."""

    def generate_context(self) -> None:
        self._documents = None

    def generate_output(self, writer) -> None:
        documents = list(documents_of(self.context))
        self._per_shard = shard_pages(self.settings)
        shards = shard_count(len(documents), self._per_shard)
        bundles = " ".join(f"{name}/" for name in bundle_names(shards))
        writer.write_file(PAGE, self.get_template("search"), self.context,
                          self.settings["RELATIVE_URLS"], override_output=True,
                          url="buscar/", page_url="buscar/", browse=BROWSE,
                          search_filters=FILTERS, search_bundles=bundles,
                          search_sort=SORT_KEY)
        if index_enabled(self.settings):
            self._documents = documents
            # A weak reference: it goes away with this build's generator.
            signals.finalized.connect(self._finalized)

    def _finalized(self, pelican) -> None:
        signals.finalized.disconnect(self._finalized)
        documents, self._documents = self._documents, None
        if documents is not None:
            build_index(documents, self.output_path, self._per_shard,
                        self.settings.get("DEFAULT_LANG") or "es")
