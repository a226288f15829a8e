"""The shared run loop: failure semantics, untouched last good files, identical
bytes and conditional requests on re-runs, hostile markup, crash safety, feedback."""

from __future__ import annotations

import io
import json
import os
import random
import re
import signal
import subprocess
import sys
import time

import pytest
from harvest_helpers import fixture, harvest, records, source_path

from aggregator import yamlio
from aggregator.records import Dataset
from aggregator.report import Progress, summary_table
from aggregator.runner import SourceResult
from aggregator.snapshot import ROOT, load_snapshot, read_source_file, write_source_file
from devtools.replay import Reply

CATALOG = "datajson_argentina_justicia_catalogo.json"


def datajson(url: str, sid: str = "dj", **extra) -> dict:
    return {"id": sid, "adapter": "datajson", "url": url, **extra}


def _slow(request, raw):
    time.sleep(3)
    return Reply(200, b"{}")


def _endless_redirect(request, raw):
    return Reply(302, b"", {"Location": request.path})


FAULTS = {
    "500": lambda req, raw: Reply(500, b"Internal Server Error", {"Content-Type": "text/plain"}),
    "503": lambda req, raw: Reply(503, b"", {"Retry-After": "0"}),
    "429": lambda req, raw: Reply(429, b"", {"Retry-After": "0"}),
    "timeout": _slow,
    "reset": lambda req, raw: raw.reset(),
    "truncated": lambda req, raw: raw.truncate(b'{"dataset": [{"identifier": "x"', 90000),
    "invalid JSON": lambda req, raw: Reply(200, b'{"dataset": [}', {}),
    "HTML": lambda req, raw: Reply(200, b"<html><body>Sitio en mantenimiento</body></html>",
                                   {"Content-Type": "text/html"}),
    "redirect loop": _endless_redirect,
    "over the cap": lambda req, raw: Reply(200, b'{"dataset": []}' + b" " * 300_000, {}),
    "empty 200": lambda req, raw: Reply(200, b"", {"Content-Type": "application/json"}),
    "zero records": lambda req, raw: Reply(200, b'{"dataset": []}', {}),
}
MESSAGES = {
    "500": "HTTP 500", "503": "HTTP 503", "429": "HTTP 429", "timeout": "timed out",
    "reset": "connection failed", "truncated": "truncated body", "invalid JSON": "invalid JSON",
    "HTML": "HTML page where JSON", "redirect loop": "too many redirects",
    "over the cap": "over the cap", "empty 200": "empty response",
    "zero records": "no records (it had 16 before)",
}


@pytest.mark.parametrize("fault", list(FAULTS))
def test_a_failing_source_keeps_its_last_good_file(tmp_path, replay, fault):
    replay.add("/good/data.json", fixture("datajson", CATALOG))
    replay.add("/other/data.json", fixture("datajson", "datajson_andino_demo2.json"))
    sources = [datajson(replay.url + "/good/data.json"),
               datajson(replay.url + "/other/data.json", "otro")]
    settings = {"read_timeout": 0.5, "max_body_bytes": 200_000}
    assert harvest(tmp_path, sources, settings)[0] == 0
    before = source_path(tmp_path, "dj").read_bytes()
    replay.handle("/good/data.json", FAULTS[fault])
    code, status = harvest(tmp_path, sources, settings)
    assert code == 3
    entry = status["sources"]["dj"]
    assert entry["state"] == "failed"
    assert MESSAGES[fault] in entry["error"] and "\n" not in entry["error"]
    assert entry["records"] == 16 and entry["added"] == entry["removed"] == 0
    assert source_path(tmp_path, "dj").read_bytes() == before
    assert status["sources"]["otro"]["state"] == "unchanged"  # the run went on
    assert status["run"]["exit"] == 3


