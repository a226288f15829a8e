"""DCAT adapter over real HTTP against recorded DCAT payloads of real portals
(tests/fixtures/dcat/, see SOURCES.md): RDF/XML, Turtle, JSON-LD, Hydra and CSW paging."""

from __future__ import annotations

import json

import pytest
from harvest_helpers import fixture, harvest, records, source_path
from rdflib import Graph

from devtools.replay import Reply


def dcat(url: str, **options) -> dict:
    return {"id": "cat", "adapter": "dcat", "url": url, "options": options}


def serve(replay, name: str, path: str | None = None, content_type: str | None = None) -> str:
    ctype = content_type or ("text/turtle" if name.endswith(".ttl") else "application/rdf+xml")
    path = path or f"/{name}"
    replay.add(path, fixture("dcat", name), content_type=ctype)
    return replay.url + path


def test_datos_gob_es_turtle(tmp_path, replay):
    code, status = harvest(tmp_path, [dcat(serve(replay, "dcat_dataset_datosgobes_madrid.ttl"))])
    assert code == 0, status
    (rec,) = records(tmp_path, "cat").values()
    assert rec.remote_id == "https://datos.madrid.es/egob/catalogo/300676-0-deporte-encuesta-escuelas"
    assert rec.title.startswith("Estudio de Satisfacción con el Programa")
    assert rec.publisher == "Ayuntamiento de Madrid"  # a skos:Concept's prefLabel
    assert rec.themes == ["deporte"]
    assert rec.tags == ["deporte escolar", "escuelas", "promoción"]
    assert rec.issued == "2024-04-15T09:08:02+02:00"
    assert rec.frequency == "R/P1Y"  # dct:Frequency -> time:DurationDescription years 1
    assert rec.license.url == "https://datos.madrid.es/egob/catalogo/aviso-legal"
    (res,) = rec.resources
    assert (res.format, res.size) == ("XLS", 43008)
    assert res.url == "https://datos.madrid.es/egob/catalogo/300676-0-deporte-encuesta-escuelas.xlsx"


def test_opendata_hro_dcat_ap_de(tmp_path, replay):
    code, _ = harvest(tmp_path, [dcat(serve(replay, "dcat_dataset_opendata_hro_de.rdf"))])
    assert code == 0
    (rec,) = records(tmp_path, "cat").values()
    assert rec.remote_id == "c1be4007-d811-48fb-8818-2cb358b06a63"
    assert rec.url == "https://www.opendata-hro.de/dataset/c1be4007-d811-48fb-8818-2cb358b06a63"
    assert rec.publisher == "Hanse- und Universitätsstadt Rostock"
    assert rec.themes == ["Economía y finanzas"]  # EU data theme ECON
    assert rec.modified == "2024-05-08T04:11:24"
    assert rec.license.url == "http://dcat-ap.de/def/licenses/cc-zero"  # from distributions
    formats = sorted(r.format or "-" for r in rec.resources)
    assert formats == ["-", "-", "CSV", "GEOJSON", "GML", "KML", "WFS", "WMS", "XLSX"]
    csv = next(r for r in rec.resources if r.format == "CSV")
    assert csv.size == 60744 and csv.url.endswith("lieferservices.csv")


def test_nobelprize_catalog(tmp_path, replay):
    assert harvest(tmp_path, [dcat(serve(replay, "dcat_catalog_nobelprize.rdf"))])[0] == 0
    (rec,) = records(tmp_path, "cat").values()
    assert (rec.title, rec.publisher, rec.url) == ("Linked Nobel prizes", "Nobel Media AB",
                                                   "http://data.nobelprize.org/")
    assert (rec.issued, rec.modified, rec.frequency) == ("2014-01-15", "2014-08-27", "R/P1D")
    assert rec.tags == ["Nobel prize", "prize", "science"]
    (res,) = rec.resources
    assert res.title == "Linked Data endpoint" and res.format == "RDF"


def test_london_deri_style_with_mojibake_and_unreadable_date(tmp_path, replay):
    code, status = harvest(tmp_path, [dcat(serve(replay, "dcat_dataset_london_deri_mojibake.ttl"))])
    assert code == 0
    (rec,) = records(tmp_path, "cat").values()
    assert rec.title == "Abandoned Vehicles"
    assert "Â" not in rec.description_html and "2007/08. If fewer" in rec.description_html
    assert rec.issued is None  # "06/05/2009": day or month first? Not guessed.
    assert any("06/05/2009" in n for n in status["sources"]["cat"]["notes"])
    assert rec.url == "http://data.london.gov.uk/datastore/package/abandoned-vehicles"
    assert rec.frequency == "R/P1Y"  # "Annual"
    (res,) = rec.resources  # typed dcat:Download, reached through dcat:distribution
    assert res.url.endswith("abandoned-vehicles-borough.csv") and res.format == "TXT"


