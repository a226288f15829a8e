"""Public works through the `csv` adapter over real HTTP (replay server): the real
BA Obras export (Latin-1, `;`, 1,525 works, messy values), an earlier release of
it, JSON arrays, the stage mapping, and the clear failures."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from harvest_helpers import FIXTURES, Clock, harvest, records, source_path

from aggregator import yamlio
from aggregator.config import ConfigError, parse_config
from aggregator.records_obras import STAGES

ROOT = Path(__file__).resolve().parent.parent
BA = FIXTURES / "obras" / "obras_ba_observatorio_obras_urbanas.csv"
BA_2022 = FIXTURES / "obras" / "obras_ba_observatorio_obras_urbanas_2022.csv"
MANIFEST = ROOT / "devtools" / "snapshot" / "obras.yaml"


def ba_options(**extra) -> dict:
    """The bundled snapshot's options for BA Obras (devtools/snapshot/obras.yaml)."""
    entry = yamlio.load_file(MANIFEST)["sources"][0]
    options = json.loads(json.dumps(entry["options"]))
    options.update(extra)
    return options


def source(url: str, sid: str = "ba", **options) -> dict:
    return {"id": sid, "adapter": "csv", "url": url, "options": options}


def rows_with_lines(path: Path, encoding: str = "latin-1") -> list[tuple[int, dict]]:
    """(line where the row starts, row) of every data row, read independently."""
    text = path.read_bytes().decode(encoding).lstrip("\ufeff")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=";")
    header = next(reader)
    out, end = [], reader.line_num
    for values in reader:
        start, end = end + 1, reader.line_num
        out.append((start, dict(zip(header, values))))
    return out


def with_registry(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "content" / "data" / "institutions.yaml",
                tmp_path / "data" / "institutions.yaml")


def line_numbers(note: str) -> list[int]:
    return [int(n) for n in re.findall(r"\d+", note.rsplit("line", 1)[1])]


def test_every_row_of_the_real_export_is_a_work_or_reported(replay, tmp_path):
    with_registry(tmp_path)
    replay.add("/obras.csv", BA, content_type="text/csv")
    code, status = harvest(tmp_path, [source(replay.url + "/obras.csv", **ba_options())])
    st, got = status["sources"]["ba"], records(tmp_path, "ba")
    rows = rows_with_lines(BA)
    assert code == 0 and st["state"] == "ok" and len(rows) == 1525
    # Every row is a work, or a failed item named by its line (none in this file).
    assert len(got) + st["failed_items"] == len(rows) and st["failed_items"] == 0
    assert sorted(got, key=int) == [row["id"] for _line, row in rows]
    # Every value the adapter had to guess or drop is reported with its rows' lines.
    starts = {line: row for line, row in rows}
    assert st["warnings"] == len(st["notes"]) >= 10
    for note in st["notes"]:
        assert re.search(r": \d+ rows?, lines? \d+", note), note
        assert set(line_numbers(note)) <= set(starts), note
    unknown = next(n for n in st["notes"] if n.startswith("status:"))
    assert "'Finalizada/desestimada' not in the stage mapping" in unknown
    assert {starts[n]["etapa"] for n in line_numbers(unknown)} == {"Finalizada/desestimada"}
    swapped = next(n for n in st["notes"] if "swapped" in n)
    [line] = line_numbers(swapped)
    work = got[starts[line]["id"]]
    assert (work.lat, work.lon) == (-34.634074747905, -58.374842011722)
    # Every work is tied to a city area of the registry, none to a Chilean ministry.
    assert status["unmatched"] == []
    assert {r.institution for r in got.values()} == {
        f"ar-caba-{s}" for s in (
            "ministerio-de-cultura", "ministerio-de-desarrollo-humano-y-habitat",
            "ministerio-de-educacion", "ministerio-de-espacio-publico-e-higiene-urbana",
            "ministerio-de-justicia-y-seguridad", "ministerio-de-salud",
            "secretaria-de-transporte-y-obras-publicas", "subsecretaria-de-gestion-comunal",
            "instituto-de-la-vivienda", "corporacion-buenos-aires-sur")}


