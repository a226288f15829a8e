"""The `decidim` adapter over real HTTP (POST {base}/api). No real Decidim answer
was recorded: the payloads in tests/fixtures/decidim/ are written from Decidim's
documented GraphQL schema (see tests/fixtures/SOURCES.md)."""

from __future__ import annotations

import copy
import json

import pytest
from harvest_helpers import fixture, fixture_json, harvest, records, source_path

from aggregator.config import ConfigError, parse_config
from devtools.replay import Reply

EXAMPLE = "decidim_api_spaces_schema_example.json"


def decidim_source(url: str, sid: str = "participa", **options) -> dict:
    return {"id": sid, "adapter": "decidim", "url": url, "options": options}


def json_reply(doc) -> Reply:
    return Reply(200, json.dumps(doc).encode(), {"Content-Type": "application/json"})


def query_of(request) -> str:
    return json.loads(request.body)["query"]


def test_processes_assemblies_and_consultations(replay, tmp_path):
    replay.add("/api", fixture("decidim", EXAMPLE))
    code, status = harvest(tmp_path, [decidim_source(replay.url)])
    st = status["sources"]["participa"]
    got = records(tmp_path, "participa")
    doc = fixture_json("decidim", EXAMPLE)["data"]
    assert code == 0 and st["state"] == "ok" and st["warnings"] == 0
    assert len(got) == sum(len(v) for v in doc.values())
    sent = replay.requests_to("/api")
    assert len(sent) == 1 and sent[0].method == "POST"
    assert sent[0].headers["content-type"] == "application/json"
    query = query_of(sent[0])
    for root in ("participatoryProcesses", "assemblies", "consultations"):
        assert root in query
    budget = got["processes-7"]
    assert budget.TYPE == "consultation" and budget.kind == "proceso participativo"
    assert budget.title == "Presupuestos participativos 2027 (ejemplo)"  # es, not en
    assert budget.url == f"{replay.url}/processes/presupuestos-participativos-2027"
    assert (budget.start, budget.end) == ("2026-10-01", "2027-01-31")
    # Steps in the process's order (position), not the order the API listed them.
    assert budget.steps == ["Recepción de propuestas (2026-10-01 – 2026-11-15)",
                            "Evaluación técnica (2026-11-16 – 2026-11-30)",
                            "Votación (2026-12-01 – 2027-01-31)"]
    assert f'href="{replay.url}/pages/faq"' in budget.description_html
    assert "<strong>de ejemplo</strong>" in budget.description_html
    green = got["processes-9"]
    assert green.title == "Green areas (example)"  # es empty -> fallback en, not ca
    bare = got["processes-3"]
    assert bare.start is bare.end is bare.description_html is None and bare.steps == []
    assembly = got["assemblies-2"]
    assert assembly.kind == "asamblea" and assembly.start == "2024-06-01" and assembly.end is None
    assert assembly.url == f"{replay.url}/assemblies/consejo-sociedad-civil"
    vote = got["consultations-1"]
    assert vote.kind == "consulta" and (vote.start, vote.end) == ("2026-11-20", "2026-12-05")
    assert vote.url == f"{replay.url}/consultations/consulta-ciudadana-2026"


def test_locale_and_fallbacks_are_options(replay, tmp_path):
    replay.add("/api", fixture("decidim", EXAMPLE))
    harvest(tmp_path, [decidim_source(replay.url + "/api/", locale="ca",
                                      fallback_locales=["es"])])
    got = records(tmp_path, "participa")
    assert replay.requests_to("/api")  # a base given with /api/ is not doubled
    assert got["processes-5"].title == "Pla de mobilitat ciclista (exemple)"
    assert got["processes-7"].title == "Presupuestos participativos 2027 (ejemplo)"  # no ca
    assert got["processes-9"].title == "Espais verds (exemple)"


def test_instance_without_consultations_module(replay, tmp_path):
    doc = fixture_json("decidim", EXAMPLE)
    del doc["data"]["consultations"]
    missing = fixture_json("decidim", "decidim_api_error_no_consultations_module.json")

    def api(request, handler):
        return json_reply(missing if "consultations" in query_of(request) else doc)
    replay.handle("/api", api)
    code, status = harvest(tmp_path, [decidim_source(replay.url)])
    st = status["sources"]["participa"]
    assert code == 0 and st["records"] == 5 and st["warnings"] == 0
    assert [("consultations" in query_of(r)) for r in replay.requests_to("/api")] == [True, False]
    # Asked for explicitly, the missing module is worth a warning.
    code, status = harvest(tmp_path / "explicit", [decidim_source(
        replay.url, spaces=["processes", "consultations"])])
    assert code == 0 and any("no consultations" in n
                             for n in status["sources"]["participa"]["notes"])


def test_older_decidim_without_a_field_is_asked_again(replay, tmp_path):
    doc = fixture_json("decidim", EXAMPLE)

    def api(request, handler):
        query = query_of(request)
        if "developerGroup" in query:
            return json_reply({"errors": [{
                "message": "Field 'developerGroup' doesn't exist on type 'ParticipatoryProcess'",
                "locations": [{"line": 1, "column": 120}]}]})
        return json_reply(doc)
    replay.handle("/api", api)
    code, status = harvest(tmp_path, [decidim_source(replay.url, spaces=["processes"])])
    assert code == 0 and status["sources"]["participa"]["records"] == 4
    queries = [query_of(r) for r in replay.requests_to("/api")]
    assert len(queries) == 2 and "developerGroup" not in queries[1]
    assert "steps" in queries[1]  # only the missing field was dropped


