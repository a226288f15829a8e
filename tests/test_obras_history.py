"""Public works followed over time, on the real BA Obras export (tests/fixtures/
obras/, served over HTTP by the replay server): harvested, then changed the way
a register changes between releases (one work advanced, one finished, one taken
out of the file), harvested again, then a third time with nothing changed.

Checked: the change log and the tombstone the aggregator writes, each work's
progress history on its page, the summary's advanced / stalled / finished /
removed counts, and the removed work's tombstone page at its old address."""

from __future__ import annotations

import csv
import io
import json
import re
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from conftest import ROOT, build_site
from harvest_helpers import Clock, harvest, records
from test_obras_adapter import BA, ba_options, source, with_registry

from aggregator import tombstones, yamlio
from aggregator.changes import read_changes
from aggregator.snapshot import read_source_file
from devtools.replay import ReplayServer

sys.path.insert(0, str(ROOT / "plugins"))
from portal_site.model import SiteModel
from portal_site.obras_history import follow_up

FIRST = datetime(2026, 10, 1, 6, 0, tzinfo=UTC)
SECOND = datetime(2026, 11, 3, 6, 0, tzinfo=UTC)
THIRD = datetime(2026, 11, 10, 6, 0, tzinfo=UTC)
SID = "ba"


class Register:
    """The real export as rows, changed between harvests as the city would."""

    def __init__(self):
        # Latin-1 decodes every byte: the file's UTF-8 runs come back out unchanged.
        text = BA.read_bytes().decode("latin-1")
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
        self.header, self.rows = rows[0], rows[1:]
        self.col = {name: i for i, name in enumerate(self.header)}

    def body(self) -> bytes:
        out = io.StringIO(newline="")
        csv.writer(out, delimiter=";", lineterminator="\n").writerows([self.header, *self.rows])
        return out.getvalue().encode("latin-1")

    def row(self, work_id: str) -> list[str]:
        return next(r for r in self.rows if r[self.col["id"]] == work_id)

    def set(self, work_id: str, **values) -> None:
        row = self.row(work_id)
        for name, value in values.items():
            row[self.col[name]] = value

    def drop(self, work_id: str) -> None:
        self.rows.remove(self.row(work_id))


def _pick(works: dict, skip=()) -> str:
    """An unfinished work in progress, whole progress, a point on the map."""
    return next(rid for rid, w in sorted(works.items(), key=lambda kv: int(kv[0]))
                if rid not in skip and w.stage == "in_progress" and w.progress is not None
                and float(w.progress).is_integer() and w.progress <= 80 and w.lat is not None)


def _pct(value) -> str:
    return f"{int(value)} %"


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    """Three harvests; what changed upstream and the site built after the second."""
    root = tmp_path_factory.mktemp("obras-history")
    with_registry(root)
    reg = Register()
    src = None
    with ReplayServer() as replay:
        def run(when):
            replay.add("/obras.csv", reg.body(), content_type="text/csv")
            return harvest(root, [src], now=Clock(when), full=True)
        src = source(replay.url + "/obras.csv", **ba_options())
        code, _ = run(FIRST)
        assert code == 0
        before = records(root, SID)
        advanced = _pick(before)
        finished = _pick(before, {advanced})
        removed = _pick(before, {advanced, finished})
        reg.set(advanced, porcentaje_avance=str(int(before[advanced].progress) + 10))
        reg.set(finished, etapa="Finalizada", porcentaje_avance="100")
        reg.drop(removed)
        code, _ = run(SECOND)
        assert code == 0
        after = records(root, SID)
        data = root / "data"
        out = root / "output"
        proc = build_site(data, out)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        model = SiteModel.load(data, date(2026, 11, 26))
        site = {"out": out, "model": model,
                "changes": read_changes(data)[1], "stones": tombstones.read_tombstones(data)}
        code, _ = run(THIRD)        # the same file again: nothing moved
        assert code == 0
    return {"root": root, "data": data, "before": before, "after": after,
            "advanced": advanced, "finished": finished, "removed": removed, **site}


def page(h, work_id: str) -> str:
    model = h["model"]
    rec = h["after"].get(work_id) or h["before"][work_id]
    url = model.page_url(model.tombstones[rec.id].record if rec.id in model.tombstones else rec)
    return read(h["out"], url)


def read(out: Path, url: str) -> str:
    path = out / url.strip("/") / "index.html" if not url.endswith((".csv", ".geojson")) \
        else out / url
    assert path.is_file(), f"{url} was not built"
    return path.read_text("utf-8")


def text(html: str) -> str:
    main = re.search(r"<main.*?</main>", html, re.DOTALL).group(0)
    main = re.sub(r"<svg.*?</svg>", " ", main, flags=re.DOTALL)
    return " ".join(re.sub(r"<[^>]+>", " ", main).replace("&nbsp;", " ").split())