def test_geodcat_ap_datara(tmp_path, replay):
    assert harvest(tmp_path, [dcat(serve(replay, "dcat_geodcatap_datara_fr_dataset.rdf"))])[0] == 0
    (rec,) = records(tmp_path, "cat").values()
    assert rec.title == "Campings issus de la BDTopo de Auvergne Rhône-Alpes"
    assert rec.themes == ["Gestion des crises et des risques"]
    assert rec.issued is None and rec.modified is None  # empty typed literals
    assert rec.license.title == "Ayant droit IGN Bénéficiaires du RGE"
    assert rec.resources[0].url == ("https://telechargement.open-datara.fr/download/"
                                    "5a26b0f6-0ccf-46ad-ac58-734054b91977")


def test_geonetwork_catalog_skips_undescribed_datasets(tmp_path, replay):
    code, status = harvest(tmp_path, [dcat(serve(replay, "dcat_catalog_geonetwork_sig_oreme.rdf"))])
    assert code == 0
    (rec,) = records(tmp_path, "cat").values()
    assert rec.remote_id == "0437a976-cff1-4fa6-807a-c23006df2f8f"
    assert rec.tags == ["GRAVI", "SNO RESIF-Gravimétrie", "solid earth dynamics"]
    assert rec.themes == ["Environmental monitoring facilities", "geodesy"]
    assert rec.frequency == "irregular"
    assert any("not described" in n for n in status["sources"]["cat"]["notes"])


def test_data_gouv_fr_hydra_catalog(tmp_path, replay):
    code, _ = harvest(tmp_path, [dcat(serve(replay, "dcat_catalog_datagouvfr_udata_hydra_paged.rdf"))])
    assert code == 0
    recs = records(tmp_path, "cat")
    assert len(recs) == 2
    vote = recs["https://vanves-seineouest.opendatasoft.com/explore/dataset/bureau-de-vote-vanves/"]
    assert vote.title == "Bureaux de vote - Vanves" and vote.publisher == "Vanves"
    assert sorted(r.format for r in vote.resources) == ["CSV", "JSON", "JSON", "ZIP"]
    # hydra:first/last point at this same page: no further request.
    assert len(replay.requests) == 1


def test_csw_getrecords_with_dcat_records(tmp_path, replay):
    path = "/geonetwork/srv/fre/csw"
    serve(replay, "dcat_csw_getrecords_geo2france_geonetwork_page1.xml", path,
          "application/xml")
    # Page 2 was not recorded: the test's server ends the result set there.
    replay.add(path, b'<?xml version="1.0"?><csw:GetRecordsResponse '
                     b'xmlns:csw="http://www.opengis.net/cat/csw/2.0.2"><csw:SearchResults '
                     b'numberOfRecordsMatched="6" numberOfRecordsReturned="0" nextRecord="0"/>'
                     b'</csw:GetRecordsResponse>',
               content_type="application/xml", query={"startPosition": "3"})
    url = (f"{replay.url}{path}?service=CSW&version=2.0.2&request=GetRecords"
           "&outputSchema=http://www.w3.org/ns/dcat%23&elementSetName=full")
    code, status = harvest(tmp_path, [dcat(url)])
    assert code == 0, status
    recs = records(tmp_path, "cat")
    assert set(recs) == {"https://www.geo2france.fr/insee/partmenage5ans",
                         "fr-200053742/2019/limite/bud"}
    bud = recs["fr-200053742/2019/limite/bud"]
    assert bud.publisher == "Géo2France" and "ECONOMIE" in bud.themes
    assert bud.issued == "2020-05-28"
    second = replay.requests_to(path)[1]
    assert second.query["startPosition"] == "3" and second.query["request"] == "GetRecords"
    assert "the catalog announced 6 records, 2 listed" in status["sources"]["cat"]["notes"]


def test_json_ld_with_a_remote_context_fetched_through_the_http_layer(tmp_path, replay):
    """A JSON-LD catalog (the datos.gob.es record re-serialized) whose @context is
    remote: it is fetched from the replay server, never by rdflib on its own."""
    g = Graph().parse(fixture("dcat", "dcat_dataset_datosgobes_madrid.ttl"), format="turtle")
    expanded = json.loads(g.serialize(format="json-ld", auto_compact=True))
    context = expanded.pop("@context")
    expanded["@context"] = replay.url + "/contexts/dcat.jsonld"
    replay.add("/contexts/dcat.jsonld", json.dumps({"@context": context}),
               content_type="application/ld+json")
    replay.add("/catalog.jsonld", json.dumps(expanded), content_type="application/ld+json")
    code, status = harvest(tmp_path, [dcat(replay.url + "/catalog.jsonld")])
    assert code == 0, status
    (rec,) = records(tmp_path, "cat").values()
    assert rec.publisher == "Ayuntamiento de Madrid" and rec.frequency == "R/P1Y"
    assert len(replay.requests_to("/contexts/dcat.jsonld")) == 1


