"""The portal's generator: loads the snapshot model once, then each section
module (`sections/`) writes its pages through one Sink.

A small class registered on Pelican's `get_generators`, writing through
`writer.write_file` like Pelican's own TemplatePagesGenerator.
"""

from __future__ import annotations

import gc
import logging
import os
import resource
import sys
import time
from pathlib import Path

from pelican import signals
from pelican.generators import Generator

from aggregator.snapshot import SnapshotError, default_cache_dir, source_files
from aggregator.transparency import PatternError, patterns_from_settings

from . import light
from .exports_process import ExportsFailed, ExportsProcess, wanted
from .filters import filters_for, today
from .fragments import FragmentStore
from .indexes import build_indexes, initial
from .manifest import Manifest, global_fingerprint
from .model import SiteModel
from .navigation import NavigationError, check_links
from .records_cache import FORMATS, RecordCache
from .scorecard import board
from .sections import (
    calendars,
    catalog,
    changes,
    csv_exports,
    datasets,
    dcat,
    editorial,
    exports,
    feeds,
    home,
    institutions,
    news,
    obras,
    participation,
    register_pages,
    scorecard,
    seo,
    status,
    transparency,
)
from .site import Site
from .theme import ThemeColorError, theme_css
from .writer import copy_static

log = logging.getLogger(__name__)

PLUGINS_DIR = Path(__file__).resolve().parent.parent
# `catalog` (/catalogo/, every export the sections registered) and `seo` (sitemap,
# robots.txt, 404) run at the end of the build: they list what the others wrote.
SECTIONS = [home, datasets, institutions, participation, transparency, register_pages,
            obras, scorecard, news, editorial, status, exports, dcat, csv_exports,
            calendars, feeds, changes]
FINAL = [catalog, seo]
# Machine-readable exports, by the names PORTAL_EXPORTS may list (True: all; False
# or a list leaves the others out, as the benchmarks do).
EXPORTS = {"dcat": dcat, "datasets": exports, "csv": csv_exports, "ical": calendars}


