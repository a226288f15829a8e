"""Editors' content: Markdown with YAML front matter for news (`content/noticias/`),
pages (`content/paginas/`), events (`content/eventos/`) and apps (`content/apps/`).

A missing required field, a bad date or any other problem stops the build with
`path:line: message` lines (no traceback). Under `pelican --autoreload`
(`make devserver`) the problems are shown and the server keeps watching.
"""

from __future__ import annotations

import sys

from pelican import signals

from .collisions import check_generator
from .generator import EditorContentGenerator
from .reader import ERRORS_KEY, FrontMatterReader


class EditorContentError(Exception):
    """Problems in editors' files (the message lists them, one per line)."""


def _add_reader(readers) -> None:
    for ext in FrontMatterReader.file_extensions:
        readers.reader_classes[ext] = FrontMatterReader


def _get_generators(pelican_object):
    # Called at the start of every build: forget the previous build's problems.
    pelican_object.settings[ERRORS_KEY] = []
    return EditorContentGenerator


def _autoreloading() -> bool:
    try:
        from pelican import parse_arguments
        return bool(parse_arguments(sys.argv[1:]).autoreload)
    except (SystemExit, Exception):  # noqa: BLE001 - not run from pelican's CLI
        return False


def _check(generators) -> None:
    if not generators:
        return
    settings = generators[0].settings
    errors = list(dict.fromkeys(settings.get(ERRORS_KEY) or []))
    settings[ERRORS_KEY] = []
    if not errors:
        return
    head = (f"{len(errors)} problem{'s' if len(errors) > 1 else ''} in editors' content; "
            "nothing was published:")
    message = "\n".join([head, *(f"  {e}" for e in errors)])
    if _autoreloading():
        raise EditorContentError(message)
    print(message, file=sys.stderr, flush=True)
    raise SystemExit(1)


def register():
    signals.readers_init.connect(_add_reader)
    signals.get_generators.connect(_get_generators)
    signals.article_generator_finalized.connect(check_generator)
    signals.page_generator_finalized.connect(check_generator)
    signals.all_generators_finalized.connect(_check)
