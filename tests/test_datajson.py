"""data.json adapter (POD 1.1 / DCAT-US, DCAT-AR) over real HTTP against the
recorded catalogs of real portals (tests/fixtures/datajson/, see SOURCES.md)."""

from __future__ import annotations

import json

import pytest
from harvest_helpers import fixture, fixture_json, harvest, records, source_path

FIXTURES = ["datajson_andino_demo2.json", "datajson_andino_demo_empty_publisher.json",
            "datajson_arcgis_hub_ville_evian.json", "datajson_argentina_justicia_catalogo.json",
            "datajson_data_ny_gov_socrata_sample.json", "datajson_doe_arm_sample.json"]


def datajson(url: str) -> dict:
    return {"id": "dj", "adapter": "datajson", "url": url}


def serve(replay, name: str) -> str:
    replay.add("/data.json", fixture("datajson", name))
    return replay.url + "/data.json"


@pytest.mark.parametrize("name", FIXTURES)
def test_every_recorded_catalog(tmp_path, replay, name):
    doc = fixture_json("datajson", name)
    code, status = harvest(tmp_path, [datajson(serve(replay, name))])
    assert code == 0, status
    recs = records(tmp_path, "dj")
    assert set(recs) == {d["identifier"] for d in doc["dataset"]}
    for ds in doc["dataset"]:
        rec = recs[ds["identifier"]]
        assert rec.title == " ".join(ds["title"].split())
        page = ds.get("landingPage") or (ds["identifier"] if ds["identifier"].startswith(
            "http") else None)
        assert rec.url == page
        assert rec.publisher == ds["publisher"]["name"]
        assert len(rec.resources) == len(ds.get("distribution", []))
        assert all(r.url.startswith("http") for r in rec.resources)
        assert rec.modified is not None


def test_dcat_ar_justicia_themes_licence_and_frequency(tmp_path, replay):
    doc = fixture_json("datajson", "datajson_argentina_justicia_catalogo.json")
    harvest(tmp_path, [datajson(serve(replay, "datajson_argentina_justicia_catalogo.json"))])
    rec = records(tmp_path, "dj")["d9a963ea-8b1d-4ca3-9dd9-07a4773e8c23"]
    labels = {t["id"]: t["label"] for t in doc["themeTaxonomy"]}
    assert rec.title == "Base de datos legislativos Infoleg"
    # Theme ids become their taxonomy labels; superTheme JUST the EU theme in Spanish.
    assert rec.themes == [labels["informacion-juridica"],
                          "Justicia, sistema jurídico y seguridad pública"]
    assert rec.license.title == "Open Data Commons Open Database License (ODbL)"
    assert rec.frequency == "R/P1M"
    assert rec.issued == "2016-09-05T18:25:21"
    assert rec.resources[0].format == "CSV"


def test_andino_demo_empty_catalog_publisher_and_half_month(tmp_path, replay):
    harvest(tmp_path, [datajson(serve(replay, "datajson_andino_demo_empty_publisher.json"))])
    (rec,) = records(tmp_path, "dj").values()
    assert rec.publisher == "Un Responsable Demo"
    assert rec.frequency == "R/P0.5M"
    assert rec.themes == ["demo theme", "Agricultura, pesca, silvicultura y alimentación",
                          "Educación, cultura y deportes"]
    (res,) = rec.resources
    assert res.url.endswith("contratos-alquiler-estado-nacional-locador-1.csv")  # downloadURL


def test_arcgis_hub_html_descriptions_and_licence_text(tmp_path, replay):
    harvest(tmp_path, [datajson(serve(replay, "datajson_arcgis_hub_ville_evian.json"))])
    rec = records(tmp_path, "dj")[
        "https://www.arcgis.com/home/item.html?id=f6565516d1354383b25793e630cf3f2b&sublayer=5"]
    assert rec.description_html == ("<p>Emplacement et description des stationnement vélos "
                                     "à Evian-les-Bains</p>")
    assert rec.license.url == "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"
    assert rec.license.title.startswith("Soumis à la licence Etalab")
    assert [r.format for r in rec.resources] == ["HTML", "ARCGIS REST", "CSV", "GEOJSON",
                                                 "ZIP", "KML"]


def test_socrata_media_types_and_doe_formats(tmp_path, replay):
    harvest(tmp_path, [datajson(serve(replay, "datajson_data_ny_gov_socrata_sample.json"))])
    (rec,) = records(tmp_path, "dj").values()
    assert [r.format for r in rec.resources] == ["CSV", "RDF", "JSON", "XML"]
    assert rec.themes == ["Economic Development"] and rec.issued == "2016-07-21"
    harvest(tmp_path, [datajson(serve(replay, "datajson_doe_arm_sample.json"))])
    doe = records(tmp_path, "dj")
    assert sorted(r.resources[0].format for r in doe.values()) == ["CDF", "CDF", "HDFJPG"]
    assert {r.modified for r in doe.values()} == {"2019-06-27T12:41:27"}
    assert doe["10.5439/1027266"].license.url == "https://project-open-data.cio.gov/unknown-license"


def test_pod_1_0_bare_list_and_items_without_identifier(tmp_path, replay):
    datasets = fixture_json("datajson", "datajson_argentina_justicia_catalogo.json")["dataset"][:3]
    datasets[1] = {k: v for k, v in datasets[1].items() if k != "identifier"}
    datasets[2] = {k: v for k, v in datasets[2].items() if k != "title"}
    replay.add("/data.json", json.dumps(datasets + ["not a dataset"]))
    code, status = harvest(tmp_path, [datajson(replay.url + "/data.json")])
    assert code == 0
    recs = records(tmp_path, "dj")
    assert len(recs) == 2
    untitled = recs[datasets[2]["identifier"]]
    assert untitled.title == datasets[2]["identifier"]  # falls back to the identifier
    assert status["sources"]["dj"]["failed_items"] == 2


@pytest.mark.parametrize("body, ctype, message", [
    (b'{"title": "sin datasets"}', "application/json", "is not a data.json catalog"),
    (b'{"dataset": [', "application/json", "invalid JSON"),
    (b"<!DOCTYPE html><html><title>Error</title></html>", "text/html; charset=utf-8",
     "HTML page where JSON"),
    (b"", "application/json", "empty response"),
    (b'{"dataset": []}', "application/json", "no records (it had"),
])
def test_unusable_catalogs_fail_and_keep_the_last_good_file(tmp_path, replay, body, ctype,
                                                            message):
    url = serve(replay, "datajson_andino_demo2.json")
    assert harvest(tmp_path, [datajson(url)])[0] == 0
    before = source_path(tmp_path, "dj").read_bytes()
    replay.add("/data.json", body, content_type=ctype)
    code, status = harvest(tmp_path, [datajson(url)])
    assert code == 3
    entry = status["sources"]["dj"]
    assert entry["state"] == "failed" and message in entry["error"]
    assert entry["records"] == 1  # what the snapshot still holds
    assert source_path(tmp_path, "dj").read_bytes() == before