class PortalGenerator(Generator):
    def generate_context(self) -> None:
        started = time.monotonic()
        try:
            self.env.filters.update(filters_for(self.settings))
            day = today(self.settings)
        except ValueError as exc:       # DEFAULT_LANG or TIMEZONE unknown
            stop_build(str(exc))
        self.env.filters["initial"] = initial
        data_dir = Path(self.settings.get("PORTAL_DATA") or Path(self.path) / "data")
        light.forget()
        # Hundreds of thousands of long-lived objects and no cycles among them:
        # the cyclic collector would only walk them again and again while they
        # are made. Frozen out of its sight once built.
        gc_was_enabled = gc.isenabled()
        gc.disable()
        try:
            self._load(data_dir, day)
        finally:
            gc.freeze()
            if gc_was_enabled:
                gc.enable()
        # Pelican's article and page generators render with this same context
        # (before this generator's output): everything the layout needs is set here.
        self.context["portal"] = self.model
        self.context["TODAY"] = day
        self.context["THEME_CSS"] = self.css
        pages = sorted(self.context.get("pages") or [],
                       key=lambda p: (getattr(p, "order", 100), p.title.lower()))
        self.context["footer_pages"] = [(p.title, p.url) for p in pages]
        self.context_seconds = time.monotonic() - started
        log.info("Portal: snapshot %s loaded in %.1fs (%d datasets)", data_dir,
                 self.context_seconds, len(self.model.datasets))

    def _load(self, data_dir: Path, day) -> None:
        """The model and its indexes, from the record cache and the snapshot."""
        self.records = RecordCache(default_cache_dir())
        known_slugs = self.records.read(source_files(data_dir))
        prebuilt = self.records.light_sources()
        self.light_count = sum(len(sf.records) for sf in prebuilt.values())
        try:
            self.model = SiteModel.load(data_dir, day, self.settings.get("PORTAL_SOURCE_NAMES"),
                                        known_slugs, prebuilt,
                                        self.settings.get("PORTAL_CHANGES_MONTHS"))
            self.css = theme_css(self.settings.get("THEME_COLORS") or {})
            self.transparency_patterns = patterns_from_settings(self.settings)
            for name in ("PORTAL_NAV", "PORTAL_FOOTER_LINKS"):
                check_links(name, self.settings.get(name))
        except (SnapshotError, ThemeColorError, PatternError, NavigationError) as exc:
            stop_build(str(exc))
        self.record_entries = self.records.entries(self.model.snapshot)
        self.model.idx = build_indexes(self.model, {
            rid: e[FORMATS] for rid, e in self.record_entries.items() if e[FORMATS] is not None})

    def _code_paths(self) -> list[Path]:
        return [Path(self.theme), PLUGINS_DIR / "portal_site", PLUGINS_DIR / "editor_content"]

    def generate_output(self, writer) -> None:
        self.started = time.monotonic()
        global_fp = global_fingerprint(
            self.settings, self._code_paths(),
            extra=[repr(self.context["footer_pages"]), self.context["THEME_CSS"]])
        self.manifest = Manifest(self.output_path, global_fp)
        self.store = FragmentStore(default_cache_dir(), global_fp)
        self.export_store = FragmentStore(default_cache_dir(), global_fp, "exportfragments")
        self.site = Site(self, writer, self.manifest, self.store, self.export_store)
        self.writer = writer
        # The theme's static files (THEME_STATIC_PATHS is empty in pelicanconf.py:
        # Pelican would copy them again on every build).
        self.theme_files = []
        if hasattr(writer, "write_bytes"):
            self.theme_files = copy_static(writer, Path(self.theme) / "static",
                                           self.settings.get("THEME_STATIC_DIR", "theme"),
                                           self.settings.get("IGNORE_FILES") or ())
        self.timings: list[str] = [(f"(snapshot and indexes {self.context_seconds:.1f}s, "
                                   f"{self.light_count} datasets from the record cache, "
                                   f"fingerprints {time.monotonic() - self.started:.1f}s)")]
        # Pages other generators write after this one (the search page) belong
        # in the sitemap too: it is written once every generator is done.
        self.written_elsewhere: list[str] = []
        chosen = self.settings.get("PORTAL_EXPORTS", True)
        skip = set() if chosen is True else {
            m for name, m in EXPORTS.items() if not chosen or name not in chosen}
        exports = [m for m in SECTIONS if m in EXPORTS.values() and m not in skip]
        # The exports in a second process, beside the pages (exports_process.py);
        # what both processes read is made once, before the fork.
        self.beside = None
        if exports and wanted(self.settings, autoreloading()):
            self.site.item_fps()
            board(self.site)
            self.beside = ExportsProcess(self, exports)
        for section in SECTIONS:
            if section in skip:
                continue
            if self.beside is not None and section in exports:
                self.beside.mark_slot()
                continue
            self._run(section)
        # Connected after this generator's own pages: a receiver costs on every write.
        signals.content_written.connect(self._content_written)
        signals.finalized.connect(self._finalized)

    def _run(self, section) -> None:
        started, rendered = time.monotonic(), self.manifest.rendered
        cpu = time.process_time()   # on a shared machine, steadier than the wall clock
        section.write(self.site)
        # The process's peak memory so far: a section that raises it shows its cost.
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
        self.timings.append(f"{section.__name__.rsplit('.', 1)[-1]} "
                            f"{self.manifest.rendered - rendered} in "
                            f"{time.monotonic() - started:.1f}s "
                            f"(cpu {time.process_time() - cpu:.1f}s) (peak {peak} MB)")

    def _content_written(self, path, context=None) -> None:
        prefix = str(self.output_path).rstrip("/") + "/"
        if isinstance(path, str) and path.startswith(prefix) and path.endswith(".html"):
            self.written_elsewhere.append(path[len(prefix):])

    def _finalized(self, pelican_object) -> None:
        signals.content_written.disconnect(self._content_written)
        signals.finalized.disconnect(self._finalized)
        self.site.extra_pages = self.written_elsewhere
        if self.beside is not None:
            beside, self.beside = self.beside, None
            try:
                beside.join()
            except ExportsFailed as exc:
                stop_build(str(exc))
        for section in FINAL:
            self._run(section)
        self._check_collisions()
        saving = time.monotonic()
        removed = self.manifest.remove_stale()
        self.manifest.save()
        self.store.save(ds.id for ds in self.model.datasets)
        self.export_store.save(ds.id for ds in self.model.datasets)   # no-op if made beside
        self.records.save()
        # A build ends the process: collecting millions of records at exit costs
        # seconds for nothing. A devserver lives on, and collects between builds.
        if autoreloading():
            gc.unfreeze()
        self.timings.append(f"(caches saved in {time.monotonic() - saving:.1f}s)")
        if os.environ.get("PORTAL_BUILD_TIMINGS"):
            print(f"Portal sections (pages rendered): {'; '.join(self.timings)}",
                  file=sys.stderr)
        log.info("Portal: %d pages and files rendered, %d unchanged, %d removed in %.1fs",
                 self.manifest.rendered, self.manifest.kept, removed,
                 time.monotonic() - self.started)
        if hasattr(self.writer, "written"):
            log.info("Output: %d files written, %d left alone (same bytes)",
                     self.writer.written, self.writer.unchanged)

    def _check_collisions(self) -> None:
        """Two things published at one address (an editor's page named after a
        section, the search page...) stop the build, naming both; otherwise every
        file of this build is listed, so the next one removes what it drops."""
        origins = getattr(self.writer, "origins", None)
        if origins is None:
            return
        problems = self.writer.collisions(self.manifest.kept_pages())
        if problems:
            head = f"{len(problems)} addresses published twice:\n  " if len(problems) > 1 else ""
            stop_build(head + "\n  ".join(problems))
        statics = [sf.save_as for sf in self.context.get("staticfiles") or ()]
        self.manifest.own([*origins, *statics, *self.theme_files])


def autoreloading() -> bool:
    """Whether this is `pelican --autoreload` (make devserver)."""
    try:
        from pelican import parse_arguments
        return bool(parse_arguments(sys.argv[1:]).autoreload)
    except (SystemExit, Exception):  # noqa: BLE001 - not run from pelican's CLI
        return False


def stop_build(message: str):
    """A clear one-line error instead of a traceback; under `pelican --autoreload`
    (make devserver) an exception, so the server reports it and keeps watching."""
    if autoreloading():
        raise RuntimeError(message)
    print(f"error: {message}", file=sys.stderr, flush=True)
    raise SystemExit(1)
