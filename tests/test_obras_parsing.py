"""Public works' values as registers write them: amounts, percentages,
coordinates, dates and stages (aggregator/obras.py), and the record itself."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from aggregator.obras import (
    DEFAULT_STAGES,
    day_of,
    parse_amount,
    parse_coordinate,
    parse_day,
    parse_point,
    parse_progress,
    repair_text,
    stage_mapping,
    stage_of,
)
from aggregator.records import RecordError, record_from_dict, record_from_trusted
from aggregator.records_obras import Obra

BA_BOUNDS = [-58.6, -34.75, -58.3, -34.5]


@pytest.mark.parametrize("text, amount", [
    ("67065700", "67065700"), ("205800503,6", "205800503.6"), ("73276173,17", "73276173.17"),
    ("53,160,000.00", "53160000.00"), ("273.000.000,00", "273000000.00"),
    ("21.883.237", "21883237"), ("$7.500.000,00", "7500000.00"), ("\u00a06595600", "6595600"),
    ("638.976.998", "638976998"), ("1.234", "1234"), ("0,5", "0.5"), ("12.5", "12.5"),
    ("$ 1.523.334.227,35", "1523334227.35"), ("USD 1,000", "1000"),
])
def test_amounts_in_every_spelling_are_read_exactly(text, amount):
    value, why = parse_amount(text)
    assert why is None and value == Decimal(amount) and isinstance(value, Decimal)


@pytest.mark.parametrize("text, reason", [
    ("636.62337.84", "digit groups"), ("5.092.765,21 (dic 21)", "not a number"),
    ("A/D", "not a number"), ("-1000", "negative"), ("1.2.3,4,5", "not a number"),
])
def test_unreadable_amounts_are_left_empty_with_a_reason(text, reason):
    value, why = parse_amount(text)
    assert value is None and reason in why


def test_empty_values_are_no_problem():
    assert parse_amount("") == (None, None) and parse_amount(None) == (None, None)
    assert parse_progress(" ") == (None, None) and parse_day("") == (None, None)
    assert parse_coordinate("", 90) == (None, None)


@pytest.mark.parametrize("text, progress", [
    ("100", 100), ("74,27", 74.27), ("83.06", 83.06), ("0,5", 0.5), ("0", 0), ("55 %", 55),
    ("1.234", 1.23),
])
def test_progress_reads_decimal_commas_and_points(text, progress):
    assert parse_progress(text) == (progress, None)


@pytest.mark.parametrize("text", ["150", "-3", "100,5"])
def test_progress_outside_0_to_100_is_dropped(text):
    value, why = parse_progress(text)
    assert value is None and "outside 0-100" in why


@pytest.mark.parametrize("lat, lon, want, reason", [
    ("-34,56715312", "-58,47923657", (-34.56715312, -58.47923657), None),
    ("-34.578.254", "-58.402.210", (-34.578254, -58.40221), "point placed"),
    ("-34658478", "-58464128", (-34.658478, -58.464128), "point placed"),
    ("-34.578.254", "-584.699.185", (-34.578254, -58.4699185), "point placed"),
    ("-58,374842011722", "-34,634074747905", (-34.634074747905, -58.374842011722), "swapped"),
    ("-34.650675\n-34.666304", "-58.457814\n-58.490534", (-34.650675, -58.457814),
     "several values"),
    ("\u00a0-34,6", "\u00a0-58,520904", (-34.6, -58.520904), None),
])
def test_coordinates_written_messily_are_placed_inside_the_bounds(lat, lon, want, reason):
    got_lat, got_lon, notes = parse_point(lat, lon, BA_BOUNDS)
    assert (got_lat, got_lon) == pytest.approx(want, abs=1e-12)
    reasons = " ".join(why for _f, why in notes)
    assert (reason in reasons) if reason else notes == []


@pytest.mark.parametrize("lat, lon, reason", [
    ("34635782", "58524987", "outside the source's bounds"),
    ("-3,45832E+15", "-5,83802E+15", "not a coordinate"),
    ("-34,6", "", "only one coordinate"),
    ("0", "0", "0,0 is no place"),
])
def test_unusable_coordinates_leave_both_empty(lat, lon, reason):
    got_lat, got_lon, notes = parse_point(lat, lon, None if lat == "0" else BA_BOUNDS)
    assert got_lat is None and got_lon is None
    assert any(reason in why for _f, why in notes), notes


def test_without_bounds_only_the_valid_range_places_the_point():
    assert parse_coordinate("-34658478", 90)[0] == pytest.approx(-34.658478)
    assert parse_coordinate("-58464128", 180)[0] == pytest.approx(-58.464128)
    assert parse_coordinate("-95,5", 90) == (None, "out of range, left empty")
    assert parse_coordinate("181.0", 180) == (None, "out of range, left empty")


@pytest.mark.parametrize("text, day", [
    ("2016-05-31", "2016-05-31"), ("31/07/2023", "2023-07-31"), ("10/21", "2021-10"),
    ("5/22", "2022-05"), ("03/2023", "2023-03"), ("2023-01-21T00:00:00", "2023-01-21"),
])
def test_dates_days_and_months(text, day):
    assert parse_day(text) == (day, None)


@pytest.mark.parametrize("text, reason", [("A/D", "not a date"), ("1905-07-14", "year outside"),
                                          ("13/22", "not a date")])
def test_unreadable_dates_are_dropped_with_a_reason(text, reason):
    value, why = parse_day(text)
    assert value is None and reason in why


def test_a_month_ends_on_its_last_day():
    assert day_of("2024-02", last=True) == date(2024, 2, 29)
    assert day_of("2026-12", last=True) == date(2026, 12, 31)
    assert day_of("2026-12") == date(2026, 12, 1) and day_of("2026-06-30") == date(2026, 6, 30)


@pytest.mark.parametrize("status, stage", [
    ("Finalizada", "finished"), ("FInalizada", "finished"), ("finalizada", "finished"),
    ("Finalizado", "finished"), ("En ejecución", "in_progress"),
    ("En Ejecución ", "in_progress"), ("En obra", "in_progress"), ("En curso", "in_progress"),
    ("Iniciada", "in_progress"), ("En licitación", "planned"), ("Adjudicada", "planned"),
    ("En proyecto", "planned"), ("Prox. Licitación", "planned"),
    ("Desestimada", "stopped"), ("Neutralizada", "stopped"), ("Rescindida", "stopped"),
    ("Proyecto finalizado", "finished"),
])
def test_spanish_status_words_give_their_stage(status, stage):
    assert stage_of(status, None, stage_mapping(None)) == (stage, None)


def test_unknown_words_are_unknown_and_the_mapping_is_configurable():
    stage, why = stage_of("Finalizada/desestimada", 100, stage_mapping(None))
    assert stage == "unknown" and "not in the stage mapping" in why
    mine = stage_mapping({"Finalizada/Desestimada": "finished", "En obra": "planned"})
    assert stage_of("Finalizada/desestimada", 100, mine) == ("finished", None)
    assert stage_of("En obra", None, mine) == ("planned", None)      # overrides a default
    assert len(mine) == len(DEFAULT_STAGES) + 1


def test_without_status_the_progress_decides():
    mapping = stage_mapping(None)
    assert stage_of(None, 100, mapping) == ("finished", None)
    assert stage_of("", 40, mapping) == ("in_progress", None)
    assert stage_of(None, 0, mapping) == ("unknown", None)


def test_utf8_read_as_windows_1252_is_repaired_and_soft_hyphens_go():
    assert repair_text("Secretarí\u00ada de Transporte") == "Secretaría de Transporte"
    assert repair_text("EducaciÃ³n") == "Educación"
    assert repair_text("la â€œEstación Terminal Surâ€\x9d") == "la “Estación Terminal Sur”"
    assert repair_text("Año 2024: niño, N° 5, ¿qué?") == "Año 2024: niño, N° 5, ¿qué?"


def test_obra_records_round_trip_and_reject_bad_values():
    d = {"id": "s:1", "type": "obra", "title": "Obra", "amount": "1234.50", "progress": "74.5",
         "lat": -34.5, "lon": -58.4, "stage": "in_progress", "currency": "ARS"}
    rec = record_from_dict(d)
    assert isinstance(rec, Obra) and rec.amount == "1234.5" and rec.progress == 74.5
    assert record_from_trusted(rec.to_dict()) == rec
    assert record_from_dict(rec.to_dict()) == rec
    for bad, message in [({"stage": "done"}, "'stage' must be one of"),
                         ({"progress": 101}, "'progress' must be between 0 and 100"),
                         ({"lat": 91}, "'lat' must be between"), ({"lon": None}, "go together"),
                         ({"amount": "1,5"}, "'amount' must be a decimal number"),
                         ({"amount": "-3"}, "'amount' must be a number >= 0")]:
        with pytest.raises(RecordError, match=message):
            record_from_dict({**d, **bad})


def test_works_go_through_the_snapshot_writer_and_the_parse_cache(tmp_path):
    from aggregator.snapshot import read_source_file, write_source_file

    works = [record_from_dict({"id": f"s:{n}", "type": "obra", "title": f"Obra {n}",
                               "amount": f"{n}.10", "progress": n * 10, "stage": "in_progress",
                               "lat": -33.4, "lon": -70.6, "end_planned": "2026-05"})
             for n in range(1, 6)]
    write_source_file(tmp_path, "s", "csv", "2026-11-01T00:00:00+00:00", works,
                      cache_dir=tmp_path / "cache")
    path = tmp_path / "sources" / "s.yaml"
    cold = read_source_file(path, None).records            # parsed and validated
    warm = read_source_file(path, tmp_path / "cache").records  # from the parse cache
    again = read_source_file(path, tmp_path / "cache").records
    assert cold == warm == again == sorted(works, key=lambda w: w.id)
    assert all(isinstance(w, Obra) and w.amount.endswith(".1") for w in warm)
    assert "amount: '1.1'" in path.read_text("utf-8")
