"""The scorecard computed by the aggregator (`python -m aggregator score`) on a
handcrafted snapshot whose answers are known (tests/score_snapshot.py): one test
per indicator, "no aplica" included; totals renormalized; same snapshot, same
bytes; the reference date from the snapshot; the history's append semantics."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import score_snapshot as snap
import yaml

from aggregator import yamlio
from aggregator.cli import main
from aggregator.records import Dataset, License, Resource
from aggregator.score import ScoreError, Scorer
from aggregator.scoring.method import Method, MethodError
from aggregator.scoring.quality import QualityCheck


@pytest.fixture
def scored(tmp_path):
    data = snap.write(tmp_path / "data")
    doc = Scorer(snap.settings(tmp_path)).run(data, cache_dir=None, out=None)
    return doc, {e["id"]: e for e in doc["institutions"]}


def row(entry: dict, indicator: str) -> dict:
    return next(r for r in entry["indicators"] if r["id"] == indicator)


def quality_check(tmp_path) -> QualityCheck:
    from aggregator.score import load_settings
    return Method.from_settings(
        load_settings(snap.settings(tmp_path))["PORTAL_SCORECARD"]).quality_check()


# -- metadata quality of one dataset (MQA offline) --------------------------------

def test_complete_dataset_scores_everything(tmp_path):
    q = quality_check(tmp_path)(snap.complete(1))
    assert (q.percent, q.rating, q.missing, q.partial) == (100.0, "Excelente", (), ())
    assert q.possible == 275


def test_minimal_dataset_known_score_and_what_is_missing(tmp_path):
    q = quality_check(tmp_path)(snap.datasets()[1])
    # URL 20 + format 20 + known format 10 + open format 20 + publisher 10 + issued 5.
    assert q.earned == 85 and q.percent == 30.9 and q.rating == "Suficiente"
    assert q.missing == ("palabras_clave", "temas", "cobertura_espacial", "cobertura_temporal",
                         "tipo_medio", "legible_por_maquina", "licencia", "licencia_conocida",
                         "punto_de_contacto", "tamano", "fecha_modificacion")


def test_file_metrics_count_the_share_of_resources(tmp_path):
    ds = snap.complete(9, resources=[Resource("a", "CSV", "https://x.example/a.csv", 10),
                                     Resource("b", "XLS", "https://x.example/b.xls")],
                       license=License(title="Licencia propia de la casa"))
    q = quality_check(tmp_path)(ds)
    # Neither file has a media type; one lacks its size and XLS is not open; the
    # licence is not from a known vocabulary.
    assert q.partial == ("formato_abierto", "tamano")
    assert q.missing == ("tipo_medio", "licencia_conocida")
    assert q.earned == 275 - 10 - 20 / 2 - 10 - 5 / 2


# -- one test per indicator ---------------------------------------------------------

def test_datasets_published(scored, tmp_path):
    _, by_id = scored
    r = row(by_id["ana"], "datos_publicados")
    assert (r["value"], r["points"], r["max"]) == (4, 6, 15)     # 4 of 10 for full points
    assert r["for"] == ["datos:d1", "datos:d2", "datos:d3", "datos:d4"]
    assert row(by_id["cero"], "datos_publicados")["points"] == 0
    # No catalog harvested at all: no aplica, for everyone.
    data = snap.write(tmp_path / "sin-datos", with_datasets=False)
    doc = Scorer(snap.settings(tmp_path)).run(data, cache_dir=None, out=None)
    for e in doc["institutions"]:
        r = row(e, "datos_publicados")
        assert not r["applies"] and "catálogo" in r["reason"]


def test_metadata_quality(scored):
    _, by_id = scored
    r = row(by_id["ana"], "calidad_metadatos")
    assert r["value"] == 82.7                   # (100 + 30.9 + 100 + 100) / 4 = 82.725
    assert r["points"] == 12.4                  # 15 x 0.827 = 12.405, to one decimal
    assert r["against"] == ["datos:d2"] and r["against_count"] == 1
    assert r["for"] == ["datos:d1", "datos:d3", "datos:d4"]
    r = row(by_id["beto"], "calidad_metadatos")
    assert not r["applies"] and r["reason"].startswith("La institución no tiene conjuntos")


def test_freshness(scored):
    _, by_id = scored
    r = row(by_id["ana"], "actualizacion")
    # d1 monthly, touched 14 days ago; d4 annual, 379 days (allowed 1.5 years); d2
    # monthly with only a 2020 issue date: late. d3 is irregular: not counted.
    assert r["for"] == ["datos:d1", "datos:d4"] and r["against"] == ["datos:d2"]
    assert (r["value"], r["points"]) == (66.7, 6.7)
    r = row(by_id["cero"], "actualizacion")
    assert not r["applies"] and "frecuencia" in r["reason"]


def test_transparency_links(scored):
    _, by_id = scored
    r = row(by_id["ana"], "enlaces_transparencia")          # built from its code AA001
    assert r["points"] == 15 and all("AA001" in u for u in r["for"])
    r = row(by_id["cero"], "enlaces_transparencia")          # no code, no explicit link
    assert r["points"] == 0 and r["against"] == ["transparency_url", "request_url"]
    r = row(by_id["beto"], "enlaces_transparencia")          # a ministerio: skip_kinds
    assert not r["applies"] and "ministerio" in r["reason"]


def test_lobby(scored, tmp_path):
    _, by_id = scored
    r = row(by_id["ana"], "lobby")
    assert (r["value"], r["points"], r["for"]) == (1, 15, ["lobby:a1"])
    assert "(2 en total)" in r["detail"]
    assert not row(by_id["cero"], "lobby")["applies"]         # no code in the register
    data = snap.write(tmp_path / "sin-lobby", with_lobby=False)
    doc = Scorer(snap.settings(tmp_path)).run(data, cache_dir=None, out=None)
    ana = next(e for e in doc["institutions"] if e["id"] == "ana")
    assert row(ana, "lobby")["reason"] == "El portal no cosecha un registro de lobby."


def test_participation_recent_and_open(scored):
    _, by_id = scored
    ana, beto = by_id["ana"], by_id["beto"]
    assert row(ana, "participacion_reciente")["for"] == ["participa:c1"]
    assert row(ana, "participacion_reciente")["points"] == 12
    assert row(ana, "participacion_abierta")["points"] == 0        # closed in February
    assert row(beto, "participacion_abierta")["for"] == ["participa:c2"]
    assert row(beto, "participacion_abierta")["points"] == 8
    assert row(by_id["cero"], "participacion_reciente")["points"] == 0


def test_news(scored):
    _, by_id = scored
    r = row(by_id["ana"], "noticias")
    assert (r["value"], r["points"], r["for"]) == (1, 10, ["noticias:n1"])
    r = row(by_id["beto"], "noticias")
    assert not r["applies"] and "noticias" in r["reason"]


def test_totals_are_renormalized_over_what_applies(scored):
    doc, by_id = scored
    beto = by_id["beto"]
    # datos_publicados 0/15, participation 12/12 + 8/8; everything else no aplica.
    assert (beto["earned"], beto["possible"], beto["total"]) == (20, 35, 57.1)
    assert beto["rating"] == "Adecuado"
    ana = by_id["ana"]
    # 6 + 12.4 + 6.7 + 15 + 15 + 12 + 0 + 10 of 100.
    assert (ana["earned"], ana["possible"], ana["total"]) == (77.1, 100, 77.1)
    assert ana["dimensions"] == {"datos": 62.8, "transparencia": 100.0,
                                 "participacion": 60.0, "comunicacion": 100.0}
    assert ana["weakest"] == "datos_publicados"                   # 9 points lost
    assert doc["national"]["evaluated"] == 3
    assert [e["id"] for e in doc["not_evaluated"]] == ["ext"]
    assert "ext" not in by_id
    ranks = sorted((e["rank"], e["id"]) for e in by_id.values())
    assert [i for _, i in ranks] == ["ana", "beto", "cero"]


def test_same_snapshot_same_bytes(tmp_path):
    data = snap.write(tmp_path / "a")
    settings = snap.settings(tmp_path)
    Scorer(settings).run(data, cache_dir=None, out=None)
    first = (data / "scores.yaml").read_bytes()
    mtime = (data / "scores.yaml").stat().st_mtime_ns
    Scorer(settings).run(data, cache_dir=tmp_path / "cache", out=None)
    assert (data / "scores.yaml").read_bytes() == first
    assert (data / "scores.yaml").stat().st_mtime_ns == mtime          # not rewritten
    other = snap.write(tmp_path / "b")
    Scorer(settings).run(other, cache_dir=None, out=None)
    assert (other / "scores.yaml").read_bytes() == first
    assert yamlio.loads(first)["reference"] == {"time": snap.STAMP, "day": "2026-06-15",
                                                "from": "status.yaml run.finished"}


def test_reference_time_is_the_snapshots_own(tmp_path):
    data = snap.write(tmp_path / "data")
    # In Santiago (UTC-4 in June) 02:00 UTC is still the day before.
    snap.set_time(data, "2026-06-16T02:00:00+00:00")
    doc = Scorer(snap.settings(tmp_path, "TIMEZONE = 'America/Santiago'")).run(
        data, cache_dir=None, out=None)
    assert doc["reference"]["day"] == "2026-06-15"
    (data / "status.yaml").unlink()             # then the newest harvested_at
    doc = Scorer(snap.settings(tmp_path)).run(data, cache_dir=None, out=None)
    assert doc["reference"] == {"time": snap.STAMP, "day": "2026-06-15",
                                "from": "latest harvested_at of the source files"}


def test_history_appends_one_line_per_institution_per_day(tmp_path):
    data = snap.write(tmp_path / "data")
    settings = snap.settings(tmp_path)
    hist = data / "history" / "scores.csv"
    Scorer(settings).run(data, cache_dir=None, out=None)
    day1 = hist.read_bytes()
    lines = day1.decode().splitlines()
    assert lines[0] == "fecha,institucion,total,datos,transparencia,participacion," \
                       "comunicacion,metodo"
    assert [ln.split(",")[:2] for ln in lines[1:]] == [
        ["2026-06-15", "ana"], ["2026-06-15", "beto"], ["2026-06-15", "cero"]]
    Scorer(settings).run(data, cache_dir=None, out=None)       # same day: idempotent
    assert hist.read_bytes() == day1
    snap.set_time(data, "2026-06-16T12:00:00+00:00")
    Scorer(settings).run(data, cache_dir=None, out=None)
    day2 = hist.read_bytes()
    assert day2.startswith(day1) and len(day2.decode().splitlines()) == 7
    # Later the same day with other figures: only that day's block is replaced.
    write_extra_dataset(data)
    Scorer(settings).run(data, cache_dir=None, out=None)
    day2b = hist.read_bytes()
    assert day2b.startswith(day1) and day2b != day2
    assert len(day2b.decode().splitlines()) == 7
    # An older snapshot adds nothing and rewrites nothing.
    snap.set_time(data, snap.STAMP)
    Scorer(settings).run(data, cache_dir=None, out=None)
    assert hist.read_bytes() == day2b


def write_extra_dataset(data):
    from aggregator.snapshot import write_source_file
    write_source_file(data, "datos", "ckan", snap.STAMP,
                      [*snap.datasets(), snap.complete(5)], cache_dir=False)


def test_a_damaged_history_stops_with_file_and_line(tmp_path):
    data = snap.write(tmp_path / "data")
    (data / "history").mkdir()
    (data / "history" / "scores.csv").write_text("fecha,otra\n")
    with pytest.raises(ScoreError, match=r"scores\.csv:1: unexpected header"):
        Scorer(snap.settings(tmp_path)).run(data, cache_dir=None, out=None)


# -- settings and the command line --------------------------------------------------

@pytest.mark.parametrize("extra, message", [
    ("PORTAL_SCORECARD['indicators']['lobby']['monts'] = 3",
     "PORTAL_SCORECARD['indicators']['lobby']: unknown key(s) 'monts'"),
    ("del PORTAL_SCORECARD['indicators']['noticias']['days']",
     "PORTAL_SCORECARD['indicators']['noticias']: missing key(s) 'days'"),
    ("PORTAL_SCORECARD['indicators']['lobby']['points'] = -1",
     "PORTAL_SCORECARD['indicators']['lobby']['points'] must be >= 0"),
    ("PORTAL_SCORECARD['indicators']['prensa'] = {'points': 1}",
     "unknown indicator(s) 'prensa'"),
    ("PORTAL_SCORECARD['ratings'] = [(50, 'Bien')]", "the lowest band must start at 0"),
    ("PORTAL_SCORECARD['dataset_quality']['points']['licencia'] = 'mucho'",
     "PORTAL_SCORECARD['dataset_quality']['points']['licencia'] must be a number"),
    ("del PORTAL_SCORECARD", "no PORTAL_SCORECARD block"),
    ("PORTAL_SCORECARD['evaluate_without_evidence'] = 'no'",
     "PORTAL_SCORECARD['evaluate_without_evidence'] must be true or false"),
    ("TIMEZONE = 'Marte/Olimpo'", "TIMEZONE 'Marte/Olimpo' is not a known time zone"),
])
def test_bad_settings_exit_2_naming_the_key(tmp_path, capsys, extra, message):
    data = snap.write(tmp_path / "data")
    code = main(["score", "--data", str(data), "--settings",
                 str(snap.settings(tmp_path, extra))])
    err = capsys.readouterr().err
    assert code == 2 and message in err and "Traceback" not in err
    assert not (data / "scores.yaml").exists() and not (data / "history").exists()


def test_a_body_without_evidence_is_listed_not_ranked_by_default(tmp_path):
    data = snap.write(tmp_path / "data")
    default = snap.settings(tmp_path, "PORTAL_SCORECARD.pop('evaluate_without_evidence')")
    doc = Scorer(default).run(data, cache_dir=None, out=None)
    assert [e["id"] for e in doc["institutions"]] == ["ana", "beto"]   # beto: a consultation
    skipped = {e["id"]: e for e in doc["not_evaluated"]}
    assert skipped["cero"]["cause"] == "evidence" and "Sin evidencia" in skipped["cero"]["reason"]
    assert skipped["ext"]["cause"] == "kind"
    assert doc["national"]["evaluated"] == 2 and doc["national"]["registered"] == 4
    assert doc["method"]["evaluate_without_evidence"] is False
    # A registry code is evidence: it builds the Transparencia Activa links.
    reg = data / "institutions.yaml"
    registry = yaml.safe_load(reg.read_text())
    next(i for i in registry["institutions"] if i["id"] == "cero")["cplt_code"] = "CE001"
    reg.write_text(yaml.safe_dump(registry, allow_unicode=True))
    doc = Scorer(default).run(data, cache_dir=None, out=None)
    assert "cero" in {e["id"] for e in doc["institutions"]}


def test_cli_score_writes_both_files(tmp_path, capsys):
    data = snap.write(tmp_path / "data")
    assert main(["score", "--data", str(data), "--settings", str(snap.settings(tmp_path))]) == 0
    assert "3 of 4 institutions evaluated" in capsys.readouterr().err
    assert (data / "scores.yaml").exists() and (data / "history" / "scores.csv").exists()


def test_run_scores_at_the_end(tmp_path, replay, capsys):
    from harvest_helpers import fixture
    replay.add("/data.json", fixture("datajson", "datajson_andino_demo2.json"))
    sources = tmp_path / "sources.yaml"
    sources.write_text("settings: {cache_dir: cache, retries: 0}\nsources:\n"
                       f"  - {{id: andino, adapter: datajson, url: '{replay.url}/data.json'}}\n")
    data = tmp_path / "data"
    assert main(["run", "--sources", str(sources), "--data", str(data), "--settings",
                 str(snap.settings(tmp_path))]) == 0
    doc = yamlio.load_file(data / "scores.yaml")
    assert doc["national"]["datasets"]["count"] == len(
        [r for r in yamlio.load_file(data / "sources" / "andino.yaml")["records"]])
    assert "scorecard:" in capsys.readouterr().err
    # The harvest handed the facts of the file it wrote to the scoring after it.
    assert len(list((tmp_path / "cache" / "scores" / "content").glob("*.marshal"))) == 1
    # Bad scorecard settings stop the run before anything is harvested.
    bad = snap.settings(tmp_path / "bad", "PORTAL_SCORECARD['ratings'] = []")
    assert main(["run", "--sources", str(sources), "--data", str(tmp_path / "d2"),
                 "--settings", str(bad)]) == 2
    assert not (tmp_path / "d2").exists()


def test_method_rejects_a_scorecard_without_points():
    block = {"indicators": {"lobby": {"points": 0, "months": 12, "full_at": 1}},
             "ratings": [(0, "x")], "exclude_kinds": [], "evidence_limit": 5,
             "dataset_quality": {"points": {}, "ratings": [(0, "x")]}}
    with pytest.raises(MethodError, match="no indicator has points"):
        Method.from_settings(block)


def test_dataset_without_resources_or_license(tmp_path):
    ds = Dataset(id="x:1", source="x", remote_id="1", title="Vacío")
    q = quality_check(tmp_path)(ds)
    assert q.earned == 0 and q.rating == "Deficiente" and "publicador" in q.missing


# -- W3C DQV --------------------------------------------------------------------------

def test_dqv_measurements_of_a_dataset_and_an_institution(scored, tmp_path):
    from rdflib import Graph, URIRef
    from rdflib.namespace import RDF

    from aggregator.scoring import quality_check_from
    from aggregator.scoring.dqv import (
        DQV,
        dataset_measurements,
        institution_measurements,
        method_triples,
    )
    doc, by_id = scored
    base = "https://portal.example"
    check = quality_check_from(doc["method"])
    g = Graph()
    for t in method_triples(doc["method"], base):
        g.add(t)
    ds_uri = f"{base}/datos/d2/"
    for t in dataset_measurements(snap.datasets()[1], check, ds_uri, base):
        g.add(t)
    for t in institution_measurements(by_id["ana"], f"{base}/instituciones/ana/", base):
        g.add(t)

    def value(subject, metric_anchor):
        metric = URIRef(f"{base}/evaluacion/metodologia/#{metric_anchor}")
        (m,) = [m for m in g.objects(URIRef(subject), DQV.hasQualityMeasurement)
                if (m, DQV.isMeasurementOf, metric) in g]
        assert (m, RDF.type, DQV.QualityMeasurement) in g
        assert (m, DQV.computedOn, URIRef(subject)) in g
        return float(g.value(m, DQV.value))

    assert value(ds_uri, "calidad_metadatos_porcentaje") == 30.9
    assert value(ds_uri, "mqa-licencia") == 0 and value(ds_uri, "mqa-formato") == 1
    inst = f"{base}/instituciones/ana/"
    assert value(inst, "evaluacion_total") == 77.1 and value(inst, "lobby") == 15
    # Every metric measured is defined, in a dimension, labelled.
    for metric in set(g.objects(None, DQV.isMeasurementOf)):
        assert (metric, RDF.type, DQV.Metric) in g and g.value(metric, DQV.inDimension) \
            or str(metric).endswith(("#evaluacion_total", "#calidad_metadatos_porcentaje"))
    # No blank nodes: the same snapshot serializes to the same bytes.
    assert not any(type(n).__name__ == "BNode" for t in g for n in t)
    again = Graph()
    for t in dataset_measurements(snap.datasets()[1], check, ds_uri, base):
        again.add(t)
    assert sorted(again) == sorted(t for t in g if str(t[0]).startswith(ds_uri)
                                   and not str(t[0]).startswith(inst))


def test_scores_yaml_reads_back_as_the_same_data_with_any_loader(scored):
    import yaml

    from aggregator.scoring.emit import dumps
    doc, _ = scored
    assert yaml.load(dumps(doc), Loader=yaml.SafeLoader) == doc       # pure-Python loader
    assert yamlio.loads(dumps(doc)) == doc
    hostile = {"a": "x: y # z", "b": "null", "c": "yes", "d": "\n\t\"\\", "on": True,
               "e": "\u2028\x85\x7f\ufeff", "f": [[], {}, [1, [2]], {"x": []}], "g": -0.5,
               "h": 1e-7, "i": "  lead", "j": "Subsecretaría «x»", "k": [{"a": {"b": [1]}}],
               "l": None, "m": False, "n": "- item", "o": "'q'", "p": "&anchor *ref !tag"}
    assert yaml.load(dumps(hostile), Loader=yaml.SafeLoader) == hostile


def _forbid_reading(monkeypatch, what: str) -> None:
    """Make any read of a source file's records (or of its bytes, to hash them) fail."""
    from aggregator import snapshot

    def unread(*args, **kw):
        raise AssertionError(what)
    monkeypatch.setattr(snapshot, "read_validated", unread)
    monkeypatch.setattr(snapshot, "read_source_file", unread)
    if what.startswith("an unchanged"):
        real = Path.read_bytes
        monkeypatch.setattr(Path, "read_bytes", lambda p: unread() if p.parent.name == "sources"
                            else real(p))