def test_real_export_stages_amounts_and_places(replay, tmp_path):
    replay.add("/obras.csv", BA, content_type="text/csv")
    harvest(tmp_path, [source(replay.url + "/obras.csv", **ba_options())])
    got = records(tmp_path, "ba")
    first = got["1"]
    assert first.title == 'Escuela de Educación Primaria N.° 24 D.E. 15 "Francisco Morazán" - ' \
                          'Siglo XXI'
    assert (first.stage, first.status, first.progress) == ("finished", "Finalizada", 100)
    assert (first.amount, first.currency) == ("67065700", "ARS")
    assert (first.lat, first.lon) == (-34.56715312, -58.47923657)
    assert (first.region, first.commune) == ("Comuna 12", "Villa Urquiza")
    assert (first.start, first.end_planned) == ("2013-12-01", "2016-05-31")
    assert first.image == "https://cdn.buenosaires.gob.ar/datosabiertos/datasets/ba-obras/fotos/1.jpg"
    # Latin-1 with soft hyphens from an earlier double encoding: read as written.
    assert got["2"].publisher == \
        "Secretaría de Transporte y Obras Públicas (Ciudad de Buenos Aires)"
    # Amounts in four spellings, all exact.
    assert got["1180"].amount == "7500000" and got["1181"].amount == "7401429.24"
    assert got["1129"].amount == "638976998" and got["1395"].amount == "117280000"
    assert got["1399"].amount == "1523334227.35"
    # Progress with a decimal comma or point.
    assert {r.progress for r in got.values()} >= {74.27, 83.06, 0.5}
    counts = {s: sum(1 for r in got.values() if r.stage == s) for s in STAGES}
    assert counts == {"planned": 14, "in_progress": 91, "finished": 1391, "stopped": 26,
                      "unknown": 3}
    # The stage follows the source's words as the documented defaults map them.
    words = {}
    for r in got.values():
        words.setdefault(r.status.strip().lower(), set()).add(r.stage)
    assert words["finalizada"] == {"finished"} and words["en obra"] == {"in_progress"}
    assert words["desestimada"] == {"stopped"} and words["adjudicada"] == {"planned"}


def test_amounts_stay_exact_text_and_total_without_float_drift(replay, tmp_path):
    replay.add("/obras.csv", BA, content_type="text/csv")
    harvest(tmp_path, [source(replay.url + "/obras.csv", **ba_options())])
    text = source_path(tmp_path, "ba").read_text("utf-8")
    amounts = re.findall(r"^  amount: (.*)$", text, re.MULTILINE)
    assert len(amounts) == 1525
    assert all(a == "null" or re.fullmatch(r"'\d+(\.\d+)?'", a) for a in amounts)
    got = records(tmp_path, "ba").values()
    total = sum((Decimal(r.amount) for r in got if r.amount), Decimal(0))
    cents = sum(int(Decimal(r.amount) * 100) for r in got if r.amount)
    assert total == Decimal(cents) / 100 == Decimal("106337522987.47")


def test_the_stage_mapping_is_configurable(replay, tmp_path):
    replay.add("/obras.csv", BA, content_type="text/csv")
    code, status = harvest(tmp_path, [source(
        replay.url + "/obras.csv",
        **ba_options(stages={"Finalizada/desestimada": "finished", "Neutralizada": "planned"}))])
    got = records(tmp_path, "ba").values()
    assert code == 0 and not any(n.startswith("status:") for n in status["sources"]["ba"]["notes"])
    assert sum(1 for r in got if r.stage == "unknown") == 0
    assert {r.stage for r in got if r.status == "Neutralizada"} == {"planned"}
    assert {r.stage for r in got if r.status == "Finalizada/desestimada"} == {"finished"}


def test_an_earlier_release_then_the_current_one(replay, tmp_path):
    """Two real releases of the same register: the earlier one (UTF-8 with a BOM and
    mojibake, header `ID`) reads as cleanly; the second harvest adds the new works.
    The city renumbered its works between them, so the same id often names another
    work: the reason the bundled snapshot does not present them as one history."""
    clock = Clock()
    old = ba_options()
    old["columns"] = {**old["columns"], "id": "ID"}     # the earlier header says ID
    replay.add("/obras.csv", BA_2022, content_type="text/csv")
    code, status = harvest(tmp_path, [source(replay.url + "/obras.csv", **old)], now=clock)
    before = records(tmp_path, "ba")
    assert code == 0 and len(before) == 1308 and status["sources"]["ba"]["failed_items"] == 0
    assert before["1"].title.startswith("Escuela de Educación Primaria N.° 24")   # repaired
    assert not any("Ã" in (r.title + (r.description or "")) for r in before.values())
    replay.add("/obras.csv", BA, content_type="text/csv")
    code, status = harvest(tmp_path, [source(replay.url + "/obras.csv", **ba_options())],
                           now=clock)
    st, after = status["sources"]["ba"], records(tmp_path, "ba")
    assert code == 0 and st["added"] == 1525 - 1308 and st["removed"] == 0
    assert st["updated"] > 900
    same_work = sum(1 for k in before if before[k].title == after[k].title)
    assert 300 < same_work < 400            # the rest of the ids name other works now
    assert before["1"].title == after["1"].title
    assert before["1002"].title.startswith("Centro Penitenciario Federal VII")
    assert after["1002"].title.startswith("Barrio 31: Cristo Obrero")


