"""The curated registry (content/data/institutions.yaml): seeded from the real
InfoLobby codes, consistent, and the transparency links built from it."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
from harvest_helpers import FIXTURES

from aggregator.adapters import ADAPTERS
from aggregator.reconcile import Reconciler
from aggregator.records import Institution
from aggregator.snapshot import read_registry
from aggregator.transparency import (
    DEFAULT_PATTERNS,
    PatternError,
    check_pattern,
    institution_links,
    patterns_from_settings,
)

ROOT = Path(__file__).resolve().parent.parent
REGISTRY = ROOT / "content" / "data" / "institutions.yaml"
SEED = FIXTURES / "institutions" / "cl_instituciones_infolobby_cplt_2015.csv"
CODE = re.compile(r"^[A-Z]{2}\d{3}$")
SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


@pytest.fixture(scope="module")
def registry() -> tuple[list[Institution], dict]:
    return read_registry(REGISTRY)


def test_registry_is_consistent(registry):
    insts, mappings = registry
    ids = [i.id for i in insts]
    assert len(ids) == len(set(ids)) and all(SLUG.match(i) for i in ids)
    by_id = {i.id: i for i in insts}
    for i in insts:
        assert i.parent is None or i.parent in by_id, i.id
        assert i.name.strip() == i.name, i.name
        if i.cplt_code:  # the seed's upper-case names, rewritten in Spanish capitalization
            assert i.name != i.name.upper(), i.name
        assert i.website is None or i.website.startswith("https://"), i.website
        assert i.kind, i.id
    codes = [i.cplt_code for i in insts if i.cplt_code]
    assert len(codes) == len(set(codes)) and all(CODE.match(c) for c in codes)
    assert all(v in by_id for v in mappings.values())
    # No two institutions answer to the same name: nothing is ambiguous by accident.
    assert Reconciler(insts, mappings).ambiguous == []
    assert REGISTRY.read_text(encoding="utf-8").startswith("# ")  # editors' header


def test_every_real_body_of_the_seed_is_registered_with_its_code(registry):
    insts, mappings = registry
    by_code = {i.cplt_code: i for i in insts if i.cplt_code}
    reconciler = Reconciler(insts, mappings)
    rows = list(csv.DictReader(SEED.open(encoding="utf-8")))
    real = [r for r in rows if CODE.match(r["codigo_cplt"])]
    assert len(real) == 51 and len(rows) == 55  # 4 rows of the export are shifted junk
    for row in real:
        inst = by_code[row["codigo_cplt"]]
        # The upper-case name of the export still finds it (name or alias)...
        assert reconciler.match(row["nombre"]) == inst.id, row["nombre"]
        assert (row["sigla"] or None) in (None, inst.acronym)
        assert (row["leylobby_institucion_id"] or None) == inst.leylobby_id
    # ...and the registry writes names in Spanish capitalization, with their accents.
    assert by_code["AM001"].name == "Subsecretaría de Obras Públicas"
    assert by_code["NR002"].name == "Contraloría General de la República"
    assert by_code["AB006"].name == "Servicio Electoral" and by_code["AB006"].acronym == "SERVEL"
    assert len(by_code) == 51


def test_subsecretarias_hang_from_their_ministry(registry):
    insts, _ = registry
    by_id = {i.id: i for i in insts}
    assert by_id["subsecretaria-de-salud-publica"].parent == "ministerio-de-salud"
    assert by_id["ministerio-de-salud"].acronym == "MINSAL"
    for i in insts:
        if i.kind == "subsecretaría" and i.parent:
            assert by_id[i.parent].kind == "ministerio"


# -- transparency links -----------------------------------------------------------

def test_links_from_the_cplt_code_with_chiles_defaults(registry):
    insts, _ = registry
    sop = next(i for i in insts if i.cplt_code == "AM001")
    links = institution_links(sop)
    assert links == {
        "transparency_url":
            "https://www.portaltransparencia.cl/PortalPdT/pdtta?codOrganismo=AM001",
        "request_url": "https://www.portaltransparencia.cl/PortalPdT/ingreso-sai-v2?idOrgTa=AM001",
        "lobby_url": "https://www.leylobby.gob.cl/instituciones/AM001"}
    for inst in insts:
        got = institution_links(inst)
        if inst.cplt_code:
            assert all(v and inst.cplt_code in v for v in got.values())
        else:
            assert got == {k: None for k in DEFAULT_PATTERNS}


def test_explicit_links_win_and_patterns_come_from_settings():
    inst = Institution(id="muni", name="Municipalidad de Ejemplo", cplt_code="MU 999/x",
                       request_url="https://transparencia.example.org/solicitud")
    patterns = patterns_from_settings({
        "PORTAL_TRANSPARENCY_URL": "https://transparencia.example.org/ta/{code}?i={id}",
        "PORTAL_LOBBY_URL": None, "SITENAME": "ignored"})
    links = institution_links(inst, patterns)
    assert links["request_url"] == "https://transparencia.example.org/solicitud"
    assert links["transparency_url"] == "https://transparencia.example.org/ta/MU%20999%2Fx?i=muni"
    assert links["lobby_url"] is None
    # A pattern needing a value the institution lacks gives no link, not a broken one.
    assert institution_links(inst, {"lobby_url": "https://l.example.org/{leylobby_id}"}) \
        ["lobby_url"] is None


def test_explicit_links_are_checked_too():
    inst = Institution(id="x", name="X", transparency_url="javascript:alert(1)")
    assert institution_links(inst)["transparency_url"] is None


@pytest.mark.parametrize("pattern, message", [
    ("https://e.org/{codigo}", "unknown placeholder"),
    ("https://e.org/fixed", "no placeholder"),
    ("javascript:alert('{code}')", "not an http"),
    ("https://e.org/{code", "bad pattern"),
    (42, "expected a URL pattern"),
])
def test_bad_patterns_are_named_errors(pattern, message):
    with pytest.raises(PatternError, match=message):
        check_pattern("PORTAL_REQUEST_URL", pattern)
    with pytest.raises(PatternError, match="PORTAL_REQUEST_URL"):
        patterns_from_settings({"PORTAL_REQUEST_URL": pattern})


# -- the editors' and operators' guide covers every option -----------------------------

def test_docs_cover_every_option_of_these_adapters():
    doc = (ROOT / "docs" / "registry-and-feeds.md").read_text(encoding="utf-8")
    for name in ("feed", "decidim", "csv"):
        for option in ADAPTERS[name].OPTIONS:
            assert f"`{option}`" in doc, f"docs miss option {option!r} of {name}"
    for setting in ("PORTAL_TRANSPARENCY_URL", "PORTAL_REQUEST_URL", "PORTAL_LOBBY_URL",
                    "mappings:", "--unmatched", "cplt_code", "aliases"):
        assert setting in doc, setting
