"""The one snapshot reader: format v1, the parse cache, clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from aggregator import yamlio
from aggregator.records import Dataset, License, NewsItem, Resource
from aggregator.snapshot import SnapshotError, load_snapshot, read_source_file, write_source_file


def _dataset(i: int, **kw) -> Dataset:
    base = {"id": f"src:{i}", "source": "src", "remote_id": str(i), "url": f"https://x.cl/d/{i}",
                "title": f"Presupuesto {i}", "description_html": "<p>Descripción</p>",
                "publisher": "Ministerio de Hacienda", "themes": ["economía"], "tags": ["presupuesto"],
                "license": License("cc-by", "CC BY 4.0", "https://creativecommons.org/licenses/by/4.0/"),
                "issued": "2020-01-02", "modified": "2021-03-04T05:06:07+00:00", "frequency": "anual",
                "resources": [Resource("Datos", "CSV", f"https://x.cl/{i}.csv", 1024, "2021-03-04")]}
    base.update(kw)
    return Dataset(**base)


def test_round_trip_and_order(tmp_path):
    recs = [_dataset(3), _dataset(1), NewsItem(id="src:n1", source="src", remote_id="n1",
                                               title="Noticia", published="2024-01-01T10:00:00-03:00")]
    assert write_source_file(tmp_path, "src", "ckan", "2026-01-01T00:00:00+00:00", recs,
                             cache_dir=tmp_path / "c")
    sf = read_source_file(tmp_path / "sources" / "src.yaml", tmp_path / "c")
    assert [r.id for r in sf.records] == ["src:1", "src:3", "src:n1"]
    assert sf.records[0] == _dataset(1)
    doc = yamlio.load_file(tmp_path / "sources" / "src.yaml")
    assert list(doc) == ["source", "adapter", "schema_version", "harvested_at", "count", "records"]
    assert doc["count"] == 3 and doc["records"][0]["type"] == "dataset"


def test_unchanged_records_are_not_rewritten(tmp_path):
    path = tmp_path / "sources" / "src.yaml"
    assert write_source_file(tmp_path, "src", "ckan", "2026-01-01T00:00:00+00:00", [_dataset(1)])
    before = path.read_bytes()
    mtime = path.stat().st_mtime_ns
    assert not write_source_file(tmp_path, "src", "ckan", "2026-02-01T00:00:00+00:00", [_dataset(1)])
    assert path.read_bytes() == before and path.stat().st_mtime_ns == mtime
    assert write_source_file(tmp_path, "src", "ckan", "2026-02-01T00:00:00+00:00",
                             [_dataset(1, title="Otro")])
    assert b"2026-02-01" in path.read_bytes()


def test_cache_is_keyed_by_content(tmp_path):
    cache = tmp_path / "cache"
    write_source_file(tmp_path, "src", "ckan", "t", [_dataset(1)], cache_dir=False)
    path = tmp_path / "sources" / "src.yaml"
    assert read_source_file(path, cache).records[0].title == "Presupuesto 1"
    assert len(list((cache / "parse").glob("*.marshal"))) == 1
    # Another tool edits the file: the new content is read, not the cached one.
    path.write_text(path.read_text().replace("Presupuesto 1", "Presupuesto uno"))
    assert read_source_file(path, cache).records[0].title == "Presupuesto uno"
    assert len(list((cache / "parse").glob("*.marshal"))) == 2


def test_an_untouched_file_is_not_read_again_and_a_quick_rewrite_is_seen(tmp_path, monkeypatch):
    import os
    cache = tmp_path / "cache"
    write_source_file(tmp_path, "src", "ckan", "t", [_dataset(1)], cache_dir=False)
    path = tmp_path / "sources" / "src.yaml"
    read_source_file(path, cache)
    # Right after a write, size and time prove nothing: a same-size rewrite in
    # the same clock tick is read.
    path.write_text(path.read_text().replace("Presupuesto 1", "Presupuesto 7"))
    assert read_source_file(path, cache).records[0].title == "Presupuesto 7"
    # An older file, read once, is then known by its size and time alone.
    old = 1_600_000_000
    os.utime(path, (old, old))
    read_source_file(path, cache)
    reads = []
    real = Path.read_bytes
    monkeypatch.setattr(Path, "read_bytes",
                        lambda self: reads.append(self.name) or real(self))
    assert read_source_file(path, cache).records[0].title == "Presupuesto 7"
    assert "src.yaml" not in reads
    # Another tool rewrites it (new time): read again.
    monkeypatch.undo()
    path.write_text(path.read_text().replace("Presupuesto 7", "Presupuesto 8"))
    assert read_source_file(path, cache).records[0].title == "Presupuesto 8"


def _spy_loads(monkeypatch) -> list[int]:
    """Sizes of the YAML texts the reader parses."""
    sizes: list[int] = []
    real = yamlio.loads

    def loads(raw, path=None):
        sizes.append(len(raw))
        return real(raw, path)
    monkeypatch.setattr(yamlio, "loads", loads)
    return sizes


def test_a_changed_file_parses_only_the_records_whose_text_changed(tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    records = [_dataset(i) for i in range(1, 201)]
    write_source_file(tmp_path, "src", "ckan", "2026-01-01T00:00:00+00:00", records,
                      cache_dir=False)
    path = tmp_path / "sources" / "src.yaml"
    read_source_file(path, cache)
    # One record retitled, one removed, one added, the header changed.
    records[41] = _dataset(42, title="Presupuesto retitulado", tags=["nuevo"])
    del records[99]
    records.append(_dataset(999))
    write_source_file(tmp_path, "src", "ckan", "2026-02-01T00:00:00+00:00", records,
                      cache_dir=False)
    sizes = _spy_loads(monkeypatch)
    sf = read_source_file(path, cache)
    whole = read_source_file(path, None)           # no cache: the whole file parsed
    assert sf == whole and sf.harvested_at == "2026-02-01T00:00:00+00:00"
    titles = {r.id: r.title for r in sf.records}
    assert titles["src:42"] == "Presupuesto retitulado" and len(titles) == 200
    assert "src:100" not in titles and titles["src:999"] == "Presupuesto 999"
    # the header and the two new records, each a few hundred bytes; then the whole file
    assert len(sizes) == 4 and max(sizes[:3]) < 2000 and sizes[3] == len(path.read_bytes())


def test_a_changed_file_with_a_broken_record_still_names_file_and_line(tmp_path):
    cache = tmp_path / "cache"
    write_source_file(tmp_path, "src", "ckan", "t", [_dataset(1), _dataset(2)], cache_dir=False)
    path = tmp_path / "sources" / "src.yaml"
    read_source_file(path, cache)
    text = path.read_text()
    path.write_text(text.replace("title: Presupuesto 2", "title: [Presupuesto 2"))
    with pytest.raises(SnapshotError, match=r"src\.yaml:\d+"):
        read_source_file(path, cache)
    # A record no longer valid (no type) is reported with its number, as on a full parse.
    path.write_text(text.replace("  type: dataset\n", "  type: otra\n", 1))
    with pytest.raises(SnapshotError, match=r"record 1 \(src:1\)"):
        read_source_file(path, cache)


def test_other_tools_yaml_with_unquoted_dates(tmp_path):
    (tmp_path / "sources").mkdir()
    (tmp_path / "sources" / "otro.yaml").write_text(
        "source: otro\nadapter: manual\nschema_version: 1\nharvested_at: 2026-01-01 10:00:00\n"
        "count: 1\nrecords:\n- id: otro:1\n  type: dataset\n  title: Datos\n"
        "  issued: 2020-05-06\n  unknown_field: kept out\n")
    (tmp_path / "institutions.yaml").write_text(
        "institutions:\n- {id: minsal, name: Ministerio de Salud, acronym: MINSAL}\n")
    for cache in (tmp_path / "c", tmp_path / "c"):  # cold, then warm
        snap = load_snapshot(tmp_path, cache)
        ds = snap.datasets[0]
        assert ds.issued == "2020-05-06" and ds.source == "otro" and ds.remote_id == "1"
        assert snap.institutions[0].acronym == "MINSAL"


def test_invalid_record_names_file_line_and_record(tmp_path):
    (tmp_path / "sources").mkdir()
    bad = tmp_path / "sources" / "malo.yaml"
    bad.write_text("source: malo\nschema_version: 1\nrecords:\n"
                   "- id: malo:1\n  type: dataset\n  title: Bien\n"
                   "- id: malo:2\n  type: dataset\n  resources: not-a-list\n")
    with pytest.raises(SnapshotError) as exc:
        load_snapshot(tmp_path, tmp_path / "c")
    msg = str(exc.value)
    assert f"{bad}:7" in msg and "record 2 (malo:2)" in msg and "resources" in msg


def test_unknown_type_and_broken_yaml(tmp_path):
    (tmp_path / "sources").mkdir()
    f = tmp_path / "sources" / "x.yaml"
    f.write_text("records:\n- id: x:1\n  type: receta\n")
    with pytest.raises(SnapshotError, match="unknown record type 'receta'"):
        load_snapshot(tmp_path, False)
    f.write_text("records:\n- id: x:1\n  title: [sin cerrar\n")
    with pytest.raises(SnapshotError, match=rf"{f}:\d+: invalid YAML"):
        load_snapshot(tmp_path, False)
    f.write_text("records: []\nschema_version: 2\n")
    with pytest.raises(SnapshotError, match="schema_version 2 is not supported"):
        load_snapshot(tmp_path, False)


def test_institutions_errors(tmp_path):
    (tmp_path / "institutions.yaml").write_text("institutions:\n- {id: a, name: A}\n- {id: a, name: B}\n")
    with pytest.raises(SnapshotError, match="'a' appears twice"):
        load_snapshot(tmp_path, False)
    (tmp_path / "institutions.yaml").write_text("institutions:\n- {id: a}\n")
    with pytest.raises(SnapshotError, match=r"institution 1 \('a'\): missing 'name'"):
        load_snapshot(tmp_path, False)


def test_a_valid_registry_is_read_without_parsing_it_again(tmp_path, monkeypatch):
    """The line of an institution is found (by parsing the file again) only for an
    error: once per institution, 1,000 institutions took a minute to read."""
    (tmp_path / "institutions.yaml").write_text(
        "institutions:\n" + "".join(f"- {{id: i{n}, name: I {n}}}\n" for n in range(50)))
    composed = []
    real = yaml.compose
    monkeypatch.setattr(yaml, "compose", lambda *a, **k: composed.append(1) or real(*a, **k))
    assert len(load_snapshot(tmp_path, False).institutions) == 50
    assert composed == []
    (tmp_path / "institutions.yaml").write_text("institutions:\n- {id: a, name: A}\n- {id: a}\n")
    with pytest.raises(SnapshotError, match=r"institutions.yaml:3: institution 2 \('a'\)"):
        load_snapshot(tmp_path, False)
    assert composed == [1]


def test_empty_snapshot(tmp_path):
    snap = load_snapshot(tmp_path, False)
    assert snap.datasets == [] and snap.institutions == [] and snap.status == {}


def test_no_unsafe_yaml_tags(tmp_path):
    (tmp_path / "sources").mkdir()
    (tmp_path / "sources" / "x.yaml").write_text(
        "records:\n- !!python/object/apply:os.system ['echo hacked']\n")
    with pytest.raises(SnapshotError, match="invalid YAML"):
        load_snapshot(tmp_path, False)


def test_a_cache_made_by_another_version_of_the_reader_is_not_used(tmp_path, monkeypatch):
    """An older portal cached records in an older shape: after an upgrade they
    are read again from the file, never handed to the new code as they were."""
    import marshal

    from aggregator import reparse, snapshot
    cache = tmp_path / "cache"
    write_source_file(tmp_path, "src", "ckan", "t", [_dataset(1)], cache_dir=False)
    path = tmp_path / "sources" / "src.yaml"
    read_source_file(path, cache)
    # What the cache holds stands for what this version made of the file...
    [entry] = (cache / "parse").glob("*.marshal")
    doc = marshal.loads(entry.read_bytes())
    doc[reparse.VALIDATED][0]["title"] = "Forma antigua"
    entry.write_bytes(marshal.dumps(doc))
    assert read_source_file(path, cache).records[0].title == "Forma antigua"
    # ...which another version of the reader does not take, by path or by content.
    monkeypatch.setattr(reparse, "MODEL", b"otra version del lector")
    monkeypatch.setattr(snapshot, "MODEL", b"otra version del lector")
    assert read_source_file(path, cache).records[0].title == "Presupuesto 1"
    assert len(list((cache / "parse").glob("*.marshal"))) == 2
