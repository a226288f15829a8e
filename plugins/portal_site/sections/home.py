"""/ : the entry point. Search box, counts, consultations closing soon, latest
news, recently updated datasets, featured apps and next events."""

from __future__ import annotations

CLOSING_SOON = 5
LATEST_NEWS = 5
RECENT_DATASETS = 6
FEATURED_APPS = 3


def write(site) -> None:
    model, idx = site.model, site.idx
    featured = [a for a in site.apps if a.featured][:FEATURED_APPS] or site.apps[:FEATURED_APPS]
    upcoming_events = [e for e in site.events if e.upcoming(site.today)][:3]
    # Always rendered: it depends on nearly everything and is one page.
    site.sink.page("index.html", "index", None,
                   closing=idx.open[:CLOSING_SOON], open_count=len(idx.open),
                   latest_news=site.news[:LATEST_NEWS],
                   recent_datasets=model.datasets[:RECENT_DATASETS],
                   featured_apps=featured, upcoming_events=upcoming_events)
