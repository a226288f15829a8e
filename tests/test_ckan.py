"""CKAN adapter over real HTTP against recorded payloads of real CKAN, DKAN and
Andino portals (tests/fixtures/ckan/, see SOURCES.md)."""

from __future__ import annotations

import copy
import json
import re
from datetime import timedelta

import pytest
from harvest_helpers import Clock, fixture, fixture_json, harvest, records, source_path

from devtools.replay import Reply

API = "/api/3/action"


def ckan(server, **options) -> dict:
    return {"id": "portal", "adapter": "ckan", "url": server.url, "options": options}


def test_package_search_of_demo_ckan(tmp_path, replay):
    doc = fixture_json("ckan", "ckan_package_search_demockan_2017.json")
    replay.add(f"{API}/package_search", fixture("ckan", "ckan_package_search_demockan_2017.json"))
    replay.add(f"{API}/license_list", fixture("ckan", "ckan_license_list_andino.json"))
    code, status = harvest(tmp_path, [ckan(replay)])
    assert code == 0, status
    recs = records(tmp_path, "portal")
    packages = doc["result"]["results"]
    assert set(recs) == {p["id"] for p in packages}
    assert status["sources"]["portal"]["state"] == "ok"
    assert status["sources"]["portal"]["records"] == len(packages) == doc["result"]["count"]
    for pkg in packages:
        rec = recs[pkg["id"]]
        assert rec.title == pkg["title"]
        # The record shows its page at the source, built from the configured base URL.
        assert rec.url == f"{replay.url}/dataset/{pkg['name']}"
        assert rec.modified == pkg["metadata_modified"].split(".")[0]
        assert rec.tags == [t["display_name"] for t in pkg["tags"]]
        assert [r.url for r in rec.resources] == [r["url"] for r in pkg["resources"]]
        assert [r.format for r in rec.resources] == [r["format"].upper()
                                                     for r in pkg["resources"]]
        org = pkg.get("organization")
        assert rec.publisher == (org["title"] if org else None)
    italian = recs["17be64bb-da74-4195-9bb8-565c39846af2"]
    assert italian.license.url == "http://www.opendefinition.org/licenses/cc-by"
    assert italian.description_html.startswith("<p>Dati demografici")
    # other-open has no URL in the package; license_list gives its title.
    plants = recs["62513382-3b26-4bc8-9096-40b6ce8383c0"]
    assert plants.license.id == "other-open" and plants.license.title == "Other (Open)"
    # One listing request, no package_show per item.
    assert len(replay.requests_to(f"{API}/package_search")) == 1
    assert replay.requests_to(f"{API}/package_show") == []


SHOW_FIXTURES = [
    "ckan_package_show_demockan_2015.json",
    "ckan_package_show_demockan_2017_org_extras.json",
    "ckan_package_show_old_ckan_help_docstring.json",
    "ckan_package_show_andino_localhost_pydatajson.json",
    "ckan_dkan_package_show_hautsdefrance_odd.json",
]


def _package(name: str) -> dict:
    result = fixture_json("ckan", name)["result"]
    return result[0] if isinstance(result, list) else result


@pytest.mark.parametrize("name", SHOW_FIXTURES)
def test_package_list_and_show_of_every_recorded_package(tmp_path, replay, name):
    pkg = _package(name)
    replay.add(f"{API}/package_list", json.dumps({"success": True, "result": [pkg["name"]]}))
    replay.add(f"{API}/package_show", fixture("ckan", name), query={"id": pkg["name"]})
    code, status = harvest(tmp_path, [ckan(replay, api="list")])
    assert code == 0, status
    (rec,) = records(tmp_path, "portal").values()
    assert rec.remote_id == pkg["id"]
    assert rec.title == pkg["title"]
    assert rec.url == f"{replay.url}/dataset/{pkg['name']}"
    assert len(rec.resources) == len(pkg["resources"])
    assert sorted(rec.tags) == sorted({t["name"] for t in pkg["tags"]})
    assert rec.modified and rec.modified[:4].isdigit()


