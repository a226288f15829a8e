"""The `lobby` adapter over real HTTP: InfoLobby's export of Feb 2015 (all its
related tables, dirt included) becomes meetings with who attended and whom
they represented, trips and gifts. Expected values are computed here from the
files with plain, independent parsing of the columns each check needs."""

from __future__ import annotations

import csv
import io
import re
import shutil
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from harvest_helpers import FIXTURES, harvest, records, source_path

from aggregator import yamlio
from aggregator.adapters.lobby_register import PROFILES
from aggregator.config import ConfigError, parse_config

ROOT = Path(__file__).resolve().parent.parent
REGISTRY = ROOT / "content" / "data" / "institutions.yaml"
EXPORT = FIXTURES / "chile"
PREFIX = "infolobby_cplt_2015-02_"
TABLES = ["Audiencias", "AsistenciaPasivo", "Pasivos", "AsistenciaActivo", "Activos",
          "Representacion", "Entidad", "Viajes", "Donativos"]


def text(table: str) -> str:
    return (EXPORT / f"{PREFIX}{table}.csv").read_bytes().decode("cp1252", "replace")


def clean_rows(table: str) -> list[dict]:
    """The link tables and Activos have no dirt: the csv module reads them."""
    return list(csv.DictReader(io.StringIO(text(table), newline=""), delimiter=";"))


def serve(replay, overrides: dict | None = None) -> str:
    for table in TABLES:
        body = (overrides or {}).get(table) or (EXPORT / f"{PREFIX}{table}.csv")
        replay.add(f"/export/{table}.csv", body, content_type="text/csv")
    return replay.url + "/export/"


