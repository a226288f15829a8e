"""schema.org JSON-LD for pages: Dataset on dataset pages (with the properties
Google Dataset Search requires: name, description; and those it recommends),
GovernmentOrganization on institution pages, Event on events and on
participation processes (name, startDate, location, as Google requires).
Rendered with the `jsonld` filter, which escapes `<`."""

from __future__ import annotations

from datetime import date, datetime

from . import vocab
from .filters import excerpt

MAX_DISTRIBUTIONS = 20


def _absolute(siteurl: str, path: str) -> str | None:
    # Only a production build knows its absolute address (publishconf.py).
    return f"{siteurl}/{path}" if siteurl.startswith(("http://", "https://")) else None


def _clean(d: dict) -> dict:
    return {k: v for k, v in d.items() if v not in (None, "", [], {})}


def _codes(inst) -> list[dict]:
    """The registry's codes of an institution as schema.org PropertyValues."""
    return [{"@type": "PropertyValue", "propertyID": scheme, "value": str(code)}
            for scheme, code in (("registro", inst.id), ("CPLT", inst.cplt_code),
                                 ("ChileCompra", getattr(inst, "chilecompra_code", None)),
                                 ("InfoLobby", inst.leylobby_id)) if code]


def organization(inst, siteurl: str = "", parent=None) -> dict:
    return _clean({
        "@context": "https://schema.org", "@type": "GovernmentOrganization",
        "name": inst.name, "alternateName": inst.acronym, "url": inst.website,
        "sameAs": _absolute(siteurl, f"instituciones/{inst.id}/"),
        "identifier": _codes(inst), "areaServed": inst.region,
        "parentOrganization": _clean({"@type": "GovernmentOrganization",
                                      "name": parent.name}) if parent else None,
    })


def dataset(ds, slug: str, inst, siteurl: str = "", site_name: str = "") -> dict:
    description = excerpt(ds.description_html, 4900) or ds.title
    lic = ds.license
    publisher = _clean({"@type": "GovernmentOrganization",
                        "name": inst.name if inst else ds.publisher,
                        "sameAs": _absolute(siteurl, f"instituciones/{inst.id}/")
                        if inst else None})
    distributions = [_clean({"@type": "DataDownload", "name": r.title,
                             "encodingFormat": vocab.file_type(r.format)[1] or r.format,
                             "contentUrl": r.url, "contentSize": r.size,
                             "dateModified": r.modified})
                     for r in ds.resources[:MAX_DISTRIBUTIONS] if r.url]
    return _clean({
        "@context": "https://schema.org", "@type": "Dataset", "name": ds.title,
        "description": description, "url": _absolute(siteurl, f"datos/{slug}/"),
        "identifier": ds.id, "sameAs": ds.url,
        "keywords": list(dict.fromkeys([*ds.themes, *ds.tags])),
        "license": (vocab.license_url(lic) or lic.title or lic.id) if lic else None,
        "datePublished": ds.issued, "dateModified": ds.modified,
        "creator": publisher if publisher.get("name") else None,
        "publisher": publisher if publisher.get("name") else None,
        "includedInDataCatalog": _clean({"@type": "DataCatalog", "name": site_name,
                                         "url": _absolute(siteurl, "datos/")})
        if site_name else None,
        "distribution": distributions, "isAccessibleForFree": True,
    })


def _iso(value, zone=None) -> str | None:
    """An editor's date: a day alone when it has no time, else with its offset."""
    if isinstance(value, datetime):
        if value.hour == 0 and value.minute == 0:
            return value.date().isoformat()
        return (value.replace(tzinfo=zone) if zone and value.tzinfo is None
                else value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value or None


def consultation(c, slug: str, inst, siteurl: str = "") -> dict:
    """A participation process as an online Event: it runs from start to end, at
    its platform (a VirtualLocation)."""
    organizer = inst.name if inst else c.publisher
    return _clean({
        "@context": "https://schema.org", "@type": "Event", "name": c.title,
        "description": excerpt(c.description_html, 4900) or c.title,
        "startDate": c.start or c.end, "endDate": c.end,
        "eventAttendanceMode": "https://schema.org/OnlineEventAttendanceMode",
        "eventStatus": "https://schema.org/EventScheduled",
        "location": _clean({"@type": "VirtualLocation",
                            "url": c.url or _absolute(siteurl, f"participacion/{slug}/")}),
        "url": _absolute(siteurl, f"participacion/{slug}/") or c.url,
        "organizer": _clean({"@type": "GovernmentOrganization", "name": organizer})
        if organizer else None,
        "identifier": c.id,
    })


def event(e, inst, siteurl: str = "", zone=None) -> dict:
    """An editor's event, at its place."""
    return _clean({
        "@context": "https://schema.org", "@type": "Event", "name": e.title,
        "description": str(e.summary_html.striptags()) if e.summary_html else None,
        "startDate": _iso(e.date, zone), "endDate": _iso(e.end, zone),
        "eventStatus": "https://schema.org/EventScheduled",
        "location": _clean({"@type": "Place", "name": e.place, "address": e.place}),
        "url": _absolute(siteurl, e.url) or e.link,
        "organizer": _clean({"@type": "GovernmentOrganization", "name": inst.name})
        if inst else None,
    })
