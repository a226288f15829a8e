"""The one HTTP layer, against real misbehaving servers on 127.0.0.1: retries,
Retry-After, timeouts, resets, truncation, redirect loops, the body cap and
conditional requests."""

from __future__ import annotations

import gzip
import json
import time

import pytest

from aggregator.http import Http, HttpError
from devtools.replay import Reply

SETTINGS = {"retries": 2, "max_retry_wait": 2, "timeout": 2, "read_timeout": 5}


def http(tmp_path=None, **settings) -> Http:
    return Http({**SETTINGS, **settings}, tmp_path / "cache" if tmp_path else None)


def flaky(status: int, headers: dict, failures: int = 1):
    """Answer `status` `failures` times, then 200 with JSON."""
    calls = []

    def handler(request, raw):
        calls.append(time.monotonic())
        if len(calls) <= failures:
            return Reply(status, b"busy", {"Content-Type": "text/plain", **headers})
        return Reply(200, b'{"ok": true}', {"Content-Type": "application/json"})
    handler.calls = calls
    return handler


def test_user_agent_names_the_portal(replay):
    replay.add("/x", b"{}")
    http().get(replay.url + "/x", accept="application/json")
    req = replay.requests[-1]
    assert req.headers["user-agent"].startswith("PortalGobiernoAbierto/")
    assert "+http" in req.headers["user-agent"] and req.headers["accept"] == "application/json"


def test_503_with_retry_after_waits_then_succeeds(replay):
    handler = flaky(503, {"Retry-After": "1"})
    replay.handle("/busy", handler)
    client = http()
    resp = client.get(replay.url + "/busy")
    assert resp.json() == {"ok": True}
    assert len(handler.calls) == 2
    assert handler.calls[1] - handler.calls[0] >= 0.95  # it waited as asked
    assert client.stats.retries == 1


def test_429_retry_after_is_capped(replay):
    handler = flaky(429, {"Retry-After": "3600"})
    replay.handle("/limited", handler)
    started = time.monotonic()
    assert http(max_retry_wait=1).get(replay.url + "/limited").json() == {"ok": True}
    waited = handler.calls[1] - handler.calls[0]
    assert 0.95 <= waited and time.monotonic() - started < 10  # an hour asked, 1 s given


def test_persistent_429_and_500_fail_after_bounded_retries(replay):
    replay.add("/429", b"slow down", status=429, content_type="text/plain",
               headers={"Retry-After": "0"})
    replay.add("/500", b"<h1>Internal error</h1>", status=500, content_type="text/html")
    with pytest.raises(HttpError, match=r"HTTP 429 from .*/429 \(after 2 retries\)"):
        http().get(replay.url + "/429")
    with pytest.raises(HttpError, match=r"HTTP 500 from .*/500 \(after 1 retry\)"):
        http(retries=1).get(replay.url + "/500")
    assert len(replay.requests_to("/429")) == 3 and len(replay.requests_to("/500")) == 2


def test_ckan_error_message_is_in_the_error(replay):
    replay.add("/api/3/action/package_search",
               json.dumps({"success": False, "error": {"message": "Solr caído",
                                                       "__type": "Search Error"}}),
               status=409)
    with pytest.raises(HttpError, match="HTTP 409 .*: Solr caído$"):
        http().get(replay.url + "/api/3/action/package_search")


def test_read_timeout(replay):
    def slow(request, raw):
        time.sleep(2)
        return Reply(200, b"{}")
    replay.handle("/slow", slow)
    started = time.monotonic()
    with pytest.raises(HttpError, match=r"timed out after 0.5s waiting for .*/slow"):
        http(read_timeout=0.5, retries=0).get(replay.url + "/slow")
    assert time.monotonic() - started < 1.9


def test_connection_reset(replay):
    replay.handle("/reset", lambda request, raw: raw.reset())
    with pytest.raises(HttpError, match="connection failed to .*/reset: .*reset by peer"):
        http().get(replay.url + "/reset")
    assert len(replay.requests_to("/reset")) == 3  # resets are retried too


def test_truncated_body(replay):
    replay.handle("/cut", lambda request, raw: raw.truncate(b'{"dataset": [{"ti', 5000))
    with pytest.raises(HttpError, match="truncated body from .*/cut"):
        http().get(replay.url + "/cut")


