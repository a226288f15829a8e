"""Repairs of dirty delimited exports (aggregator/csv_repair.py), on the real
rows of InfoLobby's export that need them."""

from __future__ import annotations

import io

from harvest_helpers import FIXTURES

from aggregator.csv_repair import REPORT_LINES, DirtyCsv, RowReport, decode_line, unbreak

EXPORT = FIXTURES / "chile"


def raw_lines(table: str) -> list[bytes]:
    """Physical lines (1-based index: raw_lines(t)[n - 1] is line n), endings kept."""
    return (EXPORT / f"infolobby_cplt_2015-02_{table}.csv").read_bytes().splitlines(True)


def read(table: str, **kw) -> tuple[DirtyCsv, dict[int, list[str]], RowReport]:
    report = RowReport()
    with open(EXPORT / f"infolobby_cplt_2015-02_{table}.csv", "rb") as f:
        t = DirtyCsv(f, f"{table}.csv", report, quoting=False, **kw)
        rows = dict(t.rows())
    return t, rows, report


def test_each_line_is_decoded_in_its_own_encoding():
    lines = raw_lines("Audiencias")
    assert b"C\xc3\xb3digo" in lines[20]            # UTF-8 inside a Latin-1 file
    assert decode_line(lines[20]).startswith("- Revisar Art. Cuarto del Código del Trabajo")
    assert "vinculación de enlaces" in decode_line(lines[1])          # Latin-1
    # One line with both: UTF-8 bytes and a Latin-1 "í"; nothing is guessed where
    # the bytes make no sense ("ÿ³" stays as the file has it).
    mixed = decode_line(raw_lines("Entidad")[337])
    assert "Con personalidad jurídica" in mixed and "Gestiÿ³n Social" in mixed
    # The same line read as Latin-1 and written as UTF-8 again (double-encoded).
    twice = lines[20].decode("latin-1").encode("utf-8")
    assert b"C\xc3\x83\xc2\xb3digo" in twice
    assert decode_line(twice) == decode_line(lines[20])
    # Windows-1252 quotes and bullets, and a soft hyphen splitting a word.
    assert "“Aeropuerto Internacional" in decode_line(
        next(line for line in lines if b"\x93Aeropuerto" in line))
    assert decode_line(lines[33]).strip() == "4.- Ingreso Mínimo Docente"


def test_question_marks_written_for_line_breaks_become_line_breaks():
    _, rows, _ = read("Audiencias", text=["Lugar_Audiencia", "ObservacionesMateria_Audiencia"])
    by_id = {v[0]: v for v in rows.values()}
    place = next(v[8] for v in by_id.values() if v[8].startswith("Sala Reuniones Ministro."))
    assert place == "Sala Reuniones Ministro.\nMorandé 59, piso 6\n45 minutos de reunión audiencia."
    graneros = next(v[9] for v in by_id.values() if "Comuna de Graneros" in v[9])
    assert "Graneros:\n• Terrenos\n• Boulevard\n" in graneros
    # Real questions, links and a sentence's own "?" stay.
    assert unbreak("¿Cuándo se vota?Luego") == "¿Cuándo se vota?Luego"
    assert unbreak("Ver http://www.camara.cl/a.aspx?spaid=61 hoy") == \
        "Ver http://www.camara.cl/a.aspx?spaid=61 hoy"
    assert unbreak("Tiene dudas? Escriba") == "Tiene dudas? Escriba"
    assert unbreak("que plantean.??El sistema") == "que plantean.\n\nEl sistema"


def test_records_cut_by_line_breaks_are_joined_and_reported():
    t, rows, report = read("Viajes", overflow="Otro_ObjetoViaje")
    joined = rows[114]                       # lines 114 and 115 of the file
    assert len(joined) == t.width == 16
    assert joined[t.col("OtroTipo_DesgloseViaje")] == "$1.100 peajes\n$3.999 gasto combustible"
    assert joined[t.col("IDViaje_CodigoViaje")] == "18" and 115 not in rows
    long = rows[705]                         # seven lines
    assert long[t.col("OtroTipo_DesgloseViaje")].count("\n") == 6
    assert report.rows("Viajes.csv", "cut by line breaks")[:3] == [114, 116, 136]
    # Bare LF inside a field of a CRLF file (Audiencias, line 19).
    _, rows, report = read("Audiencias")
    assert rows[19][9].split("\n")[1] == "- Solicitud de Legislar Ley de Piso- "
    assert 20 not in rows and 19 in report.rows("Audiencias.csv", "bare LF")