def test_facts_of_unchanged_files_come_from_the_cache(tmp_path, monkeypatch):
    import os
    data = snap.write(tmp_path / "data")
    past = 1_700_000_000
    for path in (data / "sources").glob("*.yaml"):
        os.utime(path, (past, past))        # not written just now: its stat is trusted
    settings, cache = snap.settings(tmp_path), tmp_path / "cache"
    Scorer(settings).run(data, cache_dir=cache, out=None)
    first = (data / "scores.yaml").read_bytes()
    assert len(list((cache / "scores").glob("*.marshal"))) == 4
    _forbid_reading(monkeypatch, "an unchanged source file was read again")
    Scorer(settings).run(data, cache_dir=cache, out=None)
    assert (data / "scores.yaml").read_bytes() == first
    # Other quality points: the facts are computed again, from the files.
    monkeypatch.undo()
    changed = snap.settings(tmp_path / "b", "PORTAL_SCORECARD['dataset_quality']['points']"
                                           "['licencia'] = 40")
    doc = Scorer(changed).run(data, cache_dir=cache, out=None)
    ana = next(e for e in doc["institutions"] if e["id"] == "ana")
    assert row(ana, "calidad_metadatos")["value"] != 82.7
    # A source file that changed is read again (its size and time differ).
    write_extra_dataset(data)
    os.utime(data / "sources" / "datos.yaml", (past + 10, past + 10))
    doc = Scorer(settings).run(data, cache_dir=cache, out=None)
    assert doc["national"]["datasets"]["count"] == 5
    assert (data / "scores.yaml").read_bytes() == _cold(settings, data, tmp_path / "cold")
    # No facts kept at all: computed from the parse cache's plain data, same bytes.
    shutil.rmtree(cache / "scores")
    Scorer(settings).run(data, cache_dir=cache, out=None)
    assert (cache / "parse").is_dir()
    assert (data / "scores.yaml").read_bytes() == _cold(settings, data, tmp_path / "cold2")