def test_status_yaml_and_source_header(tmp_path, replay):
    replay.add("/data.json", fixture("datajson", CATALOG))
    source = datajson(replay.url + "/data.json", name="Datos Justicia Argentina")
    code, status = harvest(tmp_path, [source])
    assert code == 0
    entry = status["sources"]["dj"]
    assert {"state", "records", "added", "updated", "removed", "warnings", "seconds",
            "error"} <= set(entry)
    assert (entry["state"], entry["records"], entry["added"], entry["error"]) == ("ok", 16, 16,
                                                                                  None)
    assert set(status["run"]) == {"started", "finished", "exit", "seconds"}
    assert 0 <= status["run"]["seconds"] < 60
    doc = yamlio.load_file(source_path(tmp_path, "dj"))
    assert list(doc)[:4] == ["source", "name", "url", "adapter"]
    sf = read_source_file(source_path(tmp_path, "dj"))
    assert (sf.name, sf.url) == ("Datos Justicia Argentina", replay.url)  # the portal
    ids = [r["id"] for r in doc["records"]]
    assert ids == sorted(ids) and doc["count"] == 16


def test_identical_runs_give_identical_bytes_and_conditional_requests(tmp_path, replay):
    replay.add("/data.json", fixture("datajson", CATALOG))
    replay.add("/catalog.rdf", fixture("dcat", "dcat_dataset_opendata_hro_de.rdf"),
               content_type="application/rdf+xml")
    sources = [datajson(replay.url + "/data.json"),
               {"id": "rdf", "adapter": "dcat", "url": replay.url + "/catalog.rdf"}]
    assert harvest(tmp_path, sources)[0] == 0
    first = {p.name: p.read_bytes() for p in (tmp_path / "data" / "sources").iterdir()}
    mtimes = {p.name: p.stat().st_mtime_ns for p in (tmp_path / "data" / "sources").iterdir()}
    sent = len(replay.requests)
    code, status = harvest(tmp_path, sources)
    assert code == 0
    second_run = replay.requests[sent:]
    assert len(second_run) == 2 and all(r.conditional for r in second_run)
    assert all("if-none-match" in r.headers for r in second_run)
    assert {s["state"] for s in status["sources"].values()} == {"unchanged"}
    assert {p.name: p.read_bytes() for p in (tmp_path / "data" / "sources").iterdir()} == first
    assert {p.name: p.stat().st_mtime_ns
            for p in (tmp_path / "data" / "sources").iterdir()} == mtimes
    # And from scratch, elsewhere, the same input gives the same bytes.
    other = tmp_path / "again"
    other.mkdir()
    harvest(other, sources)
    assert {p.name: p.read_bytes() for p in (other / "data" / "sources").iterdir()} == first


def test_updates_and_removals_are_counted(tmp_path, replay):
    doc = json.loads(fixture("datajson", CATALOG).read_bytes())
    replay.add("/data.json", json.dumps(doc))
    harvest(tmp_path, [datajson(replay.url + "/data.json")])
    doc["dataset"][0]["title"] = "Título nuevo"
    removed = doc["dataset"].pop()["identifier"]
    replay.add("/data.json", json.dumps(doc))
    code, status = harvest(tmp_path, [datajson(replay.url + "/data.json")])
    entry = status["sources"]["dj"]
    assert (code, entry["updated"], entry["removed"], entry["records"]) == (0, 1, 1, 15)
    assert removed not in records(tmp_path, "dj")


# -- hostile input ---------------------------------------------------------------