def test_andino_extras_and_groups(tmp_path, replay):
    name = "ckan_package_show_andino_localhost_pydatajson.json"
    pkg = _package(name)
    replay.add(f"{API}/package_list", json.dumps({"success": True, "result": [pkg["name"]]}))
    replay.add(f"{API}/package_show", fixture("ckan", name), query={"id": pkg["name"]})
    assert harvest(tmp_path, [ckan(replay, api="list")])[0] == 0
    rec = records(tmp_path, "portal")[pkg["id"]]
    # The dataset's own dates (extras) win over CKAN's record dates.
    assert rec.issued == "2016-04-14T19:48:05-03:00"
    assert rec.modified == "2016-04-19T19:48:05-03:00"
    assert rec.frequency == "R/P1Y"
    assert rec.publisher == "oficina-de-muestra"
    assert rec.themes == ["econ"]
    (res,) = rec.resources
    assert (res.format, res.size, res.modified) == ("CSV", 5120, "2016-04-19T22:48:05")
    assert res.title == "Convocatorias abiertas durante el año 2015"


def test_dkan_oddities(tmp_path, replay):
    """DKAN: `result` is a list, date-only-ish and French dates, HTML-escaped extras."""
    name = "ckan_dkan_package_show_hautsdefrance_odd.json"
    pkg = _package(name)
    replay.add(f"{API}/package_list", json.dumps({"success": True, "result": [pkg["name"]]}))
    replay.add(f"{API}/package_show", fixture("ckan", name), query={"id": pkg["name"]})
    code, status = harvest(tmp_path, [ckan(replay, api="list",
                                           dataset_url="{base}/?q=dataset/{name}")])
    assert code == 0
    rec = records(tmp_path, "portal")[pkg["id"]]
    assert rec.url == f"{replay.url}/?q=dataset/{pkg['name']}"
    assert rec.modified == "2019-09-30T22:00:00"
    assert rec.issued is None  # "mar, 10/12/2019 - 09:23": unreadable, left empty
    notes = status["sources"]["portal"]["notes"]
    assert any("mar, 10/12/2019 - 09:23" in n for n in notes)
    # The publisher sits in an HTML-escaped JSON extra (ckanext-spatial's responsible-party).
    assert rec.publisher == "Région Hauts-de-France"
    assert rec.frequency == "irregular"  # ISO 19115 "asNeeded"
    assert rec.license.url == pkg["license_title"] and rec.license.title is None
    sheet, viewer = rec.resources
    assert (sheet.format, sheet.size, sheet.modified) == ("XLSX", 42, None)  # "42 octets"
    assert (viewer.title, viewer.format, viewer.size) == ("Visionneuse mviewer", None, None)
    assert rec.description_html == "<p>Liste et coordonnées des antennes de proximité du " \
                                   "conseil régional Hauts-de-France.</p>"


def test_license_list_fills_missing_licence_urls(tmp_path, replay):
    pkg = copy.deepcopy(_package("ckan_package_show_andino_localhost_pydatajson.json"))
    pkg.update(license_id="odc-odbl", license_title=None)
    replay.add(f"{API}/package_search", json.dumps(
        {"success": True, "result": {"count": 1, "results": [pkg]}}))
    replay.add(f"{API}/license_list", fixture("ckan", "ckan_license_list_andino.json"))
    assert harvest(tmp_path, [ckan(replay)])[0] == 0
    lic = records(tmp_path, "portal")[pkg["id"]].license
    assert (lic.id, lic.title, lic.url) == (
        "odc-odbl", "Open Data Commons Open Database License (ODbL)",
        "http://www.opendefinition.org/licenses/odc-odbl")


def test_other_actions_answering_404_envelopes_are_tolerated(tmp_path, replay):
    replay.add(f"{API}/package_search", fixture("ckan", "ckan_package_search_demockan_2017.json"))
    for action in ("license_list", "organization_list"):
        replay.add(f"{API}/{action}",
                   fixture("ckan", "ckan_error_404_package_update_not_found_andino.json"),
                   status=404)
    code, status = harvest(tmp_path, [ckan(replay)])
    assert code == 0
    entry = status["sources"]["portal"]
    assert entry["state"] == "ok" and entry["records"] == 3
    assert any("license_list unavailable" in n and "No encontrado" in n for n in entry["notes"])
    # Organizations come from the packages themselves.
    assert records(tmp_path, "portal")["17be64bb-da74-4195-9bb8-565c39846af2"].publisher == "SDB"
    assert replay.requests_to(f"{API}/organization_list") == []


