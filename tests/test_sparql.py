"""The `sparql` adapter over real HTTP against the replay server, with SPARQL
JSON results recorded from InfoLobby's linked-data endpoint (Virtuoso): paging
with LIMIT/OFFSET, Virtuoso's layout, the mapping shared with the CSV adapter,
and the failures every adapter has."""

from __future__ import annotations

import json
import re

import pytest
from harvest_helpers import fixture, fixture_json, harvest, records, source_path

from aggregator.config import ConfigError, parse_config
from devtools.replay import Reply

AF001 = ("chile", "infolobby_sparql_institucion_AF001_preproduccion.json")
AUDIENCIA = ("transparency", "infolobby_sparql_audiencia_2204.json")
QUERY = """PREFIX cplt: <http://datos.infolobby.cl:80/resource/cplt/>
SELECT ?property ?hasValue ?isValueOf WHERE {
  { <http://datos.infolobby.cl:80/resource/URI/Institucion/AF001> ?property ?hasValue }
  UNION { ?isValueOf ?property <http://datos.infolobby.cl:80/resource/URI/Institucion/AF001> }
} ORDER BY ?property ?hasValue ?isValueOf"""
# The institution's own statements and what points at it (its officials), one
# record per subject or object: the mapping of the CSV adapter, with variables.
COLUMNS = {"id": ["isValueOf", "hasValue"], "title": ["hasValue", "isValueOf"],
           "description": "property", "institution_code": None, "place": None,
           "date": None, "publisher": None}


def sparql_source(url: str, sid: str = "lod", **options) -> dict:
    return {"id": sid, "adapter": "sparql", "url": url,
            "options": {"query": QUERY, "columns": COLUMNS, **options}}


def paged(doc: dict):
    """An endpoint that honours LIMIT/OFFSET over a recorded result."""
    def handler(req, _raw):
        m = re.search(r"LIMIT (\d+) OFFSET (\d+)\s*$", req.query.get("query", ""))
        limit, offset = (int(m.group(1)), int(m.group(2))) if m else (10**9, 0)
        page = {**doc, "results": {"bindings": doc["results"]["bindings"][offset:offset + limit]}}
        return Reply(200, json.dumps(page).encode(),
                     {"Content-Type": "application/sparql-results+json; charset=utf-8"})
    return handler


def expected_ids(doc: dict) -> set[str]:
    return {(b.get("isValueOf") or b.get("hasValue"))["value"] for b in doc["results"]["bindings"]}


def test_a_result_over_three_pages_is_read_whole(replay, tmp_path):
    doc = fixture_json(*AF001)
    replay.handle("/sparql", paged(doc))
    code, status = harvest(tmp_path, [sparql_source(replay.url + "/sparql", page_size=50)])
    st = status["sources"]["lod"]
    assert code == 0 and st["state"] == "ok" and st["failed_items"] == 0
    sent = [r.query for r in replay.requests_to("/sparql")]
    assert [re.search(r"LIMIT \d+ OFFSET \d+$", q["query"]).group() for q in sent] == [
        "LIMIT 50 OFFSET 0", "LIMIT 50 OFFSET 50", "LIMIT 50 OFFSET 100"]
    assert all(q["query"].startswith("PREFIX cplt:") for q in sent)
    got = records(tmp_path, "lod")
    ids = expected_ids(doc)
    assert len(doc["results"]["bindings"]) == 117 and len(got) == len(ids) > 100
    assert set(got) == ids
    name = got["SUBSECRETARÍA GENERAL DE LA PRESIDENCIA"]
    assert name.title == "SUBSECRETARÍA GENERAL DE LA PRESIDENCIA"
    assert name.description_html == "<p>http://xmlns.com/foaf/0.1/name</p>"
    officials = {r.remote_id for r in got.values() if "registradoPor" in (r.description_html or "")}
    registered = {b["isValueOf"]["value"] for b in doc["results"]["bindings"]
                  if b["property"]["value"].endswith("/registradoPor")}
    assert officials == registered and len(registered) == 111


