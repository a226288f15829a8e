"""RSS 0.9x/1.0/2.0 and Atom feeds -> news items (or consultations).

The feed is fetched through the shared HTTP layer (conditional GET, caps) and
its bytes handed to feedparser with the response headers, so the declared
charset, the XML declaration or feedparser's sniffing (ISO-8859-1,
windows-1251, undeclared Latin-1) decide the encoding, and relative links
resolve against the feed's public URL.

Outcomes: an HTML page or a body with no item (truncated, not a feed) fails the
source; a feed with syntax errors that still yields items is kept, with a
warning. Items are deduplicated by guid and by link, the newest kept up to
`max_items`. Participation platforms that only publish a listing use
`record_type: consultation`, with start/end read from entry fields.
"""

from __future__ import annotations

import email.utils
import hashlib
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timezone
from typing import Any, ClassVar
from urllib.parse import urljoin
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import feedparser

from ..config import ConfigError
from ..records import Consultation, NewsItem, Record
from ..sanitize import clean_html, plain_text, safe_url, text_html
from .base import Adapter, ItemError, Option, SourceError

ACCEPT = ("application/rss+xml, application/atom+xml, application/rdf+xml;q=0.9, "
          "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.1")
IMAGE_EXT = re.compile(r"\.(jpe?g|png|gif|webp|avif|svg)(\?|$)", re.IGNORECASE)
SAFE_ID = re.compile(r"^[\w.:@-]{1,64}$")
SUMMARY_LIMIT = 8000

# RFC 822 dates in Spanish or Portuguese ("Seg, 24 Set 2018 19:42:40 -0300").
_MONTHS = {"ene": "Jan", "feb": "Feb", "fev": "Feb", "mar": "Mar", "abr": "Apr",
           "may": "May", "mai": "May", "jun": "Jun", "jul": "Jul", "ago": "Aug",
           "sep": "Sep", "set": "Sep", "oct": "Oct", "out": "Oct", "nov": "Nov",
           "dic": "Dec", "dez": "Dec"}
_MONTH_WORD = re.compile(r"\b([A-Za-zçÇ]{3})[a-zç]*\.?(?=\s+\d{2,4}\b)")
_WEEKDAY = re.compile(r"^\s*[^\d\s,]+,\s*")
_AMPM = re.compile(r"\b(\d{1,2})(:\d{2}(?::\d{2})?)\s*([AaPp])\.?[Mm]\b\.?")
# A lead picture: an <img> before any text (later ones are share buttons, pixels).
_IMG_SRC = re.compile(r"""^\s*(?:<(?:p|div|a|figure|span|center)\b[^>]*>\s*)*"""
                      r"""<img\b[^>]*?\bsrc\s*=\s*["']([^"'>]+)""", re.IGNORECASE)


def iso_datetime(value: Any, tz: timezone | ZoneInfo | None = UTC,
                 parsed: Any = None) -> str | None:
    """An ISO 8601 datetime with its offset (or a bare ISO date) from the ways
    sources write dates: ISO/W3C, RFC 822 (English, Spanish or Portuguese
    names), dd/mm/yyyy. A time without zone is taken in `tz` (None: left
    without offset). `parsed` is feedparser's UTC struct_time, the last resort."""
    text = str(value).strip() if value not in (None, "") else ""
    dt = _parse(text) if text else None
    if isinstance(dt, datetime):
        if dt.tzinfo is None and tz is not None:
            dt = dt.replace(tzinfo=tz)
        return dt.isoformat(timespec="seconds")
    if isinstance(dt, date):
        return dt.isoformat()
    if parsed:
        return datetime(*parsed[:6], tzinfo=UTC).isoformat(timespec="seconds")
    return None


def _parse(text: str) -> date | datetime | None:
    iso = text.replace("Z", "+00:00") if text.endswith("Z") else text
    try:
        return datetime.fromisoformat(iso) if ("T" in iso or ":" in iso) \
            else date.fromisoformat(iso)
    except ValueError:
        pass
    m = re.match(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$",
                 text)
    if m:  # dd/mm/yyyy: the order Spanish-speaking sources use
        d, mo, y, hh, mm, ss = m.groups()
        try:
            if hh is None:
                return date(int(y), int(mo), int(d))
            return datetime(int(y), int(mo), int(d), int(hh), int(mm), int(ss or 0))
        except ValueError:
            return None
    english = _MONTH_WORD.sub(lambda w: _MONTHS.get(w.group(1).lower(), w.group(0)),
                              _WEEKDAY.sub("", text))
    english = _AMPM.sub(_to_24h, english)
    try:
        return email.utils.parsedate_to_datetime(english)
    except (TypeError, ValueError, IndexError):
        return None