def test_error_envelope_fails_the_source_and_keeps_its_file(tmp_path, replay):
    replay.add(f"{API}/package_search", fixture("ckan", "ckan_package_search_demockan_2017.json"))
    assert harvest(tmp_path, [ckan(replay)])[0] == 0
    before = source_path(tmp_path, "portal").read_bytes()
    replay.add(f"{API}/package_search",
               fixture("ckan", "ckan_error_403_package_create_forbidden_andino.json"), status=403)
    code, status = harvest(tmp_path, [ckan(replay)], full=True)
    assert code == 3
    entry = status["sources"]["portal"]
    assert entry["state"] == "failed" and entry["records"] == 3
    assert "HTTP 403" in entry["error"] and "Acceso denegado" in entry["error"]
    assert source_path(tmp_path, "portal").read_bytes() == before


# -- paging -------------------------------------------------------------------

def _packages(n: int, modified: str = "2025-01-01T00:00:00") -> list[dict]:
    return [{"id": f"id-{i:04d}", "name": f"datos-{i:04d}", "title": f"Datos {i}",
             "metadata_modified": modified, "resources": [], "tags": []} for i in range(n)]


class FakeSolr:
    """package_search over a list of packages: rows capped like a real server,
    `fq` metadata_modified ranges honoured, sorted by id."""

    def __init__(self, packages: list[dict], cap: int = 1000, overlap: int = 0):
        self.packages = packages
        self.cap = cap
        self.overlap = overlap  # repeat the last N of the previous page (a shifting index)

    def __call__(self, request, raw) -> Reply:
        pkgs = sorted(self.packages, key=lambda p: p["id"])
        m = re.search(r"metadata_modified:\[(\S+) TO \*\]", request.query.get("fq", ""))
        if m:
            since = m.group(1).rstrip("Z")
            pkgs = [p for p in pkgs if p["metadata_modified"] >= since]
        start = int(request.query.get("start", 0))
        start = max(0, start - self.overlap) if start else 0
        rows = min(int(request.query.get("rows", 10)), self.cap)
        body = {"success": True, "result": {"count": len(pkgs),
                                            "results": pkgs[start:start + rows]}}
        return Reply(200, json.dumps(body).encode(), {"Content-Type": "application/json"})


def test_short_pages_and_duplicates_across_pages(tmp_path, replay):
    replay.handle(f"{API}/package_search", FakeSolr(_packages(23), cap=4, overlap=1))
    code, status = harvest(tmp_path, [ckan(replay, rows=10, licenses=False)])
    assert code == 0, status
    assert sorted(records(tmp_path, "portal")) == [f"id-{i:04d}" for i in range(23)]
    starts = [int(r.query["start"]) for r in replay.requests_to(f"{API}/package_search")]
    # The server sent 4 rows although 10 were asked: paging goes on from what it sent.
    assert starts[:3] == [0, 4, 8]
    assert any("listed twice" in n for n in status["sources"]["portal"]["notes"])


def test_endless_paging_fails(tmp_path, replay):
    # A server that ignores `start`: the same page forever.
    same = json.dumps({"success": True, "result": {"count": 10**6, "results": _packages(5)}})
    replay.add(f"{API}/package_search", same)
    code, status = harvest(tmp_path, [ckan(replay, rows=5)])
    assert code == 3
    assert "repeats itself" in status["sources"]["portal"]["error"]
    assert len(replay.requests_to(f"{API}/package_search")) == 2

    # A server that makes up new packages forever: bounded by max_pages.
    def endless(request, raw):
        start = int(request.query.get("start", 0))
        body = {"success": True, "result": {"count": 10**9, "results": [
            {"id": f"x{start + i}", "name": f"x{start + i}"} for i in range(5)]}}
        return Reply(200, json.dumps(body).encode(), {"Content-Type": "application/json"})
    replay.handle(f"{API}/package_search", endless)
    code, status = harvest(tmp_path, [ckan(replay, rows=5, max_pages=7)])
    assert code == 3
    assert "paging did not end after 7 pages" in status["sources"]["portal"]["error"]
    assert not source_path(tmp_path, "portal").exists()