def test_format_from_url_when_content_type_is_generic(tmp_path, replay):
    url = serve(replay, "dcat_dataset_datosgobes_madrid.ttl", "/export/catalog.ttl",
                "application/octet-stream")
    assert harvest(tmp_path, [dcat(url)])[0] == 0
    assert len(records(tmp_path, "cat")) == 1


def _page(n: int, nxt: str | None) -> str:
    link = f'<{nxt}> a <http://www.w3.org/ns/hydra/core#PartialCollectionView> .\n' \
           f'<#view> <http://www.w3.org/ns/hydra/core#next> <{nxt}> .\n' if nxt else ""
    return (f'@prefix dcat: <http://www.w3.org/ns/dcat#> .\n'
            f'@prefix dct: <http://purl.org/dc/terms/> .\n'
            f'<https://x.example/d{n}> a dcat:Dataset ; dct:identifier "d{n}" ; '
            f'dct:title "Conjunto {n}" .\n{link}')


def test_hydra_next_paging(tmp_path, replay):
    for n in range(1, 4):
        nxt = f"{replay.url}/catalog.ttl?page={n + 1}" if n < 3 else None
        replay.add("/catalog.ttl", _page(n, nxt), content_type="text/turtle",
                   query={"page": str(n)})
    code, status = harvest(tmp_path, [dcat(replay.url + "/catalog.ttl?page=1")])
    assert code == 0, status
    assert sorted(records(tmp_path, "cat")) == ["d1", "d2", "d3"]
    assert [r.query["page"] for r in replay.requests_to("/catalog.ttl")] == ["1", "2", "3"]


def test_hydra_paging_loop_and_bound_fail(tmp_path, replay):
    replay.add("/a.ttl", _page(1, replay.url + "/b.ttl"), content_type="text/turtle")
    replay.add("/b.ttl", _page(2, replay.url + "/a.ttl"), content_type="text/turtle")
    code, status = harvest(tmp_path, [dcat(replay.url + "/a.ttl")])
    assert code == 3 and "paging loops" in status["sources"]["cat"]["error"]

    def endless(request, raw):
        n = int(request.query.get("page", 1))
        return Reply(200, _page(n, f"{replay.url}/e.ttl?page={n + 1}").encode(),
                     {"Content-Type": "text/turtle"})
    replay.handle("/e.ttl", endless)
    code, status = harvest(tmp_path, [dcat(replay.url + "/e.ttl", max_pages=5)])
    assert code == 3
    assert "paging did not end after 5 pages" in status["sources"]["cat"]["error"]
    assert len(replay.requests_to("/e.ttl")) == 5
    assert not source_path(tmp_path, "cat").exists()


@pytest.mark.parametrize("body, ctype, message", [
    (b"<rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'><unclosed>",
     "application/rdf+xml", "invalid RDF/XML"),
    (b"@prefix dcat: <http://www.w3.org/ns/dcat#> . <a> dcat:x", "text/turtle",
     "invalid Turtle"),
    (b'{"@context": {}, "@id": ', "application/ld+json", "invalid JSON-LD"),
    (b"<html><body>Mantenimiento</body></html>", "text/html", "HTML page where RDF"),
    (b"<feed xmlns='http://www.w3.org/2005/Atom'/>", "application/xml", "neither RDF nor"),
    (b"", "application/rdf+xml", "empty response"),
])
def test_unusable_answers_fail_the_source(tmp_path, replay, body, ctype, message):
    good = serve(replay, "dcat_catalog_nobelprize.rdf", "/catalog.rdf")
    assert harvest(tmp_path, [dcat(good)])[0] == 0
    before = source_path(tmp_path, "cat").read_bytes()
    replay.add("/catalog.rdf", body, content_type=ctype)
    code, status = harvest(tmp_path, [dcat(good)])
    assert code == 3
    assert message in status["sources"]["cat"]["error"]
    assert source_path(tmp_path, "cat").read_bytes() == before


def test_xml_external_entities_are_not_resolved(tmp_path, replay):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    body = (f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file://{secret}">]>'
            '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
            'xmlns:dcat="http://www.w3.org/ns/dcat#" xmlns:dct="http://purl.org/dc/terms/">'
            '<dcat:Dataset rdf:about="https://x.example/d1"><dct:title>&x;</dct:title>'
            '</dcat:Dataset></rdf:RDF>')
    replay.add("/xxe.rdf", body, content_type="application/rdf+xml")
    harvest(tmp_path, [dcat(replay.url + "/xxe.rdf")])
    path = source_path(tmp_path, "cat")
    assert not path.exists() or b"TOP-SECRET" not in path.read_bytes()
