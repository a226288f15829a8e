"""/noticias/: editors' articles and the institutions' news merged by date.
Aggregated items are attributed to their institution and link to the original;
editors' articles have their own pages (written by Pelican, `article.html`)."""

from __future__ import annotations

PER_PAGE = 20


def write(site) -> None:
    site.sink.paginated("noticias/", site.news, PER_PAGE, "news",
                        fingerprint_of=lambda n: n.fingerprint)
