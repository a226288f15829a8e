"""Writing pages: through Pelican's writer, skipping pages whose fingerprint did
not change (see manifest.py), and paginating long listings into static pages
(`datos/`, `datos/pagina/2/`, ...)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from operator import attrgetter

from .manifest import Manifest, digest

_ID = attrgetter("id")


def output_url(save_as: str) -> str:
    """The site-relative URL of an output file ("datos/x/index.html" -> "datos/x/")."""
    return save_as.removesuffix("index.html")


@dataclass(frozen=True)
class Pager:
    """Where a page sits in a paginated listing; URLs are site-relative paths."""

    number: int
    count: int          # number of pages
    base: str           # "datos/" or "datos/tema/salud/"
    total: int          # items in the whole listing
    per_page: int

    def url(self, n: int) -> str:
        return self.base if n == 1 else f"{self.base}pagina/{n}/"

    @property
    def previous(self) -> str | None:
        return self.url(self.number - 1) if self.number > 1 else None

    @property
    def next(self) -> str | None:
        return self.url(self.number + 1) if self.number < self.count else None

    @property
    def first_item(self) -> int:
        return (self.number - 1) * self.per_page + 1

    @property
    def last_item(self) -> int:
        return min(self.total, self.number * self.per_page)

    def window(self, radius: int = 2) -> list[int | None]:
        """Page numbers to link: first, last and a few around this one (None = gap)."""
        keep = sorted({1, self.count, *range(max(1, self.number - radius),
                                             min(self.count, self.number + radius) + 1)})
        out: list[int | None] = []
        for n in keep:
            if out and n != out[-1] + 1:
                out.append(None)
            out.append(n)
        return out


class Sink:
    """Every page of the portal goes through here."""

    def __init__(self, generator, writer, manifest: Manifest):
        self.generator = generator
        self.writer = writer
        self.manifest = manifest
        self.relative = generator.settings["RELATIVE_URLS"]
        self.urls: list[str] = []       # site-relative URLs of every page (sitemap)

    def page(self, save_as: str, template: str, fingerprint: Iterable[str] | None = None,
             sitemap: bool = True, relative: bool | None = None,
             lazy: Callable[[], dict] | None = None, **kwargs) -> bool:
        """Render `template` into `save_as` unless its fingerprint shows it is
        unchanged; return whether it was rendered. `lazy()` gives more template
        variables, computed only when the page is rendered."""
        url = output_url(save_as)
        if sitemap:
            self.urls.append(url)
        page_digest = None
        if fingerprint is not None:
            page_digest = self.manifest.page_digest(save_as, fingerprint)
            if self._kept(save_as, page_digest):
                return False
        if lazy is not None:
            kwargs.update(lazy())
        self.writer.write_file(save_as, self.generator.get_template(template),
                               self.generator.context,
                               self.relative if relative is None else relative,
                               override_output=True, page_url=url, **kwargs)
        self.manifest.wrote(save_as, page_digest)
        return True

    def keep_if_fresh(self, save_as: str, fingerprint: Iterable[str]) -> bool:
        """page() without rendering: True (and the page kept, and listed) when its
        fingerprint shows it unchanged, so the caller need not prepare its variables."""
        if not self._kept(save_as, self.manifest.page_digest(save_as, fingerprint)):
            return False
        self.urls.append(output_url(save_as))
        return True

    def _kept(self, save_as: str, page_digest: str) -> bool:
        """Keep the previous build's file if its digest is this one; say whether."""
        if not self.manifest.is_fresh(save_as, page_digest):
            return False
        self.manifest.keep(save_as, page_digest)
        return True

    def group(self, name: str, fingerprint: Iterable[str]) -> bool:
        """Pages written until end_group() share one fingerprint. True when the
        previous build's pages of the group are all still good: the caller then
        skips the group (its pages are kept, and listed in the sitemap)."""
        group_digest = digest(*fingerprint)
        pages = self.manifest.keep_group(name, group_digest)
        if pages is not None:
            self.urls.extend(map(output_url, pages))
            return True
        self.manifest.start_group(name, group_digest)
        return False

    def end_group(self) -> None:
        self.manifest.end_group()

    def paginated(self, base: str, items: Sequence, per_page: int, template: str,
                  fingerprint_of: Callable | dict | None = None, fingerprint: Iterable[str] = (),
                  **kwargs) -> int:
        """One page per `per_page` items: base, base/pagina/2/, ...; an empty
        listing still gets its first page. Returns the number of pages."""
        count = max(1, -(-len(items) // per_page))
        fixed = tuple(fingerprint)
        for n in range(1, count + 1):
            chunk = items[(n - 1) * per_page: n * per_page]
            pager = Pager(n, count, base, len(items), per_page)
            fp = None
            if fingerprint_of is not None:
                # A dict of fingerprints by id: looked up without a Python call per item.
                each = (map(fingerprint_of.__getitem__, map(_ID, chunk))
                        if isinstance(fingerprint_of, dict) else map(fingerprint_of, chunk))
                fp = (str(n), str(count), str(len(items)), *fixed, *each)
            self.page(pager.url(n) + "index.html", template, fp, items=chunk, pager=pager,
                      **kwargs)
        return count

    def file(self, save_as: str, produce: Callable[[], str | bytes],
             fingerprint: Iterable[str] | None = None) -> bool:
        """A file that is not a template page (feed, sitemap, export), written
        unless its fingerprint shows it unchanged."""
        page_digest = None
        if fingerprint is not None:
            page_digest = self.manifest.page_digest(save_as, fingerprint)
            if self._kept(save_as, page_digest):
                return False
        data = produce()
        if hasattr(self.writer, "write_bytes"):     # the portal's writer: unchanged bytes kept
            self.writer.write_bytes(save_as, data)
        else:
            path = os.path.join(self.generator.output_path, save_as)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as f:
                f.write(data.encode("utf-8") if isinstance(data, str) else data)
        self.manifest.wrote(save_as, page_digest)
        return True