def with_registry(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir(parents=True, exist_ok=True)
    shutil.copy(REGISTRY, tmp_path / "data" / "institutions.yaml")


def lobby(url: str, **options) -> dict:
    return {"id": "infolobby", "adapter": "lobby", "url": url, "options": options}


@pytest.fixture(scope="module")
def harvested(tmp_path_factory):
    from devtools.replay import ReplayServer
    tmp = tmp_path_factory.mktemp("lobby")
    with_registry(tmp)
    with ReplayServer() as server:
        code, status = harvest(tmp, [lobby(serve(server))])
    return code, status, records(tmp, "infolobby")


def official_names() -> dict[str, str]:
    # IDPasivo, Nombre_Pasivo, Apellidos_Pasivo are the first columns: the ';' some
    # rows carry inside a later column does not move them.
    out = {}
    for line in text("Pasivos").split("\r\n")[1:]:
        f = line.split(";")
        if len(f) > 4 and f[0].isdigit():
            out[f[0]] = " ".join(f"{f[3]} {f[4]}".split())
    return out


def test_every_meeting_once_with_its_officials_lobbyists_and_entities(harvested):
    code, status, got = harvested
    st = status["sources"]["infolobby"]
    assert code == 0 and st["state"] == "ok" and st["failed_items"] == 0
    meetings = {r.remote_id.split("-", 1)[1]: r for r in got.values() if r.kind == "audiencia"}
    # A meeting starts a line with its id, commune code, institution and its code.
    starts = re.findall(r"(?m)^(\d+);\d+;[^;\r\n]*;([A-Z]{2}\d{3});", text("Audiencias"))
    assert set(meetings) == {m for m, _ in starts} and len(meetings) == 343
    assert status["unmatched"] == []         # every meeting's institution by its code
    names = official_names()
    officials: dict[str, set] = defaultdict(set)
    for row in clean_rows("AsistenciaPasivo"):
        officials[row["IDAudienciaReunion"]].add(names[row["IDPasivo"]])
    lobbyists = {r["IDActivo"]: (" ".join(f"{r['Nombre_Activo']} {r['Apellidos_Activo']}".split()),
                                 "lobbyist" if r["Remunerado"] == "True" else "manager")
                 for r in clean_rows("Activos")}
    others: dict[str, set] = defaultdict(set)
    attendance_of = {}
    for row in clean_rows("AsistenciaActivo"):
        attendance_of[row["IDAsistenciaActivo"]] = row["IDAudienciaReunion"]
        if row["IDActivo"]:
            others[row["IDAudienciaReunion"]].add(lobbyists[row["IDActivo"]])
    # Entidad's first columns (id, RUT) come before its unquoted commas.
    lines = text("Entidad").split("\r\n")[1:]
    ruts = {f[0]: f[1] or None for f in (line.split(",") for line in lines) if len(f) > 2}
    represented: dict[str, set] = defaultdict(set)
    for row in clean_rows("Representacion"):
        if row["IDEntidad_Representada"] in ruts:
            represented[attendance_of[row["IDAsistenciaActivo"]]].add(
                ruts[row["IDEntidad_Representada"]])
    with_people = with_entities = 0
    for mid, rec in meetings.items():
        assert {p["name"] for p in rec.persons if p["role"] == "official"} == officials[mid]
        assert {(p["name"], p["role"]) for p in rec.persons
                if p["role"] in ("lobbyist", "manager")} == others[mid]
        assert {o["tax_id"] for o in rec.organizations if o["role"] == "represented"} \
            == represented[mid]
        with_people += bool(officials[mid] or others[mid])
        with_entities += bool(represented[mid])
    assert with_people == 343 and with_entities > 100
    # Meeting 597: the minister, the lobbyists, and Pattern Chile with its RUT and giro.
    m = meetings["597"]
    assert m.persons[0] == {"name": "Maximo Jorge Pacheco Matte", "role": "official",
                            "position": "Ministro(a)"}
    assert m.organizations == [{"name": "Pattern Chile Development Holdings SpA",
                                "tax_id": "76321088k", "line_of_business":
                                "desarrollo proyectos ERNC", "role": "represented"}]
    assert m.institution == "subsecretaria-de-energia" and m.date == "2015-01-20"
    assert m.modality == "Presencial" and m.duration_minutes == 60
    assert m.url == "https://www.leylobby.gob.cl/instituciones/AU002/cargos-pasivos/421/audiencias"
    # Attendance of a meeting the export does not have: reported by its number.
    assert "447" not in meetings
    assert any("meeting 447: attendance of a meeting the audiences table does not have" in n
               for n in st["notes"])


def test_trips_and_gifts_per_official_as_the_export_has_them(harvested):
    _, _, got = harvested
    trips: dict[str, set] = defaultdict(set)
    for line in text("Viajes").split("\r\n")[1:]:
        f = line.split(";")
        if len(f) >= 16 and f[10].isdigit() and f[11].isdigit():
            trips[f[10]].add(f[11])
        elif len(f) == 11 and f[-5].isdigit():     # the tail of a record cut in two
            trips[f[-6]].add(f[-5])
    gifts: dict[str, set] = defaultdict(set)
    for official, gift in re.findall(r"(?ms)^(\d+);\d{4}-\d{2}-\d{2};.*?;[A-Z]{2}\d{3};(\d+)\r?$",
                                     text("Donativos")):
        gifts[official].add(gift)
    names = official_names()
    for kind, expected in (("viaje", trips), ("donativo", gifts)):
        by_official = Counter(r.persons[0]["name"] for r in got.values() if r.kind == kind)
        wanted = Counter()
        for official, ids in expected.items():
            wanted[names[official]] += len(ids)
        assert by_official == wanted and sum(wanted.values()) > 400
    assert sum(r.kind == "viaje" for r in got.values()) == 456
    assert sum(r.kind == "donativo" for r in got.values()) == 700


def test_a_trip_sums_its_distinct_cost_lines_and_says_who_paid(harvested):
    _, status, got = harvested
    trip = got["viaje-42"]    # two cost lines, each written once per reason
    assert trip.title == "Viaje a Región de Los Lagos" and trip.place == "Región de Los Lagos"
    assert (trip.date, trip.end) == ("2014-12-14", "2014-12-17")
    assert [c["amount"] for c in trip.costs] == [268099.0, 370172.0]
    assert trip.amount == trip.amount_declared == 638271.0 and trip.currency == "CLP"
    assert trip.paid_by == ["MINISTERIO PUBLICO"]
    assert trip.subjects == ["Relacionamiento institucional", "Visitas técnicas"]
    assert trip.persons[0]["name"] == "SABAS IVAN CHAHUAN SARRAS"
    # The register's own total and the sum of its lines disagree: both kept, reported.
    washington = got["viaje-186"]
    assert washington.amount == 383093.0 and washington.amount_declared == 5165.0
    note = next(n for n in status["sources"]["infolobby"]["notes"]
                if "do not add up to the declared total" in n)
    assert "trips 186," in note or ", 186," in note
    gift = got["donativo-686"]
    assert gift.title == "1 LIBRO" and gift.occasion == "CORTESÍA" and gift.date == "2015-01-28"
    assert gift.giver.startswith("Abdulla Mohammed Al-Maainah (Embajador")
    assert gift.persons == [{"name": "Luis Felipe Céspedes Cifuentes", "role": "official",
                             "position": "Ministro de Economía, Fomento y Turismo"}]


def test_rows_the_export_broke_are_repaired_or_reported_by_number(harvested):
    _, status, got = harvested
    notes = "\n".join(status["sources"]["infolobby"]["notes"])
    # Line breaks inside a field (bare LF), one UTF-8 line inside a Latin-1 file.
    m365 = got["audiencia-365"]
    assert m365.description_html.startswith('<p>Proyecto Reforma Laboral "Ley de Piso"<br>- ')
    assert '<br>- Revisar Art. Cuarto del Código del Trabajo<br>' in m365.description_html
    assert re.search(r"Audiencias\.csv: \d+ lines 19, 29, .*: line breaks inside a field", notes)
    # "?" written for a line break: back to a line break; real questions kept.
    places = {r.place for r in got.values() if r.place and "Morandé 59, piso 6" in r.place}
    assert "Sala Reuniones Ministro, Morandé 59, piso 6, 45 minutos de reunión audiencia" \
        in places
    assert not any("Ministro?Morandé" in (r.place or "") + (r.description_html or "")
                   for r in got.values())
    # An unquoted ';' glued back where the text goes on after it.
    assert "Gerente Forestal Mininco; José Muñoz" in got["audiencia-492"].description_html
    assert "Audiencias.csv: 6 lines 162, 205, 225, 245, 277, 322: unquoted ';'" in notes
    assert "Audiencias.csv: 2 lines 184, 273: 1 unquoted ';' that could not be placed" in notes
    # A trip whose cost detail had line breaks (a CRLF inside the field).
    assert got["viaje-18"].costs[0]["detail"] == "$1.100 peajes $3.999 gasto combustible"
    assert "Viajes.csv: 19 lines 114, 116, 136" in notes
    assert "Autores: Carolina Villagra" in got["donativo-6"].description_html
    assert "Donativos.csv: line 537: a record cut by line breaks, joined" in notes
    assert "Entidad.csv: line 115: 2 unquoted ',' that could not be placed" in notes
    assert re.search(r"Representacion\.csv: 273 lines 8, 9, 10, .*: names an entity missing "
                     r"from the entities table", notes)


def test_hostile_text_in_the_export_is_sanitized(replay, tmp_path):
    with_registry(tmp_path)
    rows = text("Audiencias").split("\r\n")
    rows.insert(2, "9001;13101;<b>SENADO</b>;NR005;Santiago;Presencial;2015-01-02 10:00:00;30;"
                   "<img src=x onerror=alert(1)>Sala;<script>alert(1)</script>Reunión "
                   "<a href=\"javascript:alert(1)\">x</a>;Ninguna")
    body = "\r\n".join(rows).encode("cp1252")
    code, _ = harvest(tmp_path, [lobby(serve(replay, {"Audiencias": body}))])
    rec = records(tmp_path, "infolobby")["audiencia-9001"]
    assert code == 0
    dumped = yamlio.dumps(rec.to_dict()).decode()
    assert "<script" not in dumped and "onerror" not in dumped and "javascript:" not in dumped
    assert rec.publisher == "SENADO" and rec.place.startswith("Sala")
    assert rec.institution == "senado"


def test_every_profile_column_is_one_the_export_documents(tmp_path):
    """The InfoLobby profile maps fields to the columns of DefinicionColumnas.csv;
    the one the dictionary misspells is checked against the file's header."""
    defined: dict[str, set] = defaultdict(set)
    for line in text("DefinicionColumnas").split("\r\n")[1:]:
        if line.count(".") >= 2:
            table, column, _ = line.split(".", 2)
            defined[table].add(column)
    profile = yamlio.load_file(PROFILES / "infolobby.yaml")
    file_table = {"Activos": "Activo"}
    checked = 0
    for spec in profile["tables"].values():
        stem = spec["file"].removesuffix(".csv")
        header = text(stem).split("\r\n", 1)[0]
        documented = {c.lower() for c in defined[file_table.get(stem, stem)]}
        for column in spec["columns"].values():
            assert column in header, (stem, column)
            assert column.lower() in documented or (stem, column) == (
                "Viajes", "Nombre_FinancistaViajeEntidad"), (stem, column)
            checked += 1
    assert checked >= 60


@pytest.mark.parametrize("options, message", [
    ({"files": {"reuniones": "x.csv"}}, "files: unknown table 'reuniones'"),
    ({"columns": {"audiences": {"lugar": "Lugar"}}}, "table 'audiences' has no field 'lugar'"),
    ({"files": {"audiences": None}}, "needs an audiences file"),
    ({"profile": "no-such-profile"}, "profile 'no-such-profile'"),
    ({"url_template": "https://x.cl/{nada}"}, "url_template: unknown field {nada}"),
])
def test_configuration_errors_name_the_option(options, message):
    entry = lobby("https://example.org/export/", **options)
    with pytest.raises(ConfigError) as err:
        parse_config({"sources": [entry]})
    assert message in str(err.value)


def test_a_missing_column_fails_the_source_naming_file_and_column(replay, tmp_path):
    with_registry(tmp_path)
    code, _ = harvest(tmp_path, [lobby(serve(replay))])
    before = source_path(tmp_path, "infolobby").read_bytes()
    renamed = text("Pasivos").replace("Nombre_Pasivo", "NombrePasivo", 1).encode("cp1252")
    replay.add("/export/Pasivos.csv", renamed, content_type="text/csv")
    code, status = harvest(tmp_path, [lobby(replay.url + "/export/")])
    err = status["sources"]["infolobby"]["error"]
    assert code == 3 and "Pasivos.csv: missing column(s) Nombre_Pasivo" in err
    assert source_path(tmp_path, "infolobby").read_bytes() == before


def test_an_export_folder_without_trips_or_gifts_still_gives_the_meetings(replay, tmp_path):
    with_registry(tmp_path)
    code, _status = harvest(tmp_path, [lobby(serve(replay),
                                            files={"trips": None, "gifts": None})])
    kinds = Counter(r.kind for r in records(tmp_path, "infolobby").values())
    assert code == 0 and kinds == {"audiencia": 343}
    assert not [r for r in replay.requests if "Viajes" in r.path or "Donativos" in r.path]
