"""Reconciliation: the rules in order, on real names of Chilean bodies and on the
foreign names that must not match; the unmatched report and its CLI."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from harvest_helpers import FIXTURES, harvest

from aggregator import cli
from aggregator.reconcile import Reconciler, fold
from aggregator.records import Institution, NewsItem
from aggregator.records_registers import TransparencyEntry
from aggregator.snapshot import read_registry

ROOT = Path(__file__).resolve().parent.parent
REGISTRY = ROOT / "content" / "data" / "institutions.yaml"


@pytest.fixture(scope="module")
def real() -> Reconciler:
    return Reconciler(*read_registry(REGISTRY))


@pytest.mark.parametrize("name, expected", [
    ("Subsecretaría de Obras Públicas", "subsecretaria-de-obras-publicas"),
    ("SUBSECRETARIA DE OBRAS PUBLICAS", "subsecretaria-de-obras-publicas"),
    ("SUBSECRETARÍA DE OBRAS PÚBLICAS", "subsecretaria-de-obras-publicas"),
    ("subsecretaria obras publicas", "subsecretaria-de-obras-publicas"),
    ("  Subsecretaría  de Obras Públicas. ", "subsecretaria-de-obras-publicas"),
    ("AM001", "subsecretaria-de-obras-publicas"),          # its Transparency-portal code
    ("MINSAL", "ministerio-de-salud"),
    ("minsal", "ministerio-de-salud"),
    ("Ministerio de Salud", "ministerio-de-salud"),
    ("MINISTERIO DE SALUD", "ministerio-de-salud"),
    ("Ministerio Salud", "ministerio-de-salud"),
    ("ministerio-de-salud", "ministerio-de-salud"),        # the registry id itself
    ("SUBSECRETARÍA DE SALUD PÚBLICA", "subsecretaria-de-salud-publica"),
    ("Subsecretaria de Salud Publica", "subsecretaria-de-salud-publica"),
    ("SERVICIO ELECTORAL (SERVEL)", "servicio-electoral"),
    ("SERVEL", "servicio-electoral"),
    ("CONTRALORIA GENERAL DE LA REPUBLICA", "contraloria-general-de-la-republica"),
    ("CAMARA DE DIPUTADOS", "camara-de-diputadas-y-diputados"),   # alias, former name
    ("SUBSECRETARÍA DE PREVENCIÓN DE DELITOS", "subsecretaria-de-prevencion-del-delito"),
    ("Fiscalía de Chile", "ministerio-publico"),
])
def test_real_names_match(real, name, expected):
    assert real.match(name) == expected


ARGENTINE_UNITS = [
    "Ministerio de Justicia y Derechos Humanos. Oficina Anticorrupción.",
    ("Ministerio de Justicia y Derechos Humanos. Subsecretaría de Asuntos Registrales. "
    "Inspección General de Justicia"),
]


@pytest.mark.parametrize("name", ARGENTINE_UNITS)
def test_longer_foreign_names_do_not_fall_to_the_chilean_body(real, name):
    # By name alone they match nothing, though they start with a Chilean ministry's name...
    assert Reconciler(real.institutions.values()).match(name) is None
    # ...and the registry's explicit mappings send them to the Argentine ministry.
    assert real.match(name) == "ar-ministerio-de-justicia-y-derechos-humanos"


@pytest.mark.parametrize("name", [
    # Longer foreign names that contain a registered one.
    "Ministerio de Salud de la Provincia de Buenos Aires",
    "Ministerio de Justicia y Derechos Humanos. Dirección que nadie registró",
    "Subsecretaría de Obras Públicas y Transporte",
    # A qualifier or a different acronym in parentheses is not the Chilean body.
    "Ministerio de Salud (Argentina)",
    "Ministerio de Salud (MSAL)",
    # Parts, prefixes and other countries' bodies.
    "Salud", "Obras Públicas", "Subsecretaría", "Ministerio",
    ("Direction Régionale de l’Environnement de l’Aménagement et du Logement "
    "d'Auvergne-Rhône-Alpes (DREAL Auvergne-Rhône-Alpes)"),
    "State of California", "Ville de Lyon", "Vanves-Malakoff", "AM0011", "", "   ", None,
])
def test_names_that_must_not_match(real, name):
    assert real.match(name) is None


def test_fold_drops_case_accents_punctuation_and_articles():
    assert fold("SUBSECRETARÍA DE LA  Vivienda, y el Urbanismo.") == \
        "subsecretaria vivienda urbanismo"
    assert fold("Ñuble") == "nuble"


def inst(iid, name, **kw) -> Institution:
    return Institution(id=iid, name=name, **kw)


def test_rules_apply_in_order():
    r = Reconciler([inst("salud", "Ministerio de Salud", acronym="MINSAL", cplt_code="AO001"),
                    inst("otro", "Otro Servicio", acronym="OS"),
                    inst("minsal-x", "Servicio MINSAL Extra")],
                   mappings={"MINSAL - Depto. Estadísticas": "otro",
                             "Ministerio de Salud": "otro"})
    # 2. an explicit mapping beats the name...
    assert r.match("MINISTERIO DE SALUD") == "otro"
    assert r.match("minsal depto estadisticas") == "otro"
    # 3. ...the id and the code come before the acronym and the name...
    assert r.match("minsal-x") == "minsal-x" and r.match("ao001") == "salud"
    # 4. ...the acronym only for short names.
    assert r.match("MINSAL") == "salud" and r.match("OS") == "otro"
    # 1. the source's institution beats everything, even a mapped publisher.
    rec = NewsItem(id="s:1", source="s", remote_id="1", publisher="Ministerio de Salud")
    r.assign(rec, source_institution="minsal-x")
    assert rec.institution == "minsal-x"


def test_a_name_two_institutions_share_matches_neither_and_is_reported():
    r = Reconciler([inst("cl-justicia", "Ministerio de Justicia y Derechos Humanos"),
                    inst("ar-justicia", "Ministerio de Justicia y Derechos Humanos",
                         kind="organismo extranjero")])
    rec = NewsItem(id="s:1", source="s", remote_id="1",
                   publisher="MINISTERIO DE JUSTICIA Y DERECHOS HUMANOS")
    r.assign(rec)
    assert rec.institution is None
    assert r.unmatched_report() == [{
        "name": "MINISTERIO DE JUSTICIA Y DERECHOS HUMANOS", "count": 1, "sources": ["s"],
        "candidates": ["ar-justicia", "cl-justicia"]}]
    # The editor's way out: the source's institution, or a mapping.
    r2 = Reconciler(r.institutions.values(),
                    {"Ministerio de Justicia y Derechos Humanos": "ar-justicia"})
    assert r2.match("Ministerio de Justicia y Derechos Humanos") == "ar-justicia"


def test_register_code_is_tried_before_the_publisher(real):
    rec = TransparencyEntry(id="l:1", source="l", remote_id="1", institution="AD009",
                            publisher="Nombre que no existe")
    real.assign(rec)
    assert rec.institution == "carabineros-de-chile"
    rec = TransparencyEntry(id="l:2", source="l", remote_id="2", institution="ZZ999",
                            publisher="CARABINEROS DE CHILE")
    real.assign(rec)
    assert rec.institution == "carabineros-de-chile"  # unknown code: the name still works


def test_unmatched_are_counted_per_name_and_source_most_frequent_first():
    r = Reconciler([inst("salud", "Ministerio de Salud")])
    for n, (pub, src) in enumerate([("Gremio A", "s1"), ("Gremio B", "s1"), ("Gremio A", "s2"),
                                    ("Gremio A", "s2"), ("Ministerio de Salud", "s1"),
                                    (None, "s3")]):
        r.assign(NewsItem(id=f"{src}:{n}", source=src, remote_id=str(n), publisher=pub))
    assert r.unmatched_report() == [
        {"name": "Gremio A", "count": 3, "sources": ["s1", "s2"]},
        {"name": "Gremio B", "count": 1, "sources": ["s1"]}]
    assert (r.matched, r.total) == (1, 6)


def test_status_and_cli_list_unmatched_names_with_counts_and_sources(replay, tmp_path, capsys):
    (tmp_path / "data").mkdir()
    shutil.copy(REGISTRY, tmp_path / "data" / "institutions.yaml")
    listing = ("title,url,institution,start,end,description\n"
               "A,https://e.org/a,MINSAL,2026-01-01,,x\n"
               "B,https://e.org/b,Junta de Vecinos Uno,2026-01-01,,x\n"
               "C,https://e.org/c,Junta de Vecinos Uno,2026-01-01,,x\n"
               "D,https://e.org/d,Gobierno de Ejemplo,2026-01-01,,x\n")
    replay.add("/p.csv", listing, content_type="text/csv")
    feed = FIXTURES / "feeds" / "feed_rss2_ghost_blog.xml"
    replay.add("/rss", feed, content_type="application/rss+xml")
    code, status = harvest(tmp_path, [
        {"id": "part", "adapter": "csv", "url": replay.url + "/p.csv",
         "options": {"record_type": "consultation"}},
        {"id": "blog", "adapter": "feed", "url": replay.url + "/rss"}])
    assert code == 0
    assert status["unmatched"] == [
        {"name": "Junta de Vecinos Uno", "count": 2, "sources": ["part"]},
        {"name": "Changelog", "count": 1, "sources": ["blog"]},
        {"name": "Gobierno de Ejemplo", "count": 1, "sources": ["part"]}]
    assert cli.main(["institutions", "--unmatched", "--data", str(tmp_path / "data")]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "2  Junta de Vecinos Uno  (part)"
    assert "1  Changelog  (blog)" in out
    assert out[-1] == "3 name(s) in 4 record(s) match no institution"
    # The editor adds an alias: the report says so until the aggregator runs again.
    reg = tmp_path / "data" / "institutions.yaml"
    reg.write_text(reg.read_text(encoding="utf-8").replace(
        "  name: Ministerio de Salud\n",
        "  name: Ministerio de Salud\n  aliases: [Gobierno de Ejemplo]\n"), encoding="utf-8")
    cli.main(["institutions", "--unmatched", "--data", str(tmp_path / "data")])
    out = capsys.readouterr().out
    assert "Gobierno de Ejemplo  (part)  now matches ministerio-de-salud" in out
