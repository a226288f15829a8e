"""CKAN (Action API v3) and CKAN-compatible portals (DKAN, Andino).

Listing: `package_search` paged with rows/start until the announced `count`,
tolerating short pages, removing duplicates across pages, bounded by `max_pages`.
Portals without `package_search` (DKAN, very old CKAN) use `api: list`:
`package_list`, then `package_show` for each name.

Incremental runs ask only for packages modified since the last error-free run,
and no later than the newest `modified` already held (minus a margin): on a run
where nothing changed the request is the same as last time, so it is answered
304 from the HTTP cache. `--full` lists everything and so detects deletions.

Mapping follows ckanext-dcat's CKAN -> DCAT profile: organization -> publisher,
groups -> themes, tags -> keywords, notes (Markdown) -> description_html,
metadata_created/modified -> issued/modified (unless extras carry the dataset's
own `issued`/`modified`), resources -> distributions.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar
from urllib.parse import quote

from ..config import ConfigError
from ..normalize import (
    contact_text,
    format_name,
    frequency,
    iso_date,
    make_license,
    media_type,
    parse_datetime,
    size_bytes,
    spatial_text,
    temporal_text,
)
from ..records import Dataset, Resource
from ..sanitize import markdown_html, plain_list, plain_text, safe_url
from .base import Adapter, ItemError, Option, SourceError

# Clock skew between the portal and us, and search indexes that lag behind.
MARGIN = timedelta(hours=1)


class CkanAdapter(Adapter):
    name = "ckan"
    incremental = True
    OPTIONS: ClassVar[dict] = {
        "rows": Option(int, 1000, "packages per package_search page (CKAN allows up to 1000)"),
        "max_pages": Option(int, 1000, "stop and fail when paging has not ended after this "
                                       "many pages"),
        "fq": Option(str, None, "Solr filter added to every search, e.g. "
                                "'organization:minsal'"),
        "api": Option(str, "search", "'search' (package_search) or 'list' (package_list + "
                                     "package_show, for DKAN and old CKAN)"),
        "max_items": Option(int, 100_000, "with api: list, fail when package_list names more"),
        "dataset_url": Option(str, "{base}/dataset/{name}",
                              "page of a dataset at the source; {base}, {name} and {id} "
                              "are replaced"),
        "licenses": Option(bool, True, "ask license_list for licence titles and URLs the "
                                       "packages lack"),
    }

    @classmethod
    def check_options(cls, source) -> dict:
        opts = super().check_options(source)
        if opts["api"] not in ("search", "list"):
            raise ConfigError(f"source {source.id!r}: option 'api' must be 'search' or 'list'")
        for key, low, high in (("rows", 1, 1000), ("max_pages", 1, 10**6),
                               ("max_items", 1, 10**7)):
            if not low <= opts[key] <= high:
                raise ConfigError(f"source {source.id!r}: option {key!r} must be between "
                                  f"{low} and {high}")
        try:
            opts["dataset_url"].format(base="", name="", id="")
        except (KeyError, IndexError, ValueError):
            raise ConfigError(f"source {source.id!r}: option 'dataset_url' may only use "
                              "{base}, {name} and {id}") from None
        return opts

    @classmethod
    def portal_url(cls, source) -> str:
        return source.url.rstrip("/")  # CKAN may live under a path (https://host/ckan)

    def __init__(self, source, http, context):
        super().__init__(source, http, context)
        self.base = source.url.rstrip("/")
        self._licenses: dict[str, tuple[str | None, str | None]] | None = None

    # -- listing ----------------------------------------------------------------
    def _action(self, action: str, params: dict | None = None) -> Any:
        resp = self.http.get(f"{self.base}/api/3/action/{action}", params=params,
                             accept="application/json")
        doc = resp.json()
        if not isinstance(doc, dict) or "result" not in doc:
            if isinstance(doc, dict) and doc.get("success") is False:
                err = doc.get("error") or {}
                msg = err.get("message") if isinstance(err, dict) else err
                raise SourceError(f"{action} failed at {resp.url}: {str(msg)[:200]}")
            raise SourceError(f"{action} at {resp.url} did not answer a CKAN result")
        return doc["result"]

    def list_items(self) -> Iterator[dict]:
        if self.options["api"] == "list":
            yield from self._list_and_show()
        else:
            yield from self._search()

    def _since(self) -> datetime | None:
        if self.context.since is None:
            return None
        since = self.context.since
        newest = None
        for rec in self.context.previous.values():
            dt = parse_datetime(getattr(rec, "modified", None))
            if dt is not None:
                dt = dt if dt.tzinfo else dt.replace(tzinfo=UTC)
                newest = dt if newest is None or dt > newest else newest
        if newest is not None:
            since = min(since, newest - MARGIN)
        return since.astimezone(UTC).replace(microsecond=0)

    def _search(self) -> Iterator[dict]:
        rows, max_pages = self.options["rows"], self.options["max_pages"]
        filters = [f"+({self.options['fq']})"] if self.options["fq"] else []
        since = self._since()
        if since is not None:
            filters.append(f"+metadata_modified:[{since:%Y-%m-%dT%H:%M:%SZ} TO *]")
            self.partial = True  # only changes: what is missing was not deleted
        start = pages = duplicates = 0
        count: int | None = None
        seen: set[str] = set()
        while True:
            if pages >= max_pages:
                raise SourceError(f"paging did not end after {max_pages} pages ({len(seen):,} "
                                  f"of {count:,} packages listed); raise options.max_pages "
                                  "if the portal is that large")
            params = {"rows": rows, "start": start, "sort": "id asc"}
            if filters:
                params["fq"] = " ".join(filters)
            result = self._action("package_search", params)
            pages += 1
            if isinstance(result, list):  # DKAN: the packages themselves, one page
                packages, count = result, len(result)
            elif isinstance(result, dict) and isinstance(result.get("results"), list):
                packages = result["results"]
                count = result.get("count")
                if not isinstance(count, int) or count < 0:
                    raise SourceError("package_search answered no valid 'count'")
            else:
                raise SourceError("package_search answered neither a list nor "
                                  "{count, results}")
            self.expected = count
            new = 0
            for pkg in packages:
                if not isinstance(pkg, dict):
                    self.failed_items += 1
                    self.warn("package_search listed an item that is not a package")
                    continue
                key = str(pkg.get("id") or pkg.get("name") or "")
                if key and key in seen:
                    duplicates += 1
                    continue
                seen.add(key)
                new += 1
                yield pkg
            if isinstance(result, list) or start + len(packages) >= count:
                break
            if not packages:
                self.warn(f"package_search announced {count:,} packages but returned an "
                          f"empty page at start={start:,}")
                break
            if new == 0:
                raise SourceError(f"package_search repeats itself: the page at start={start:,}"
                                  " holds only packages already listed (paging ignored)")
            # A server may cap rows lower than asked: go on from what it actually sent.
            start += len(packages)
        if duplicates:
            self.warn(f"{duplicates} package(s) listed twice across pages, kept once")

    def _list_and_show(self) -> Iterator[dict]:
        names = self._action("package_list")
        if not isinstance(names, list):
            raise SourceError("package_list did not answer a list of names")
        if len(names) > self.options["max_items"]:
            raise SourceError(f"package_list names {len(names):,} packages, over "
                              f"options.max_items ({self.options['max_items']:,})")
        self.expected = len(names)
        for name in dict.fromkeys(str(n) for n in names if n):
            try:
                result = self._action("package_show", {"id": name})
            except SourceError as exc:
                # One package the server cannot show is a failed item, not a failed source.
                self.failed_items += 1
                self.warn(f"package_show {name}: {exc}")
                continue
            if isinstance(result, list):  # DKAN wraps the package in a list
                result = result[0] if result else None
            if not isinstance(result, dict):
                self.failed_items += 1
                self.warn(f"package_show {name}: no package in the answer")
                continue
            yield result

    # -- mapping ----------------------------------------------------------------
    def normalize(self, pkg: dict) -> Dataset:
        if not isinstance(pkg, dict):
            raise ItemError("not a package")
        rid = pkg.get("id") or pkg.get("name")
        name = str(pkg.get("name") or rid or "")
        title = plain_text(pkg.get("title")) or plain_text(pkg.get("name"))
        url = self.options["dataset_url"].format(base=self.base, name=quote(name, safe=""),
                                                 id=quote(str(rid or ""), safe=""))
        fields = self.common(rid, safe_url(url), title)
        warn = self._warner(fields["remote_id"])
        extras = _extras(pkg.get("extras"))
        org = pkg.get("organization") if isinstance(pkg.get("organization"), dict) else {}
        publisher = (plain_text(org.get("title")) or plain_text(org.get("name"))
                     or plain_text(extras.get("publisher_name") or extras.get("publisher"))
                     or _responsible_party(extras.get("responsible-party")))
        groups = pkg.get("groups") if isinstance(pkg.get("groups"), list) else []
        themes = plain_list([g.get("display_name") or g.get("title") or g.get("name")
                             for g in groups if isinstance(g, dict)])
        tags = pkg.get("tags") if isinstance(pkg.get("tags"), list) else []
        tags = plain_list([t.get("display_name") or t.get("name") if isinstance(t, dict)
                           else t for t in tags])
        return Dataset(
            **fields,
            description_html=markdown_html(pkg.get("notes"), self.base),
            publisher=publisher,
            themes=themes,
            tags=tags,
            license=self._license(pkg),
            issued=iso_date(extras.get("issued") or pkg.get("metadata_created"), warn,
                            "issued date"),
            modified=iso_date(extras.get("modified") or pkg.get("metadata_modified"), warn,
                              "modified date"),
            frequency=frequency(extras.get("accrualPeriodicity") or extras.get("frequency")
                                or extras.get("frequency-of-update")),
            spatial=spatial_text(extras.get("spatial_text") or extras.get("spatial_uri")
                                 or extras.get("spatial")),
            temporal=temporal_text(extras.get("temporal_start") or extras.get("temporal"),
                                   extras.get("temporal_end")),
            contact_point=_contact(pkg, extras),
            resources=self._resources(pkg.get("resources"), warn),
        )

    def _warner(self, rid: str):
        return lambda msg: self.warn(f"{rid}: {msg}")

    def _resources(self, resources: Any, warn) -> list[Resource]:
        out = []
        for res in resources if isinstance(resources, list) else []:
            if not isinstance(res, dict):
                continue
            url = safe_url(res.get("url"), self.base, self.context.warnings)
            if url is None:
                continue
            out.append(Resource(
                title=plain_text(res.get("name"), 300)
                or plain_text(res.get("description"), 120)
                or url.rstrip("/").rsplit("/", 1)[-1],
                format=format_name(res.get("format"), res.get("mimetype"), url),
                url=url,
                size=size_bytes(res.get("size"), warn),
                modified=iso_date(res.get("last_modified"), warn, "resource date"),
                media_type=media_type(res.get("mimetype")),
            ))
        return out

    def _license(self, pkg: dict):
        lid, title, url = pkg.get("license_id"), pkg.get("license_title"), pkg.get("license_url")
        if lid and not url and self.options["licenses"]:
            known_title, known_url = self._license_list().get(str(lid), (None, None))
            title, url = title or known_title, known_url
        return make_license(lid, title, url)

    def _license_list(self) -> dict[str, tuple[str | None, str | None]]:
        """license_list, asked once; a portal that answers an error simply has none."""
        if self._licenses is None:
            self._licenses = {}
            try:
                result = self._action("license_list")
            except SourceError as exc:
                self.warn(f"license_list unavailable, licence URLs only from the packages "
                          f"({exc})")
                return self._licenses
            for lic in result if isinstance(result, list) else []:
                if isinstance(lic, dict) and lic.get("id"):
                    self._licenses[str(lic["id"])] = (lic.get("title") or None,
                                                      lic.get("url") or None)
        return self._licenses


def _extras(extras: Any) -> dict[str, str]:
    """CKAN extras as a dict; DKAN sends some values HTML-escaped (&quot;)."""
    out = {}
    if isinstance(extras, dict):
        extras = [{"key": k, "value": v} for k, v in extras.items()]
    for item in extras if isinstance(extras, list) else []:
        if isinstance(item, dict) and item.get("key") and item.get("value") not in (None, ""):
            value = item["value"]
            out[str(item["key"])] = html.unescape(value) if isinstance(value, str) else value
    return out


def _contact(pkg: dict, extras: dict) -> str | None:
    """ckanext-dcat's order: contact_* extras, then maintainer, then author."""
    for name, email in ((extras.get("contact_name"), extras.get("contact_email")),
                        (pkg.get("maintainer"), pkg.get("maintainer_email")),
                        (pkg.get("author"), pkg.get("author_email"))):
        found = contact_text(name, email)
        if found:
            return found
    return None


def _responsible_party(value: Any) -> str | None:
    """ckanext-spatial's `responsible-party` extra: [{name, roles}], publisher first."""
    try:
        parties = json.loads(value) if isinstance(value, str) else value
    except ValueError:
        return None
    if not isinstance(parties, list):
        return None
    parties = [p for p in parties if isinstance(p, dict) and p.get("name")]
    parties.sort(key=lambda p: 0 if "publisher" in (p.get("roles") or []) else 1)
    return plain_text(parties[0]["name"]) if parties else None


ADAPTER = CkanAdapter
