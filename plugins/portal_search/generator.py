"""Writes /buscar/ and the search index in output/search/ (the portal's own
format: docs/search.md), for `make html` and `make publish` alike.

The index is built from the build's context (documents.py), never from the
rendered pages, and written incrementally (store.py). Settings (or environment
variables): PORTAL_SEARCH_INDEX = False skips the index (site benchmarks;
/buscar/ is written either way); PORTAL_SEARCH_FIRST_BLOCK and
PORTAL_SEARCH_SHARD_BYTES size the first postings block and the term shards
(tests use small ones); PORTAL_SEARCH_PARALLEL = False keeps a full build in
one process (processes.py).
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

from pelican.generators import Generator

from aggregator.snapshot import default_cache_dir

from . import processes
from .documents import FILTERS, SORT_KEY, DocumentBuilder
from .layout import FIRST, SHARD_BYTES
from .store import FOLDER, write_index

log = logging.getLogger(__name__)

PAGE = "buscar/index.html"
# Where the page points when search cannot help (no results, no JavaScript).
BROWSE = [("datos/", "Datos"), ("instituciones/", "Instituciones"),
          ("participacion/", "Participación"), ("transparencia/", "Transparencia"),
          ("obras/", "Obras"), ("noticias/", "Noticias"), ("apps/", "Apps"),
          ("eventos/", "Eventos")]


def _number(settings: dict, name: str, default: int) -> int:
    value = os.environ.get(name) or settings.get(name) or default
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
        from portal_site.indexes import dataset_formats
        from portal_site.pages import Pager
        from portal_site.sections.transparency import ENTRIES_PER_PAGE
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


def build_index(documents, output_path: str | Path, settings: dict | None = None,
                cache: Path | None = None) -> None:
    """Write the index of these documents into output/search/."""
    settings = settings or {}
    try:
        stats = write_index(documents, Path(output_path), cache or default_cache_dir(),
                            _number(settings, "PORTAL_SEARCH_FIRST_BLOCK", FIRST),
                            _number(settings, "PORTAL_SEARCH_SHARD_BYTES", SHARD_BYTES),
                            language=settings.get("DEFAULT_LANG") or "es",
                            parallel=processes.wanted(settings))
    except (OSError, ValueError) as exc:
        print(f"error: search index not written: {exc}", file=sys.stderr, flush=True)
        raise SystemExit(1) from exc
    log.info("Search: %d documents indexed in %.1fs (CPU %.1fs; making the documents %.1fs) "
             "(%d files, %.1f MB; written: %d files, %.1f MB; %d stale removed; "
             "%d documents scored; %d processes)",
             stats.documents, stats.seconds, stats.cpu_seconds, stats.document_seconds,
             stats.files, stats.bytes / 1e6, stats.files_written, stats.bytes_written / 1e6,
             stats.removed, stats.changed, stats.processes)


class SearchGenerator(Generator):
    """The /buscar/ page and the index."""

    def generate_context(self) -> None:
        pass

    def generate_output(self, writer) -> None:
        writer.write_file(PAGE, self.get_template("search"), self.context,
                          self.settings["RELATIVE_URLS"], override_output=True,
                          url="buscar/", page_url="buscar/", browse=BROWSE,
                          search_filters=FILTERS, search_index=f"{FOLDER}/",
                          search_sort=SORT_KEY)
        if index_enabled(self.settings):
            build_index(documents_of(self.context), self.output_path, self.settings)
