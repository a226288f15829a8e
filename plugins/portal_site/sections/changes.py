"""/cambios/: what changed in the harvested data, and the pages of removed records.

- `/cambios/`: the latest month of changes, grouped by day; every month at
  `/cambios/<YYYY-MM>/` (`pagina/N/` when a month is long), for the months
  PORTAL_CHANGES_MONTHS keeps. The same, filtered, under `/cambios/nuevos/`,
  `/cambios/actualizados/`, `/cambios/eliminados/` (kind of change),
  `/cambios/tipo/<type>/` and `/cambios/fuente/<source>/`: static pages stand
  in for filters, so they work without JavaScript.
- Atom: `/feeds/cambios.atom.xml` and one per institution,
  `/feeds/instituciones/<id>/cambios.atom.xml`.
- Tombstones: a removed record's page stays at its URL, says when and from
  which source it went, shows its last known metadata, carries `noindex` and
  is left out of the sitemap.
"""

from __future__ import annotations

from datetime import UTC, datetime

from feedgenerator import Atom1Feed

from ..history import KINDS, TYPES
from ..manifest import digest
from ..obras_data import ObrasIndex

PER_PAGE = 15            # entries per page (keeps a page with long entries under 50 KB)
FEED_ITEMS = 50
CHANGES_FEED = "feeds/cambios.atom.xml"
# A feed without entries still needs an <updated>: a fixed one keeps the file stable.
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def institution_feed(inst_id: str) -> str:
    return f"feeds/instituciones/{inst_id}/cambios.atom.xml"


def write(site) -> None:
    _tombstones(site)
    _listings(site)
    _feeds(site)


# -- tombstones --------------------------------------------------------------------

def _tombstones(site) -> None:
    model, sink = site.model, site.sink
    for stone in model.tombstones.values():
        rec = stone.record
        page = model.page_url(rec)
        if page is None:        # kinds that only live at their source have no page here
            continue
        inst = model.institution_of(rec)
        source = model.source_name(stone.source)
        fingerprint = (site.fp(rec), stone.removed_at, inst.name if inst else "", source,
                       model.source_url(stone.source) or "",
                       model.changes.record_digest(rec.id))
        sink.page(f"{page}index.html", "tombstone", fingerprint, sitemap=False,
                  record=rec, removed_at=stone.removed_at, institution=inst,
                  source_name=source, source_url=model.source_url(stone.source),
                  type_label=TYPES.get(rec.TYPE, ("Registro",))[0],
                  section=page.split("/", 1)[0], ob=ObrasIndex)


# -- listings ------------------------------------------------------------------------

def _filters(history) -> list[tuple[str, str, str, list]]:
    """(group, base path, label, entries) of every listing: all, then by kind of
    change, by type of record and by source."""
    entries = history.entries
    out = [("", "cambios/", "Todos los cambios", entries)]
    for kind, (_, many, seg) in KINDS.items():
        items = [c for c in entries if c.change == kind]
        if items:
            out.append(("kind", f"cambios/{seg}/", many, items))
    for kind, (_, many, seg) in TYPES.items():
        items = [c for c in entries if c.type == kind]
        if items:
            out.append(("type", f"cambios/tipo/{seg}/", many, items))
    by_source: dict[str, list] = {}
    for c in entries:
        by_source.setdefault(c.source, []).append(c)
    for source in sorted(by_source, key=lambda s: by_source[s][0].source_name.lower()):
        items = by_source[source]
        out.append(("source", f"cambios/fuente/{source}/", items[0].source_name, items))
    return out


def _by_day(items) -> list[tuple[str, list]]:
    days: list[tuple[str, list]] = []
    for c in items:
        if not days or days[-1][0] != c.day:
            days.append((c.day, []))
        days[-1][1].append(c)
    return days


