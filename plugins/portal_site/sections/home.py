"""/ : the entry point. Search box, counts, the latest lobby meetings of the
country's own register, consultations closing soon, latest news, recently
updated datasets, featured apps and next events. The country's own records
come first: news and datasets of foreign sources (sources.yaml `country`) only
fill what is left."""

from __future__ import annotations

CLOSING_SOON = 5
LATEST_NEWS = 5
RECENT_DATASETS = 6
FEATURED_APPS = 3
LATEST_MEETINGS = 5


def own_first(items, is_foreign, limit: int) -> list:
    """The first `limit` items, this country's before foreign ones, order kept."""
    own = [i for i in items[:limit * 20] if not is_foreign(i)][:limit]
    return own + [i for i in items if is_foreign(i)][:limit - len(own)]


def write(site) -> None:
    model, idx = site.model, site.idx
    featured = [a for a in site.apps if a.featured][:FEATURED_APPS] or site.apps[:FEATURED_APPS]
    upcoming_events = [e for e in site.events if e.upcoming(site.today)][:3]
    # Always rendered: it depends on nearly everything and is one page.
    reg = model.registers_index()
    country = model.source_country
    site.sink.page("index.html", "index", None,
                   closing=idx.open[:CLOSING_SOON], open_count=len(idx.open),
                   latest_meetings=reg.audiences[:LATEST_MEETINGS],
                   meetings_count=len(reg.audiences),
                   latest_news=own_first(site.news, lambda n: bool(n.country), LATEST_NEWS),
                   recent_datasets=own_first(model.datasets, lambda d: bool(country(d.source)),
                                             RECENT_DATASETS),
                   featured_apps=featured, upcoming_events=upcoming_events)
