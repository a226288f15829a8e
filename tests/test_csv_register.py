"""The `csv` adapter over real HTTP: the real InfoLobby export (UTF-8 and
Latin-1), the participation listing, column mapping, and the clear failures."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pytest
from harvest_helpers import FIXTURES, harvest, records, source_path

from aggregator.config import ConfigError, parse_config

ROOT = Path(__file__).resolve().parent.parent
REGISTRY = ROOT / "content" / "data" / "institutions.yaml"
LOBBY = FIXTURES / "transparency" / "infolobby_audiencias_export_2015.csv"
PARTICIPATION = FIXTURES / "participation" / "participacion_consultas_ejemplo.csv"


def with_registry(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir(parents=True, exist_ok=True)
    shutil.copy(REGISTRY, tmp_path / "data" / "institutions.yaml")


def csv_source(url: str, sid: str = "lobby", **options) -> dict:
    return {"id": sid, "adapter": "csv", "url": url, "options": options}


def lobby_rows() -> list[dict]:
    text = LOBBY.read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text, newline=""), delimiter=";"))


def test_infolobby_export_becomes_lobby_meetings_tied_to_the_registry(replay, tmp_path):
    with_registry(tmp_path)
    replay.add("/Audiencias.csv", LOBBY, content_type="text/csv")
    code, status = harvest(tmp_path, [csv_source(replay.url + "/Audiencias.csv")])
    st = status["sources"]["lobby"]
    got = records(tmp_path, "lobby")
    rows = lobby_rows()
    assert code == 0 and st["state"] == "ok" and st["failed_items"] == 0
    # One record per meeting: the export repeats a meeting once per subject.
    assert len(got) == len({r["IDAudienciaReunion"] for r in rows}) < len(rows)
    assert status["unmatched"] == []
    codes = {}
    for line in REGISTRY.read_text(encoding="utf-8").split("\n- id: ")[1:]:
        iid = line.split("\n", 1)[0]
        for field in line.split("\n"):
            if field.strip().startswith("cplt_code:"):
                codes[field.split(":", 1)[1].strip()] = iid
    for row in rows:
        rec = got[row["IDAudienciaReunion"]]
        assert rec.TYPE == "transparency" and rec.kind == "audiencia"
        assert rec.institution == codes[row["IDORPortal_Institucion"]]
        assert rec.publisher == row["Nombre_Institucion"].strip()
        code = row["IDORPortal_Institucion"]
        assert rec.url == f"https://www.leylobby.gob.cl/instituciones/{code}"
        assert rec.date and rec.date[:10] == row["FechaInicio_Audiencia"][:10]
    first = got["1"]
    assert first.institution == "carabineros-de-chile" and first.date == "2014-12-16"
    assert first.place == "Avenida Libertador Bernardo O´Higgins 1196, Piso 9, Santiago"
    assert first.title.startswith("Se dieron a conocer los servicios de seguridad TI")
    # Meeting 538 was written three times, once per subject: all three are kept.
    subjects = {r["Descripcion_Materia"] for r in rows if r["IDAudienciaReunion"] == "538"}
    assert len(subjects) == 3
    assert all(s.split(",")[0] in got["538"].description_html for s in subjects)


def test_unquoted_delimiter_inside_the_text_loses_nothing(replay, tmp_path):
    replay.add("/a.csv", LOBBY, content_type="text/csv")
    code, status = harvest(tmp_path, [csv_source(replay.url + "/a.csv")])
    rec = records(tmp_path, "lobby")["492"]
    assert code == 0
    # The observation holds a bare ';': glued back, and the subject stays the subject.
    assert "Gerente Forestal Mininco; José Muñoz, Gerente de Producción" in rec.description_html
    assert "Diseño, implementación y evaluación de políticas" in rec.description_html
    assert not any("ignored" in n for n in status["sources"]["lobby"]["notes"])


@pytest.mark.parametrize("content_type", ["text/csv", "text/csv; charset=ISO-8859-1",
                                          "application/octet-stream"])
def test_latin1_export_gives_the_same_records(replay, tmp_path, content_type):
    latin1 = LOBBY.read_text(encoding="utf-8").encode("cp1252")
    replay.add("/utf8.csv", LOBBY, content_type="text/csv")
    replay.add("/latin1.csv", latin1, content_type=content_type)
    code, _ = harvest(tmp_path, [csv_source(replay.url + "/utf8.csv", "a"),
                                 csv_source(replay.url + "/latin1.csv", "b")])
    a, b = records(tmp_path, "a"), records(tmp_path, "b")
    assert code == 0 and len(a) == len(b) > 300
    strip = lambda r: {k: v for k, v in r.to_dict().items() if k not in ("id", "source")}
    assert all(strip(a[k]) == strip(b[k]) for k in a)
    assert "Fiscalía" in " ".join(r.place or "" for r in b.values())


def test_wrong_delimiter_fails_naming_the_columns(replay, tmp_path):
    replay.add("/a.csv", LOBBY, content_type="text/csv")
    code, status = harvest(tmp_path, [csv_source(replay.url + "/a.csv", delimiter=",")])
    st = status["sources"]["lobby"]
    assert code == 3 and st["state"] == "failed"
    assert "missing column(s) IDAudienciaReunion, FechaInicio_Audiencia" in st["error"]
    assert "looks ';'-separated, not ','" in st["error"]


def test_missing_columns_fail_with_their_names_and_keep_last_good_data(replay, tmp_path):
    replay.add("/a.csv", LOBBY, content_type="text/csv")
    harvest(tmp_path, [csv_source(replay.url + "/a.csv")])
    before = source_path(tmp_path, "lobby").read_bytes()
    lines = LOBBY.read_text(encoding="utf-8").splitlines()
    header = lines[0].replace("FechaInicio_Audiencia", "Fecha").replace(
        "Lugar_Audiencia", "Lugar")
    replay.add("/a.csv", "\n".join([header, *lines[1:]]), content_type="text/csv")
    code, status = harvest(tmp_path, [csv_source(replay.url + "/a.csv")])
    err = status["sources"]["lobby"]["error"]
    assert code == 3 and "missing column(s) FechaInicio_Audiencia, Lugar_Audiencia" in err
    assert "Fecha" in err  # what was found instead
    assert source_path(tmp_path, "lobby").read_bytes() == before


def test_another_register_fits_by_column_mapping(replay, tmp_path):
    with_registry(tmp_path)
    register = (
        "Código;Organismo;Fecha;Asunto;Asistentes;Representa;Enlace\n"
        "V-1;SUBSECRETARIA DE OBRAS PUBLICAS;05/03/2015 10:30;Concesión vial;"
        "Ana Pérez | Luis Soto;Constructora Uno|Gremio Dos;https://registro.example.org/v/1\n"
        "V-2;Servicio Electoral (SERVEL);06/03/2015;Padrón;;;/v/2\n"
        "V-3;Municipalidad de Ninguna Parte;07/03/2015;Otro asunto;;;\n")
    replay.add("/reg.csv", register.encode("cp1252"), content_type="text/csv")
    columns = {"id": "Código", "date": "Fecha", "title": "Asunto", "description": "Asunto",
               "publisher": "Organismo", "institution_code": None, "place": None,
               "persons": "Asistentes", "organizations": "Representa", "url": "Enlace"}
    code, status = harvest(tmp_path, [csv_source(replay.url + "/reg.csv", "reg",
                                                 columns=columns, kind="reunión",
                                                 url_template=None)])
    got = records(tmp_path, "reg")
    assert code == 0 and sorted(got) == ["V-1", "V-2", "V-3"]
    one = got["V-1"]
    # A register that names people without their role: names only.
    assert one.persons == [{"name": "Ana Pérez", "role": None, "position": None},
                           {"name": "Luis Soto", "role": None, "position": None}]
    assert [o["name"] for o in one.organizations] == ["Constructora Uno", "Gremio Dos"]
    assert one.organizations[0]["tax_id"] is None
    assert one.date == "2015-03-05T10:30:00" and got["V-2"].date == "2015-03-06"
    assert one.kind == "reunión" and one.institution == "subsecretaria-de-obras-publicas"
    assert got["V-2"].institution == "servicio-electoral"
    assert got["V-2"].url == replay.url + "/v/2"  # relative link resolved
    assert got["V-3"].institution is None and got["V-3"].url is None
    assert status["unmatched"] == [{"name": "Municipalidad de Ninguna Parte", "count": 1,
                                    "sources": ["reg"]}]


def test_participation_listing_becomes_consultations(replay, tmp_path):
    with_registry(tmp_path)
    replay.add("/p.csv", PARTICIPATION, content_type="text/csv; charset=utf-8")
    code, status = harvest(tmp_path, [csv_source(replay.url + "/p.csv", "part",
                                                 record_type="consultation")])
    rows = list(csv.DictReader(PARTICIPATION.open(encoding="utf-8", newline="")))
    got = {r.url: r for r in records(tmp_path, "part").values()}
    assert code == 0 and len(got) == len(rows) and status["unmatched"] == []
    want = {"Ministerio del Medio Ambiente": "ministerio-del-medio-ambiente",
            "SUBSECRETARIA DE OBRAS PUBLICAS": "subsecretaria-de-obras-publicas",
            "MINSAL": "ministerio-de-salud",
            "Consejo para la Transparencia": "consejo-para-la-transparencia"}
    for row in rows:
        rec = got[row["url"]]
        assert rec.TYPE == "consultation" and rec.kind == "consulta pública"
        assert rec.title == row["title"] and rec.publisher == row["institution"]
        assert rec.institution == want[row["institution"]]
        assert rec.start and rec.end and rec.start < rec.end
    assert got["https://example.org/participacion/reglamento-transparencia-activa"].start \
        == "2026-10-20"  # written 20/10/2026


HOSTILE = (
    "title,url,institution,start,end,description\n"
    "\"<script>alert(1)</script>Consulta <b onmouseover=alert(2)>A</b>\","
    "javascript:alert(3),MINSAL,2026-01-01,2026-02-01,"
    "\"<img src=x onerror=alert(4)><iframe src=https://evil.example></iframe>Texto\"\n"
    "Consulta B,&#106;avascript:alert(5),MINSAL,2026-01-01,2026-02-01,"
    "<svg onload=alert(6)><style>*{}</style><form><meta><base href=https://evil.example>\n"
    "Consulta C,\"jav\tascript:alert(7)\",MINSAL,bad date,2026-02-01,ok\n")


def test_hostile_cells_are_neutralized(replay, tmp_path):
    replay.add("/h.csv", HOSTILE, content_type="text/csv")
    code, status = harvest(tmp_path, [csv_source(replay.url + "/h.csv", "h",
                                                 record_type="consultation")])
    text = source_path(tmp_path, "h").read_text(encoding="utf-8")
    assert code == 0 and len(records(tmp_path, "h")) == 3
    for bad in ("<script", "onerror", "onmouseover", "onload", "<iframe", "<svg", "<style",
                "<form", "<meta", "<base", "javascript:", "evil.example", "<b "):
        assert bad not in text, bad
    titles = sorted(r.title for r in records(tmp_path, "h").values())
    assert titles == ["Consulta A", "Consulta B", "Consulta C"]
    assert all(r.url is None for r in records(tmp_path, "h").values())
    notes = status["sources"]["h"]["notes"]
    assert any("unreadable start 'bad date'" in n for n in notes)


def test_html_page_instead_of_csv_fails(replay, tmp_path):
    replay.add("/a.csv", b"<!DOCTYPE html><html><body>Mantenimiento</body></html>",
               content_type="text/html")
    code, status = harvest(tmp_path, [csv_source(replay.url + "/a.csv")])
    assert code == 3 and "HTML page, not a CSV" in status["sources"]["lobby"]["error"]


def test_rows_without_id_or_title_are_failed_items_not_a_failed_source(replay, tmp_path):
    lines = LOBBY.read_text(encoding="utf-8").splitlines()
    broken = lines[1].split(";")
    broken[0] = ""  # no IDAudienciaReunion
    replay.add("/a.csv", "\n".join([lines[0], ";".join(broken), *lines[2:6]]),
               content_type="text/csv")
    code, status = harvest(tmp_path, [csv_source(replay.url + "/a.csv")])
    st = status["sources"]["lobby"]
    assert code == 0 and st["records"] == 4 and st["failed_items"] == 1
    assert any("no identifier in column 'IDAudienciaReunion'" in n for n in st["notes"])


@pytest.mark.parametrize("options, message", [
    ({"columns": {"asistentes": "X"}}, "unknown field 'asistentes'"),
    ({"columns": {"title": 3}}, "must be a column name"),
    ({"columns": {"title": None}}, "'title' must name a column"),
    ({"record_type": "dataset"}, "record_type must be one of"),
    ({"delimiter": ";;"}, "one character"),
    ({"encoding": "klingon"}, "unknown encoding"),
])
def test_bad_options_are_configuration_errors(options, message):
    with pytest.raises(ConfigError, match=message):
        parse_config({"sources": [csv_source("https://e.cl/a.csv", **options)]})