def test_a_json_array_gives_the_same_works_as_the_csv(replay, tmp_path):
    rows = [row for _line, row in rows_with_lines(BA)[:30]]
    replay.add("/obras.csv", BA, content_type="text/csv")
    replay.add("/obras.json", json.dumps(rows, ensure_ascii=False).encode("utf-8"),
               content_type="application/json")
    options = ba_options()
    code, _ = harvest(tmp_path, [source(replay.url + "/obras.csv", "a", **options),
                                 source(replay.url + "/obras.json", "b", **options)])
    a, b = records(tmp_path, "a"), records(tmp_path, "b")
    assert code == 0 and len(b) == 30
    strip = lambda r: {k: v for k, v in r.to_dict().items() if k not in ("id", "source")}
    assert all(strip(a[k]) == strip(b[k]) for k in b)


def test_duplicate_ids_and_rows_without_title_are_rejected_with_their_line(replay, tmp_path):
    text = ("id;nombre;etapa;monto\n"
            "1;Plaza;Finalizada;1.000\n"
            "2;;En obra;5\n"
            "1;\"Plaza\nrepetida\";En obra;7\n"
            "3;Puente;Rara;-4\n")
    replay.add("/o.csv", text.encode("cp1252"), content_type="text/csv")
    code, status = harvest(tmp_path, [source(replay.url + "/o.csv", record_type="obra",
                                             columns={"title": "nombre", "status": "etapa",
                                                      "amount": "monto"})])
    st, got = status["sources"]["ba"], records(tmp_path, "ba")
    assert code == 0 and sorted(got) == ["1", "3"] and st["failed_items"] == 2
    notes = st["notes"]
    assert any("line 3: no title in column(s) nombre" in n for n in notes)
    assert any("line 4: id '1' already used on line 2" in n for n in notes)
    assert any(n.startswith("amount: negative amount") and n.endswith("line 6") for n in notes)
    assert any(n.startswith("status: 'Rara' not in the stage mapping") for n in notes)
    assert got["1"].amount == "1000" and got["3"].amount is None and got["3"].stage == "unknown"


HOSTILE = ("id,title,status,url,image,description,contractor\n"
           "1,\"<script>alert(1)</script>Obra <b onmouseover=alert(2)>A</b>\",En obra,"
           "javascript:alert(3),javascript:alert(4),\"<img src=x onerror=alert(5)>Texto\","
           "<iframe src=https://evil.example></iframe>Empresa\n")


def test_hostile_cells_are_neutralized(replay, tmp_path):
    replay.add("/h.csv", HOSTILE, content_type="text/csv")
    code, _ = harvest(tmp_path, [source(replay.url + "/h.csv", record_type="obra")])
    text = source_path(tmp_path, "ba").read_text("utf-8")
    work = records(tmp_path, "ba")["1"]
    assert code == 0 and work.title == "Obra A" and work.stage == "in_progress"
    assert work.url is None and work.image is None and work.description == "Texto"
    for bad in ("<script", "onerror", "onmouseover", "<iframe", "javascript:", "evil.example"):
        assert bad not in text, bad


def test_a_file_without_the_id_column_fails_clearly(replay, tmp_path):
    replay.add("/o.csv", "nombre;etapa\nPlaza;Finalizada\n", content_type="text/csv")
    code, status = harvest(tmp_path, [source(replay.url + "/o.csv", record_type="obra",
                                             columns={"title": "nombre"})])
    assert code == 3 and "public works need an identifier" in status["sources"]["ba"]["error"]


@pytest.mark.parametrize("options, message", [
    ({"stages": {"Terminada": "done"}}, "stages: 'Terminada' must map to one of"),
    ({"bounds": [-58, -34]}, "bounds must be"),
    ({"bounds": [-58.3, -34.75, -58.6, -34.5]}, "west < east"),
    ({"columns": {"region": "Comuna {comuna"}}, "bad template"),
    ({"columns": {"progreso": "x"}}, "unknown field 'progreso'"),
    ({"currency": 3}, "option .currency. must be text"),
])
def test_bad_obra_options_are_configuration_errors(options, message):
    with pytest.raises(ConfigError, match=message):
        parse_config({"sources": [source("https://e.cl/o.csv", record_type="obra", **options)]})
