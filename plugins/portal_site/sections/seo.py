"""sitemap.xml (split in files of 40,000 URLs behind an index when larger),
robots.txt pointing at it, and 404.html. Runs last: it lists every page.
The sitemap is written only when SITEURL is an absolute address (`make
publish`): search engines take only absolute <loc>s."""

from __future__ import annotations

from xml.sax.saxutils import escape

URLS_PER_FILE = 40_000


def _base(site) -> str:
    return (site.settings.get("SITEURL") or "").rstrip("/")


def _urlset(base: str, urls: list[str]) -> str:
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
    lines.extend(f"<url><loc>{escape(f'{base}/{u}')}</loc></url>" for u in urls)
    lines.append("</urlset>\n")
    return "\n".join(lines)


def write(site) -> None:
    sink = site.sink
    sink.page("404.html", "404", None, sitemap=False, relative=False)
    base = _base(site)
    if not base.startswith(("https://", "http://")):
        # A preview (`make html`, relative URLs): a sitemap needs absolute <loc>s,
        # so there is none until `make publish` knows the site's address.
        sink.file("robots.txt", lambda: "User-agent: *\nAllow: /\n", [""])
        return
    others = [u.removesuffix("index.html")
              for u in getattr(site, "extra_pages", ()) if u != "404.html"]
    urls = list(dict.fromkeys([*sink.urls, *(a.url for a in site.articles),
                               *(p.url for p in site.pages), *others]))
    if len(urls) <= URLS_PER_FILE:
        sink.file("sitemap.xml", lambda: _urlset(base, urls), [base, *urls])
    else:
        parts = [urls[i:i + URLS_PER_FILE] for i in range(0, len(urls), URLS_PER_FILE)]
        for n, part in enumerate(parts, 1):
            sink.file(f"sitemap-{n}.xml", lambda part=part: _urlset(base, part), [base, *part])
        index = ['<?xml version="1.0" encoding="UTF-8"?>',
                 '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
                 *(f"<sitemap><loc>{escape(f'{base}/sitemap-{n}.xml')}</loc></sitemap>"
                   for n in range(1, len(parts) + 1)),
                 "</sitemapindex>\n"]
        sink.file("sitemap.xml", lambda: "\n".join(index), index)
    sink.file("robots.txt", lambda: f"User-agent: *\nAllow: /\n\nSitemap: {base}/sitemap.xml\n", [base])