def test_unquoted_delimiters_are_glued_back_where_the_text_goes_on():
    t, rows, report = read("Entidad", overflow="domicilio")
    azerta = rows[3]
    assert len(azerta) == 14
    assert azerta[t.col("domicilio")] == "Américo Vespucio 1561, piso 6"
    assert azerta[t.col("giro")] == "Asesorías comunicacionales y Asuntos Públicos"
    assert azerta[t.col("actividades")].startswith("Minería, energía, retail")
    assert azerta[t.col("idportal")] == "BA001" and azerta[t.col("remunerado")] == "True"
    # No space after the commas: placed in the overflow column, and said so.
    solar = rows[454]
    assert solar[t.col("domicilio")] == "Presidente Batlle y Ordoñez 3784,Ñuñoa, Santiago de Chile"
    assert solar[t.col("giro")] == "Servicios de Ingeniería y Generación de Energía Eléctrica"
    assert 454 in report.rows("Entidad.csv", "could not be placed")
    assert len(report.rows("Entidad.csv", "glued back")) == 344
    assert all(len(v) == 14 for v in rows.values()) and len(rows) == 587


def test_short_rows_are_padded_and_quoted_csv_still_works():
    header = raw_lines("AsistenciaActivo")[0]
    body = header + b";162;1\r\n2;;1;2\r\n"            # a row that lost its last value
    report = RowReport()
    t = DirtyCsv(io.BytesIO(body), "a.csv", report, quoting=False)
    assert list(t.rows()) == [(2, ["", "162", "1", ""]), (3, ["2", "", "1", "2"])]
    assert report.rows("a.csv", "fewer values") == [2]
    quoted = b'id,texto,fin\r\n1,"uno, dos\r\ntres",x\r\n2,"cuatro ""5""",y\r\n'
    t = DirtyCsv(io.BytesIO(quoted), "q.csv", RowReport(), quoting=True)
    assert list(t.rows()) == [(2, ["1", "uno, dos\ntres", "x"]), (4, ["2", 'cuatro "5"', "y"])]


def test_the_report_names_every_line_up_to_a_bound():
    report = RowReport()
    for n in range(2, REPORT_LINES + 12):
        report.add("x.csv", n, "a problem")
    report.add("x.csv", "7", "another", unit="meeting")
    first, second = report.messages()
    assert first.startswith(f"x.csv: {REPORT_LINES + 10} lines 2, 3, 4, ")
    assert first.endswith(f"{REPORT_LINES + 1} and 10 more: a problem")
    assert second == "x.csv: meeting 7: another"
    assert report.count("x.csv") == REPORT_LINES + 11


def test_a_copy_without_its_header_row_takes_the_profiles_columns():
    """The export re-published on 2015-02-06 lost AsistenciaPasivo.csv's header: its
    first line ("2;80319") is data, read and reported; with a header the list is
    ignored."""
    path = EXPORT / "infolobby_cplt_2015-02-06_AsistenciaPasivo.csv"
    lines = path.read_bytes().split(b"\r\n")
    assert lines[0] == b"2;80319"
    header = ["IDAudienciaReunion", "IDPasivo"]
    report = RowReport()
    with open(path, "rb") as f:
        t = DirtyCsv(f, "AsistenciaPasivo.csv", report, quoting=False, header=header)
        rows = list(t.rows())
    assert t.header == header and t.col("IDPasivo") == 1
    assert rows[0] == (1, ["2", "80319"])
    assert len(rows) == len([x for x in lines if x]) and rows[-1][0] == len(rows)
    assert report.messages() == [("AsistenciaPasivo.csv: line 1: no header row: read as "
                                 "data, columns as the profile lists them")]
    # The first version has its header: the same option changes nothing.
    t, rows, report = read("AsistenciaPasivo", header=header)
    assert t.header == header and min(rows) == 2 and report.count() == 0
