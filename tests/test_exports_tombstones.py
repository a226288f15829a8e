"""Records removed at their source (tombstones, issue 11) keep their page but
leave every export: data.json, datasets.csv, the DCAT-AP catalog and its
per-dataset files, consultas.csv and the calendars; the institutions' counts
leave them out too. The export site holds a removed dataset and a removed
consultation that would be open on the build date (tests/export_snapshot.py)."""

from __future__ import annotations

import csv
import io
import json
import sys
from datetime import date

import export_snapshot
import pytest
from conftest import ROOT

sys.path.insert(0, str(ROOT / "plugins"))
from portal_site.model import SiteModel

GONE_DATASET, GONE_CONSULTATION = "portal-datos:retirado", "participa:retirada"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    return export_snapshot.build_once(tmp_path_factory)


@pytest.fixture(scope="module")
def slugs(site):
    model = SiteModel.load(site.parent / "data", date(2026, 11, 26))
    # The removed records are tombstones of the model, in none of its lists.
    assert set(model.tombstones) == {GONE_DATASET, GONE_CONSULTATION}
    return model.slugs


def _exports(site) -> list:
    out = sorted((site / "catalogo").iterdir())
    out += sorted(site.glob("datos/*/dataset.*")) + sorted(site.rglob("*.ics"))
    return out


def test_tombstones_keep_their_page_without_export_links(site, slugs):
    page = site / "datos" / slugs[GONE_DATASET]
    html = (page / "index.html").read_text("utf-8")
    assert "Retirado de la fuente" in html and 'rel="alternate"' not in html
    assert not (page / "dataset.ttl").exists() and not (page / "dataset.jsonld").exists()
    consultation = site / "participacion" / slugs[GONE_CONSULTATION]
    assert "Retirado de la fuente" in (consultation / "index.html").read_text("utf-8")
    assert not (consultation / "calendario.ics").exists()


def test_no_export_holds_a_removed_record(site, slugs):
    files = _exports(site)
    assert len([f for f in files if f.name == "dataset.ttl"]) == 125
    needles = [export_snapshot.REMOVED_DATASET, export_snapshot.REMOVED_CONSULTATION,
               GONE_DATASET, GONE_CONSULTATION, f"datos/{slugs[GONE_DATASET]}/",
               f"participacion/{slugs[GONE_CONSULTATION]}/"]
    for path in files:
        text = path.read_text("utf-8")
        for needle in needles:
            assert needle not in text, (path.relative_to(site).as_posix(), needle)
    # The files that would hold them do hold their live neighbours.
    data = json.loads((site / "catalogo" / "data.json").read_text("utf-8"))
    assert len(data["dataset"]) == 125 and GONE_DATASET not in {d["identifier"]
                                                               for d in data["dataset"]}
    ics = (site / "participacion" / "consultas.ics").read_text("utf-8")
    assert "Consulta sobre la ley de fármacos" in ics


def test_institution_counts_leave_removed_records_out(site):
    raw = (site / "catalogo" / "instituciones.csv").read_text("utf-8-sig")
    row = next(r for r in csv.DictReader(io.StringIO(raw)) if r["id"] == "ministerio-de-salud")
    datasets = [r for r in csv.DictReader(io.StringIO(
        (site / "catalogo" / "datasets.csv").read_text("utf-8-sig")))
        if r["institucion_id"] == "ministerio-de-salud"]
    consultations = [r for r in csv.DictReader(io.StringIO(
        (site / "catalogo" / "consultas.csv").read_text("utf-8-sig")))
        if r["institucion_id"] == "ministerio-de-salud"]
    assert int(row["conjuntos_de_datos"]) == len(datasets) > 100
    assert int(row["procesos_participacion"]) == len(consultations) == 3
