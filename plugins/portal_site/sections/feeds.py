"""/feeds/: the Atom feeds. Editors' news is Pelican's own feed
(FEED_ALL_ATOM); the institutions' news and the participation processes are
written here with the same library (feedgenerator)."""

from __future__ import annotations

from datetime import UTC, datetime, time

from feedgenerator import Atom1Feed, get_tag_uri

from ..filters import babel_locale, excerpt, fecha, parse_date
from .changes import CHANGES_FEED

MAX_ITEMS = 50
NEWS_FEED = "feeds/noticias-instituciones.atom.xml"
PARTICIPATION_FEED = "feeds/participacion.atom.xml"


def _when(value: str | None) -> datetime | None:
    d = parse_date(value)
    if d is None:
        return None
    if not isinstance(d, datetime):
        d = datetime.combine(d, time(0, 0))
    return d if d.tzinfo else d.replace(tzinfo=UTC)


def _base(site) -> str:
    return (site.settings.get("FEED_DOMAIN") or site.settings.get("SITEURL") or "").rstrip("/")


def _feed(site, title: str, path: str, page: str) -> Atom1Feed:
    base = _base(site)
    return Atom1Feed(title=f"{site.settings['SITENAME']} - {title}", link=f"{base}/{page}",
                     description=title, language=site.settings.get("DEFAULT_LANG") or "es",
                     feed_url=f"{base}/{path}")


def _news(site) -> bytes:
    model = site.model
    feed = _feed(site, "Noticias de las instituciones", NEWS_FEED, "noticias/")
    for item in model.news[:MAX_ITEMS]:
        if not item.url:
            continue
        inst = model.institution_of(item)
        when = _when(item.published)
        feed.add_item(title=item.title, link=item.url,
                      description=excerpt(item.summary_html, 600),
                      author_name=inst.name if inst else (item.publisher or
                                                          model.source_name(item.source)),
                      pubdate=when, updateddate=when, unique_id=f"urn:portal:{item.id}")
    return feed.writeString("utf-8").encode("utf-8")


def _participation(site) -> bytes:
    model, idx = site.model, site.idx
    base = _base(site)
    feed = _feed(site, "Participación ciudadana", PARTICIPATION_FEED, "participacion/")
    recent = sorted(model.consultations, key=lambda c: (c.start or "", c.id), reverse=True)
    labels = {"open": "Abierta", "upcoming": "Próxima", "closed": "Cerrada"}
    locale = babel_locale(site.settings)
    for c in recent[:MAX_ITEMS]:
        inst = model.institution_of(c)
        link = f"{base}/participacion/{model.slugs[c.id]}/"
        dates = " · ".join(x for x in (f"desde {fecha(c.start, locale=locale)}" if c.start
                                       else "",
                                       f"hasta {fecha(c.end, locale=locale)}" if c.end else "")
                           if x)
        text = f"{labels[idx.status[c.id]]}. {dates}. {excerpt(c.description_html, 500)}"
        when = _when(c.start)
        # Without a start date, "updated" is when its source was harvested: the
        # feed writer would put the build's clock there, a new file every build.
        source = model.snapshot.sources.get(c.source)
        updated = when or _when(getattr(source, "harvested_at", None)) or _when(
            site.today.isoformat())
        feed.add_item(title=c.title, link=link, description=text.strip(),
                      author_name=inst.name if inst else (c.publisher or
                                                          model.source_name(c.source)),
                      pubdate=when, updateddate=updated,
                      unique_id=get_tag_uri(link, when) if when else link)
    return feed.writeString("utf-8").encode("utf-8")


def feeds(site) -> list[tuple[str, str, str]]:
    """(title, path, description) of every feed, for the /feeds/ page and <head>."""
    out = []
    if site.settings.get("FEED_ALL_ATOM"):
        out.append(("Noticias del portal", site.settings["FEED_ALL_ATOM"],
                    "Artículos publicados por el equipo editorial del portal."))
    out.append(("Noticias de las instituciones", NEWS_FEED,
                (f"Las {MAX_ITEMS} noticias más recientes de las instituciones, con enlace "
                "a su sitio de origen.")))
    out.append(("Participación ciudadana", PARTICIPATION_FEED,
                "Consultas y procesos de participación: abiertos, próximos y cerrados."))
    out.append(("Cambios en los datos", CHANGES_FEED,
                ("Registros nuevos, actualizados y retirados en cada cosecha; cada institución "
                "tiene además el suyo (enlazado desde su página).")))
    return out


def write(site) -> None:
    today = site.today.isoformat()
    site.sink.file(NEWS_FEED, lambda: _news(site),
                   [site.fp(n) for n in site.model.news[:MAX_ITEMS]])
    site.sink.file(PARTICIPATION_FEED, lambda: _participation(site),
                   [today, *(site.fp(c) for c in site.model.consultations)])
    site.sink.page("feeds/index.html", "feeds", None, feeds=feeds(site))