HOSTILE = '<script>alert("x")</script> <img src=x onerror=alert(1)> <a href="javascript:alert(1)">clic</a> <a href="&#106;avascript:alert(1)">ent</a> <a href="jav&#x09;ascript:alert(1)">tab</a> <a href="vbscript:msgbox(1)">vb</a> <a href="data:text/html;base64,PHNjcmlwdD4=">datos</a> <iframe src="https://evil.example/"></iframe> <object data="x.swf"></object> <embed src="x.swf"> <form action="https://evil.example/"><input name=q></form> <meta http-equiv="refresh" content="0;url=https://evil.example/"> <base href="https://evil.example/"> <style>body{color:red}</style> <svg onload=alert(1)><script>alert(2)</script></svg> <p style="color:red" onclick="alert(1)">párrafo</p> &lt;script&gt;alert(3)&lt;/script&gt; Texto legítimo'
HOSTILE_URLS = ["javascript:alert(1)", "&#106;avascript:alert(1)", " JaVaScRiPt:alert(1)",
                "jav\tascript:alert(1)", "vbscript:msgbox(1)",
                "data:text/html,<script>alert(1)</script>", "&#x64;ata:text/html,x"]
FORBIDDEN = re.compile(r"<\s*(script|iframe|object|embed|form|meta|base|style|svg|img|input)"
                       r"|\bon[a-z]+\s*=|javascript:|vbscript:|(?<![a-z])data:|style\s*=",
                       re.IGNORECASE)


def _hostile_ckan_package(i: int) -> dict:
    return {"id": f"p{i}", "name": f"p{i}", "title": HOSTILE, "notes": HOSTILE,
            "metadata_modified": "2025-01-01T00:00:00", "metadata_created": HOSTILE,
            "license_id": HOSTILE, "license_title": HOSTILE, "license_url": HOSTILE_URLS[i],
            "organization": {"title": HOSTILE, "name": HOSTILE},
            "groups": [{"display_name": HOSTILE}], "tags": [{"display_name": HOSTILE}],
            "extras": [{"key": "accrualPeriodicity", "value": HOSTILE}],
            "resources": [{"name": HOSTILE, "format": HOSTILE, "url": u,
                           "last_modified": HOSTILE, "size": HOSTILE}
                          for u in HOSTILE_URLS + ["https://ok.example/d.csv"]]}


def _hostile_dataset(i: int) -> dict:
    return {"identifier": f"d{i}", "title": HOSTILE, "description": HOSTILE,
            "landingPage": HOSTILE_URLS[i], "publisher": {"name": HOSTILE},
            "keyword": [HOSTILE], "theme": [HOSTILE], "license": HOSTILE,
            "modified": HOSTILE, "accrualPeriodicity": HOSTILE,
            "distribution": [{"title": HOSTILE, "format": HOSTILE, "mediaType": HOSTILE,
                              "downloadURL": u} for u in HOSTILE_URLS]
            + [{"title": HOSTILE, "accessURL": "https://ok.example/d.csv"}]}


def _hostile_turtle() -> str:
    lit = json.dumps(HOSTILE)  # a valid Turtle string literal
    out = ["@prefix dcat: <http://www.w3.org/ns/dcat#> .",
           "@prefix dct: <http://purl.org/dc/terms/> .",
           "@prefix foaf: <http://xmlns.com/foaf/0.1/> ."]
    for i, url in enumerate(HOSTILE_URLS):
        out.append(
            f'<https://x.example/t{i}> a dcat:Dataset ; dct:identifier "t{i}" ; '
            f'dct:title {lit} ; dct:description {lit} ; dcat:keyword {lit} ; '
            f'dcat:theme {lit} ; dct:license {lit} ; dct:issued {lit} ; '
            f'dcat:landingPage {json.dumps(url)} ; '
            f'dct:publisher [ foaf:name {lit} ] ; '
            f'dcat:distribution [ dct:title {lit} ; dct:format {lit} ; '
            f'dcat:downloadURL {json.dumps(url)} ] , '
            f'[ dct:title {lit} ; dcat:accessURL <https://ok.example/d.csv> ] .')
    return "\n".join(out)


