"""iCalendar files (sections/calendars.py): every .ics parses with `icalendar`
and round-trips; consultas.ics holds the open and upcoming processes, stable
UIDs, America/Santiago for times without a zone, all-day ends exclusive."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import export_snapshot
import pytest
from icalendar import Calendar


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    return export_snapshot.build_once(tmp_path_factory)


def events(path) -> list:
    cal = Calendar.from_ical(path.read_bytes())
    return cal.walk("VEVENT")


def test_every_calendar_parses_and_round_trips(site, bundled_site):
    files = sorted(site.rglob("*.ics")) + sorted(bundled_site.rglob("*.ics"))
    assert len(files) >= 2 + 5 + 3        # the two calendars, each process, each event
    for path in files:
        raw = path.read_bytes()
        cal = Calendar.from_ical(raw)
        assert cal.to_ical() == raw, path
        assert str(cal["VERSION"]) == "2.0" and cal.get("PRODID")


def test_consultations_calendar_holds_open_and_upcoming(site):
    found = {str(e["UID"]): e for e in events(site / "participacion" / "consultas.ics")}
    # As of 2026-11-26: c1, c2, c5 open (c5 closes today), c3 upcoming, c4 closed.
    assert set(found) == {f"participa:c{n}@portal-de-gobierno-abierto.portal"
                          for n in (1, 2, 3, 5)}
    c3 = found["participa:c3@portal-de-gobierno-abierto.portal"]
    assert str(c3["SUMMARY"]) == "Plan regional de salud mental"
    assert c3["DTSTART"].dt == date(2026, 12, 15)
    assert c3["DTEND"].dt == date(2027, 1, 31) + timedelta(days=1)     # exclusive end


def test_each_process_and_event_has_its_own_calendar_linked_from_its_page(site):
    one = events(site / "participacion" / "proceso-1" / "calendario.ics")
    assert len(one) == 1 and str(one[0]["SUMMARY"]) == "Consulta sobre la ley de fármacos"
    page = (site / "participacion" / "proceso-1" / "index.html").read_text("utf-8")
    assert "calendario.ics" in page and "Añadir a mi calendario" in page
    taller = events(site / "eventos" / "taller-datos-abiertos" / "calendario.ics")
    start = taller[0]["DTSTART"].dt
    assert isinstance(start, datetime) and str(start.tzinfo) == "America/Santiago"
    assert (start.hour, start.minute) == (10, 0) and start.utcoffset() == timedelta(hours=-3)
    assert "TZID:America/Santiago" in (site / "eventos" / "eventos.ics").read_text()
    page = (site / "eventos" / "taller-datos-abiertos" / "index.html").read_text("utf-8")
    assert "calendario.ics" in page and "Añadir a mi calendario" in page


def test_uids_and_files_are_stable_from_build_to_build(tmp_path):
    from conftest import build_site

    data = export_snapshot.write(tmp_path / "data")
    outs = []
    for n in (1, 2):
        out = tmp_path / f"out{n}"
        proc = build_site(data, out, extra_env={"PORTAL_CACHE": str(tmp_path / f"cache{n}")})
        assert proc.returncode == 0, proc.stderr
        outs.append(out)
    for rel in ("participacion/consultas.ics", "eventos/eventos.ics"):
        assert (outs[0] / rel).read_bytes() == (outs[1] / rel).read_bytes()
