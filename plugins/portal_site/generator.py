"""The portal's generator: loads the snapshot model once, then each section
module (`sections/`) writes its pages through one Sink.

A small class registered on Pelican's `get_generators`, writing through
`writer.write_file` like Pelican's own TemplatePagesGenerator.
"""

from __future__ import annotations

import gc
import logging
import sys
import time
from pathlib import Path

from pelican.generators import Generator

from aggregator.snapshot import SnapshotError
from aggregator.transparency import PatternError, patterns_from_settings

from .filters import FILTERS, today
from .indexes import build_indexes, initial
from .manifest import Manifest, global_fingerprint
from .model import SiteModel
from .sections import (datasets, editorial, exports, feeds, home, institutions, news,
                       participation, seo, status, transparency)
from .site import Site
from .theme import ThemeColorError, theme_css

log = logging.getLogger(__name__)

PLUGINS_DIR = Path(__file__).resolve().parent.parent
# The sitemap runs last: it lists every page the others wrote.
SECTIONS = [home, datasets, institutions, participation, transparency, news, editorial,
            status, exports, feeds, seo]


class PortalGenerator(Generator):
    def generate_context(self) -> None:
        started = time.monotonic()
        self.env.filters.update(FILTERS)
        self.env.filters["initial"] = initial
        data_dir = Path(self.settings.get("PORTAL_DATA") or Path(self.path) / "data")
        day = today(self.settings)
        try:
            self.model = SiteModel.load(data_dir, day, self.settings.get("PORTAL_SOURCE_NAMES"))
            css = theme_css(self.settings.get("THEME_COLORS") or {})
            self.transparency_patterns = patterns_from_settings(self.settings)
        except (SnapshotError, ThemeColorError, PatternError) as exc:
            stop_build(str(exc))
        self.model.idx = build_indexes(self.model)
        # Pelican's article and page generators render with this same context
        # (before this generator's output): everything the layout needs is set here.
        self.context["portal"] = self.model
        self.context["TODAY"] = day
        self.context["THEME_CSS"] = css
        pages = sorted(self.context.get("pages") or [],
                       key=lambda p: (getattr(p, "order", 100), p.title.lower()))
        self.context["footer_pages"] = [(p.title, p.url) for p in pages]
        log.info("Portal: snapshot %s loaded in %.1fs (%d datasets)", data_dir,
                 time.monotonic() - started, len(self.model.datasets))

    def _code_paths(self) -> list[Path]:
        return [Path(self.theme), PLUGINS_DIR / "portal_site", PLUGINS_DIR / "editor_content"]

    def generate_output(self, writer) -> None:
        started = time.monotonic()
        # Hundreds of thousands of long-lived records: keep the cyclic collector
        # from rescanning them on every collection while pages render.
        gc.collect()
        gc.freeze()
        manifest = Manifest(self.output_path, global_fingerprint(
            self.settings, self._code_paths(),
            extra=[repr(self.context["footer_pages"]), self.context["THEME_CSS"]]))
        site = Site(self, writer, manifest)
        for section in SECTIONS:
            section.write(site)
        removed = manifest.remove_stale()
        manifest.save()
        gc.unfreeze()
        log.info("Portal: %d pages and files written, %d unchanged, %d removed in %.1fs",
                    manifest.rendered, manifest.kept, removed, time.monotonic() - started)



def stop_build(message: str):
    """A clear one-line error instead of a traceback; under `pelican --autoreload`
    (make devserver) an exception, so the server reports it and keeps watching."""
    try:
        from pelican import parse_arguments  # noqa: PLC0415
        autoreload = bool(parse_arguments(sys.argv[1:]).autoreload)
    except (SystemExit, Exception):  # noqa: BLE001 - not run from pelican's CLI
        autoreload = False
    if autoreload:
        raise RuntimeError(message)
    print(f"error: {message}", file=sys.stderr, flush=True)
    raise SystemExit(1)
