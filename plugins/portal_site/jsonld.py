"""schema.org JSON-LD for pages: Dataset on dataset pages, GovernmentOrganization
on institution pages (rendered with the `jsonld` filter, which escapes `<`)."""

from __future__ import annotations

from .filters import excerpt

MAX_DISTRIBUTIONS = 20


def _absolute(siteurl: str, path: str) -> str | None:
    # Only a production build knows its absolute address (publishconf.py).
    return f"{siteurl}/{path}" if siteurl.startswith(("http://", "https://")) else None


def _clean(d: dict) -> dict:
    return {k: v for k, v in d.items() if v not in (None, "", [], {})}


def organization(inst, siteurl: str = "", parent=None) -> dict:
    return _clean({
        "@context": "https://schema.org", "@type": "GovernmentOrganization",
        "name": inst.name, "alternateName": inst.acronym, "url": inst.website,
        "sameAs": _absolute(siteurl, f"instituciones/{inst.id}/"),
        "areaServed": inst.region,
        "parentOrganization": _clean({"@type": "GovernmentOrganization",
                                      "name": parent.name}) if parent else None,
    })


def dataset(ds, slug: str, inst, siteurl: str = "") -> dict:
    description = excerpt(ds.description_html, 4900) or ds.title
    lic = ds.license
    publisher = _clean({"@type": "GovernmentOrganization",
                        "name": inst.name if inst else ds.publisher})
    distributions = [_clean({"@type": "DataDownload", "name": r.title,
                             "encodingFormat": r.format, "contentUrl": r.url})
                     for r in ds.resources[:MAX_DISTRIBUTIONS] if r.url]
    return _clean({
        "@context": "https://schema.org", "@type": "Dataset", "name": ds.title,
        "description": description, "url": _absolute(siteurl, f"datos/{slug}/"),
        "identifier": ds.id, "sameAs": ds.url,
        "keywords": list(dict.fromkeys([*ds.themes, *ds.tags])),
        "license": (lic.url or lic.title or lic.id) if lic else None,
        "datePublished": ds.issued, "dateModified": ds.modified,
        "creator": publisher if publisher.get("name") else None,
        "distribution": distributions, "isAccessibleForFree": True,
    })
