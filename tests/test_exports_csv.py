"""A CSV of every section (sections/exports.py, sections/csv_exports.py): UTF-8
with BOM, read back with the csv module, columns as documented on /catalogo/,
one row per record, hostile text intact."""

from __future__ import annotations

import csv
import re

import export_snapshot
import pytest

from plugins.portal_site.sections import csv_exports, exports

FILES = {
    "datasets.csv": (exports.CSV_COLUMNS, 125),
    "instituciones.csv": (csv_exports.INSTITUTION_COLUMNS, 4),
    "consultas.csv": (csv_exports.CONSULTATION_COLUMNS, 5),
    "transparencia.csv": (csv_exports.TRANSPARENCY_COLUMNS, 5),
    "noticias.csv": (csv_exports.NEWS_COLUMNS, 15),      # 12 aggregated + 3 editors'
}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    return export_snapshot.build_once(tmp_path_factory)


def rows(site, name: str) -> tuple[list[str], list[dict]]:
    raw = (site / "catalogo" / name).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), f"{name} has no BOM"
    with (site / "catalogo" / name).open(encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        return list(reader.fieldnames or []), list(reader)


@pytest.mark.parametrize("name", sorted(FILES))
def test_csv_parses_with_the_documented_columns(site, name):
    columns, count = FILES[name]
    header, data = rows(site, name)
    assert header == [c for c, _ in columns]
    assert len(data) == count
    assert all(len(r) == len(header) and None not in r for r in data)
    # /catalogo/ documents every column of the file.
    page = (site / "catalogo" / "index.html").read_text("utf-8")
    section = page[page.index(f"/catalogo/{name}"):]
    table = section[:section.index("</table>")]
    assert re.findall(r"<th scope=\"row\"><code>([^<]+)</code>", table) == header


def test_rows_hold_the_records(site):
    _, data = rows(site, "consultas.csv")
    by_id = {r["id"]: r for r in data}
    assert by_id["participa:c3"]["estado"] == "proxima"
    assert by_id["participa:c4"]["estado"] == "cerrada"
    assert by_id["participa:c1"]["institucion"] == "Ministerio de Salud"
    assert by_id["participa:c1"]["calendario"].endswith("/participacion/proceso-1/calendario.ics")
    _, insts = rows(site, "instituciones.csv")
    minsal = next(r for r in insts if r["id"] == "ministerio-de-salud")
    assert minsal["codigo_cplt"] == "AO001" and minsal["sigla"] == "MINSAL"
    assert int(minsal["conjuntos_de_datos"]) == 117 and int(minsal["registros_transparencia"]) == 5
    _, lobby = rows(site, "transparencia.csv")
    assert lobby[0]["organizaciones"] == "Asociación Gremial (ejemplo)"


def test_hostile_text_survives_the_csv(site):
    _, data = rows(site, "datasets.csv")
    hostile = [r for r in data if r["id"].startswith("hostil:")]
    assert len(hostile) == 5
    assert hostile[0]["titulo"].startswith(export_snapshot.HOSTILE_TITLE)
    assert hostile[0]["etiquetas"] == "; ".join(export_snapshot.HOSTILE_TAGS)
