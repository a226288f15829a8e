"""Hard deadlines over real HTTP on 127.0.0.1: servers that drip, stall, never
answer or send headers forever fail within `max_seconds` with a clear reason,
while fast sources beside them finish; source and run budgets; retries that
would go past a budget are not attempted."""

from __future__ import annotations

import json
import time

import pytest
from harvest_helpers import fixture, harvest, source_path

from aggregator.http import Http, HttpError
from devtools.hostile import SilentServer, delayed, drip, endless_headers, stall
from devtools.replay import Reply

SMALL = fixture("datajson", "datajson_andino_demo2.json")
CATALOG = fixture("datajson", "datajson_argentina_justicia_catalogo.json")
# read_timeout far above max_seconds: what ends these answers is the deadline.
LIMITS = {"max_seconds": 1.5, "read_timeout": 20, "timeout": 5, "retries": 2,
          "connections_per_host": 8, "parallel_sources": 8}


def dj(sid: str, url: str) -> dict:
    return {"id": sid, "adapter": "datajson", "url": url}


def with_fast_neighbours(replay, hostile: dict) -> list[dict]:
    replay.add("/fast1/data.json", SMALL)
    replay.add("/fast2/data.json", CATALOG)
    return [hostile, dj("rapida", replay.url + "/fast1/data.json"),
            dj("rapida-dos", replay.url + "/fast2/data.json")]


def check(status: dict, sid: str, *words: str, within: float) -> None:
    entry = status["sources"][sid]
    assert entry["state"] == "failed", entry
    for word in words:
        assert word in entry["error"], entry["error"]
    assert entry["seconds"] < within, entry
    assert status["sources"]["rapida"]["state"] == "ok"
    assert status["sources"]["rapida-dos"]["records"] == 16


def test_slow_drip_body_fails_at_max_seconds(tmp_path, replay):
    replay.handle("/drip/data.json", drip(SMALL.read_bytes(), every=0.5))
    sources = with_fast_neighbours(replay, dj("goteo", replay.url + "/drip/data.json"))
    started = time.monotonic()
    code, status = harvest(tmp_path, sources, LIMITS)
    assert code == 3
    check(status, "goteo", "was still sending its body", "bytes received",
          "over the 1.5 s an answer may take (max_seconds)", within=3.5)
    assert time.monotonic() - started < 6
    # No retry after the deadline: one request, then the source stopped.
    assert len(replay.requests_to("/drip/data.json")) == 1


def test_server_that_accepts_and_never_answers(tmp_path, replay):
    with SilentServer() as silent:
        url = f"http://127.0.0.1:{silent.port}/data.json"
        code, status = harvest(tmp_path, with_fast_neighbours(replay, dj("muda", url)), LIMITS)
    assert code == 3
    check(status, "muda", f"no answer from {url}", "(max_seconds)", within=3.5)


def test_stalled_tls_handshake(tmp_path, replay):
    with SilentServer() as silent:
        url = f"https://127.0.0.1:{silent.port}/data.json"
        _code, status = harvest(tmp_path, with_fast_neighbours(replay, dj("tls", url)), LIMITS)
    check(status, "tls", f"no answer from {url}", "(max_seconds)", within=3.5)
    assert silent.accepted  # it did connect: the handshake is what stalled


def test_stall_in_the_middle_of_the_body(tmp_path, replay):
    body = CATALOG.read_bytes()
    replay.handle("/stall/data.json", stall(body, sent=5000))
    sources = with_fast_neighbours(replay, dj("corte", replay.url + "/stall/data.json"))
    _code, status = harvest(tmp_path, sources, LIMITS)
    check(status, "corte", "(5,000 bytes received)", "(max_seconds)", within=3.5)


def test_endless_headers(tmp_path, replay):
    replay.handle("/headers/data.json", endless_headers(every=0.2))
    sources = with_fast_neighbours(replay, dj("cabeceras", replay.url + "/headers/data.json"))
    _code, status = harvest(tmp_path, sources, LIMITS)
    check(status, "cabeceras", "no answer from", "(max_seconds)", within=3.5)


def test_the_http_layer_alone_cuts_a_drip(replay):
    """Without the run loop: one request, one deadline, the connection closed."""
    replay.handle("/drip", drip(b'{"a": 1}' * 50, every=0.3))
    client = Http({"max_seconds": 1, "read_timeout": 20, "retries": 0})
    started = time.monotonic()
    with pytest.raises(HttpError, match=r"still sending its body \(\d+ bytes received\), "
                                        r"over the 1 s an answer may take"):
        client.get(replay.url + "/drip")
    assert time.monotonic() - started < 2.5
    # The client is still usable: the next answer arrives normally.
    replay.add("/ok", b'{"ok": true}')
    assert client.get(replay.url + "/ok").json() == {"ok": True}
    client.close()


# -- budgets ---------------------------------------------------------------------

