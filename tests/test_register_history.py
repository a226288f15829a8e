"""The full lobby register beside the change log, the tombstones, the search index
and the scorecard: a meeting removed from the export keeps its page as a
tombstone, a changed one shows its history, search finds only live entries, and
the lobby indicator counts meetings, trips and gifts. Real InfoLobby payloads
(the export re-published on 2015-02-06, tests/fixtures/chile/)."""

from __future__ import annotations

import re
import shutil
import sys
from collections import Counter
from datetime import date
from html import unescape
from pathlib import Path

import pytest
import score_snapshot as snap
from conftest import ROOT, StaticServer, build_site
from harvest_helpers import FIXTURES, Clock, harvest

from aggregator import yamlio
from aggregator.score import Scorer
from aggregator.snapshot import read_source_file
from devtools.replay import ReplayServer

sys.path.insert(0, str(ROOT / "plugins"))
from portal_search.documents import DocumentBuilder
from portal_site.model import SiteModel

EXPORT = FIXTURES / "chile"
TABLES = ["Audiencias", "AsistenciaPasivo", "Pasivos", "AsistenciaActivo", "Activos",
          "Representacion", "Entidad", "Viajes", "Donativos"]
REMOVED = "202"         # a meeting the second harvest no longer finds


def table(name: str) -> Path:
    later = EXPORT / f"infolobby_cplt_2015-02-06_{name}.csv"
    return later if later.exists() else EXPORT / f"infolobby_cplt_2015-02_{name}.csv"


def without_meeting(meeting: str) -> bytes:
    """Audiencias.csv with every record of one meeting taken out (CRLF records)."""
    records = table("Audiencias").read_bytes().split(b"\r\n")
    kept = [r for r in records if not r.startswith(meeting.encode() + b";")]
    assert len(kept) < len(records)
    return b"\r\n".join(kept)


def serve(replay, audiences) -> str:
    for name in TABLES:
        body = audiences if name == "Audiencias" else table(name)
        replay.add(f"/export/{name}.csv", body, content_type="text/csv")
    return replay.url + "/export/"


