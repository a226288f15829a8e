"""Site search: the /buscar/ page and the portal's own static index of every
record, page and editor item, sharded by term (see docs/search.md)."""

from pelican import signals

from .generator import SearchGenerator


def _get_generators(pelican_object):
    return SearchGenerator


def register():
    signals.get_generators.connect(_get_generators)
