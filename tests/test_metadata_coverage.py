"""The metadata the scorecard's quality check reads (spatial and temporal
coverage, contact point, media types), taken from real recorded payloads over
real HTTP by each adapter, and the normalizers behind them."""

from __future__ import annotations

from harvest_helpers import fixture, harvest, records, source_path

from aggregator.normalize import contact_text, media_type, spatial_text, temporal_text
from aggregator.snapshot import read_source_file


def _one(tmp_path, replay, kind: str, name: str, content_type: str, path: str | None = None,
         **options) -> dict:
    path = path or f"/{name}"
    replay.add(path, fixture(kind, name), content_type=content_type)
    source = {"id": "src", "adapter": kind, "url": replay.url + path}
    if kind == "ckan":
        source["url"] = replay.url
    if options:
        source["options"] = options
    code, status = harvest(tmp_path, [source])
    assert code == 0, status
    return records(tmp_path, "src")


def test_dcat_ap_de_geometry_contact_and_media_types(tmp_path, replay):
    (rec,) = _one(tmp_path, replay, "dcat", "dcat_dataset_opendata_hro_de.rdf",
                  "application/rdf+xml").values()
    # A GeoJSON polygon, kept as its bounding box (W,S,E,N).
    assert rec.spatial == "11.9936,54.0486,12.3045,54.2466"
    assert rec.contact_point == ("Hanse- und Universitätsstadt Rostock – Kataster-, "
                                 "Vermessungs- und Liegenschaftsamt <geodienste@rostock.de>")
    csv = next(r for r in rec.resources if r.format == "CSV")
    assert csv.media_type == "text/csv"
    # Written to the file only when known; read back the same.
    raw = source_path(tmp_path, "src").read_text()
    assert "media_type: text/csv" in raw and "contact_point:" in raw
    assert read_source_file(source_path(tmp_path, "src"), None).records[0] == rec


def test_dcat_named_place_period_and_older_adms_contact(tmp_path, replay):
    (rec,) = _one(tmp_path, replay, "dcat", "dcat_catalog_nobelprize.rdf",
                  "application/rdf+xml").values()
    assert (rec.spatial, rec.temporal) == ("Stockholm", "1905-03-01/2013-01-05")
    assert rec.contact_point == "Nobel Media AB <info@nobelmedia.org>"


def test_datajson_unfilled_template_is_no_coverage(tmp_path, replay):
    recs = _one(tmp_path, replay, "datajson", "datajson_arcgis_hub_ville_evian.json",
                "application/json").values()
    spatial = sorted(r.spatial for r in recs if r.spatial)
    # ArcGIS Hub leaves "{{extent:computeSpatialProperty}}" in some records: not a place.
    assert all("{{" not in s for s in spatial) and len(spatial) == 5
    assert "6.5662,46.3885,6.613,46.4045" in spatial
    assert {r.contact_point for r in recs} == {"sigevian"}


def test_datajson_vcard_contact(tmp_path, replay):
    recs = _one(tmp_path, replay, "datajson", "datajson_data_ny_gov_socrata_sample.json",
                "application/json")
    (rec,) = recs.values()
    assert rec.contact_point == "Open Data NY <opendata@its.ny.gov>"
    assert {r.media_type for r in rec.resources} >= {"text/csv", "application/json"}


def test_ckan_maintainer_as_contact(tmp_path, replay):
    recs = _one(tmp_path, replay, "ckan", "ckan_package_search_demockan_2017.json",
                "application/json", path="/api/3/action/package_search", licenses=False)
    contacts = sorted(r.contact_point for r in recs.values() if r.contact_point)
    assert "TKKIM <misoh049@gmail.com>" in contacts
    untouched = [r for r in recs.values() if not r.contact_point]
    assert untouched and all(r.spatial is None for r in untouched)
    raw = source_path(tmp_path, "src").read_text()
    assert "spatial:" not in raw         # unknown fields leave older files' bytes alone


def test_normalizers():
    assert spatial_text("POLYGON ((1 2, 3 4, 5 0, 1 2))") == "1,0,5,4"
    assert spatial_text("-70.5,-33.6,-70.4,-33.3") == "-70.5,-33.6,-70.4,-33.3"
    assert spatial_text({"type": "Point", "coordinates": [-70.6, -33.4]}) == \
        "-70.6,-33.4,-70.6,-33.4"
    assert spatial_text("  Región de Valparaíso ") == "Región de Valparaíso"
    assert spatial_text("{{extent}}") is None and spatial_text("") is None
    assert temporal_text("2010-01-01/2015-12-31") == "2010-01-01/2015-12-31"
    assert temporal_text("2010", None) == "2010/.."
    assert temporal_text(None, "31/12/2015") is None          # unreadable: no guess
    assert contact_text("Mesa", "mailto:a@b.cl") == "Mesa <a@b.cl>"
    assert contact_text(None, "a@b.cl") == "a@b.cl"
    assert contact_text("<b>x</b>", None) == "x"
    assert media_type("https://www.iana.org/assignments/media-types/text/csv") == "text/csv"
    assert media_type("Text/CSV; charset=utf-8") == "text/csv"
    assert media_type("CSV") is None
