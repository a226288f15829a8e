"""data.json (DCAT-US 1.1, sections/exports.py): always written, valid against
the official JSON Schema (tests/fixtures/standards/dcat-us-1.1/), hostile text
kept as text."""

from __future__ import annotations

import json

import export_snapshot
import pytest
from standards import STANDARDS, datajson_errors


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    return export_snapshot.build_once(tmp_path_factory)


def read(out):
    raw = (out / "catalogo" / "data.json").read_bytes()
    return json.loads(raw)


@pytest.mark.parametrize("name", ["catalog-sample.json", "catalog-sample-extended.json"])
def test_the_schema_accepts_the_official_samples(name):
    doc = json.loads((STANDARDS / "dcat-us-1.1" / "examples" / name).read_text("utf-8"))
    assert datajson_errors(doc) == []


def test_bundled_data_json_is_valid_dcat_us(bundled_site):
    doc = read(bundled_site)
    assert datajson_errors(doc) == []
    assert len(doc["dataset"]) == 39
    assert doc["conformsTo"] == "https://project-open-data.cio.gov/v1.1/schema"


def test_synthetic_data_json_is_valid_and_complete(site):
    doc = read(site)
    assert datajson_errors(doc) == []
    assert len(doc["dataset"]) == 125
    first = doc["dataset"][0]
    assert first["title"] == "Establecimientos de salud"
    assert first["landingPage"] == "https://datos.example/dataset/conjunto-1"
    assert first["publisher"]["name"] == "Ministerio de Salud"
    assert first["license"] == "https://creativecommons.org/licenses/by/4.0/"
    assert first["distribution"][0] == {
        "@type": "dcat:Distribution", "downloadURL": "https://datos.example/f/est.csv",
        "mediaType": "text/csv", "title": "Establecimientos (CSV)", "format": "csv",
        "byteSize": 1572864, "modified": "2026-11-20"}
    assert first["contactPoint"]["hasEmail"].startswith("mailto:")


def test_without_tags_a_dataset_gets_its_themes_as_keywords(site):
    doc = read(site)
    by_id = {d["identifier"]: d for d in doc["dataset"]}
    assert by_id["portal-datos:ds-1"]["keyword"] == ["establecimientos", "atención primaria"]


def test_hostile_text_stays_text(site):
    doc = read(site)
    hostile = [d for d in doc["dataset"] if d["identifier"].startswith("hostil:")]
    assert len(hostile) == 5
    assert hostile[0]["title"].startswith(export_snapshot.HOSTILE_TITLE)
    assert hostile[0]["keyword"] == export_snapshot.HOSTILE_TAGS
    assert hostile[0]["publisher"]["name"] == 'Oficina "de prueba" <b>'


def test_a_dataset_without_contact_point_is_rejected(bundled_site):
    """The validation can fail: DCAT-US requires contactPoint."""
    doc = read(bundled_site)
    del doc["dataset"][0]["contactPoint"]
    errors = datajson_errors(doc)
    assert len(errors) == 1 and "contactPoint" in errors[0]