def test_hostile_markup_never_reaches_the_snapshot(tmp_path, replay):
    packages = [_hostile_ckan_package(i) for i in range(len(HOSTILE_URLS))]
    replay.add("/api/3/action/package_search", json.dumps(
        {"success": True, "result": {"count": len(packages), "results": packages}}))
    replay.add("/data.json", json.dumps(
        {"dataset": [_hostile_dataset(i) for i in range(len(HOSTILE_URLS))]}))
    replay.add("/catalog.ttl", _hostile_turtle(), content_type="text/turtle")
    sources = [{"id": "ckan", "adapter": "ckan", "url": replay.url,
                "options": {"licenses": False}},
               datajson(replay.url + "/data.json"),
               {"id": "rdf", "adapter": "dcat", "url": replay.url + "/catalog.ttl"}]
    code, status = harvest(tmp_path, sources)
    assert code == 0, status
    for sid in ("ckan", "dj", "rdf"):
        text = source_path(tmp_path, sid).read_text()
        assert not FORBIDDEN.search(text), (sid, FORBIDDEN.search(text))
        recs = records(tmp_path, sid).values()
        assert len(recs) == len(HOSTILE_URLS)
        for rec in recs:
            assert "Texto legítimo" in rec.title and "párrafo" in rec.description_html
            # Every link left is http(s) or mailto; each resource kept the one good URL.
            for href in re.findall(r'href="([^"]*)"', rec.description_html or ""):
                assert href.startswith(("http://", "https://", "mailto:"))
            assert [r.url for r in rec.resources] == ["https://ok.example/d.csv"]
            assert rec.url is None or rec.url.startswith("http")
        # Dropped URLs are counted as warnings.
        assert status["sources"][sid]["warnings"] >= len(HOSTILE_URLS)


# -- crash safety ----------------------------------------------------------------

WRITER = """
import os, sys, time
from pathlib import Path
from aggregator.records import Dataset, Resource
from aggregator.snapshot import write_source_file

real_fsync = os.fsync
def announced_fsync(fd):  # tell the test the temporary file is being written
    print("in-write", flush=True)
    time.sleep(0.3)
    real_fsync(fd)
os.fsync = announced_fsync

data, n = Path(sys.argv[1]), int(sys.argv[2])
def version(tag, count):
    return [Dataset(id=f"big:{i}", source="big", remote_id=str(i), title=f"{tag} {i}",
                    description_html="<p>" + "texto " * 300 + "</p>",
                    resources=[Resource(title="r", format="CSV", url=f"https://x.cl/{i}.csv")])
            for i in range(count)]
versions = [version("B", n + 1), version("A", n)]
print("ready", flush=True)
k = 0
while True:
    write_source_file(data, "big", "ckan", f"2026-01-01T00:00:{k % 60:02d}+00:00",
                      versions[k % 2], cache_dir=False)
    k += 1
"""


def test_killed_during_a_write_leaves_a_valid_snapshot(tmp_path):
    """kill -9 a writer again and again, half of the times exactly while the new
    file is being written: the snapshot always loads, with the old or new records."""
    n = 1500  # about 3 MB of YAML
    data = tmp_path / "data"
    write_source_file(data, "big", "ckan", "2026-01-01T00:00:00+00:00",
                      [Dataset(id=f"big:{i}", source="big", remote_id=str(i), title=f"A {i}")
                       for i in range(n)], cache_dir=False)
    rng = random.Random(7)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    mid_write = 0
    for attempt in range(6):
        proc = subprocess.Popen([sys.executable, "-c", WRITER, str(data), str(n)], env=env,
                                stdout=subprocess.PIPE, text=True)
        assert proc.stdout.readline().strip() == "ready"
        if attempt % 2:
            assert proc.stdout.readline().strip() == "in-write"
        else:
            time.sleep(rng.uniform(0.1, 1.5))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
        temporaries = list((data / "sources").glob(".big.yaml.*.tmp"))
        mid_write += bool(temporaries)
        for tmp in temporaries:
            tmp.unlink()
        snap = load_snapshot(data, cache_dir=False)  # raises if the file were torn
        assert len(snap.sources["big"].records) in (n, n + 1)  # the old file or the new
    assert mid_write >= 3  # the kills did land in the middle of writes
    assert list((data / "sources").glob("*.yaml")) == [data / "sources" / "big.yaml"]


