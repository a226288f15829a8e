"""The portal's generator: renders every section from the snapshot model.

A small class registered on Pelican's `get_generators`, writing through
`writer.write_file` like Pelican's own TemplatePagesGenerator.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from pelican.generators import Generator

from .filters import FILTERS, today
from .model import SiteModel

log = logging.getLogger(__name__)


class PortalGenerator(Generator):
    def generate_context(self) -> None:
        started = time.monotonic()
        data_dir = Path(self.settings.get("PORTAL_DATA") or Path(self.path) / "data")
        self.model = SiteModel.load(data_dir)
        self.model.source_names = dict(self.settings.get("PORTAL_SOURCE_NAMES") or {})
        self.env.filters.update(FILTERS)
        self.context["portal"] = self.model
        self.context["TODAY"] = today(self.settings)
        log.info("Portal: snapshot %s loaded in %.1fs (%d datasets)", data_dir,
                 time.monotonic() - started, len(self.model.datasets))

    def write(self, writer, save_as: str, template: str, **kwargs) -> None:
        writer.write_file(save_as, self.get_template(template), self.context,
                          self.settings["RELATIVE_URLS"], override_output=True,
                          url=save_as.removesuffix("index.html"), **kwargs)

    def generate_output(self, writer) -> None:
        model = self.model
        self.write(writer, "index.html", "index",
                   recent_datasets=model.datasets[:6], latest_news=model.news[:5])
        template = self.get_template("dataset")
        relative = self.settings["RELATIVE_URLS"]
        for ds in model.datasets:
            save_as = f"datos/{model.slug(ds)}/index.html"
            writer.write_file(save_as, template, self.context, relative, override_output=True,
                              dataset=ds, institution=model.institution_of(ds))