def test_errors_without_data_fail_and_keep_last_good_data(replay, tmp_path):
    replay.add("/api", fixture("decidim", EXAMPLE))
    harvest(tmp_path, [decidim_source(replay.url)])
    before = source_path(tmp_path, "participa").read_bytes()
    replay.add("/api", fixture("decidim", "decidim_api_error_complexity_no_data.json"))
    code, status = harvest(tmp_path, [decidim_source(replay.url)])
    st = status["sources"]["participa"]
    assert code == 3 and st["state"] == "failed" and st["records"] == 6
    assert "exceeds max complexity" in st["error"]
    assert source_path(tmp_path, "participa").read_bytes() == before


def test_errors_beside_partial_data_keep_the_data_with_a_warning(replay, tmp_path):
    replay.add("/api", fixture("decidim", "decidim_api_errors_partial_data.json"))
    code, status = harvest(tmp_path, [decidim_source(replay.url)])
    st = status["sources"]["participa"]
    assert code == 0 and st["state"] == "ok" and st["records"] == 1
    assert st["failed_items"] == 1
    assert any("errors beside the data: Internal server error" in n for n in st["notes"])
    assert list(records(tmp_path, "participa")) == ["processes-7"]


@pytest.mark.parametrize("body, content_type, message", [
    (b"<!DOCTYPE html><html><body>Iniciar sesi\xc3\xb3n</body></html>", "text/html",
     "HTML page where JSON was expected"),
    (b'{"data": {"participatoryProcesses": {"id": "1"}}}', "application/json", "not a list"),
    (b"[1, 2]", "application/json", "not a JSON object"),
    (b'{"data": null}', "application/json", "no 'data'"),
])
def test_answers_that_are_not_usable_fail(replay, tmp_path, body, content_type, message):
    replay.add("/api", body, content_type=content_type)
    code, status = harvest(tmp_path, [decidim_source(replay.url)])
    assert code == 3 and message in status["sources"]["participa"]["error"]


def test_missing_fields_are_tolerated_item_by_item(replay, tmp_path):
    doc = fixture_json("decidim", EXAMPLE)
    procs = doc["data"]["participatoryProcesses"]
    procs.append({"id": "40", "title": {"translations": [{"locale": "es", "text": "Sin slug"}]}})
    procs.append({"id": "41", "slug": "sin-titulo", "title": {"translations": []}})
    procs.append({"id": "42", "slug": "minimo", "title": {"translation": "Solo traducción"}})
    replay.add("/api", json.dumps(doc))
    code, status = harvest(tmp_path, [decidim_source(replay.url)])
    st = status["sources"]["participa"]
    got = records(tmp_path, "participa")
    assert code == 0 and st["failed_items"] == 2
    assert got["processes-42"].title == "Solo traducción" and got["processes-42"].steps == []
    assert "processes-40" not in got and "processes-41" not in got


def test_hostile_markup_in_translated_fields(replay, tmp_path):
    doc = copy.deepcopy(fixture_json("decidim", EXAMPLE))
    proc = doc["data"]["participatoryProcesses"][0]
    title = "<script>alert(1)</script>Presupuesto <b onclick=x()>2027</b>"
    proc["title"] = {"translations": [{"locale": "es", "text": title}]}
    proc["description"] = {"translations": [{"locale": "es", "text": (
        '<p onmouseover="alert(2)">Hola <a href="javascript:alert(3)">a</a>'
        '<a href="jav&#x09;ascript:alert(4)">b</a><a href="vbscript:x">c</a>'
        '<a href="data:text/html,<script>alert(5)</script>">d</a>'
        '<svg onload=alert(6)></svg><iframe src="https://evil.example"></iframe>'
        '<form action="https://evil.example"></form><meta http-equiv="refresh" content="0">'
        '<base href="https://evil.example/"><style>*{}</style><img src=x onerror=alert(7)></p>')}]}
    proc["slug"] = "../../javascript:alert(8)"
    step = {"locale": "es", "text": "<svg/onload=alert(9)>Paso"}
    proc["steps"][0]["title"] = {"translations": [step]}
    replay.add("/api", json.dumps(doc))
    code, _ = harvest(tmp_path, [decidim_source(replay.url)])
    assert code == 0
    text = source_path(tmp_path, "participa").read_text(encoding="utf-8")
    for bad in ("<script", "onclick", "onmouseover", "onload", "onerror", "<svg", "<iframe",
                "<form", "<meta", "<base", "<style", "javascript:", "vbscript:", "/../",
                "data:text", "evil.example", "<img"):
        assert bad not in text, bad
    rec = records(tmp_path, "participa")["processes-7"]
    assert rec.title == "Presupuesto 2027" and "Hola" in rec.description_html
    assert rec.steps[2] == "Paso (2026-12-01 – 2027-01-31)"
    assert rec.url == replay.url + "/processes/..%2F..%2Fjavascript%3Aalert%288%29"


@pytest.mark.parametrize("options, message", [
    ({"spaces": ["processes", "initiatives"]}, "spaces must list"),
    ({"spaces": []}, "spaces must list"),
    ({"fallback_locales": "en"}, "'fallback_locales' must be a list"),
    ({"locale": 3}, "'locale' must be text, not 3"),
])
def test_bad_options_are_configuration_errors(options, message):
    with pytest.raises(ConfigError, match=message):
        parse_config({"sources": [decidim_source("https://participa.example.org", **options)]})