def _paged_ckan(replay, pages: int, latency: float) -> None:
    """A CKAN portal answering one package per page, each page `latency` s late."""
    base = json.loads(fixture("ckan", "ckan_package_search_demockan_2017.json").read_bytes())
    packages = base["result"]["results"][:pages]

    def page(request, raw):
        time.sleep(latency)
        start = int(request.query.get("start", 0))
        return Reply(200, json.dumps({"success": True, "result": {
            "count": len(packages), "results": packages[start:start + 1]}}).encode(),
            {"Content-Type": "application/json"})
    replay.handle("/api/3/action/package_search", page)


def test_a_source_over_its_budget_fails_and_keeps_its_last_good_data(tmp_path, replay):
    _paged_ckan(replay, pages=3, latency=0)
    ckan = {"id": "lenta", "adapter": "ckan", "url": replay.url,
            "options": {"rows": 1, "licenses": False}}
    sources = [ckan, dj("rapida", replay.url + "/fast/data.json")]
    replay.add("/fast/data.json", SMALL)
    assert harvest(tmp_path, sources, full=True)[0] == 0
    before = source_path(tmp_path, "lenta").read_bytes()
    _paged_ckan(replay, pages=3, latency=0.8)  # three fast-enough pages: 2.4 s in all
    code, status = harvest(tmp_path, sources, {**LIMITS, "source_max_seconds": 1.5},
                           full=True)
    entry = status["sources"]["lenta"]
    assert code == 3 and entry["state"] == "failed"
    assert "over the source's time budget of 1.5 s (source_max_seconds)" in entry["error"]
    assert entry["seconds"] < 2.3 and entry["records"] == 3
    assert source_path(tmp_path, "lenta").read_bytes() == before
    assert status["sources"]["rapida"]["state"] == "unchanged"


def test_the_run_always_ends_at_its_budget(tmp_path, replay):
    for n in range(3):
        replay.add(f"/s{n}/data.json", SMALL)
    sources = [dj(f"fuente-{n}", f"{replay.url}/s{n}/data.json") for n in range(3)]
    assert harvest(tmp_path, sources)[0] == 0
    before = {s["id"]: source_path(tmp_path, s["id"]).read_bytes() for s in sources}
    for n in range(3):  # each answer now takes 0.8 s, and changed
        body = SMALL.read_bytes().replace(b'"Dataset Demo"', b'"Dataset Demo nuevo"')
        replay.handle(f"/s{n}/data.json", delayed(body, 0.8))
    started = time.monotonic()
    code, status = harvest(tmp_path, sources, {**LIMITS, "parallel_sources": 1,
                                               "run_max_seconds": 1.2})
    assert time.monotonic() - started < 3.5 and code == 3
    states = [status["sources"][s["id"]] for s in sources]
    assert states[0]["state"] == "ok"
    assert states[1]["state"] == "failed" and "run_max_seconds" in states[1]["error"]
    assert states[2]["state"] == "failed" and "before it started" in states[2]["error"]
    assert len(replay.requests_to("/s2/data.json")) == 1  # only the first, untimed run
    for s in sources[1:]:
        assert source_path(tmp_path, s["id"]).read_bytes() == before[s["id"]]
    assert status["run"]["seconds"] < 3.5


def test_retry_after_past_the_budget_fails_at_once(tmp_path, replay):
    replay.add("/limited/data.json", b"slow down", status=429, content_type="text/plain",
               headers={"Retry-After": "3600"})
    sources = with_fast_neighbours(replay, dj("limitada", replay.url + "/limited/data.json"))
    _code, status = harvest(tmp_path, sources, {**LIMITS, "max_seconds": 60,
                                               "max_retry_wait": 30,
                                               "source_max_seconds": 5})
    check(status, "limitada", "HTTP 429 asked to wait 3600 s (Retry-After)",
          "over the source's time budget of 5 s (source_max_seconds)", within=1.5)
    assert len(replay.requests_to("/limited/data.json")) == 1


def test_retries_that_fit_still_happen(tmp_path, replay):
    calls = []

    def busy_once(request, raw):
        calls.append(time.monotonic())
        if len(calls) == 1:
            return Reply(503, b"", {"Retry-After": "1"})
        return Reply(200, SMALL.read_bytes(), {"Content-Type": "application/json"})
    replay.handle("/busy/data.json", busy_once)
    code, _status = harvest(tmp_path, [dj("ocupada", replay.url + "/busy/data.json")],
                           {**LIMITS, "max_seconds": 5, "source_max_seconds": 5})
    assert code == 0 and len(calls) == 2 and calls[1] - calls[0] >= 0.95


@pytest.mark.parametrize("key,value", [("parallel_sources", 0), ("connections_per_host", 1.5),
                                       ("run_max_seconds", 0), ("source_max_seconds", "1h")])
def test_bad_limits_are_configuration_errors(tmp_path, key, value):
    from aggregator.config import ConfigError, parse_config
    with pytest.raises(ConfigError, match=f"settings: '{key}' must be"):
        parse_config({"sources": [], "settings": {key: value}}, tmp_path / "sources.yaml")