def test_virtuoso_layout_typed_literals_and_a_query_with_its_own_limit(replay, tmp_path):
    doc = fixture_json(*AUDIENCIA)
    assert any(b.get("hasValue", {}).get("type") == "typed-literal"
               for b in doc["results"]["bindings"])
    replay.add("/sparql", fixture(*AUDIENCIA), content_type="application/sparql-results+json")
    query = "SELECT ?property ?hasValue WHERE { <x> ?property ?hasValue } LIMIT 100"
    code, status = harvest(tmp_path, [sparql_source(
        replay.url + "/sparql", query=query, kind="propiedad",
        columns={"id": "property", "title": "hasValue", "institution_code": None,
                 "place": None, "date": None, "publisher": None, "description": None},
        default_graph="http://datos.infolobby.cl/infolobby")])
    assert code == 0, status
    (req,) = replay.requests_to("/sparql")     # its own LIMIT: not paged
    assert req.query["query"] == query
    assert req.query["default-graph-uri"] == "http://datos.infolobby.cl/infolobby"
    assert "application/sparql-results+json" in req.headers["accept"]
    got = records(tmp_path, "lod")
    kind_of_meeting = got["http://preproduccion-datos.infolobby.cl:80/resource/cplt/esDeTipo"]
    assert kind_of_meeting.title == "1" and kind_of_meeting.kind == "propiedad"
    notes = got["http://preproduccion-datos.infolobby.cl:80/resource/cplt/observaciones"]
    assert notes.title.startswith("1. Modificación de la ley N°18.593")


@pytest.mark.parametrize("reply, message", [
    (Reply(200, b"<!DOCTYPE html><html><body>Mantenimiento</body></html>",
           {"Content-Type": "text/html"}), "HTML page, not SPARQL results"),
    (Reply(200, b'{"head": {}, "boolean": true}',
           {"Content-Type": "application/sparql-results+json"}), "an ASK answer"),
    (Reply(200, b"Virtuoso 37000 Error SP030: SPARQL compiler, line 3: syntax error",
           {"Content-Type": "text/plain"}), "Virtuoso 37000 Error SP030"),
    (Reply(400, b"Virtuoso 37000 Error", {"Content-Type": "text/plain"}), "HTTP 400"),
])
def test_what_is_not_a_select_result_fails_and_keeps_the_last_good_data(
        replay, tmp_path, reply, message):
    replay.add("/sparql", fixture(*AF001), content_type="application/sparql-results+json")
    code, _ = harvest(tmp_path, [sparql_source(replay.url + "/sparql")])
    before = source_path(tmp_path, "lod").read_bytes()
    assert code == 0
    replay.handle("/sparql", lambda req, raw: reply)
    code, status = harvest(tmp_path, [sparql_source(replay.url + "/sparql")])
    st = status["sources"]["lod"]
    assert code == 3 and st["state"] == "failed" and message in st["error"]
    assert source_path(tmp_path, "lod").read_bytes() == before


def test_paging_that_does_not_end_fails(replay, tmp_path):
    doc = fixture_json(*AF001)
    # An endpoint that ignores OFFSET answers the first page again and again.
    first = {**doc, "results": {"bindings": doc["results"]["bindings"][:10]}}
    replay.add("/same", json.dumps(first), content_type="application/sparql-results+json")
    replay.handle("/sparql", paged(doc))
    code, status = harvest(tmp_path, [
        sparql_source(replay.url + "/same", "same", page_size=10),
        sparql_source(replay.url + "/sparql", "bounded", page_size=10, max_pages=3)])
    assert code == 3
    assert "repeats the one before" in status["sources"]["same"]["error"]
    assert "more than 3 pages of 10 rows" in status["sources"]["bounded"]["error"]
    assert len(replay.requests_to("/sparql")) == 3


def test_a_variable_the_query_does_not_select_fails_with_its_name(replay, tmp_path):
    replay.add("/sparql", fixture(*AF001), content_type="application/sparql-results+json")
    code, status = harvest(tmp_path, [sparql_source(
        replay.url + "/sparql", columns={**COLUMNS, "date": "inicio"})])
    err = status["sources"]["lod"]["error"]
    assert code == 3 and "does not select variable(s) inicio" in err
    assert "it selects: property, hasValue, isValueOf" in err


@pytest.mark.parametrize("options, message", [
    ({"query": ""}, "option 'query' is required"),
    ({"columns": {"titulo": "x"}}, "unknown field 'titulo'"),
    ({"columns": {"id": "x"}}, "'title' must name a variable"),
    ({"page_size": 0}, "page_size must be at least 1"),
    ({"delimiter": ";"}, "unknown option(s) for adapter 'sparql': delimiter"),
    ({"record_type": "dataset"}, "record_type must be one of"),
])
def test_configuration_errors_name_the_option(options, message):
    entry = {"id": "lod", "adapter": "sparql", "url": "https://example.org/sparql",
             "options": {"query": QUERY, "columns": {"title": "x"}, **options}}
    with pytest.raises(ConfigError) as err:
        parse_config({"sources": [entry]})
    assert message in str(err.value)