def test_the_change_log_and_tombstone_record_the_three_changes(history):
    h = history
    ours = [e for e in h["changes"] if e["source"] == SID]
    assert [(e["at"][:10], e["id"], e["change"]) for e in ours[:1]] == [
        ("2026-10-01", None, "added")] and ours[0]["count"] == 1525
    later = {e["id"].split(":", 1)[1]: e for e in ours[1:]}
    # The rewritten file changed nothing else: exactly the three works.
    assert set(later) == {h["advanced"], h["finished"], h["removed"]}
    assert {e["at"][:10] for e in ours[1:]} == {"2026-11-03"}
    adv, fin = later[h["advanced"]], later[h["finished"]]
    was = h["before"][h["advanced"]].progress
    assert (adv["change"], adv["fields"]) == ("updated", ["progress"])
    assert (adv["before"], adv["after"]) == ({"progress": was}, {"progress": was + 10})
    assert fin["change"] == "updated" and {"status", "stage", "progress"} <= set(fin["fields"])
    assert (fin["before"]["stage"], fin["after"]["stage"]) == ("in_progress", "finished")
    assert fin["after"]["progress"] == 100
    assert later[h["removed"]]["change"] == "removed"
    (stone,) = h["stones"]
    assert stone.record.remote_id == h["removed"] and stone.removed_at.startswith("2026-11-03")
    assert stone.record.title == h["before"][h["removed"]].title
    assert len(h["after"]) == 1524 and h["removed"] not in h["after"]


def test_a_work_page_shows_its_progress_at_each_harvest(history):
    h = history
    was = h["before"][h["advanced"]].progress
    got = text(page(h, h["advanced"]))
    assert ("Avance en el tiempo Avance y etapa en cada cosecha que los cambió "
            "Cosecha Avance Etapa "
            f"1 de octubre de 2026 (primera) {_pct(was)} En ejecución "
            f"3 de noviembre de 2026 {_pct(was + 10)} En ejecución") in got
    assert f"Avance: antes «{_pct(was)}», ahora «{_pct(was + 10)}»" in got
    done = text(page(h, h["finished"]))
    before = h["before"][h["finished"]].progress
    assert (f"1 de octubre de 2026 (primera) {_pct(before)} En ejecución "
            "3 de noviembre de 2026 100 % Finalizada") in done
    assert "Etapa: antes «En ejecución», ahora «Finalizada»" in done
    # A work nobody touched: one line, since the first harvest.
    still = next(rid for rid in sorted(h["after"], key=int)
                 if rid not in (h["advanced"], h["finished"]))
    assert re.search(r"Sin cambios de avance ni de etapa desde la primera cosecha del portal "
                     r"\( ?1 de octubre de 2026 ?\)", text(page(h, still)))


def test_the_summary_counts_advanced_stalled_finished_and_removed(history):
    h = history
    got = text(read(h["out"], "/obras/"))
    in_progress = sum(1 for w in h["after"].values() if w.stage == "in_progress")
    assert "1.524 obras públicas" in got
    assert re.search(r"En la última cosecha \( ?3 de noviembre de 2026 ?\), comparada con la "
                     r"anterior", got)
    # The advanced one is still in progress; every other work in progress stalled.
    assert (f"1 avanzaron {in_progress - 1} se estancaron (en ejecución, sin avance) "
            "1 terminaron 1 se retiraron de la fuente") in got


def test_a_harvest_that_changed_nothing_means_every_work_in_progress_stalled(history):
    h = history
    status = yamlio.load_file(h["data"] / "status.yaml")
    assert status["sources"][SID]["last_success"].startswith("2026-11-10")
    works = read_source_file(h["data"] / "sources" / f"{SID}.yaml", None).records
    follow = follow_up(h["data"], works, status, None)
    assert follow.compared and follow.since.startswith("2026-11-10")
    assert (len(follow.advanced), len(follow.finished), follow.removed) == (0, 0, 0)
    assert len(follow.stalled) == sum(1 for w in works if w.stage == "in_progress") > 50
    # The timelines do not depend on which harvest was the last.
    adv = next(w for w in works if w.remote_id == h["advanced"])
    was = h["before"][h["advanced"]].progress
    assert [(at and at[:10], p, s) for at, p, s in follow.timeline(adv)] == [
        ("2026-10-01", was, "in_progress"), ("2026-11-03", was + 10, "in_progress")]


def test_the_removed_work_keeps_its_address_as_a_tombstone(history):
    h = history
    rec = h["before"][h["removed"]]
    model = h["model"]
    url = model.page_url(model.tombstones[rec.id].record)
    assert url == f"obras/{model.slugs[rec.id]}/"
    html = read(h["out"], url)
    got = text(html)
    assert '<meta name="robots" content="noindex">' in html
    assert "Retirado de la fuente. Esta obra pública dejó de estar publicado" not in got
    assert "Retirado de la fuente. Esta obra pública dejó de estar publicada" in got
    assert f"Avance {_pct(rec.progress)}" in got and "Etapa En ejecución" in got
    assert "Historial" in got and "Eliminado" in got
    # In no listing, export or count.
    listings = list((h["out"] / "obras" / "todas").rglob("index.html"))
    assert len(listings) == 31            # 1,524 works, 50 a page
    assert not any(f"/{url}" in p.read_text("utf-8") for p in listings)
    rows = list(csv.DictReader(io.StringIO(read(h["out"], "catalogo/obras.csv").lstrip("\ufeff"))))
    assert len(rows) == 1524 and rec.id not in {r["id"] for r in rows}
    geo = json.loads(read(h["out"], "catalogo/obras.geojson"))
    assert rec.lat is not None and rec.id not in {f["id"] for f in geo["features"]}
    assert len(geo["features"]) > 1400
