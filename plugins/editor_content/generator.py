"""Apps (`content/apps/`) and events (`content/eventos/`): read here, with the
same reader and checks as news and pages, into `context["apps"]` and
`context["events"]`. The portal plugin renders their pages."""

from __future__ import annotations

import os
from datetime import date, datetime
from typing import ClassVar

from markupsafe import Markup
from pelican.contents import SkipStub
from pelican.generators import Generator

from .collisions import slug_collisions

# The portal plugin's placeholder for SITEURL (see portal_site/filters.py).
SITEURL_MARK = "\x1aSITEURL\x1a"
from .reader import ERRORS_KEY
from .schema import kind_of


def _slugify(text: str) -> str:
    from pelican.utils import slugify
    return slugify(text, regex_subs=[(r"[^\w\s-]", ""), (r"(?u)\A\s*", ""),
                                     (r"(?u)\s*\Z", ""), (r"[-\s]+", "-")])


class EditorItem:
    """An app or an event: its front-matter fields as attributes, its body as
    sanitized HTML (`content_html`)."""

    def __init__(self, content, metadata=None, settings=None, source_path=None,
                 context=None):
        meta = dict(metadata or {})
        self.source_path = source_path
        # `{static}/images/x.png` in the body: the page fills in its own SITEURL.
        self.content_html = Markup((content or "").replace("{static}", SITEURL_MARK))
        self.title: str = meta.get("title", "")
        self.summary_html = Markup(meta.get("summary") or "")
        # FILENAME_METADATA (pelicanconf) gives the slug from the file name.
        self.slug: str = meta.get("slug") or _slugify(
            os.path.splitext(os.path.basename(source_path or ""))[0] or self.title)
        self.status: str = meta.get("status", "published")
        self.date: datetime | None = meta.get("date")
        self.end: datetime | None = meta.get("end")
        self.link: str | None = meta.get("url")
        self.place: str | None = meta.get("place")
        self.image: str | None = meta.get("image")
        self.image_alt: str = meta.get("image_alt") or ""
        self.author = meta.get("author")
        self.institution: str | None = meta.get("institution")
        self.datasets: list[str] = list(meta.get("datasets") or [])
        self.featured: bool = bool(meta.get("featured"))
        self.kind = ""
        self.url = ""

    def upcoming(self, today: date) -> bool:
        last = self.end or self.date
        return last is not None and last.date() >= today


class EditorContentGenerator(Generator):
    FOLDERS: ClassVar[dict] = {"apps": "app", "eventos": "event"}

    def generate_context(self) -> None:
        found: dict[str, list[EditorItem]] = {"app": [], "event": []}
        hidden: dict[str, list[EditorItem]] = {"app": [], "event": []}
        for folder, kind in self.FOLDERS.items():
            items = []
            for path in sorted(self.get_files([folder], extensions=("md", "markdown"))):
                if kind_of(path) is None:
                    continue
                item = self.readers.read_file(base_path=self.path, path=path,
                                              content_class=EditorItem, context=self.context)
                if not isinstance(item, SkipStub):
                    items.append(item)
            # Drafts and hidden files too: publishing one must not replace another.
            collisions = slug_collisions(items, self.path)
            self.settings.setdefault(ERRORS_KEY, []).extend(m for _, m in collisions)
            clashing = {id(item) for item, _ in collisions}
            for item in items:
                if item.status == "draft" or id(item) in clashing:
                    continue
                item.kind = kind
                item.url = f"{folder}/{item.slug}/"
                # hidden: its page is built, but no listing, feed or search shows it.
                (hidden if item.status == "hidden" else found)[kind].append(item)
        self.context["apps"] = sorted(found["app"], key=lambda a: (not a.featured,
                                                                   a.title.lower()))
        self.context["events"] = sorted(found["event"], key=lambda e: e.date)
        self.context["hidden_apps"] = hidden["app"]
        self.context["hidden_events"] = hidden["event"]
