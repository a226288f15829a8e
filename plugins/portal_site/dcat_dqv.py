"""The scorecard (issue 10) inside the DCAT-AP export, in W3C's Data Quality
Vocabulary: each dataset's metadata-quality percentage and each publisher's
scorecard points (every indicator that applies, and the total), as
`dqv:QualityMeasurement`s whose `dqv:isMeasurementOf` is a `dqv:Metric`
anchored on the method page (`evaluacion/metodologia/#<id>`), labelled, with
its dimension and category.

The nodes come from aggregator/scoring/dqv.py (the one definition of those
URIs and values), turned into rdf_text nodes, except the one measurement every
dataset carries, written straight as text like the rest of a dataset
(dcat_ap.py): 100,000 of them go into a full build.

Publishers' measurements are in the catalog's pages only (where their
datasets are), not in every dataset's own file.
"""

from __future__ import annotations

from rdflib import Literal, URIRef
from rdflib.namespace import RDF

from aggregator.scoring import dqv

from .rdf_text import PREFIXES, iri, lit, name

METHOD = dqv.METHOD_PATH.lstrip("/")          # relative to each file's @base
DATASET_METRIC = f"{METHOD}#{dqv.DATASET_TOTAL}"
# The predicates whose objects are described beside a metric (its dimension, category).
_UP = ("dqv:inDimension", "dqv:inCategory")


def _compact(uri: str) -> str:
    for prefix, ns in PREFIXES.items():
        if uri.startswith(ns):
            return f"{prefix}:{uri[len(ns):]}"
    raise ValueError(f"no prefix for {uri}")


def _rel(uri: str) -> str:
    # dqv.py makes "<base>/evaluacion/..." URIs; with base "" they are root-relative:
    # relative to the file's @base instead, like every other IRI of the export.
    return uri.lstrip("/")


def _nodes(triples: list[tuple]) -> dict[str, list]:
    """rdflib triples as rdf_text nodes, by subject (relative IRI)."""
    out: dict[str, list] = {}
    for s, p, o in triples:
        pred = "a" if p == RDF.type else _compact(str(p))
        if isinstance(o, Literal):
            obj = lit(str(o), _compact(str(o.datatype)) if o.datatype else None)
        elif p == RDF.type:
            obj = name(_compact(str(o)))
        else:
            obj = iri(_rel(str(o)) if isinstance(o, URIRef) and str(o).startswith("/")
                      else str(o))
        out.setdefault(_rel(str(s)), []).append((pred, obj))
    return out


class QualityText:
    """What the DCAT-AP writer needs of the scorecard (plugins/portal_site/scorecard.py)."""

    def __init__(self, board):
        self.percent = board.check.percent
        self.entries = board.entries
        self.terms = _nodes(dqv.method_triples(board.method, ""))

    def dataset(self, subject: str, ds) -> tuple[str, str, str, str]:
        """(Turtle and JSON-LD of the dataset's pointer, Turtle and JSON-LD of
        the measurement node) of the dataset's metadata quality."""
        node = f"{subject}#calidad"
        value = f"{self.percent(ds):.1f}"
        ttl = (f"<{node}> a dqv:QualityMeasurement ;\n    dqv:computedOn <{subject}> ;\n"
               f"    dqv:isMeasurementOf <{DATASET_METRIC}> ;\n"
               f'    dqv:value "{value}"^^xsd:decimal .\n')
        js = (f'{{"@id":"{node}","@type":["dqv:QualityMeasurement"],'
              f'"dqv:computedOn":{{"@id":"{subject}"}},'
              f'"dqv:isMeasurementOf":{{"@id":"{DATASET_METRIC}"}},'
              f'"dqv:value":{{"@value":"{value}","@type":"xsd:decimal"}}}}')
        return (f"dqv:hasQualityMeasurement <{node}>",
                f'"dqv:hasQualityMeasurement":{{"@id":"{node}"}}', ttl, js)

    def metric_nodes(self, anchor: str) -> list:
        """A metric, its dimension and its category, labelled."""
        out, todo, seen = [], [f"{METHOD}#{anchor}"], set()
        while todo:
            subject = todo.pop()
            if subject in seen or subject not in self.terms:
                continue
            seen.add(subject)
            pairs = self.terms[subject]
            out.append((iri(subject), pairs))
            todo += [o[1] for p, o in pairs if p in _UP]
        return out

    def institution_keys(self, inst_id: str) -> list[tuple]:
        """Shared-description keys (DcatWriter.shared) of a publisher's scores and
        the metrics they measure; none when it was not evaluated."""
        entry = self.entries.get(inst_id)
        if entry is None:
            return []
        metrics = [row["id"] for row in entry["indicators"] if row["applies"]]
        if entry["total"] is not None:
            metrics.append(dqv.INSTITUTION_TOTAL)
        return [("dqv-inst", inst_id), *(("dqv", m) for m in metrics)]

    def institution_nodes(self, inst_id: str) -> list:
        triples = dqv.institution_measurements(self.entries[inst_id],
                                               f"instituciones/{inst_id}/", "")
        return [(iri(s), pairs) for s, pairs in _nodes(triples).items()]
