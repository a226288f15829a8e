"""Reading built pages in tests: the parts of an HTML page the site tests check
(headings, links, sub-resources, canonical, JSON-LD), and the weight of a page
as a browser would load it before any search: the HTML plus every stylesheet,
script, image and icon it references on this site."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

BUDGET = 50 * 1024


@dataclass
class Page:
    path: Path
    url: str                                        # site URL, e.g. /datos/x/
    h1: int = 0
    lang: str | None = None
    links: list[str] = field(default_factory=list)          # <a href>
    subresources: list[str] = field(default_factory=list)   # loaded with the page
    canonical: list[str] = field(default_factory=list)
    jsonld: list[str] = field(default_factory=list)
    first_focusable: str | None = None
    text: str = ""


class _Parser(HTMLParser):
    def __init__(self, page: Page):
        super().__init__(convert_charrefs=True)
        self.page = page
        self._jsonld = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        p = self.page
        if tag == "html":
            p.lang = a.get("lang")
        elif tag == "h1":
            p.h1 += 1
        elif tag == "a" and a.get("href") is not None:
            if p.first_focusable is None:
                p.first_focusable = a["href"]
            p.links.append(a["href"])
        elif tag == "link":
            rel = (a.get("rel") or "").split()
            if "canonical" in rel:
                p.canonical.append(a.get("href") or "")
            elif "stylesheet" in rel or "icon" in rel:
                p.subresources.append(a.get("href") or "")
        elif tag == "img" and a.get("src"):
            p.subresources.append(a["src"])
        elif tag == "script":
            if a.get("src"):
                p.subresources.append(a["src"])
            self._jsonld = a.get("type") == "application/ld+json"

    def handle_endtag(self, tag):
        if tag == "script":
            self._jsonld = False

    def handle_data(self, data):
        if self._jsonld:
            self.page.jsonld.append(data)
        else:
            self.page.text += data


def site_url(out: Path, path: Path) -> str:
    rel = path.relative_to(out).as_posix()
    return "/" + (rel.removesuffix("index.html"))


def read_page(out: Path, url: str) -> str:
    """The HTML built for a site URL ("/datos/x/" is datos/x/index.html)."""
    path = out / url.lstrip("/")
    if url.endswith("/"):
        path = path / "index.html"
    assert path.is_file(), f"{url} was not built"
    return path.read_text("utf-8")


def parse(out: Path, path: Path) -> Page:
    page = Page(path, site_url(out, path))
    _Parser(page).feed(path.read_text("utf-8"))
    return page


def html_pages(out: Path) -> list[Path]:
    return sorted(out.rglob("*.html"))


def resolve(out: Path, page: Page, href: str) -> Path | None:
    """The file a same-site reference points to, or None for other sites/schemes."""
    absolute = urljoin("http://site.test" + page.url, href)
    parts = urlsplit(absolute)
    if parts.hostname != "site.test":
        return None
    target = out / unquote(parts.path).lstrip("/")
    if parts.path.endswith("/"):
        target = target / "index.html"
    return target


def weight(out: Path, page: Page) -> tuple[int, dict[str, int]]:
    """Bytes of the page and its same-site sub-resources (each counted once)."""
    sizes = {page.url: page.path.stat().st_size}
    for ref in dict.fromkeys(page.subresources):
        target = resolve(out, page, ref)
        if target is not None and target.is_file():
            sizes[site_url(out, target)] = target.stat().st_size
    return sum(sizes.values()), sizes


def jsonld(page: Page) -> list[dict]:
    return [json.loads(block) for block in page.jsonld]
