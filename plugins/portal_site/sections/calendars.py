"""iCalendar (RFC 5545) files, made with the `icalendar` library:
`participacion/consultas.ics` (processes open now and upcoming, from start to
end), `eventos/eventos.ics` (editors' events), and one file per process and per
event (`.../calendario.ics`, the pages' "Añadir a mi calendario" link).

UIDs come from the record id (or the event's address), so a calendar that
subscribed sees an event updated, not duplicated. Times without a zone are in
TIMEZONE (America/Santiago), written with their VTIMEZONE. A date without a
time is an all-day event; RFC 5545's DTEND of all-day events is exclusive, so
the end date is moved one day on.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from icalendar import Calendar, Event

from aggregator.records import Consultation

from ..export_registry import Export
from ..filters import excerpt, parse_date
from ..urls import slugify

CONSULTATIONS = "participacion/consultas.ics"
EVENTS = "eventos/eventos.ics"
ONE = "calendario.ics"
MEDIA = "text/calendar"


def _zone(settings):
    try:
        return ZoneInfo(settings.get("TIMEZONE") or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


class Calendars:
    def __init__(self, site):
        self.site = site
        s = site.settings
        self.zone = _zone(s)
        siteurl = (s.get("SITEURL") or "").rstrip("/")
        self.absolute = siteurl if siteurl.startswith(("http://", "https://")) else None
        self.domain = urlsplit(self.absolute).hostname if self.absolute else \
            f"{slugify(s.get('SITENAME') or 'portal')}.portal"
        self.prodid = f"-//{s.get('SITENAME') or 'Portal'}//Calendario//ES"

    def calendar(self, name: str) -> Calendar:
        cal = Calendar()
        cal.add("prodid", self.prodid)
        cal.add("version", "2.0")
        cal.add("calscale", "GREGORIAN")
        cal.add("x-wr-calname", name)
        cal.add("x-wr-timezone", str(self.zone))
        return cal

    def finish(self, cal: Calendar) -> bytes:
        cal.add_missing_timezones()
        return cal.to_ical()

    def _when(self, value) -> date | datetime | None:
        d = parse_date(value) if isinstance(value, str) else value
        if isinstance(d, datetime) and d.tzinfo is None:
            d = d.replace(tzinfo=self.zone)
        return d

    def _span(self, event: Event, start, end) -> bool:
        """DTSTART/DTEND from two dates or date-times; False when there is none."""
        start, end = self._when(start), self._when(end)
        if start is None and end is None:
            return False
        timed = isinstance(start or end, datetime) and (end is None or isinstance(end, datetime))
        if not timed:
            first = _day(start or end)
            last = _day(end or start)
            event.add("dtstart", first)
            event.add("dtend", max(first, last) + timedelta(days=1))
            return True
        event.add("dtstart", start or end)
        if end is not None and start is not None and end > start:
            event.add("dtend", end)
        return True

    def _url(self, local: str, remote: str | None) -> str | None:
        return f"{self.absolute}/{local}" if self.absolute else remote

    def consultation(self, c, stamp: datetime) -> Event | None:
        model = self.site.model
        event = Event()
        if not self._span(event, c.start, c.end):
            return None
        inst = model.institution_of(c)
        event.add("uid", f"{c.id}@{self.domain}")
        event.add("dtstamp", stamp)
        event.add("summary", c.title)
        text = excerpt(c.description_html, 1000)
        who = inst.name if inst else (c.publisher or model.source_name(c.source))
        event.add("description", "\n\n".join(x for x in (text, f"Organiza: {who}",
                                                          c.url or "") if x))
        url = self._url(f"participacion/{model.slugs[c.id]}/", c.url)
        if url:
            event.add("url", url)
        if c.kind:
            event.add("categories", [c.kind])
        event.add("transp", "TRANSPARENT")     # a process open for weeks does not busy a day
        return event

    def editor_event(self, e) -> Event:
        event = Event()
        start = e.date.date() if _all_day(e.date) else e.date
        end = e.end
        if end is not None and _all_day(end) and not isinstance(start, datetime):
            end = end.date()
        self._span(event, start, end)
        event.add("uid", f"{e.url.strip('/').replace('/', '-')}@{self.domain}")
        event.add("dtstamp", _utc(self._when(e.date)))
        event.add("summary", e.title)
        if e.place:
            event.add("location", e.place)
        text = str(e.summary_html.striptags()) if e.summary_html else ""
        event.add("description", "\n\n".join(x for x in (text, e.link or "") if x))
        url = self._url(e.url, e.link)
        if url:
            event.add("url", url)
        return event


def _all_day(value: datetime) -> bool:
    return isinstance(value, datetime) and value.hour == 0 and value.minute == 0


def _day(value) -> date:
    return value.date() if isinstance(value, datetime) else value


def _utc(value) -> datetime:
    """In UTC, as DTSTAMP wants it; a date is its midnight, a naive time is UTC."""
    if not isinstance(value, datetime):
        value = datetime.combine(value, time(0, 0))
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def _stamp(site, record) -> datetime:
    """DTSTAMP: when its source was harvested (stable from build to build)."""
    sf = site.model.snapshot.sources.get(record.source)
    return _utc(parse_date(getattr(sf, "harvested_at", None) or "") or date(2000, 1, 1))


def write(site) -> None:
    cals, model, idx, sink = Calendars(site), site.model, site.idx, site.sink
    base, today = cals.absolute or "", site.today.isoformat()
    stamps = {c.id: _stamp(site, c) for c in model.consultations}
    names = {i.id: i.name for i in model.institutions.values()}
    for c in model.consultations:
        inst = names.get(c.institution or "", "")
        sink.file(f"participacion/{model.slugs[c.id]}/{ONE}",
                  lambda c=c: _one(cals, cals.consultation(c, stamps[c.id]), c.title),
                  [base, site.fp(c), inst, str(stamps[c.id]), cals.domain])
    current = [*idx.open, *idx.upcoming]
    site.exports.file(Export(
        CONSULTATIONS, "Consultas abiertas y próximas", "iCalendar", MEDIA,
        "Los procesos de participación abiertos y los anunciados, de su inicio a su cierre; "
        "un calendario se puede suscribir a esta dirección.", section="Participación",
        standard="RFC 5545", count=len(current),
        updated=site.exports.harvested(Consultation)),
        lambda: _many(cals, "Consultas ciudadanas",
                      (cals.consultation(c, stamps[c.id]) for c in current)),
        [base, today, cals.domain, *(site.fp(c) + names.get(c.institution or "", "")
                                     for c in current), *(str(stamps[c.id]) for c in current)])
    for e in site.events:
        sink.file(f"{e.url}{ONE}", lambda e=e: _one(cals, cals.editor_event(e), e.title),
                  [base, cals.domain, *_event_fp(e)])
    site.exports.file(Export(
        EVENTS, "Eventos", "iCalendar", MEDIA,
        "Los eventos de gobierno abierto que publica el portal, próximos y pasados.",
        section="Eventos", standard="RFC 5545", count=len(site.events)),
        lambda: _many(cals, "Eventos", (cals.editor_event(e) for e in site.events)),
        [base, cals.domain, *(x for e in site.events for x in _event_fp(e))])


def _event_fp(e) -> list[str]:
    return [e.url, e.title, repr(e.date), repr(e.end), e.place or "", str(e.summary_html),
            e.link or ""]


def _one(cals: Calendars, event: Event | None, title: str) -> bytes:
    cal = cals.calendar(title)
    if event is not None:
        cal.add_component(event)
    return cals.finish(cal)


def _many(cals: Calendars, name: str, events) -> bytes:
    cal = cals.calendar(name)
    for event in events:
        if event is not None:
            cal.add_component(event)
    return cals.finish(cal)
