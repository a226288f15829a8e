"""Exports in incremental builds: a build with no change rewrites no export; a
changed dataset rewrites its own RDF files, the one DCAT page that holds it and
the catalog-wide files, and nothing else."""

from __future__ import annotations

from pathlib import Path

import export_snapshot
from conftest import build_site

from aggregator.snapshot import read_source_file, write_source_file


def _stamps(out: Path) -> dict[str, int]:
    return {p.relative_to(out).as_posix(): p.stat().st_mtime_ns
            for p in out.rglob("*") if p.is_file()}


def _exports(stamps: dict) -> dict:
    return {p: t for p, t in stamps.items()
            if p.startswith("catalogo/") or p.endswith((".ics", "/dataset.ttl",
                                                        "/dataset.jsonld"))}


def _build(data: Path, out: Path, conf: Path) -> dict:
    proc = build_site(data, out, conf=conf)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return _stamps(out)


def test_no_change_rewrites_no_export_and_one_change_only_its_own(tmp_path):
    data = export_snapshot.write(tmp_path / "data")
    conf = export_snapshot.conf(tmp_path, PORTAL_DCAT_PAGE_SIZE=export_snapshot.PAGE_SIZE)
    out = tmp_path / "out"
    first = _exports(_build(data, out, conf))
    assert len(first) > 2 * 125 + 10
    second = _exports(_build(data, out, conf))
    assert {p for p in second if second[p] != first.get(p)} == set()

    sf = read_source_file(data / "sources" / "portal-datos.yaml", None)
    for r in sf.records:
        if r.remote_id == "conjunto-7":
            r.title = "Atenciones de urgencia corregidas"
    write_source_file(data, "portal-datos", "ckan", "2026-11-26T06:00:00+00:00", sf.records,
                      cache_dir=False, name=sf.name, url=sf.url)
    third = _exports(_build(data, out, conf))
    rewritten = {p for p in third if third[p] != second.get(p)}
    pages = {p for p in rewritten if p.startswith("catalogo/dcat")}
    assert len(pages) == 2 and {p.rsplit(".", 1)[1] for p in pages} == {"ttl", "jsonld"}
    # instituciones.csv is made again (its counts follow the datasets) but its bytes
    # are the same, so the writer keeps the file.
    assert rewritten - pages == {
        "datos/conjunto-7/dataset.ttl", "datos/conjunto-7/dataset.jsonld",
        "catalogo/data.json", "catalogo/datasets.csv", "catalogo/index.html"}
    page = next(p for p in pages if p.endswith(".ttl"))
    assert "Atenciones de urgencia corregidas" in (out / page).read_text("utf-8")
    assert "Atenciones de urgencia corregidas" in (out / "catalogo" / "data.json").read_text()
