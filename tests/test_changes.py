"""The change log and tombstones, written by the aggregator over real HTTP: what a
harvest records when a source changes, when nothing changed, when a source fails,
when a run is killed in the middle of the append."""

from __future__ import annotations

import json
import os
import random
import re
import signal
import subprocess
import sys
import time

import pytest
from harvest_changes import FIRST, NEW_END, RETITLED, SECOND, THIRD, History
from harvest_helpers import Clock, harvest, records

from aggregator import changes, tombstones, yamlio
from aggregator.records import Dataset, License, Resource
from aggregator.snapshot import ROOT
from devtools.replay import Reply


def _month(data, name: str) -> list[dict]:
    return yamlio.load_file(data / "changes" / f"{name}.yaml")["changes"]


def _snapshot_of_changes(data) -> dict[str, bytes]:
    folders = [data / "changes", data / "tombstones"]
    return {str(p.relative_to(data)): p.read_bytes() for f in folders if f.is_dir()
            for p in sorted(f.iterdir())}


def test_first_harvest_is_one_summary_entry_per_source(tmp_path, replay):
    history = History(tmp_path, replay)
    code, _ = history.run(FIRST)
    assert code == 0
    entries = _month(history.data, "2026-10")
    assert [(e["source"], e["id"], e["change"], e["count"], e["title"], e["type"])
            for e in entries] == [
        ("consultas", None, "added", 4, "+4 registros", "consultation"),
        ("justicia", None, "added", 16, "+16 registros", "dataset")]
    assert entries[1]["institution"] == "ministerio-de-justicia"
    assert {e["at"] for e in entries} == {FIRST.isoformat()}
    assert not (history.data / "tombstones").exists()


def test_a_changed_source_records_exactly_its_three_changes(tmp_path, replay):
    history = History(tmp_path, replay)
    history.run(FIRST)
    what = history.change_upstream()
    code, status = history.run(SECOND)
    assert code == 0
    assert (status["sources"]["justicia"]["updated"], status["sources"]["justicia"]["removed"],
            status["sources"]["consultas"]["updated"]) == (1, 1, 1)
    entries = _month(history.data, "2026-11")
    assert len(entries) == 3
    # Source-id order, then record id within a source.
    assert [e["source"] for e in entries] == ["consultas", "justicia", "justicia"]
    moved = entries[0]
    assert (moved["change"], moved["type"], moved["fields"]) == ("updated", "consultation",
                                                                 ["end"])
    assert moved["before"] == {"end": what["old_end"]}
    assert moved["after"] == {"end": NEW_END}
    assert moved["institution"] == "ministerio-del-medio-ambiente"
    by_change = {e["change"]: e for e in entries[1:]}
    retitled = by_change["updated"]
    assert retitled["id"] == f"justicia:{what['retitled']}"
    assert retitled["fields"] == ["title"]
    assert retitled["before"] == {"title": what["old_title"]}
    assert retitled["after"] == {"title": RETITLED}
    assert retitled["title"] == RETITLED and retitled["institution"] == "ministerio-de-justicia"
    removed = by_change["removed"]
    assert removed["id"] == f"justicia:{what['removed']}"
    assert (removed["title"], removed["fields"], removed["before"], removed["after"]) == (
        what["removed_title"].strip(), [], {}, {})
    assert {e["at"] for e in entries} == {SECOND.isoformat()}
    # The first month is untouched; the removed record is a tombstone, whole.
    assert len(_month(history.data, "2026-10")) == 2
    stones = tombstones.read_tombstones(history.data)
    assert [(t.record.id, t.removed_at, t.source) for t in stones] == [
        (removed["id"], SECOND.isoformat(), "justicia")]
    assert stones[0].record.description_html and stones[0].record.resources

    # A third, identical run writes nothing: same bytes, same times.
    before = _snapshot_of_changes(history.data)
    mtimes = {p: p.stat().st_mtime_ns for p in (history.data / "changes").iterdir()}
    code, status = history.run(THIRD)
    assert code == 0 and {s["state"] for s in status["sources"].values()} == {"unchanged"}
    assert _snapshot_of_changes(history.data) == before
    assert {p: p.stat().st_mtime_ns for p in (history.data / "changes").iterdir()} == mtimes


