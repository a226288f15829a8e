"""/apps/ and /eventos/: written by editors in Markdown (editor_content plugin).
An app lists the datasets it uses by slug or record id; each one links to its
page here, and one the snapshot no longer has is shown without a link."""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)


def resolve_datasets(site, app) -> list[tuple[str, object]]:
    """[(label, dataset or None)] for the datasets an app says it uses."""
    out = []
    for ref in app.datasets:
        ds = site.dataset_ref(ref)
        if ds is None:
            log.warning("%s: dataset '%s' is not in the snapshot (shown without a link)",
                        app.source_path, ref)
        out.append((ds.title if ds else ref, ds))
    return out


def write(site) -> None:
    sink = site.sink
    apps = [(app, resolve_datasets(site, app)) for app in site.apps]
    sink.page("apps/index.html", "apps", None, apps=apps)
    for app, used in apps:
        sink.page(f"{app.url}index.html", "app", None, app=app, used=used)
    today = site.today
    upcoming = [e for e in site.events if e.upcoming(today)]
    past = sorted((e for e in site.events if not e.upcoming(today)),
                  key=lambda e: e.date, reverse=True)
    sink.page("eventos/index.html", "events", None, upcoming=upcoming, past=past)
    for event in site.events:
        sink.page(f"{event.url}index.html", "event", None, event=event,
                  upcoming=event.upcoming(today))
    # `status: hidden`: the page is built at its address, but no listing, feed,
    # search or sitemap shows it (as Pelican does for hidden news and pages).
    for app in site.context.get("hidden_apps") or ():
        sink.page(f"{app.url}index.html", "app", None, sitemap=False, app=app,
                  used=resolve_datasets(site, app))
    for event in site.context.get("hidden_events") or ():
        sink.page(f"{event.url}index.html", "event", None, sitemap=False, event=event,
                  upcoming=event.upcoming(today))
