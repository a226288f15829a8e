"""The portal's day is its own (TIMEZONE), not UTC's: from 21:00 in Santiago
(UTC-3 in summer) UTC is already tomorrow, and "open now", "closes today" and
upcoming events would be a day off."""

from __future__ import annotations

from datetime import date

import pytest
import site_snapshot
from conftest import build_site

from plugins.portal_site.filters import now, today

SANTIAGO = {"TIMEZONE": "America/Santiago"}


@pytest.fixture
def clock(monkeypatch):
    monkeypatch.delenv("PORTAL_TODAY", raising=False)

    def fix(instant: str) -> None:
        monkeypatch.setenv("PORTAL_NOW", instant)
    return fix


def test_2330_in_santiago_is_still_santiagos_day(clock):
    clock("2026-11-27T02:30:00Z")                      # 23:30 of the 26th in Santiago
    assert today(SANTIAGO) == date(2026, 11, 26)
    assert now(SANTIAGO).isoformat() == "2026-11-26T23:30:00-03:00"
    assert today({"TIMEZONE": "UTC"}) == date(2026, 11, 27)
    assert today({"TIMEZONE": "Asia/Tokyo"}) == date(2026, 11, 27)


def test_a_time_without_offset_is_read_in_the_portals_zone(clock):
    clock("2026-06-30T23:59:00")                      # winter: UTC-4
    assert now(SANTIAGO).isoformat() == "2026-06-30T23:59:00-04:00"
    assert today(SANTIAGO) == date(2026, 6, 30)


def test_portal_today_still_pins_the_day(clock, monkeypatch):
    clock("2026-11-27T02:30:00Z")
    monkeypatch.setenv("PORTAL_TODAY", "2026-01-05")
    assert today(SANTIAGO) == date(2026, 1, 5)


def test_an_unknown_zone_is_a_named_error(clock):
    clock("2026-11-27T02:30:00Z")
    with pytest.raises(ValueError, match="TIMEZONE: unknown time zone 'America/Santiag'"):
        today({"TIMEZONE": "America/Santiag"})


def test_the_build_at_2330_santiago_shows_santiagos_date(tmp_path):
    data = site_snapshot.write(tmp_path / "data")
    out = tmp_path / "out"
    proc = build_site(data, out, today="", extra_env={"PORTAL_NOW": "2026-11-27T02:30:00Z"})
    assert proc.returncode == 0, proc.stderr
    page = (out / "participacion" / "index.html").read_text()
    assert "al 26 de noviembre de 2026" in page
    # The consultation ending on the 26th is still open, closing today (on UTC's
    # 27th it would be closed).
    item = page[page.index("Consulta que cierra hoy"):][:600]
    assert "Cierra hoy" in item
