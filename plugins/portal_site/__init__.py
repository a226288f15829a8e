"""Portal plugin: the sections built from the aggregated snapshot."""

import os

from jinja2 import FileSystemBytecodeCache
from pelican import signals

from aggregator.snapshot import default_cache_dir

from .filters import FILTERS, filters_for
from .generator import PortalGenerator
from .writer import PortalWriter


def _get_generators(pelican_object):
    return PortalGenerator


def _get_writer(pelican_object):
    return PortalWriter


def _add_filters(pelican_object):
    try:
        filters = filters_for(pelican_object.settings)
    except ValueError:      # reported by the generator as a one-line build error
        filters = FILTERS
    pelican_object.settings.setdefault("JINJA_FILTERS", {}).update(filters)


def _bytecode_cache(generator):
    """Templates compiled once, not on every build: Jinja keys the cache by the
    template's source, so an edited template is compiled again."""
    folder = default_cache_dir() / "jinja"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return
    if not os.access(folder, os.W_OK):
        return      # a read-only cache: templates are compiled as usual
    generator.env.bytecode_cache = FileSystemBytecodeCache(str(folder))


def register():
    signals.initialized.connect(_add_filters)
    signals.get_generators.connect(_get_generators)
    signals.get_writer.connect(_get_writer)
    signals.generator_init.connect(_bytecode_cache)
