"""Sources harvested at once: the per-host limit as the servers saw it, the same
snapshot bytes as a sequential run whatever the order of completion, whole log
lines, and a run that ends even when a source is stuck where no socket deadline
reaches."""

from __future__ import annotations

import io
import time

import pytest
from harvest_helpers import fixture, harvest, source_path

from aggregator import runner as runner_module
from aggregator import yamlio
from aggregator.adapters import ADAPTERS
from aggregator.adapters.base import Adapter
from devtools.hostile import delayed
from devtools.replay import ReplayServer

FIXTURES = [("datajson", "datajson_andino_demo2.json"),
            ("datajson", "datajson_argentina_justicia_catalogo.json"),
            ("datajson", "datajson_data_ny_gov_socrata_sample.json"),
            ("datajson", "datajson_doe_arm_sample.json"),
            ("datajson", "datajson_arcgis_hub_ville_evian.json"),
            ("datajson", "datajson_andino_demo_empty_publisher.json")]


def slow_sources(server: ReplayServer, prefix: str, count: int, latency: float) -> list[dict]:
    sources = []
    for n in range(count):
        kind, name = FIXTURES[n % len(FIXTURES)]
        path = f"/{prefix}{n}/data.json"
        server.handle(path, delayed(fixture(kind, name).read_bytes(), latency))
        sources.append({"id": f"{prefix}-{n}", "adapter": "datajson", "url": server.url + path})
    return sources


@pytest.mark.parametrize("per_host", [2, 3])
def test_per_host_limit_in_the_servers_own_log(tmp_path, per_host):
    with ReplayServer() as one, ReplayServer(host="127.0.0.2") as other:
        sources = slow_sources(one, "uno", 6, 0.4) + slow_sources(other, "otro", 2, 0.4)
        code, status = harvest(tmp_path, sources, {"parallel_sources": 8,
                                                   "connections_per_host": per_host})
        assert code == 0, status
        assert one.peak("request") == per_host     # the limit, and reached
        assert one.peak("connection") <= per_host  # kept-alive connections included
        assert other.peak("request") == 2
        # The other host was not kept waiting behind the first one's queue.
        first_other = min(t for e, t, _ in other.log if e == "begin")
        last_one = max(t for e, t, _ in one.log if e == "end")
        assert first_other < last_one - 0.3


def _tree(folder) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}


def _status_without_times(data) -> dict:
    doc = yamlio.load_file(data / "status.yaml")
    doc["run"].pop("seconds")
    for entry in doc["sources"].values():
        entry.pop("seconds")
    return doc


def test_parallel_and_sequential_runs_write_the_same_bytes(tmp_path):
    """The first sources answer last: parallel completion order is not the config order."""
    with ReplayServer() as server:
        sources = []
        for n, (kind, name) in enumerate(FIXTURES):
            path = f"/p{n}/data.json"
            server.handle(path, delayed(fixture(kind, name).read_bytes(),
                                        0.1 * (len(FIXTURES) - n)))
            sources.append({"id": f"fuente-{n}", "adapter": "datajson", "url": server.url + path})
        # Two sources with the same publisher: the unmatched report merges them.
        server.handle("/dup/data.json", delayed(fixture(*FIXTURES[0]).read_bytes(), 0))
        sources.append({"id": "zz-copia", "adapter": "datajson",
                        "url": server.url + "/dup/data.json"})
        walls = {}
        for label, parallel in (("sequential", 1), ("parallel", 8)):
            code, status = harvest(tmp_path / label, sources, {"parallel_sources": parallel,
                                                               "connections_per_host": 8})
            assert code == 0
            walls[label] = status["run"]["seconds"]
        # Answers overlapped, so the sources configured last (fastest) finished first.
        assert server.peak("request") >= len(FIXTURES) - 1
        assert walls["parallel"] < 0.7 * walls["sequential"]
    seq, par = tmp_path / "sequential" / "data", tmp_path / "parallel" / "data"
    seq_files = {k: v for k, v in _tree(seq).items() if k != "status.yaml"}
    assert seq_files and seq_files == {k: v for k, v in _tree(par).items()
                                       if k != "status.yaml"}
    assert _status_without_times(seq) == _status_without_times(par)
    status = _status_without_times(par)
    assert any(len(row["sources"]) == 2 for row in status["unmatched"])  # merged across threads


def test_log_lines_stay_whole_and_a_terminal_gets_one_line_for_the_run(tmp_path):
    with ReplayServer() as server:
        sources = slow_sources(server, "f", 6, 0.2)
        log = io.StringIO()
        harvest(tmp_path / "log", sources, {"parallel_sources": 4,
                                            "connections_per_host": 4}, out=log)
        lines = log.getvalue().splitlines()
        for n in range(6):
            assert f"f-{n}: harvesting" in lines
            assert any(line.startswith(f"f-{n}: ") and " in " in line for line in lines)
        assert all(line.startswith(("f-", "source", "---", "wall time", "6 source"))
                   for line in lines), lines
        assert lines[-2].startswith("wall time") and "slowest: f-" in lines[-2]

        class Terminal(io.StringIO):
            def isatty(self):
                return True
        tty = Terminal()
        harvest(tmp_path / "tty", sources, {"parallel_sources": 4,
                                            "connections_per_host": 4}, out=tty)
        text = tty.getvalue()
        assert "run [" in text and "6/6 sources" in text
        for n in range(6):
            assert f"f-{n}" in text and "items" in text


class StuckAdapter(Adapter):
    """An adapter busy in its own code (no request): no socket deadline reaches it."""
    name = "atascado"

    def list_items(self):
        time.sleep(2.5)
        yield {"id": "1"}

    def normalize(self, raw):
        from aggregator.records import Dataset
        return Dataset(**self.common(raw["id"], None, "Uno"))


def test_a_stuck_source_cannot_hold_the_run_nor_write_after_it(tmp_path, replay, monkeypatch):
    monkeypatch.setitem(ADAPTERS, "atascado", StuckAdapter)
    monkeypatch.setattr(runner_module, "STRAGGLER_GRACE", 0.5)
    replay.add("/data.json", fixture(*FIXTURES[0]))
    sources = [{"id": "atascada", "adapter": "atascado", "url": replay.url},
               {"id": "normal", "adapter": "datajson", "url": replay.url + "/data.json"}]
    started = time.monotonic()
    code, status = harvest(tmp_path, sources, {"run_max_seconds": 0.5})
    assert time.monotonic() - started < 2
    entry = status["sources"]["atascada"]
    assert code == 3 and entry["state"] == "failed"
    assert entry["error"] == ("still running at the end of the run's time budget of 0.5 s "
                              "(run_max_seconds)")
    assert status["sources"]["normal"]["state"] == "ok"
    time.sleep(2.5)  # the stuck source is done now, and found the gate closed
    assert not source_path(tmp_path, "atascada").exists()
