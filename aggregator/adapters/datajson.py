"""Project Open Data `data.json` (POD / DCAT-US 1.1, and the bare list of POD 1.0)
and Argentina's DCAT-AR profile (the same shape, in Spanish, with a catalog
`themeTaxonomy` and `superTheme` codes).

One request: the catalog is one document. Themes given as taxonomy ids become
their labels; DCAT-AR `superTheme` codes become the EU data themes in Spanish.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

from ..normalize import (
    contact_text,
    eu_theme,
    format_name,
    frequency,
    iso_date,
    make_license,
    media_type,
    size_bytes,
    spatial_text,
    temporal_text,
)
from ..records import Dataset, Resource
from ..sanitize import plain_list, plain_text, rich_html, safe_url
from .base import Adapter, ItemError, SourceError


class DataJsonAdapter(Adapter):
    name = "datajson"
    OPTIONS: ClassVar[dict] = {}

    def __init__(self, source, http, context):
        super().__init__(source, http, context)
        self.themes: dict[str, str] = {}
        self.catalog_publisher: str | None = None

    def list_items(self) -> Iterator[dict]:
        resp = self.http.get(self.source.url, accept="application/json")
        doc = resp.json()
        if isinstance(doc, list):  # POD 1.0: the catalog is the list of datasets
            datasets = doc
        elif isinstance(doc, dict) and isinstance(doc.get("dataset"), list):
            datasets = doc["dataset"]
            self._catalog(doc)
        else:
            raise SourceError(f"{resp.url} is not a data.json catalog (no 'dataset' list)")
        self.expected = len(datasets)
        for item in datasets:
            if not isinstance(item, dict):
                self.failed_items += 1
                self.warn("the catalog lists an item that is not a dataset")
                continue
            yield item

    def _catalog(self, doc: dict) -> None:
        for theme in doc.get("themeTaxonomy") or []:
            if isinstance(theme, dict) and theme.get("id"):
                label = plain_text(theme.get("label")) or plain_text(theme.get("id"))
                self.themes[str(theme["id"])] = label
        pub = doc.get("publisher")
        self.catalog_publisher = plain_text(pub.get("name") if isinstance(pub, dict) else pub)

    def normalize(self, ds: dict) -> Dataset:
        rid = ds.get("identifier")
        if isinstance(rid, (dict, list)):
            raise ItemError("dataset identifier is not text")
        rid_text = plain_text(rid, 500) if rid is not None else None
        title = plain_text(ds.get("title"), 500)
        page = ds.get("landingPage")
        if not page and rid_text and rid_text.startswith(("http://", "https://")):
            page = rid_text
        fields = self.common(rid_text, safe_url(page) if page else None, title)
        warn = lambda msg: self.warn(f"{fields['remote_id']}: {msg}")
        pub = ds.get("publisher")
        publisher = plain_text(pub.get("name") if isinstance(pub, dict) else pub) \
            or self.catalog_publisher
        themes = [self.themes.get(str(t), t) for t in _list(ds.get("theme")) if isinstance(t, str)]
        themes += [eu_theme(t) for t in _list(ds.get("superTheme"))]
        distributions = [d for d in _list(ds.get("distribution")) if isinstance(d, dict)]
        lic = ds.get("license")
        if not lic:  # DCAT-AR may give it only per distribution
            lic = next((d.get("license") for d in distributions if d.get("license")), None)
        return Dataset(
            **fields,
            description_html=rich_html(ds.get("description"), fields["url"]),
            publisher=publisher,
            themes=plain_list([t for t in themes if t]),
            tags=plain_list(_keywords(ds.get("keyword"))),
            license=make_license(title=lic) if isinstance(lic, str) else None,
            issued=iso_date(_scalar(ds.get("issued")), warn, "issued date"),
            modified=iso_date(_scalar(ds.get("modified")), warn, "modified date"),
            frequency=frequency(_scalar(ds.get("accrualPeriodicity"))),
            spatial=spatial_text(_scalar(ds.get("spatial"))),
            temporal=temporal_text(_scalar(ds.get("temporal"))),
            contact_point=_contact(ds.get("contactPoint")),
            resources=[r for r in (self._resource(d, warn) for d in distributions) if r],
        )

    def _resource(self, dist: dict, warn) -> Resource | None:
        url = safe_url(_scalar(dist.get("downloadURL")) or _scalar(dist.get("accessURL")),
                       self.source.url, self.context.warnings)
        if url is None:
            return None
        fmt = format_name(_scalar(dist.get("format")), _scalar(dist.get("mediaType")), url)
        return Resource(
            title=plain_text(_scalar(dist.get("title")), 300) or fmt
            or url.rstrip("/").rsplit("/", 1)[-1],
            format=fmt,
            url=url,
            size=size_bytes(_scalar(dist.get("byteSize")), warn),
            modified=iso_date(_scalar(dist.get("modified")), warn, "resource date"),
            media_type=media_type(_scalar(dist.get("mediaType"))),
        )


def _contact(value: Any) -> str | None:
    """POD's vCard: {fn, hasEmail}."""
    if not isinstance(value, dict):
        return None
    return contact_text(_scalar(value.get("fn")), _scalar(value.get("hasEmail")))


def _list(value: Any) -> list:
    if value is None or value == "":
        return []
    return value if isinstance(value, list) else [value]


def _scalar(value: Any) -> Any:
    """A text field that a careless catalog sent as a list or object: its first text."""
    if isinstance(value, list):
        value = next((v for v in value if isinstance(v, (str, int, float))), None)
    return None if isinstance(value, (dict, list)) else value


def _keywords(value: Any) -> list:
    if isinstance(value, str):  # POD 1.0 allowed a comma-separated string
        return [k.strip() for k in value.split(",")]
    return [k for k in _list(value) if isinstance(k, (str, int, float))]


ADAPTER = DataJsonAdapter
