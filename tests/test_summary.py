"""`python -m aggregator summary`: the commit message CI writes after a harvest,
and the check that stops the job when the harvest wrote nothing (exit 2)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from harvest_helpers import fixture

from aggregator.cli import main

CATALOG = fixture("datajson", "datajson_argentina_justicia_catalogo.json")


def sources_file(tmp_path, body: str):
    path = tmp_path / "sources.yaml"
    path.write_text("settings: {cache_dir: cache, retries: 0}\n" + body)
    return path


def test_commit_message_per_source_after_a_real_run(tmp_path, replay, capsys):
    doc = json.loads(CATALOG.read_bytes())
    replay.add("/dj/data.json", json.dumps(doc))
    replay.add("/andino/data.json", fixture("datajson", "datajson_andino_demo2.json"))
    replay.add("/caido/data.json", b"down", status=503, content_type="text/plain")
    sources = sources_file(tmp_path, f"""sources:
  - {{id: justicia, adapter: datajson, url: '{replay.url}/dj/data.json'}}
  - {{id: andino, adapter: datajson, url: '{replay.url}/andino/data.json'}}
""")
    data = tmp_path / "data"
    assert main(["run", "--sources", str(sources), "--data", str(data), "--quiet"]) == 0
    # Upstream changes: one dataset retitled, one removed; a new source that is down.
    doc["dataset"][0]["title"] = "Título nuevo"
    doc["dataset"].pop()
    replay.add("/dj/data.json", json.dumps(doc))
    sources.write_text(sources.read_text() + f"  - {{id: caido, adapter: datajson, "
                                              f"url: '{replay.url}/caido/data.json'}}\n")
    before = datetime.now(UTC) - timedelta(seconds=1)
    assert main(["run", "--sources", str(sources), "--data", str(data), "--quiet"]) == 3
    capsys.readouterr()
    assert main(["summary", "--data", str(data), "--since", before.isoformat()]) == 0
    lines = capsys.readouterr().out.splitlines()
    day = datetime.now(UTC).date().isoformat()
    assert lines[0] == f"Harvest {day}: +0 ~1 -1 in 1 source, 1 failed"
    assert lines[1] == ""
    assert "justicia: +0 ~1 -1" in lines
    assert any(line.startswith("caido: failed, last good data kept: HTTP 503") for line in lines)
    assert "1 source unchanged." in lines
    assert any(line.startswith("Wall time ") and "slowest: " in line for line in lines)
    assert lines[-1] == "Exit 3."


def test_a_run_that_wrote_nothing_stops_the_job(tmp_path, replay, capsys):
    replay.add("/data.json", fixture("datajson", "datajson_andino_demo2.json"))
    good = sources_file(tmp_path, f"sources:\n  - {{id: andino, adapter: datajson, "
                                  f"url: '{replay.url}/data.json'}}\n")
    data = tmp_path / "data"
    assert main(["summary", "--data", str(data)]) == 2       # never harvested
    assert "no run report" in capsys.readouterr().err
    assert main(["run", "--sources", str(good), "--data", str(data), "--quiet"]) == 0
    assert main(["summary", "--data", str(data)]) == 0
    assert capsys.readouterr().out.startswith("Harvest ")
    # Next night the configuration is broken: exit 2, nothing written, and the
    # summary of "the run since now" refuses the old report.
    now = datetime.now(UTC) + timedelta(seconds=1)
    bad = sources_file(tmp_path, "sources:\n  - {id: x, adapter: nope, url: 'http://x'}\n")
    assert main(["run", "--sources", str(bad), "--data", str(data), "--quiet"]) == 2
    assert main(["summary", "--data", str(data), "--since", now.isoformat()]) == 2
    err = capsys.readouterr().err
    assert "this run wrote none (bad configuration, exit 2, or a crash" in err
    assert main(["summary", "--data", str(data), "--since", "yesterday"]) == 2