@pytest.fixture(scope="module")
def removed_site(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("lobby-history")
    (tmp / "data").mkdir()
    shutil.copy(ROOT / "content" / "data" / "institutions.yaml", tmp / "data")
    clock = Clock()
    for body in (table("Audiencias"), without_meeting(REMOVED)):
        with ReplayServer() as server:
            source = {"id": "infolobby", "adapter": "lobby", "url": serve(server, body)}
            code, status = harvest(tmp, [source], now=clock)
        assert code == 0, status
        clock.now = clock.now.replace(day=clock.now.day + 1)
    out = tmp / "output"
    proc = build_site(tmp / "data", out)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return tmp / "data", out


def page(out: Path, path: str) -> str:
    return (out / path / "index.html").read_text(encoding="utf-8")


def test_removed_meeting_keeps_its_page_as_a_tombstone(removed_site):
    data, out = removed_site
    rid = f"infolobby:audiencia-{REMOVED}"
    stones = yamlio.load_file(data / "tombstones" / "infolobby.yaml")["tombstones"]
    assert [s["record"]["id"] for s in stones] == [rid]
    model = SiteModel.load(data, today=date(2026, 1, 20))
    path = model.entry_paths[rid]
    assert re.fullmatch(rf"transparencia/[a-z0-9-]+/audiencia/{REMOVED}/", path)
    html = page(out, path)
    assert 'content="noindex"' in html and "Retirado de la fuente" in html
    assert stones[0]["record"]["title"] in unescape(html)
    # Its history says it was removed; the change log links to the same page.
    assert "Historial" in html and "Eliminado" in html
    assert f'href="/{path}"' in page(out, "cambios") or f"/{path}" in page(out, "cambios")
    # Out of the listings and the sitemap-bound lists; the others keep their paths.
    assert f"/{path}" not in page(out, "transparencia/lobby")
    assert all(rid not in (e.id for e in model.transparency) for _ in [0])
    assert len(model.transparency) == 343 + 456 + 700 - 1


def test_the_headerless_attendance_file_loses_no_official(removed_site):
    """AsistenciaPasivo.csv of 2015-02-06 starts with data ("2;80319"): meeting 2
    keeps its official, and the run report says the header row was missing."""
    data, _ = removed_site
    got = {r.remote_id: r for r in read_source_file(data / "sources" / "infolobby.yaml",
                                                    None).records}
    officials = [p for p in got["audiencia-2"].persons if p.get("role") == "official"]
    assert [p["name"] for p in officials] == ["MARCOS TELLO SALINAS"]
    notes = yamlio.load_file(data / "status.yaml")["sources"]["infolobby"]["notes"]
    assert "AsistenciaPasivo.csv: line 1: no header row: read as data, columns as the " \
           "profile lists them" in notes


def test_search_index_has_the_live_entries_each_at_its_own_page(removed_site):
    data, _ = removed_site
    model = SiteModel.load(data, today=date(2026, 1, 20))
    docs = list(DocumentBuilder(model).transparency())
    urls = [d.url for d in docs]
    assert len(urls) == len(set(urls)) == len(model.transparency)
    assert all(re.fullmatch(r"/transparencia/[a-z0-9-]+/(audiencia|viaje|donativo)/[^/]+/", u)
               for u in urls)
    assert f"/audiencia/{REMOVED}/" not in " ".join(urls)
    kinds = Counter(u.split("/")[3] for u in urls)
    assert kinds == {"audiencia": 342, "viaje": 456, "donativo": 700}


def test_bundled_entry_page_shows_its_history(bundled_site):
    """The re-published export retitled meeting 398 (bundled change log)."""
    html = (bundled_site / "transparencia/senado/audiencia/398/index.html").read_text("utf-8")
    assert "Historial" in html
    assert ("Título: antes «Invitación a participar en próximo Seminario Internacional "
            "Residuos en Chile», ahora «Invitación a participar") in html.replace("&#34;", '"')
    changes = (bundled_site / "cambios/index.html").read_text("utf-8")
    assert "/transparencia/senado/audiencia/398/" in changes


@pytest.mark.browser
def test_register_tombstone_and_history_pages_in_chromium(probe, removed_site, bundled_site):
    data, out = removed_site
    model = SiteModel.load(data, today=date(2026, 1, 20))
    for folder, path in ((out, model.entry_paths[f"infolobby:audiencia-{REMOVED}"]),
                         (bundled_site, "transparencia/senado/audiencia/398/")):
        server = StaticServer(folder)
        try:
            response = probe.goto(f"{server.url}/{path}")
            assert response.status == 200
            assert probe.console_errors == [] and probe.offsite == []
            assert probe.axe() == []
        finally:
            server.close()


def test_lobby_indicator_counts_meetings_trips_and_gifts(tmp_path):
    """Scored as of 2015-03-01 (the export's time), each institution's value is its
    meetings, trips and gifts of the 12 months before, from the bundled source file."""
    bundled = ROOT / "content" / "data"
    scorer = Scorer(snap.settings(tmp_path))
    facts = scorer.read(bundled, cache_dir=None)
    facts.status = {**facts.status, "run": {**facts.status["run"],
                                           "finished": "2015-03-01T12:00:00+00:00"}}
    doc = scorer.document(facts)
    expected: Counter = Counter()
    kinds: dict[str, set] = {}
    for r in read_source_file(bundled / "sources" / "infolobby.yaml", None).records:
        if r.institution and r.date and "2014-03-01" <= r.date[:10] <= "2015-03-01":
            expected[r.institution] += 1
            kinds.setdefault(r.institution, set()).add(r.kind)
    got = {}
    for inst in doc["institutions"]:
        row = next((x for x in inst.get("indicators", []) if x["id"] == "lobby"), None)
        if row and row.get("applies"):
            got[inst["id"]] = row["value"]
    assert got and sum(got.values()) > 0
    for inst_id, value in got.items():
        assert value == expected.get(inst_id, 0), inst_id
    # Trips and gifts count: some institution's value is more than its meetings.
    assert any({"viaje", "donativo"} & kinds.get(i, set()) for i, v in got.items() if v)