def test_a_failing_source_records_no_removals(tmp_path, replay):
    history = History(tmp_path, replay)
    history.run(FIRST)
    before = _snapshot_of_changes(history.data)
    replay.handle("/data.json", lambda req, raw: Reply(503, b"", {"Retry-After": "0"}))
    history.csv = history.csv.replace("2026-12-20", "2026-12-21")
    replay.add("/consultas.csv", history.csv.encode("utf-8"), content_type="text/csv")
    code, status = history.run(SECOND)
    assert code == 3 and status["sources"]["justicia"]["state"] == "failed"
    after = _snapshot_of_changes(history.data)
    new = [e for e in _month(history.data, "2026-11")]
    # Only the healthy source's change; nothing about the failed one's 16 records.
    assert [(e["source"], e["change"]) for e in new] == [("consultas", "updated")]
    assert after["changes/2026-10.yaml"] == before["changes/2026-10.yaml"]
    assert not (history.data / "tombstones").exists()


def test_a_record_that_comes_back_leaves_the_tombstones(tmp_path, replay):
    history = History(tmp_path, replay)
    history.run(FIRST)
    gone = history.catalog["dataset"].pop(3)
    history.serve()
    history.run(SECOND)
    assert len(tombstones.read_tombstones(history.data)) == 1
    history.catalog["dataset"].insert(3, gone)
    history.serve()
    history.run(THIRD)
    assert tombstones.read_tombstones(history.data) == []
    assert not (history.data / "tombstones" / "justicia.yaml").exists()
    entries = _month(history.data, "2026-11")
    assert [(e["change"], e["id"]) for e in entries] == [
        ("removed", f"justicia:{gone['identifier']}"), ("added", f"justicia:{gone['identifier']}")]


def test_entries_follow_source_ids_not_the_order_of_the_run(tmp_path, replay):
    history = History(tmp_path, replay)
    history.sources.reverse()          # harvested justicia first
    history.run(FIRST)
    assert [e["source"] for e in _month(history.data, "2026-10")] == ["consultas", "justicia"]


def _ckan_package(i: int, title: str) -> dict:
    return {"id": f"p{i}", "name": f"paquete-{i}", "title": title,
            "metadata_modified": f"2026-0{i}-01T00:00:00", "resources": []}


def test_only_a_full_run_notices_deletions(tmp_path, replay):
    """An incremental CKAN run lists only what changed: a package it does not see
    was not deleted, so nothing is recorded; `--full` lists everything and does."""
    packages = [_ckan_package(i, f"Paquete {i}") for i in range(1, 4)]

    def serve(pkgs):
        replay.add("/api/3/action/package_search", json.dumps(
            {"success": True, "result": {"count": len(pkgs), "results": pkgs}}))

    source = [{"id": "ckan", "adapter": "ckan", "url": replay.url,
               "options": {"licenses": False}}]
    serve(packages)
    harvest(tmp_path, source, now=Clock(FIRST))
    serve(packages[:2])
    harvest(tmp_path, source, now=Clock(SECOND))
    assert not (tmp_path / "data" / "changes" / "2026-11.yaml").exists()
    assert len(records(tmp_path, "ckan")) == 3
    harvest(tmp_path, source, now=Clock(THIRD), full=True)
    assert [(e["change"], e["id"]) for e in _month(tmp_path / "data", "2026-11")] == [
        ("removed", "ckan:p3")]


# -- what an entry keeps ----------------------------------------------------------

def _ds(**kw) -> Dataset:
    base = {"id": "s:1", "source": "s", "remote_id": "1", "title": "Uno", "url": "https://x.example/1",
                "modified": "2026-01-01", "license": License("cc-by", "CC BY", None),
                "description_html": "<p>a</p>",
                "resources": [Resource("r", "CSV", "https://x.example/1.csv")]}
    base.update(kw)
    return Dataset(**base)


