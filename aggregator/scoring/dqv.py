"""The scorecard in W3C's Data Quality Vocabulary (DQV), as rdflib triples, for
the catalog's RDF export (DCAT-AP) to include.

    from aggregator.scoring.dqv import dataset_measurements, institution_measurements,
        method_triples
    for t in method_triples(method, base): graph.add(t)            # once per export
    for t in dataset_measurements(ds, check, dataset_uri, base): graph.add(t)
    for t in institution_measurements(entry, institution_uri, base): graph.add(t)

`method` is scores.yaml's `method`, `entry` one of its `institutions`, `check`
`quality_check_from(method)`; `base` the site's URL (SITEURL). Metrics and
dimensions are anchors of the method page (`<base>/evaluacion/metodologia/#<id>`),
so every value points at the text that explains it. Nodes are URIs, never blank
nodes, so an export is the same bytes for the same snapshot.
"""

from __future__ import annotations

from rdflib import Literal, Namespace, URIRef
from rdflib.namespace import RDF, SKOS, XSD

from ..records import Dataset
from .quality import METRIC_IDS, QualityCheck

DQV = Namespace("http://www.w3.org/ns/dqv#")
METHOD_PATH = "/evaluacion/metodologia/"
# The dataset's overall metadata quality and an institution's total (0-100).
DATASET_TOTAL = "calidad_metadatos_porcentaje"
INSTITUTION_TOTAL = "evaluacion_total"


def term(base: str, anchor: str) -> URIRef:
    return URIRef(f"{base.rstrip('/')}{METHOD_PATH}#{anchor}")


def _measurement(subject: URIRef, node: URIRef, metric: URIRef, value, datatype):
    return [(subject, DQV.hasQualityMeasurement, node),
            (node, RDF.type, DQV.QualityMeasurement),
            (node, DQV.computedOn, subject),
            (node, DQV.isMeasurementOf, metric),
            (node, DQV.value, Literal(value, datatype=datatype))]


def method_triples(method: dict, base: str) -> list[tuple]:
    """Every metric of the method with its dimension and category, labelled."""
    out = []

    def add(kind, anchor, label, parent_pred=None, parent=None):
        node = term(base, anchor)
        out.extend([(node, RDF.type, kind), (node, SKOS.prefLabel, Literal(label, lang="es"))])
        if parent_pred is not None:
            out.append((node, parent_pred, term(base, parent)))

    add(DQV.Category, "categoria-evaluacion", "Evaluación de gobierno abierto")
    for d in method["dimensions"]:
        add(DQV.Dimension, f"dimension-{d['id']}", d["label"], DQV.inCategory,
            "categoria-evaluacion")
    for i in method["indicators"]:
        add(DQV.Metric, i["id"], i["label"], DQV.inDimension, f"dimension-{i['dimension']}")
    add(DQV.Metric, INSTITUTION_TOTAL, "Puntaje total de la evaluación (0-100)")
    q = method["dataset_quality"]
    add(DQV.Category, "categoria-calidad-metadatos", "Calidad de los metadatos (MQA)")
    for d in q["dimensions"]:
        add(DQV.Dimension, f"mqa-{d['id']}", d["label"], DQV.inCategory,
            "categoria-calidad-metadatos")
    for m in q["metrics"]:
        add(DQV.Metric, f"mqa-{m['id']}", m["label"], DQV.inDimension,
            f"mqa-{m['dimension']}")
    add(DQV.Metric, DATASET_TOTAL, "Calidad de los metadatos, porcentaje (0-100)")
    return out


def dataset_measurements(ds: Dataset, check: QualityCheck, dataset_uri: str,
                         base: str) -> list[tuple]:
    """The share (0-1) the dataset meets of each metric, and its percentage."""
    subject = URIRef(dataset_uri)
    out = []
    for mid, share, points in zip(METRIC_IDS, check.shares(ds), check.points):
        if points > 0:
            out += _measurement(subject, URIRef(f"{dataset_uri}#calidad-{mid}"),
                                term(base, f"mqa-{mid}"), round(share, 3), XSD.decimal)
    out += _measurement(subject, URIRef(f"{dataset_uri}#calidad"), term(base, DATASET_TOTAL),
                        check(ds).percent, XSD.decimal)
    return out


def institution_measurements(entry: dict, institution_uri: str, base: str) -> list[tuple]:
    """Points of each indicator that applies, and the total (when there is one)."""
    subject = URIRef(institution_uri)
    out = []
    for row in entry["indicators"]:
        if row["applies"]:
            out += _measurement(subject, URIRef(f"{institution_uri}#evaluacion-{row['id']}"),
                                term(base, row["id"]), row["points"], XSD.decimal)
    if entry["total"] is not None:
        out += _measurement(subject, URIRef(f"{institution_uri}#evaluacion"),
                            term(base, INSTITUTION_TOTAL), entry["total"], XSD.decimal)
    return out
