"""Incremental builds of the search index (plugins/portal_search/state.py): a
rebuild scores only the documents that changed and encodes only the files they
touch, and its index is byte for byte the one a build that scores and encodes
every document again writes."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import pytest
import test_search_corpus as corpus

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "plugins"))

from portal_search.indexer import FILTER_KEYS
from portal_search.store import FOLDER, write_index


@pytest.fixture(scope="module")
def docs(tmp_path_factory):
    return corpus._documents(tmp_path_factory.mktemp("search-docs"))


def _index(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in folder.rglob("*") if p.is_file()}


def _steps(docs):
    """A run of builds: each a list of documents, changed from the one before."""
    by_url = {d.url: d for d in docs}
    retitled = [dataclasses.replace(d, title="Padrón electoral actualizado")
                if d.url == "/datos/padron-electoral/" else d for d in docs]
    fewer = [d for d in retitled if d.url != "/datos/arboles-urbanos/"]
    moved = [dataclasses.replace(d, institution="Institución nueva", body=d.body + " zzyzx")
             if d is fewer[3] else d for d in fewer]
    new = dataclasses.replace(by_url["/datos/padron-electoral/"], url="/datos/nuevo/",
                              title="Conjunto nuevo de quokkas", date="2026-11-30")
    last = moved[:-1]   # the last document goes: its id was the highest
    return [docs, retitled, fewer, moved, moved + [new], last + [new], last]


@pytest.mark.parametrize("first,group", [(4, 16), (128, 2048)])
def test_incremental_rebuilds_equal_full_ones(docs, tmp_path, first, group):
    kw = {"first": first, "shard_bytes": 600, "group": group}
    steps = _steps(docs)
    assert len({tuple(map(repr, s)) for s in steps}) == len(steps)
    for n, step in enumerate(steps):
        inc = write_index(step, tmp_path / "inc", tmp_path / "cache", **kw)
        full = write_index(step, tmp_path / "full", tmp_path / "cache", reuse=False, **kw)
        assert _index(tmp_path / "inc" / FOLDER) == _index(tmp_path / "full" / FOLDER), n
        assert full.changed == len(step)
        if n:   # only the documents that changed (or went) were scored again
            assert inc.changed <= 3, (n, inc.changed)
    again = write_index(steps[-1], tmp_path / "inc", tmp_path / "cache", **kw)
    assert (again.changed, again.files_written) == (0, 0)


def test_a_portal_with_no_documents_gets_a_valid_empty_index(tmp_path):
    import json

    stats = write_index([], tmp_path / "out", tmp_path / "cache")
    root = json.loads((tmp_path / "out" / FOLDER / "index.json").read_text("utf-8"))
    assert (stats.documents, root["n"], root["span"], root["shards"], root["docs"]) == \
        (0, 0, 0, [], [])
    assert [f["k"] for f in root["filters"]] == FILTER_KEYS
    assert all(f["v"] == [] for f in root["filters"])