def test_redirect_loop_and_redirects_within_the_limit(replay):
    replay.add("/loop", b"", status=302, headers={"Location": "/loop"})
    with pytest.raises(HttpError, match=r"too many redirects \(more than 3\)"):
        http(max_redirects=3).get(replay.url + "/loop")
    assert len(replay.requests_to("/loop")) == 4
    replay.add("/old", b"", status=301, headers={"Location": "/new"})
    replay.add("/new", b'{"moved": 1}')
    resp = http().get(replay.url + "/old")
    assert resp.json() == {"moved": 1} and resp.url.endswith("/new")


def test_body_over_the_cap(replay):
    replay.add("/declared", b"x" * 5000)
    with pytest.raises(HttpError, match="is 5,000 bytes, over the cap of 1,000"):
        http(max_body_bytes=1000).get(replay.url + "/declared")

    def chunked(request, raw):  # no Content-Length: the cap is counted while reading
        raw.send_response(200)
        raw.send_header("Content-Type", "application/json")
        raw.send_header("Transfer-Encoding", "chunked")
        raw.end_headers()
        try:
            for _ in range(50):
                raw.wfile.write(b"400\r\n" + b"y" * 1024 + b"\r\n")
            raw.wfile.write(b"0\r\n\r\n")
        except OSError:
            pass  # the client hung up, as it should
        raw.close_connection = True
    replay.handle("/chunked", chunked)
    with pytest.raises(HttpError, match="over the cap of 4,000 bytes"):
        http(max_body_bytes=4000).get(replay.url + "/chunked")
    # A small gzip body that inflates past the cap is caught too.
    replay.add("/bomb", gzip.compress(b"z" * 1_000_000), headers={"Content-Encoding": "gzip"})
    with pytest.raises(HttpError, match="over the cap of 100,000 bytes"):
        http(max_body_bytes=100_000).get(replay.url + "/bomb")


@pytest.mark.parametrize("body, ctype, message", [
    (b"", "application/json", "empty response"),
    (b"   \n", "application/json", "empty response"),
    (b"<!DOCTYPE html><html><body>Mantenimiento programado</body></html>",
     "application/json", "HTML page where JSON was expected"),
    (b"{'no': 'json'}", "application/json", "invalid JSON"),
])
def test_unusable_json_bodies(replay, body, ctype, message):
    replay.add("/data.json", body, content_type=ctype)
    with pytest.raises(HttpError, match=message):
        http().get(replay.url + "/data.json").json()


def test_conditional_get_with_etag(tmp_path, replay):
    replay.add("/data.json", b'{"dataset": []}')
    first = http(tmp_path).get(replay.url + "/data.json")
    client = http(tmp_path)  # a new process: validators come from the disk cache
    second = client.get(replay.url + "/data.json")
    req = replay.requests[-1]
    assert req.headers["if-none-match"] == first.headers["etag"]
    assert second.not_modified and second.status == 304
    assert second.body == first.body and second.content_type == "application/json"
    assert (client.stats.conditional, client.stats.not_modified) == (1, 1)


def test_conditional_get_with_last_modified_only(tmp_path, replay):
    stamp = "Wed, 01 Jan 2025 00:00:00 GMT"

    def handler(request, raw):
        if request.headers.get("if-modified-since") == stamp:
            return Reply(304, b"", {})
        return Reply(200, b"[1, 2]", {"Content-Type": "application/json",
                                      "Last-Modified": stamp})
    replay.handle("/lm", handler)
    http(tmp_path).get(replay.url + "/lm")
    again = http(tmp_path).get(replay.url + "/lm")
    assert again.not_modified and again.json() == [1, 2]
    assert "if-none-match" not in replay.requests[-1].headers


def test_rewrite_reports_the_public_url(replay):
    replay.add("/datos.gob.cl/api/3/action/package_search", b'{"result": []}')
    client = Http(SETTINGS, None, rewrite={"https://datos.gob.cl": replay.url + "/datos.gob.cl"})
    resp = client.get("https://datos.gob.cl/api/3/action/package_search", params={"rows": 1})
    assert resp.url == "https://datos.gob.cl/api/3/action/package_search?rows=1"
    assert replay.requests[-1].query == {"rows": "1"}