def _cold(settings, data, to) -> bytes:
    """scores.yaml of a copy of the snapshot scored with no cache at all."""
    Scorer(settings).run(snap.copy(data, to), cache_dir=None, out=None)
    return (to / "scores.yaml").read_bytes()


def test_facts_handed_over_by_the_writer_spare_reading_the_records(tmp_path, monkeypatch):
    """`aggregator run` hands each written file's facts to the scorer (Keeper): the
    scoring after a harvest hashes the new file and builds no record, with the
    same bytes as a scoring with no cache at all."""
    from aggregator.snapshot import read_source_file, write_source_file
    data = snap.write(tmp_path / "data")
    settings, cache = snap.settings(tmp_path), tmp_path / "cache"
    scorer = Scorer(settings)
    scorer.run(data, cache_dir=cache, out=None)
    records = read_source_file(data / "sources" / "datos.yaml").records
    records[0].license = None                      # the harvest changed a dataset
    assert write_source_file(data, "datos", "ckan", snap.STAMP, records, cache,
                             name="Datos (prueba)", url=snap.HOST,
                             on_write=scorer.keeper(cache))
    assert len(list((cache / "scores" / "content").glob("*.marshal"))) == 5
    with monkeypatch.context() as m:
        _forbid_reading(m, "a file whose facts the writer handed over was read")
        doc = Scorer(settings).run(data, cache_dir=cache, out=None)
    kept = (data / "scores.yaml").read_bytes()
    ana = next(e for e in doc["institutions"] if e["id"] == "ana")
    assert row(ana, "calidad_metadatos")["value"] != 82.7
    assert _cold(settings, data, tmp_path / "cold") == kept
    # Facts kept by content are dropped after two days (the path's stamp took over).
    from aggregator.scoring.facts import _prune
    _prune(cache / "scores" / "content", now=time_in_days(3))
    assert list((cache / "scores" / "content").glob("*.marshal")) == []


def time_in_days(days: int) -> float:
    import time
    return time.time() + days * 86400


def test_quality_of_plain_data_is_the_quality_of_the_record(tmp_path):
    """The facts are computed from the parse cache's plain mappings, the pages from
    records: both give the same percentage."""
    check = quality_check(tmp_path)
    for ds in snap.datasets():
        assert check.plain_percent(ds.to_dict()) == check(ds).percent
    assert check.plain_percent(snap.datasets()[0].to_dict()) == 100.0
