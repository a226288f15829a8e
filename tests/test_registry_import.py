"""`python -m aggregator institutions import`: the real ChileCompra buyers list and
the CPLT institution codes merged into a registry; matches by code, name and
alias; editors' fields and comments kept; idempotent; undecided names reported."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from harvest_helpers import fixture

from aggregator import yamlio
from aggregator.cli import main
from aggregator.reconcile import Reconciler
from aggregator.records_registers import TransparencyEntry
from aggregator.snapshot import ROOT, read_registry

CHILECOMPRA = fixture("chile", "mercadopublico_api_BuscarComprador_2016-11-15.json")
CPLT = fixture("institutions", "cl_instituciones_infolobby_cplt_2015.csv")
PASIVOS = fixture("chile", "infolobby_cplt_2015-02_Pasivos.csv")
BUNDLED = ROOT / "content" / "data" / "institutions.yaml"

EDITED = """# Registro de prueba: lo escribe un editor, con comentarios.
institutions:

# -- Fuerzas de orden --
- id: carabineros-de-chile
  name: Carabineros de Chile
  kind: policía               # el editor lo decidió
  website: https://www.carabineros.cl
  cplt_code: AD009

- id: camara
  name: Cámara de Diputadas y Diputados
  aliases: [Cámara de Diputados]
  kind: poder legislativo

- id: servicio-electoral
  name: Servicio Electoral
  acronym: SERVEL
  chilecompra_code: '999999'    # otro código, puesto a mano

- id: subsecretaria-del-interior
  name: Subsecretaría del Interior
  aliases:
  - Interior

mappings:
  "Carabineros": carabineros-de-chile
"""


def registry(tmp_path: Path, text: str = EDITED) -> Path:
    data = tmp_path / "data"
    data.mkdir(parents=True, exist_ok=True)
    (data / "institutions.yaml").write_text(text, "utf-8")
    return data


def run(capsys, *args) -> tuple[int, str]:
    code = main(["institutions", "import", *map(str, args)])
    return code, capsys.readouterr().out


def test_chilecompra_buyers_matched_by_name_and_alias_and_the_rest_added(tmp_path, capsys):
    data = registry(tmp_path)
    buyers = json.loads(CHILECOMPRA.read_bytes())["listaEmpresas"]
    code, out = run(capsys, "--from", "chilecompra", CHILECOMPRA, "--data", data)
    assert code == 0
    institutions, mappings = read_registry(data / "institutions.yaml")
    by_id = {i.id: i for i in institutions}
    # Matched by name (case and accents aside) and by alias ("de Chile" aside).
    carab = next(b for b in buyers if b["NombreEmpresa"] == "Carabineros de Chile")
    assert by_id["carabineros-de-chile"].chilecompra_code == carab["CodigoEmpresa"]
    assert "matched    camara  by alias: Cámara de Diputados de Chile" in out
    assert by_id["camara"].chilecompra_code == "156657"
    # The editor's fields are never overwritten: another code is left undecided.
    servel = by_id["servicio-electoral"]
    assert servel.chilecompra_code == "999999" and servel.acronym == "SERVEL"
    assert "undecided  Servicio Electoral (chilecompra_code 225773, listaEmpresas[" in out
    assert "whose chilecompra_code is 999999" in out
    assert by_id["carabineros-de-chile"].kind == "policía"
    assert by_id["carabineros-de-chile"].name == "Carabineros de Chile"
    assert mappings == {"Carabineros": "carabineros-de-chile"}
    # Every other buyer is in the registry now, with its code.
    codes = {i.chilecompra_code for i in institutions}
    assert {b["CodigoEmpresa"] for b in buyers} - codes == {"225773"}
    assert len(institutions) == 4 + len(buyers) - 3
    cochilco = next(i for i in institutions if i.acronym == "COCHILCO")
    assert cochilco.name == "Comisión Chilena del Cobre"
    assert cochilco.aliases == ["Comisión Chilena del Cobre - COCHILCO"]
    assert sum(i.kind == "municipalidad" for i in institutions) > 100
    assert f"{len(buyers)} bodies in " in out and "1 undecided" in out
    # The editors' comments and layout are still there.
    text = (data / "institutions.yaml").read_text("utf-8")
    assert text.startswith("# Registro de prueba: lo escribe un editor, con comentarios.")
    assert "  kind: policía               # el editor lo decidió\n" in text
    assert "  chilecompra_code: '999999'    # otro código, puesto a mano\n" in text
    assert "# -- Importadas de ChileCompra (compradores públicos, BuscarComprador) --" in text
    assert text.index("- id: agencia-chilena-de-eficiencia-energetica") < text.index("mappings:")


def test_a_second_import_changes_nothing(tmp_path, capsys):
    data = registry(tmp_path)
    run(capsys, "--from", "chilecompra", CHILECOMPRA, "--data", data)
    run(capsys, "--from", "cplt", CPLT, "--data", data)
    path = data / "institutions.yaml"
    before, stamp = path.read_bytes(), path.stat().st_mtime_ns
    for kind, file in (("chilecompra", CHILECOMPRA), ("cplt", CPLT)):
        code, out = run(capsys, "--from", kind, file, "--data", data)
        assert code == 0 and "0 added" in out and "nothing to change" in out
    assert path.read_bytes() == before and path.stat().st_mtime_ns == stamp


def test_cplt_codes_and_the_officials_table_fill_codes_and_lobby_ids(tmp_path, capsys):
    data = registry(tmp_path)
    code, out = run(capsys, "--from", "cplt", CPLT, "--data", data)
    assert code == 0
    by_id = {i.id: i for i in read_registry(data / "institutions.yaml")[0]}
    assert by_id["subsecretaria-del-interior"].cplt_code == "AB001"     # by name
    assert by_id["servicio-electoral"].cplt_code == "AB006"             # "(SERVEL)" aside
    assert by_id["camara"].cplt_code == "NR006"                         # by alias
    assert by_id["carabineros-de-chile"].cplt_code == "AD009"           # by code
    added = {i.cplt_code: i for i in by_id.values() if i.id not in
             ("subsecretaria-del-interior", "servicio-electoral", "camara",
              "carabineros-de-chile")}
    assert added["AC001"].leylobby_id == "124" and added["AV001"].acronym == "CNCA"
    assert added["AV001"].name == "CONSEJO NACIONAL DE LA CULTURA Y LAS ARTES"
    # Rows of the list whose code column holds something else are reported.
    assert out.count("is not a cplt_code (a broken row of the list)") == 4
    # Pasivos.csv, the officials' table: the same codes, one per institution.
    data2 = registry(tmp_path / "b")
    code, out = run(capsys, "--from", "cplt", PASIVOS, "--data", data2)
    assert code == 0 and ", 0 undecided;" in out
    codes = {i.cplt_code for i in read_registry(data2 / "institutions.yaml")[0]}
    assert {"AB001", "AC001", "AD009", "NR008"} <= codes


def test_ambiguous_names_are_reported_and_left_alone(tmp_path, capsys):
    text = EDITED.replace("mappings:", """- id: carabineros-otro
  name: CARABINEROS DE CHILE
  kind: policía