def test_before_and_after_hold_only_tracked_fields_bounded():
    old = _ds()
    new = _ds(title="T" * 500, description_html="<p>b</p>", tags=["nuevo"],
              license=License("cc0", "CC0", None),
              resources=[Resource("r", "CSV", "https://x.example/1.csv")]
              + [Resource(f"r{i}", "JSON", f"https://x.example/{i}.json") for i in range(30)])
    found = changes.diff("s", {"s:1": old}, {"s:1": new}, "2026-11-01T00:00:00+00:00")
    (e,) = found.entries
    assert e["fields"] == ["title", "description_html", "tags", "license", "resources"]
    assert set(e["before"]) == set(e["after"]) == {"title", "license", "resources"}
    assert len(e["after"]["title"]) == changes.TEXT_MAX and e["after"]["title"].endswith("…")
    assert e["before"]["license"]["id"] == "cc-by" and e["after"]["license"]["id"] == "cc0"
    # Resources: what went away and what appeared, at most RESOURCES_MAX of each.
    assert e["before"]["resources"] == []
    assert len(e["after"]["resources"]) == changes.RESOURCES_MAX
    assert e["after"]["resources"][0] == {"url": "https://x.example/0.json", "format": "JSON"}
    # A change of a field outside the list is named, its values are not kept.
    (e2,) = changes.diff("s", {"s:1": old}, {"s:1": _ds(description_html="<p>c</p>")},
                         "2026-11-01T00:00:00+00:00").entries
    assert (e2["fields"], e2["before"], e2["after"]) == (["description_html"], {}, {})


def test_appending_record_by_record_gives_the_bytes_of_a_whole_dump(tmp_path):
    at = "2026-11-01T00:00:00+00:00"
    items = [changes.entry(at, _ds(id=f"s:{i}", remote_id=str(i), title=f"Título «{i}»\n"),
                           "removed") for i in range(5)]
    changes.append(tmp_path, items[:2])
    changes.append(tmp_path, items[2:])
    raw = (tmp_path / "changes" / "2026-11.yaml").read_bytes()
    assert raw == yamlio.dumps({"changes": items})
    assert changes.read_changes(tmp_path)[1] == [changes.check_entry(i) for i in items]


def test_a_hand_edited_month_is_extended_and_a_broken_one_is_left_alone(tmp_path):
    folder = tmp_path / "changes"
    folder.mkdir()
    at = "2026-11-01T00:00:00+00:00"
    (folder / "2026-11.yaml").write_text("# notas del editor\nchanges: []\n")
    changes.append(tmp_path, [changes.entry(at, _ds(), "added")])
    assert len(changes.read_changes(tmp_path)[1]) == 1
    broken = b"changes:\n- at: [unclosed\n"
    (folder / "2026-11.yaml").write_bytes(b"# x\n" + broken)
    with pytest.raises(changes.ChangeLogError, match=r"2026-11\.yaml:\d+: invalid YAML"):
        changes.append(tmp_path, [changes.entry(at, _ds(), "added")])
    assert (folder / "2026-11.yaml").read_bytes() == b"# x\n" + broken


def test_a_bad_entry_is_reported_with_file_and_line(tmp_path):
    folder = tmp_path / "changes"
    folder.mkdir()
    (folder / "2026-11.yaml").write_text(
        "changes:\n- at: '2026-11-01T00:00:00+00:00'\n  source: s\n  change: added\n"
        "- at: '2026-11-01T00:00:00+00:00'\n  source: s\n  change: borrado\n")
    with pytest.raises(changes.ChangeLogError,
                       match=r"2026-11\.yaml:5: change 2: 'change' must be one of"):
        changes.read_changes(tmp_path)


