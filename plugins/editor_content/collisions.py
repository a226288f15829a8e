"""Two editors' files published at one address: a build error naming both.

Pelican takes two news (or two pages) with one slug for translations of each
other and publishes only one, with a warning; here the second is an error, as
for apps and events. Drafts and hidden files count too: publishing a draft must
not silently replace another page. A page named after one of the portal's
sections (`paginas/datos.md`) is caught when it is written (the portal's
writer, plugins/portal_site/writer.py), since only then are all addresses known.
"""

from __future__ import annotations

import os

from .frontmatter import FrontMatterError
from .reader import ERRORS_KEY, shown_path

# Pelican's lists of everything a generator read, by status.
_LISTS = {"article": ("articles", "translations", "hidden_articles", "hidden_translations",
                      "drafts", "drafts_translations"),
          "page": ("pages", "translations", "hidden_pages", "hidden_translations",
                   "draft_pages", "draft_translations")}
_DRAFTS = {"article": ("drafts", "drafts_translations"),
           "page": ("draft_pages", "draft_translations")}


def slug_collisions(items, base_path: str) -> list[tuple[object, str]]:
    """(item, error) for each file whose slug an earlier file (in path order) has."""
    first: dict[str, str] = {}
    out = []
    for item in sorted(items, key=lambda i: str(i.source_path)):
        path = shown_path(os.path.join(base_path, item.source_path))
        if item.slug in first:
            out.append((item, str(FrontMatterError(
                path, 1, f"slug '{item.slug}' is already used by {first[item.slug]} (set a "
                         "different 'slug:' or rename one of the files)"))))
        else:
            first[item.slug] = path
    return out


def check_generator(generator) -> None:
    """Pelican's article_generator_finalized / page_generator_finalized: slug
    collisions among news (or pages) of any status; then drafts are dropped."""
    kind = "article" if hasattr(generator, "hidden_articles") else "page"
    items = [i for name in _LISTS[kind] for i in getattr(generator, name, ()) or ()]
    errors = [message for _, message in slug_collisions(items, generator.path)]
    if errors:
        generator.settings.setdefault(ERRORS_KEY, []).extend(errors)
    # Drafts are read and checked, never written: Pelican would still write draft
    # pages (to drafts/pages/) and stop on draft news (no category here).
    for name in _DRAFTS[kind]:
        getattr(generator, name, []).clear()