mappings:""").replace("  cplt_code: AD009\n", "")
    data = registry(tmp_path, text)
    code, out = run(capsys, "--from", "chilecompra", CHILECOMPRA, "--data", data)
    assert code == 0
    assert "undecided  Carabineros de Chile (chilecompra_code 113812, listaEmpresas[12]): " \
           "its name matches carabineros-de-chile, carabineros-otro" in out
    institutions = read_registry(data / "institutions.yaml")[0]
    assert not any(i.chilecompra_code == "113812" for i in institutions)


def test_reconciliation_uses_every_code(tmp_path, capsys):
    data = registry(tmp_path)
    run(capsys, "--from", "chilecompra", CHILECOMPRA, "--data", data)
    rec = Reconciler(*read_registry(data / "institutions.yaml"))
    entry = TransparencyEntry(id="x:1", source="x", remote_id="1", institution="7086",
                              publisher="Un nombre que no coincide")
    rec.assign(entry)
    assert entry.institution == "agencia-de-cooperacion-internacional-de-chile"
    assert rec.match("AD009") == "carabineros-de-chile"


def test_the_bundled_registry_already_holds_every_body_of_both_lists(tmp_path, capsys):
    data = tmp_path / "data"
    data.mkdir()
    (data / "institutions.yaml").write_bytes(BUNDLED.read_bytes())
    for kind, file in (("chilecompra", CHILECOMPRA), ("cplt", CPLT)):
        code, out = run(capsys, "--from", kind, file, "--data", data)
        assert code == 0 and "0 added" in out and "nothing to change" in out
    assert (data / "institutions.yaml").read_bytes() == BUNDLED.read_bytes()
    institutions = read_registry(BUNDLED)[0]
    buyers = json.loads(CHILECOMPRA.read_bytes())["listaEmpresas"]
    assert {b["CodigoEmpresa"] for b in buyers} <= {i.chilecompra_code for i in institutions}


@pytest.mark.parametrize("args, message", [
    (["--from", "chilecompra", "no-such-file.json"], "no-such-file.json: cannot read"),
    (["--from", "cplt", str(CHILECOMPRA)], "expected columns codigo_cplt and nombre"),
    (["--from", "chilecompra", str(CPLT)], "not JSON"),
])
def test_unreadable_lists_exit_2_and_write_nothing(tmp_path, capsys, args, message):
    data = registry(tmp_path)
    before = (data / "institutions.yaml").read_bytes()
    code = main(["institutions", "import", *args, "--data", str(data)])
    assert code == 2 and message in capsys.readouterr().err
    assert (data / "institutions.yaml").read_bytes() == before


def test_usage_errors_exit_2():
    proc = subprocess.run([sys.executable, "-m", "aggregator", "institutions", "import",
                           str(CHILECOMPRA)], capture_output=True, text=True, cwd=ROOT, check=False,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 2 and "--from" in proc.stderr


def test_a_registry_laid_out_otherwise_is_written_whole_and_said_so(tmp_path, capsys):
    flow = yamlio.dumps({"institutions": [{"id": "x", "name": "Carabineros de Chile"}]},
                        ).decode().replace("- id: x\n  name: Carabineros de Chile",
                                           "- {id: x, name: Carabineros de Chile}")
    data = registry(tmp_path, flow)
    code, out = run(capsys, "--from", "chilecompra", CHILECOMPRA, "--data", data)
    assert code == 0 and "written whole" in out
    by_id = {i.id: i for i in read_registry(data / "institutions.yaml")[0]}
    assert by_id["x"].chilecompra_code == "113812"