def test_items_without_identifier_or_title(tmp_path, replay):
    pkgs = _packages(3)
    pkgs[1] = {"title": "Sin identificador", "resources": []}
    pkgs[2]["title"] = None
    replay.add(f"{API}/package_search", json.dumps(
        {"success": True, "result": {"count": 3, "results": pkgs}}))
    code, status = harvest(tmp_path, [ckan(replay, licenses=False)])
    assert code == 0
    recs = records(tmp_path, "portal")
    assert set(recs) == {"id-0000", "id-0002"}
    assert recs["id-0002"].title == "datos-0002"  # falls back to the name
    entry = status["sources"]["portal"]
    assert entry["failed_items"] == 1 and entry["records"] == 2
    # A failed item means this was not an error-free run: the next one is not incremental
    # from here.
    assert entry["last_success"] is None


# -- incremental and full runs ---------------------------------------------------

def test_incremental_runs_then_full_detects_deletions(tmp_path, replay):
    pkgs = _packages(6, "2025-03-01T10:00:00")
    solr = FakeSolr(pkgs)
    replay.handle(f"{API}/package_search", solr)
    clock = Clock()
    source = [ckan(replay, licenses=False)]
    assert harvest(tmp_path, source, now=clock)[0] == 0
    assert "fq" not in replay.requests[-1].query  # the first run lists everything

    # Upstream: one package changes, one is deleted.
    pkgs[2] = {**pkgs[2], "title": "Datos cambiados", "metadata_modified": "2026-01-20T08:00:00"}
    deleted = pkgs.pop(4)["id"]
    clock.now += timedelta(days=7)
    code, status = harvest(tmp_path, source, now=clock)
    assert code == 0
    fq = replay.requests[-1].query["fq"]
    # Changes since the newest modification already held, minus the margin.
    assert fq == "+metadata_modified:[2025-03-01T09:00:00Z TO *]"
    entry = status["sources"]["portal"]
    assert (entry["state"], entry["updated"], entry["removed"]) == ("ok", 1, 0)
    recs = records(tmp_path, "portal")
    assert recs["id-0002"].title == "Datos cambiados"
    assert deleted in recs  # an incremental run cannot see deletions

    clock.now += timedelta(days=1)
    code, status = harvest(tmp_path, source, now=clock, full=True)
    assert code == 0 and "fq" not in replay.requests[-1].query
    entry = status["sources"]["portal"]
    assert (entry["removed"], entry["records"]) == (1, 5)
    assert deleted not in records(tmp_path, "portal")


def test_incremental_no_change_run_is_conditional(tmp_path, replay):
    replay.add(f"{API}/package_search", json.dumps(
        {"success": True, "result": {"count": 4, "results": _packages(4)}}))
    clock = Clock()
    source = [ckan(replay, licenses=False)]
    for _ in range(3):
        clock.now += timedelta(hours=6)
        code, status = harvest(tmp_path, source, now=clock)
        assert code == 0
    first, second, third = replay.requests_to(f"{API}/package_search")
    # Second and third runs ask the same question (the watermark did not move)...
    assert second.query == third.query and "fq" in second.query
    # ...so the third one is conditional and answered 304: nothing rewritten.
    assert third.conditional and not first.conditional
    assert status["sources"]["portal"]["state"] == "unchanged"


def test_user_fq_is_kept_in_incremental_runs(tmp_path, replay):
    replay.handle(f"{API}/package_search", FakeSolr(_packages(2)))
    source = [ckan(replay, fq="organization:minsal", licenses=False)]
    clock = Clock()
    harvest(tmp_path, source, now=clock)
    assert replay.requests[-1].query["fq"] == "+(organization:minsal)"
    clock.now += timedelta(days=1)
    harvest(tmp_path, source, now=clock)
    assert replay.requests[-1].query["fq"].startswith(
        "+(organization:minsal) +metadata_modified:[")


@pytest.mark.parametrize("options, message", [
    ({"api": "rest"}, "'api' must be"),
    ({"rows": 5000}, "'rows' must be between"),
    ({"dataset_url": "{base}/{slug}"}, "dataset_url"),
    ({"rows": "100"}, "'rows' must be a whole number, not '100'"),
    ({"page_size": 10}, "unknown option"),
])
def test_bad_options_are_configuration_errors(tmp_path, options, message):
    from aggregator.config import ConfigError, parse_config
    with pytest.raises(ConfigError, match=message):
        parse_config({"sources": [{"id": "x", "adapter": "ckan", "url": "https://x.cl",
                                   "options": options}]})
