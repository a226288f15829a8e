"""The scorecard (issue 10) in the DCAT-AP export as W3C DQV (plugins/portal_site/
dcat_dqv.py): every dataset's metadata-quality percentage, the one its page
shows; every evaluated publisher's points and total, as scores.yaml has them;
each metric defined and labelled; still conforming to the DCAT-AP shapes
(test_exports_rdf.py validates the same files)."""

from __future__ import annotations

import re
import subprocess
import sys

import export_snapshot
import pytest
import site_snapshot
import yaml
from conftest import ROOT
from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import DCAT, RDF, SKOS
from standards import validate_dcat_ap

DQV = Namespace("http://www.w3.org/ns/dqv#")
BASE = "http://portal.test/"
METHOD = BASE + "evaluacion/metodologia/#"


def load(out, path: str) -> Graph:
    fmt = "turtle" if path.endswith(".ttl") else "json-ld"
    return Graph().parse(out / path, format=fmt, publicID=BASE + path)


def measurement(g: Graph, subject, metric: str) -> float:
    found = [m for m in g.objects(subject, DQV.hasQualityMeasurement)
             if (m, DQV.isMeasurementOf, URIRef(METHOD + metric)) in g]
    assert len(found) == 1, (subject, metric, found)
    m = found[0]
    assert (m, RDF.type, DQV.QualityMeasurement) in g and (m, DQV.computedOn, subject) in g
    return float(g.value(m, DQV.value))


def page_percent(out, subject) -> float:
    html = (out / str(subject).removeprefix(BASE) / "index.html").read_text("utf-8")
    section = html[html.index('id="calidad"'):]
    shown = re.search(r"\(([\d.,]+) %\)", section).group(1)
    return float(shown.replace(".", "").replace(",", "."))


def test_each_dataset_carries_the_quality_its_page_shows(bundled_site):
    g = load(bundled_site, "catalogo/dcat.ttl")
    datasets = sorted(g.subjects(RDF.type, DCAT.Dataset))
    assert len(datasets) == 39
    values = {d: measurement(g, d, "calidad_metadatos_porcentaje") for d in datasets}
    for d, value in values.items():
        assert value == page_percent(bundled_site, d), d
    assert len(set(values.values())) > 3        # real values, not one constant
    metric = URIRef(METHOD + "calidad_metadatos_porcentaje")
    assert (metric, RDF.type, DQV.Metric) in g and g.value(metric, SKOS.prefLabel)


@pytest.fixture(scope="module")
def scored_site(tmp_path_factory):
    """The export site's snapshot (Chilean ministries publish its datasets; the
    bundled one's publishers are foreign, outside the scorecard), scored."""
    def scored(data):
        export_snapshot.write(data)
        subprocess.run([sys.executable, "-m", "aggregator", "score", "--data", str(data)],
                       cwd=ROOT, check=True, capture_output=True, timeout=300)
        return data

    root = tmp_path_factory.getbasetemp() / "site-exports-scored"
    root.mkdir(exist_ok=True)
    return site_snapshot.build_once(tmp_path_factory, "exports-scored", scored,
                                    conf=export_snapshot.conf(root))


def test_publishers_carry_their_scorecard_points_and_total(scored_site):
    g = load(scored_site, "catalogo/dcat.ttl")
    conforms, report, _ = validate_dcat_ap(g)
    assert conforms, report
    doc = yaml.safe_load((scored_site.parent / "data" / "scores.yaml").read_text("utf-8"))
    entries = {e["id"]: e for e in doc["institutions"]}
    publishers = {str(p).removeprefix(BASE + "instituciones/").strip("/")
                  for p in g.objects(None, URIRef("http://purl.org/dc/terms/publisher"))
                  if str(p).startswith(BASE + "instituciones/")}
    evaluated = sorted(publishers & set(entries))
    assert len(evaluated) >= 2, (publishers, sorted(entries))
    for iid in evaluated:
        agent, entry = URIRef(f"{BASE}instituciones/{iid}/"), entries[iid]
        if entry["total"] is not None:
            assert measurement(g, agent, "evaluacion_total") == entry["total"]
        for row in entry["indicators"]:
            if row["applies"]:
                assert measurement(g, agent, row["id"]) == row["points"]
                metric = URIRef(METHOD + row["id"])
                # Defined, labelled, in a dimension of the scorecard's category.
                dimension = g.value(metric, DQV.inDimension)
                assert (metric, RDF.type, DQV.Metric) in g and g.value(metric, SKOS.prefLabel)
                assert (dimension, RDF.type, DQV.Dimension) in g
                assert (g.value(dimension, DQV.inCategory), RDF.type, DQV.Category) in g
    # Publishers outside the scorecard get no measurement.
    for iid in publishers - set(entries):
        assert not list(g.objects(URIRef(f"{BASE}instituciones/{iid}/"),
                                  DQV.hasQualityMeasurement))


def test_dataset_file_holds_its_quality_and_conforms(bundled_site):
    g = load(bundled_site, "catalogo/dcat.ttl")
    subject = min(g.subjects(RDF.type, DCAT.Dataset))
    folder = str(subject).removeprefix(BASE)
    for ext in ("ttl", "jsonld"):
        own = load(bundled_site, f"{folder}dataset.{ext}")
        assert measurement(own, subject, "calidad_metadatos_porcentaje") == \
            measurement(g, subject, "calidad_metadatos_porcentaje")
        # Its publisher's scores are in the catalog's pages, not in each file.
        assert len(set(own.subjects(RDF.type, DQV.QualityMeasurement))) == 1
        conforms, report, _ = validate_dcat_ap(own)
        assert conforms, report


@pytest.fixture(scope="module")
def unscored_site(tmp_path_factory):
    return export_snapshot.build_once(tmp_path_factory)


def test_without_scores_there_is_no_dqv(unscored_site):
    assert not (unscored_site.parent / "data" / "scores.yaml").exists()
    g = load(unscored_site, "catalogo/dcat.ttl")
    assert len(set(g.subjects(RDF.type, DCAT.Dataset))) == 50
    assert not list(g.triples((None, DQV.hasQualityMeasurement, None)))
