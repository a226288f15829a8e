"""A full build of the search index in two processes (processes.py): the same
files and figures as in one; a fork that fails or dies gives a clear error,
and the previous index stays as it was."""

from __future__ import annotations

import dataclasses
import os
import sys
from pathlib import Path

import pytest
import test_search_corpus as corpus
from test_search_index import _files, read_root

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "plugins"))

from portal_search import layout, processes
from portal_search.store import FOLDER, write_index

SMALL = {"first": 2, "shard_bytes": 300}   # many shards and tail blocks


@pytest.fixture(scope="module")
def docs(tmp_path_factory):
    return corpus._documents(tmp_path_factory.mktemp("search-docs"))


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _figures(stats) -> tuple:
    return (stats.documents, stats.files, stats.bytes, stats.files_written,
            stats.bytes_written, stats.changed)


def test_two_processes_write_the_same_index_as_one(docs, tmp_path, capfd):
    one = write_index(docs, tmp_path / "one", tmp_path / "c1", **SMALL, parallel=False)
    two = write_index(docs, tmp_path / "two", tmp_path / "c2", **SMALL, parallel=True)
    assert (one.processes, two.processes) == (1, 3)   # scoring and shards forked
    # The worker writes nothing to the build's output (it once printed runpy's
    # warning about a module imported by its own package).
    assert capfd.readouterr().err == ""
    assert len(read_root(tmp_path / "two" / FOLDER)["shards"]) >= 6
    assert _tree(tmp_path / "two" / FOLDER) == _tree(tmp_path / "one" / FOLDER)
    assert _figures(two) == _figures(one)
    assert two.cpu_seconds > 0
    # A rebuild after one change is incremental, in one process, the same bytes.
    changed = [dataclasses.replace(d, title=d.title + " corregido") if i == 3 else d
               for i, d in enumerate(docs)]
    again = [write_index(changed, tmp_path / n, tmp_path / c, **SMALL, parallel=True)
             for n, c in (("one", "c1"), ("two", "c2"))]
    assert [s.processes for s in again] == [1, 1] and again[1].changed == 1
    assert _tree(tmp_path / "two" / FOLDER) == _tree(tmp_path / "one" / FOLDER)


def _previous(docs, tmp_path: Path) -> tuple[Path, dict]:
    """An index built before, and its files."""
    write_index(docs, tmp_path / "out", tmp_path / "old-cache", **SMALL)
    folder = tmp_path / "out" / FOLDER
    return folder, _tree(folder)


def _kept(folder: Path, before: dict) -> None:
    """The previous index is whole: its root, and every file it leads to."""
    assert (folder / "index.json").read_bytes() == before["index.json"]
    for rel in _files(folder, read_root(folder)):
        assert (folder / rel).read_bytes() == before[rel], rel


def test_a_failing_scorer_says_why_and_keeps_the_previous_index(docs, tmp_path):
    folder, before = _previous(docs, tmp_path)
    # A document the worker cannot read (its first: the worker takes it); the
    # build itself never reads a body it sends away.
    broken = [dataclasses.replace(docs[0], body=12345), *docs[1:]]
    with pytest.raises(ValueError, match="the process scoring the words failed: TypeError"):
        write_index(broken, tmp_path / "out", tmp_path / "cold", **SMALL, parallel=True)
    _kept(folder, before)


def test_a_dead_fork_says_so_and_keeps_the_previous_index(docs, tmp_path, monkeypatch):
    folder, before = _previous(docs, tmp_path)
    parent = os.getpid()
    real = layout._shard

    def dies(*args):
        if os.getpid() != parent:
            os._exit(9)   # the layout's fork dies without a word
        return real(*args)

    monkeypatch.setattr(layout, "_shard", dies)
    with pytest.raises(ValueError, match="the process writing the term shards failed: "
                                         "it ended early"):
        write_index(docs, tmp_path / "out", tmp_path / "cold", **SMALL, parallel=True)
    _kept(folder, before)
    # The next build (in one process) writes the whole index.
    monkeypatch.setattr(layout, "_shard", real)
    stats = write_index(docs, tmp_path / "out", tmp_path / "cold", **SMALL)
    assert stats.documents == len(docs) and (folder / "index.json").read_bytes()


def test_the_setting_and_the_environment_decide(monkeypatch):
    monkeypatch.delenv("PORTAL_SEARCH_PARALLEL", raising=False)
    assert processes.wanted({}) == ((os.cpu_count() or 1) >= 2)
    assert not processes.wanted({"PORTAL_SEARCH_PARALLEL": False})
    monkeypatch.setenv("PORTAL_SEARCH_PARALLEL", "1")   # asked for: even on one CPU
    assert processes.wanted({"PORTAL_SEARCH_PARALLEL": False})
    monkeypatch.setenv("PORTAL_SEARCH_PARALLEL", "0")
    assert not processes.wanted({})
