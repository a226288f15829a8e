"""Starting a real portal (`make new-portal`) and keeping it (`make snapshot`
refuses to bring the demo back over it)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import site_snapshot
from conftest import ROOT, build_site

from aggregator import yamlio
from aggregator.snapshot import read_registry, write_source_file
from devtools import new_portal, snapshot


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in folder.rglob("*") if p.is_file()}


@pytest.fixture
def checkout(tmp_path) -> Path:
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    return content


def test_new_portal_removes_the_demo_and_the_site_still_builds(checkout, tmp_path, capsys):
    data = checkout / "data"
    assert new_portal.main(["--content", str(checkout)]) == 0
    assert "next: list your sources in sources.yaml" in capsys.readouterr().out
    # The snapshot: only the registry is left, without the foreign bodies.
    assert sorted(p.name for p in data.iterdir()) == ["institutions.yaml", "sources"]
    assert list((data / "sources").iterdir()) == []
    institutions, mappings = read_registry(data / "institutions.yaml")
    bundled, _ = read_registry(ROOT / "content" / "data" / "institutions.yaml")
    kept = [i.id for i in bundled if i.kind not in new_portal.DEMO_KINDS]
    assert len(bundled) - len(kept) >= 10                  # the foreign and demo bodies
    assert [i.id for i in institutions] == kept and mappings == {}
    assert not {i.kind for i in institutions} & new_portal.DEMO_KINDS
    text = (data / "institutions.yaml").read_text()
    assert text.startswith("# Registro de instituciones del portal")   # comments kept
    assert "otros países" not in text
    # The example news, apps and events go; the pages stay.
    for rel in new_portal.DEMO_CONTENT:
        assert not (checkout / rel).exists(), rel
    assert {p.name for p in (checkout / "paginas").iterdir()} == {
        "acerca.md", "accesibilidad.md", "privacidad.md"}
    # Running it again changes nothing.
    before = _tree(checkout)
    assert new_portal.main(["--content", str(checkout)]) == 0
    assert "nothing of the demo is left" in capsys.readouterr().out
    assert _tree(checkout) == before

    out = tmp_path / "out"
    proc = build_site(data, out, content=checkout)
    assert proc.returncode == 0, proc.stderr
    home = (out / "index.html").read_text()
    assert "Nace el Portal" not in home and "Mapa de consultorios" not in home
    assert (out / "instituciones" / "ministerio-de-salud" / "index.html").is_file()
    assert not (out / "instituciones" / "fr-ville-de-vanves").exists()
    assert (out / "acerca" / "index.html").is_file()


def test_new_portal_on_a_real_snapshot_removes_only_the_demo(checkout, capsys):
    data = checkout / "data"
    write_source_file(data, "datos-gob-cl", "ckan", "2026-11-26T06:00:00+00:00",
                      site_snapshot.datasets(3), cache_dir=False)
    status = yamlio.dumps({"run": {"exit": 0}, "sources": {"datos-gob-cl": {"state": "ok"}}})
    yamlio.write_atomic(data / "status.yaml", status)
    assert new_portal.main(["--content", str(checkout), "--dry-run"]) == 0
    assert "would remove" in capsys.readouterr().out
    assert (data / "sources" / "demo-ckan-org.yaml").exists()          # dry run
    assert new_portal.main(["--content", str(checkout)]) == 0
    assert sorted(p.name for p in (data / "sources").iterdir()) == ["datos-gob-cl.yaml"]
    assert (data / "status.yaml").read_bytes() == status


def test_make_snapshot_refuses_a_real_snapshot(tmp_path, capsys):
    data = tmp_path / "data"
    write_source_file(data, "datos-gob-cl", "ckan", "2026-11-26T06:00:00+00:00",
                      site_snapshot.datasets(3), cache_dir=False)
    before = _tree(data)
    assert snapshot.main(["--data", str(data)]) == 2
    err = capsys.readouterr().err
    assert "is not the demo snapshot (it has source(s) datos-gob-cl)" in err
    assert "FORCE=1" in err
    assert _tree(data) == before
    # The bundled snapshot and an empty folder are the demo's to regenerate.
    assert snapshot.foreign_sources(ROOT / "content" / "data") == []
    assert snapshot.foreign_sources(tmp_path / "empty") == []
