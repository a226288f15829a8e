"""Portal plugin: the sections built from the aggregated snapshot."""

from pelican import signals

from .filters import FILTERS
from .generator import PortalGenerator


def _get_generators(pelican_object):
    return PortalGenerator


def _add_filters(pelican_object):
    pelican_object.settings.setdefault("JINJA_FILTERS", {}).update(FILTERS)


def register():
    signals.initialized.connect(_add_filters)
    signals.get_generators.connect(_get_generators)