def test_stale_temporary_files_are_cleaned(tmp_path, replay):
    replay.add("/data.json", fixture("datajson", "datajson_andino_demo2.json"))
    sources_dir = tmp_path / "data" / "sources"
    sources_dir.mkdir(parents=True)
    stale = sources_dir / ".dj.yaml.k1l2.tmp"
    fresh = sources_dir / ".dj.yaml.m3n4.tmp"
    stale.write_text("half a file")
    fresh.write_text("another run writing right now")
    old = time.time() - 7200
    os.utime(stale, (old, old))
    harvest(tmp_path, [datajson(replay.url + "/data.json")])
    assert not stale.exists() and fresh.exists()


# -- feedback --------------------------------------------------------------------

class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_on_a_terminal_and_log_lines_elsewhere(tmp_path, replay, monkeypatch):
    replay.add("/data.json", fixture("datajson", CATALOG))
    tty = Terminal()
    harvest(tmp_path, [datajson(replay.url + "/data.json")], out=tty)
    text = tty.getvalue()
    assert "\r" in text and re.search(r"dj\s+\[#+\] 16/16 items", text)
    assert "source" in text and "+16 ~0 -0" in text and "1 source(s), 0 failed" in text

    log = io.StringIO()
    replay.add("/data.json", b"<html></html>", content_type="text/html")
    harvest(tmp_path, [datajson(replay.url + "/data.json")], out=log)
    lines = log.getvalue().splitlines()
    assert lines[0] == "dj: harvesting" and "\r" not in log.getvalue()
    assert any(line.startswith("dj  ") and "failed" in line and "HTML page" in line
               for line in lines)
    assert lines[-1] == "1 source(s), 1 failed"


def test_progress_updates_are_throttled():
    out = Terminal()
    p = Progress("s", out)
    for i in range(10_000):
        p.update(i, 10_000)
    p.done()
    assert out.getvalue().count("\r") < 50  # a bar redraw every 0.1 s, not every item


def test_summary_table_columns():
    ok = SourceResult(state="ok", records=1200, added=3, updated=2, removed=1, seconds=1.25)
    bad = SourceResult(state="failed", records=40, error="HTTP 503 from https://x.cl")
    table = summary_table({"datos-gob-cl": ok, "otro": bad}).splitlines()
    assert table[0].split() == ["source", "state", "records", "changes", "warn", "secs", "error"]
    assert table[2].split() == ["datos-gob-cl", "ok", "1,200", "+3", "~2", "-1", "0", "1.2"]
    assert table[3].split()[:2] == ["otro", "failed"] and table[3].endswith("https://x.cl")
    assert table[-1] == "2 source(s), 1 failed"


def test_record_by_record_dump_is_byte_identical():
    """The writer dumps a source record by record: the bytes must be those of a whole dump."""
    from aggregator.records import License, NewsItem, Resource
    from aggregator.snapshot import dump_source, source_document
    recs = [Dataset(id=f"s:{i}", source="s", remote_id=str(i), title=f"Presupuesto {i}: «sí»",
                    description_html="<p>a\nb</p>", themes=["economía", "salud"],
                    tags=[f"t{i}", "común"], license=License("cc-by", "CC BY", None),
                    resources=[Resource("Datos", "CSV", f"https://x.cl/{i}.csv", 10, None)])
            for i in range(50)]
    recs.append(NewsItem(id="s:n1", source="s", remote_id="n1", title="Noticia",
                         published="2024-01-01T10:00:00-03:00"))
    for chosen in (recs, recs[:1], []):
        doc = source_document("s", "ckan", "2026-01-01T00:00:00+00:00", chosen, "Fuente",
                              "https://x.cl")
        assert dump_source(doc) == yamlio.dumps(doc)
