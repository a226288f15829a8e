"""/catalogo/ (sections/catalog.py) lists every export the sections registered,
with format, address, size, records and update time; docs/exports.md documents
every export, column and setting; pages carry schema.org JSON-LD (Dataset,
GovernmentOrganization, Event) with the properties Google requires."""

from __future__ import annotations

import re

import export_snapshot
import pytest
from conftest import ROOT
from site_pages import jsonld, parse

from plugins.portal_site.sections import csv_exports, exports

EXPORT_FILES = ["catalogo/dcat.ttl", "catalogo/dcat.jsonld", "catalogo/data.json",
                "catalogo/datasets.csv", "catalogo/instituciones.csv", "catalogo/consultas.csv",
                "catalogo/transparencia.csv", "catalogo/noticias.csv",
                "participacion/consultas.ics", "eventos/eventos.ics",
                "catalogo/obras.csv", "catalogo/obras.geojson"]
SETTINGS = ["PORTAL_EXPORTS", "PORTAL_PARALLEL_EXPORTS", "PORTAL_DCAT_PAGE_SIZE", "PORTAL_CONTACT", "PORTAL_DATAJSON_CODES"]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    return export_snapshot.build_once(tmp_path_factory)


def test_catalog_page_lists_every_export_with_size_and_date(site):
    html = (site / "catalogo" / "index.html").read_text("utf-8")
    for path in EXPORT_FILES:
        assert (site / path).is_file(), path
        assert f'href="../{path}"' in html or f'href="/{path}"' in html, path
    assert "/datos/&lt;conjunto&gt;/dataset.ttl" in html
    assert html.count("<dt>Tamaño</dt>") == len(EXPORT_FILES)     # not the per-dataset files
    # eventos.ics has no harvest date, the per-dataset files have one; obras.csv and
    # obras.geojson neither: this snapshot has no public works.
    assert html.count("<dt>Actualizado</dt>") == len(EXPORT_FILES) - 2
    assert "en 3 archivos" in html           # the DCAT pages
    assert "DCAT-AP 3.0.1" in html and "DCAT-US 1.1" in html and "RFC 5545" in html
    page = parse(site, site / "catalogo" / "index.html")
    assert page.h1 == 1


def test_docs_describe_every_export_column_and_setting():
    doc = (ROOT / "docs" / "exports.md").read_text("utf-8")
    for path in EXPORT_FILES:
        assert f"/{path}" in doc, path
    for columns in (exports.CSV_COLUMNS, csv_exports.INSTITUTION_COLUMNS,
                    csv_exports.CONSULTATION_COLUMNS, csv_exports.TRANSPARENCY_COLUMNS,
                    csv_exports.NEWS_COLUMNS):
        for name, _ in columns:
            assert f"`{name}`" in doc, name
    for setting in SETTINGS:
        assert setting in doc and setting in (ROOT / "pelicanconf.py").read_text()


def _ld(site, url: str) -> list[dict]:
    return jsonld(parse(site, site / url / "index.html"))


def test_dataset_page_has_what_google_dataset_search_requires(site):
    (ld,) = _ld(site, "datos/conjunto-1")
    assert ld["@type"] == "Dataset"
    assert ld["name"] == "Establecimientos de salud" and len(ld["description"]) > 20
    assert ld["includedInDataCatalog"]["@type"] == "DataCatalog"
    assert ld["creator"]["name"] == "Ministerio de Salud"
    assert ld["distribution"][0]["encodingFormat"] == "text/csv"
    assert ld["license"] == "https://creativecommons.org/licenses/by/4.0/"


def test_institution_page_is_a_government_organization_with_its_codes(site):
    (ld,) = _ld(site, "instituciones/ministerio-de-salud")
    assert ld["@type"] == "GovernmentOrganization"
    assert {"@type": "PropertyValue", "propertyID": "CPLT", "value": "AO001"} in ld["identifier"]


def test_consultation_and_event_pages_are_events(site):
    (ld,) = _ld(site, "participacion/proceso-3")
    assert ld["@type"] == "Event" and ld["name"] == "Plan regional de salud mental"
    assert ld["startDate"] == "2026-12-15" and ld["endDate"] == "2027-01-31"
    assert ld["location"] == {"@type": "VirtualLocation",
                              "url": "https://participa.example/procesos/3"}
    (ld,) = _ld(site, "eventos/taller-datos-abiertos")
    assert ld["@type"] == "Event" and ld["startDate"] == "2026-12-03T10:00:00-03:00"
    assert ld["location"]["@type"] == "Place" and ld["location"]["address"]
    assert re.match(r"\d{4}-\d{2}-\d{2}T13:00:00-03:00", ld["endDate"])