def _to_24h(m: re.Match) -> str:
    """"02:02:33 PM" -> "14:02:33" (RFC 822 parsers ignore AM/PM)."""
    hour = int(m.group(1)) % 12 + (12 if m.group(3).lower() == "p" else 0)
    return f"{hour:02d}{m.group(2)}"


def zone(name: str | None, source_id: str) -> timezone | ZoneInfo:
    if not name or name.upper() == "UTC":
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"source {source_id!r}: unknown timezone {name!r} "
                          f"(use an IANA name such as America/Santiago)") from None


class FeedAdapter(Adapter):
    name = "feed"
    OPTIONS: ClassVar[dict] = {
        "max_items": Option(int, 100, "keep at most this many items (the newest)"),
        "record_type": Option(str, "news", "news, or consultation for participation listings"),
        "publisher": Option(str, None, "the publisher's name (default: the feed's title)"),
        "publisher_field": Option(str, None, "entry field naming each item's publisher"),
        "timezone": Option(str, "UTC", "zone of dates written without one"),
        "kind": Option(str, "consulta pública", "consultation kind (record_type: consultation)"),
        "start_field": Option(str, "published", "entry field of a consultation's start"),
        "end_field": Option(str, None, "entry field of a consultation's end"),
    }

    @classmethod
    def check_options(cls, source) -> dict:
        opts = super().check_options(source)
        if opts["record_type"] not in ("news", "consultation"):
            raise ConfigError(f"source {source.id!r}: record_type must be news or consultation")
        if opts["max_items"] < 1:
            raise ConfigError(f"source {source.id!r}: max_items must be at least 1")
        zone(opts["timezone"], source.id)
        return opts

    def __init__(self, source, http, context):
        super().__init__(source, http, context)
        self.tz = zone(self.options["timezone"], source.id)
        self.base = source.url
        self.publisher: str | None = None

    # -- listing --------------------------------------------------------------
    def list_items(self) -> Iterator[Any]:
        resp = self.http.get(self.source.url, accept=ACCEPT)
        parsed, entries = self.parse(resp.body, resp.headers, resp.url)
        self.base = resp.url
        self.publisher = plain_text(self.options["publisher"] or parsed.feed.get("title"), 300)
        entries = self._dedupe(entries)
        # Newest first, undated items after the dated ones, feed order otherwise.
        keyed = [(self._start(e) or "", n, e) for n, e in enumerate(entries)]
        keyed.sort(key=lambda t: (t[0] == "", _desc(t[0]), t[1]))
        cap = self.options["max_items"]
        if len(keyed) > cap:
            self.warn(f"kept the {cap} newest of {len(keyed)} items (max_items)")
        self.expected = min(len(keyed), cap)
        for _, _, entry in keyed[:cap]:
            yield entry

    def parse(self, body: bytes, headers: dict, url: str) -> tuple[Any, list]:
        """(feed, its entries); SourceError when the bytes are not a feed with items."""
        head = body[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
        if not head:
            raise SourceError(f"empty response from {url}, not a feed")
        if head.startswith((b"<!doctype html", b"<html")) or (
                b"<html" in head and b"<rss" not in head and b"<feed" not in head
                and b"<rdf" not in head):
            raise SourceError(f"HTML page, not a feed, at {url}")
        ctype = headers.get("content-type", "")
        if "charset" not in ctype.lower():
            # RFC 3023 makes charset-less text/xml US-ASCII; servers and readers
            # ignore that, so let the XML declaration and sniffing decide.
            ctype = "application/xml"
        # No content-location and no resolution by feedparser: it would turn guids
        # into URLs and mangle encoded schemes; links are resolved (and checked)
        # here against the feed's URL instead. Its sanitizer is off too: every
        # field goes through ours (nh3), and theirs is 3/4 of the parsing time.
        parsed = feedparser.parse(body, response_headers={"content-type": ctype},
                                  resolve_relative_uris=False, sanitize_html=False)
        problem = parsed.get("bozo_exception")
        # Illegally nested or cut items leave empty shells behind: not items at all.
        entries = [e for e in parsed.entries
                   if any(e.get(k) for k in ("title", "link", "id", "summary", "content"))]
        if len(entries) < len(parsed.entries):
            self.warn(f"ignored {len(parsed.entries) - len(entries)} empty entries "
                      f"(malformed nesting in the feed)")
        if not entries:
            if not parsed.version:
                raise SourceError(f"not an RSS or Atom feed at {url}"
                                  + (f": {_short(problem)}" if problem else ""))
            if parsed.bozo:
                raise SourceError(f"broken feed with no items at {url} "
                                  f"(truncated?): {_short(problem)}")
            return parsed, []  # a valid, empty feed: the run loop reports "no records"
        if parsed.bozo:
            self.warn(f"feed has errors but {len(entries)} items were read: "
                      f"{_short(problem)}")
        return parsed, entries

    def _dedupe(self, entries: list) -> list:
        seen: set[str] = set()
        out = []
        for e in entries:
            keys = {k for k in (e.get("id"), e.get("link")) if k}
            if keys & seen:
                self.warn(f"duplicate item {next(iter(keys))[:80]!r} listed twice, kept once")
                continue
            seen |= keys
            out.append(e)
        return out

    # -- one item ---------------------------------------------------------------
    def normalize(self, raw: Any) -> Record:
        link = safe_url(raw.get("link"), self.base, self.context.warnings)
        summary = self._summary(raw, link)
        title = plain_text(raw.get("title"), 300) or plain_text(summary, 120)
        if not title:
            raise ItemError("item has neither title nor summary")
        guid = raw.get("id") or raw.get("link") or f"{title}|{raw.get('published', '')}"
        common = self.common(_remote_id(str(guid)), link, title)
        publisher = self.publisher
        if self.options["publisher_field"]:
            publisher = plain_text(_field(raw, self.options["publisher_field"]), 300) \
                or publisher
        if self.options["record_type"] == "consultation":
            end = self.options["end_field"]
            return Consultation(**common, description_html=summary,
                                kind=self.options["kind"], start=self._start(raw),
                                end=self._date(raw, end) if end else None,
                                publisher=publisher)
        return NewsItem(**common, summary_html=summary,
                        published=self._date(raw, "published") or self._date(raw, "updated"),
                        image=self._image(raw, link), publisher=publisher)

    def _start(self, raw) -> str | None:
        if self.options["record_type"] == "consultation":
            return self._date(raw, self.options["start_field"])
        return self._date(raw, "published") or self._date(raw, "updated")

    def _date(self, raw, field: str) -> str | None:
        return iso_datetime(_field(raw, field), self.tz, raw.get(f"{field}_parsed"))

    def _summary(self, raw, link: str | None) -> str | None:
        detail = raw.get("summary_detail") or {}
        value = raw.get("summary")
        if not value and raw.get("content"):
            detail = raw["content"][0]
            value = detail.get("value")
        if not value:
            return None
        if detail.get("type") == "text/plain":
            return text_html(value)
        base = urljoin(self.base, detail.get("base") or "")  # xml:base, if any
        return clean_html(value, base, limit=SUMMARY_LIMIT)

    def _image(self, raw, link: str | None) -> str | None:
        """media:content / media:thumbnail / an image enclosure, widest first."""
        candidates = []
        for m in raw.get("media_content") or []:
            medium, typ = m.get("medium", ""), m.get("type", "")
            if medium == "image" or typ.startswith("image/") or (
                    not medium and not typ and IMAGE_EXT.search(m.get("url", ""))):
                candidates.append(m)
        candidates += list(raw.get("media_thumbnail") or [])
        candidates += [{"url": e.get("href")} for e in raw.get("enclosures") or []
                       if str(e.get("type", "")).startswith("image/")]
        candidates.sort(key=lambda m: -_int(m.get("width")))
        # Last resort: a lead picture at the top of the item's own HTML.
        for html in [raw.get("summary"), *(c.get("value") for c in raw.get("content") or [])]:
            m = _IMG_SRC.match(html or "")
            if m:
                candidates.append({"url": m.group(1)})
                break
        for m in candidates:
            url = safe_url(m.get("url"), self.base, self.context.warnings)
            if url and not url.startswith("mailto:"):
                return url
        return None


def _field(raw, name: str) -> Any:
    value = raw.get(name)
    if isinstance(value, dict):  # author_detail and friends
        value = value.get("name") or value.get("value")
    return value


def _remote_id(guid: str) -> str:
    """The guid when it is a short plain token, else a stable hash of it (guids
    are often long URLs, awkward in ids and file names)."""
    guid = guid.strip()
    if SAFE_ID.match(guid):
        return guid
    return hashlib.sha1(guid.encode("utf-8")).hexdigest()[:16]


def _desc(iso: str) -> tuple:
    """Sort key putting later instants first, comparing across offsets."""
    try:
        dt = datetime.fromisoformat(iso)
    except ValueError:
        return (0,)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return (-dt.timestamp(),)


def _int(v: Any) -> int:
    try:
        return int(v)
    except (TypeError, ValueError):
        return 0


def _short(exc: Any) -> str:
    text = str(exc or "").strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:200]


ADAPTER = FeedAdapter