def _listings(site) -> None:
    """Each listing: its address shows its newest month's latest changes; each month
    at <base><month>/ (its latest PER_PAGE) and, when longer, in pages numbered from
    its oldest change (pagina/1/ = the first PER_PAGE of the month): a run appends
    to the end of a month, so the pages it already filled never change. They show
    no counts either (counts change every run); the latest pages do."""
    history, sink = site.model.changes, site.sink
    filters = _filters(history)
    nav = [(group, base, label, len(items)) for group, base, label, items in filters]
    links = [(group, base, label, None) for group, base, label, _ in filters]
    nav_fp, links_fp = repr(nav), repr(links)
    # The sources are listed on a page of their own: there may be hundreds.
    sources = [row for row in nav if row[0] == "source"]
    sink.page("cambios/fuente/index.html", "changes_sources", [nav_fp], sources=sources,
              history=history)
    for group, base, label, items in filters:
        months: dict[str, list] = {}
        for c in items:
            months.setdefault(c.month, []).append(c)            # newest first
        common = {"heading": label, "base": base, "group": group, "history": history}
        if not months:          # nothing logged yet: the main page says so
            sink.page(f"{base}index.html", "changes", [nav_fp, str(history.window)],
                      nav=nav, months=[], month=None, days=[], newer=None, older=None,
                      span=None, **common)
            continue
        counted = [(m, len(v)) for m, v in months.items()]
        bare = [(m, None) for m in months]
        newest = next(iter(months))
        for month, month_items in months.items():
            here = f"{base}{month}/"
            total = len(month_items)
            pages = -(-total // PER_PAGE)
            latest = month_items[:PER_PAGE]
            # The page holding the change just before the latest ones.
            older = f"{here}pagina/{(total - PER_PAGE - 1) // PER_PAGE + 1}/" \
                if total > PER_PAGE else None
            fp = [nav_fp, repr(counted), label, month, older or "", *(c.view for c in latest)]
            for target in [here, base] if month == newest else [here]:
                sink.page(f"{target}index.html", "changes", fp, nav=nav, months=counted,
                          month=month, days=_by_day(latest), newer=None, older=older,
                          span=None, **common)
            if pages < 2:
                continue
            oldest_first = month_items[::-1]
            for k in range(1, pages + 1):
                chunk = oldest_first[(k - 1) * PER_PAGE: k * PER_PAGE]
                newer = f"{here}pagina/{k + 1}/" if k < pages else here
                before = f"{here}pagina/{k - 1}/" if k > 1 else None
                span = ((k - 1) * PER_PAGE + 1, (k - 1) * PER_PAGE + len(chunk))
                fp = [links_fp, repr(bare), label, month, str(k), newer, before or "",
                      *(c.view for c in chunk)]
                sink.page(f"{here}pagina/{k}/index.html", "changes", fp, nav=links,
                          months=bare, month=month, days=_by_day(chunk[::-1]), newer=newer,
                          older=before, span=span, **common)


# -- feeds -----------------------------------------------------------------------------

class _Feed(Atom1Feed):
    def latest_post_date(self):
        return super().latest_post_date() if self.items else EPOCH


def _base(site) -> str:
    return (site.settings.get("FEED_DOMAIN") or site.settings.get("SITEURL") or "").rstrip("/")


def _when(at: str) -> datetime:
    dt = datetime.fromisoformat(at)
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def _atom(site, title: str, path: str, page: str, items) -> bytes:
    base = _base(site)
    feed = _Feed(title=f"{site.settings['SITENAME']} - {title}", link=f"{base}/{page}",
                 description=title, language="es", feed_url=f"{base}/{path}")
    for c in items[:FEED_ITEMS]:
        if c.id is None:
            heading = f"Primera cosecha de {c.source_name}: {c.title}"
        else:
            heading = f"{c.kind_label}: {c.title}"
        link = f"{base}/{c.link}" if c.local else (c.link or f"{base}/cambios/{c.month}/")
        text = " ".join([(f"{c.type_label} · {c.institution_name or 'sin institución'} · "
                         f"fuente: {c.source_name}."), *(s + "." for s in c.sentences),
                         *([f"También cambió: {', '.join(c.other_fields)}."]
                           if c.other_fields else [])])
        when = _when(c.at)
        feed.add_item(title=heading, link=link, description=text, pubdate=when,
                      updateddate=when, author_name=c.institution_name or c.source_name,
                      unique_id=f"urn:portal:cambio:{digest(c.key, c.at)}")
    return feed.writeString("utf-8").encode("utf-8")


def _feeds(site) -> None:
    model, sink, history = site.model, site.sink, site.model.changes
    base = _base(site)
    latest = history.entries[:FEED_ITEMS]
    sink.file(CHANGES_FEED, lambda: _atom(site, "Cambios en los datos", CHANGES_FEED,
                                          "cambios/", latest),
              [base, site.settings["SITENAME"], *(c.view for c in latest)])
    for inst in model.institutions.values():
        items = history.of_institution(inst.id)[:FEED_ITEMS]
        path = institution_feed(inst.id)
        sink.file(path, lambda inst=inst, items=items, path=path: _atom(
            site, f"Cambios de {inst.name}", path, f"instituciones/{inst.id}/", items),
            [base, site.settings["SITENAME"], inst.name, *(c.view for c in items)])