def test_a_run_whose_change_log_cannot_be_appended_exits_3_and_keeps_the_file(
        tmp_path, replay, capsys):
    history = History(tmp_path, replay)
    folder = history.data / "changes"
    folder.mkdir()
    (folder / "2026-10.yaml").write_bytes(b"changes: {roto\n")
    code, _ = history.run(FIRST)
    assert code == 3
    assert "change log not written (2 changes)" in capsys.readouterr().err
    assert (folder / "2026-10.yaml").read_bytes() == b"changes: {roto\n"


def test_the_months_read_are_the_most_recent(tmp_path):
    for month in ("2026-09", "2026-10", "2026-11"):
        changes.append(tmp_path, [changes.entry(f"{month}-05T00:00:00+00:00", _ds(), "added")])
    (tmp_path / "changes" / "notas.yaml").write_text("no es un mes\n")
    months, entries = changes.read_changes(tmp_path, months=2)
    assert months == ["2026-10", "2026-11"]
    assert [e["at"][:7] for e in entries] == ["2026-10", "2026-11"]


# -- kill -9 in the middle of an append -------------------------------------------

APPENDER = """
import os, sys, time
from pathlib import Path
from aggregator import changes
from aggregator.records import Dataset

real_fsync = os.fsync
def announced_fsync(fd):  # tell the test the temporary file is being written
    print("in-write", flush=True)
    time.sleep(0.3)
    real_fsync(fd)
os.fsync = announced_fsync

data, batch = Path(sys.argv[1]), int(sys.argv[2])
at = "2026-11-01T00:00:00+00:00"
items = [changes.entry(at, Dataset(id=f"s:{i}", source="s", remote_id=str(i),
                                   title="Título " * 20), "removed") for i in range(batch)]
print("ready", flush=True)
while True:
    changes.append(data, items)
"""


def test_killed_during_an_append_leaves_a_readable_month(tmp_path):
    batch = 400
    data = tmp_path / "data"
    rng = random.Random(11)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    mid_write = 0
    for attempt in range(6):
        proc = subprocess.Popen([sys.executable, "-c", APPENDER, str(data), str(batch)],
                                env=env, stdout=subprocess.PIPE, text=True)
        assert proc.stdout.readline().strip() == "ready"
        if attempt % 2:
            assert proc.stdout.readline().strip() == "in-write"
        else:       # let at least one append through (however loaded the machine), then kill
            done = len(changes.read_changes(data)[1])
            deadline = time.monotonic() + 60
            while len(changes.read_changes(data)[1]) == done and time.monotonic() < deadline:
                time.sleep(0.05)
            time.sleep(rng.uniform(0.0, 0.5))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
        temporaries = list((data / "changes").glob(".2026-11.yaml.*.tmp"))
        mid_write += bool(temporaries)
        for tmp in temporaries:
            tmp.unlink()
        months, entries = changes.read_changes(data)   # raises if the file were torn
        assert months in ([], ["2026-11"])
        assert len(entries) % batch == 0                # whole appends only
    assert len(entries) >= 3 * batch    # appends went through between the kills
    assert mid_write >= 3       # the kills did land in the middle of writes


def test_validate_reads_the_change_log_and_tombstones(tmp_path, replay, capsys):
    from aggregator.cli import main

    history = History(tmp_path, replay)
    history.run(FIRST)
    history.change_upstream()
    history.run(SECOND)
    sources = tmp_path / "sources.yaml"
    sources.write_text(yamlio.dumps({"sources": history.sources}).decode())
    args = ["validate", "--sources", str(sources), "--data", str(history.data)]
    assert main(args) == 0
    assert "5 changes in 2 month(s), 1 tombstone(s)" in capsys.readouterr().out
    stone = history.data / "tombstones" / "justicia.yaml"
    stone.write_text(stone.read_text().replace("type: dataset", "type: receta", 1))
    assert main(args) == 2
    assert re.search(r"tombstones/justicia\.yaml:\d+: tombstone 1: unknown record type",
                     capsys.readouterr().err)
