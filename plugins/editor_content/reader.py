"""Pelican reader for editors' Markdown with YAML front matter.

A file with a problem is not published (Pelican skips it) and its problems
are collected in `settings[ERRORS_KEY]`; the plugin stops the build once every
file has been read, so an editor sees all the problems at once.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import ClassVar

import markdown
import nh3
from pelican.readers import BaseReader
from pelican.urlwrappers import Tag
from pelican.utils import SafeDatetime

from .frontmatter import FrontMatterError, split
from .schema import kind_of, validate

ERRORS_KEY = "EDITOR_CONTENT_ERRORS"

# Editors' HTML is cleaned too: what Markdown makes, local images, no scripts.
TAGS = {"p", "br", "hr", "a", "ul", "ol", "li", "strong", "em", "b", "i", "code", "pre",
        "blockquote", "h2", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th",
        "td", "abbr", "img", "dl", "dt", "dd", "sup", "sub", "figure", "figcaption", "div"}
ATTRIBUTES = {"a": {"href", "title", "id"}, "abbr": {"title"}, "th": {"scope", "colspan"},
              "td": {"colspan", "rowspan"}, "img": {"src", "alt", "width", "height", "title"},
              "h2": {"id"}, "h3": {"id"}, "h4": {"id"}, "sup": {"id"}, "li": {"id"},
              "div": {"class"}}
_HEADING = re.compile(r"<(/?)h([1-5])(\b[^>]*)>")


def shown_path(path: str) -> str:
    """The path as an editor would type it: relative to the working folder."""
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return path
    return path if rel.startswith("..") else rel


def _line_of(text: str, needle: str, default: int) -> int:
    pos = text.find(needle)
    return text.count("\n", 0, pos) + 1 if pos >= 0 else default


def render_markdown(body: str, shown: str, body_line: int, full_text: str
                    ) -> tuple[str, list[FrontMatterError]]:
    """HTML of the body: headings start at <h2> (the page's <h1> is its title),
    only local images, sanitized like everything else."""
    html = markdown.markdown(body, extensions=["extra", "sane_lists"], output_format="html")
    if "<h1" in html:
        html = _HEADING.sub(lambda m: f"<{m[1]}h{int(m[2]) + 1}{m[3]}>", html)
    errors: list[FrontMatterError] = []

    def check(tag: str, attr: str, value: str):
        if tag == "img" and attr == "src" and ("://" in value or value.startswith(("//", "data:"))):
            errors.append(FrontMatterError(
                shown, _line_of(full_text, value, body_line),
                f"remote image \"{value[:80]}\": images must be files in content/images/ "
                "(the portal loads nothing from other sites)"))
            return None
        return value

    clean = nh3.clean(html, tags=TAGS, attributes=ATTRIBUTES, attribute_filter=check,
                      url_schemes={"http", "https", "mailto"}, link_rel=None,
                      strip_comments=True)
    return clean, errors


def _inline(text: str) -> str:
    html = markdown.markdown(text, output_format="html")
    return nh3.clean(html, tags={"p", "a", "strong", "em", "code", "abbr"},
                     attributes={"a": {"href"}, "abbr": {"title"}},
                     url_schemes={"http", "https", "mailto"}, link_rel=None)


class FrontMatterReader(BaseReader):
    enabled = True
    file_extensions: ClassVar[list] = ["md", "markdown"]

    def _fail(self, errors: list[FrontMatterError]):
        self.settings.setdefault(ERRORS_KEY, []).extend(str(e) for e in errors)
        return "", {"status": "skip"}

    def read(self, source_path):
        root = Path(self.settings["PATH"])
        rel = os.path.relpath(source_path, root)
        shown = shown_path(source_path)
        try:
            text = Path(source_path).read_text("utf-8")
        except UnicodeDecodeError as exc:
            return self._fail([FrontMatterError(shown, 1, f"is not UTF-8 text ({exc.reason}); "
                                                          "save it as UTF-8")])
        try:
            doc = split(text, shown)
        except FrontMatterError as exc:
            return self._fail([exc])
        values, errors = validate(doc, rel, shown, root)
        if kind_of(rel) is None:   # outside the editors' folders: fields as written
            values = {k: f.value for k, f in doc.fields.items()}
        html, body_errors = render_markdown(doc.body, shown, doc.body_line, text)
        errors.extend(body_errors)
        if errors:
            return self._fail(errors)
        return html, self._metadata(values)

    def _metadata(self, values: dict) -> dict:
        meta: dict = {}
        for name, value in values.items():
            if isinstance(value, Path):
                value = str(value)
            if name in ("date", "modified", "end") and value is not None:
                meta[name] = SafeDatetime(value.year, value.month, value.day, value.hour,
                                          value.minute, value.second)
            elif name == "summary":
                meta[name] = _inline(value)
            elif name == "tags":
                meta[name] = [Tag(t, self.settings) for t in value]
            elif name == "author":
                meta[name] = self.process_metadata("author", value)
            else:
                meta[name] = value
        return meta
