"""The official shapes and schemas the exports are validated against, loaded
from tests/fixtures/standards/ (attribution in tests/fixtures/SOURCES.md):
nothing is fetched, pySHACL runs without imports or remote ontologies.

DCAT-AP 3.0.1: `dcat-ap-SHACL.ttl` (cardinalities) and `ranges.ttl` (class
ranges) are loaded into one shapes graph. Five `sh:property` links of the
released files name property shapes that neither file defines (no `sh:path`):
pySHACL stops on them ("not a well-formed SHACL PropertyShape") where other
engines skip them. They carry no constraint, so they are left out, counted and
checked to be exactly those five (a new release would show up here).
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from rdflib import Graph
from rdflib.namespace import RDF, SH

STANDARDS = Path(__file__).resolve().parent / "fixtures" / "standards"
DANGLING = 5


@lru_cache(maxsize=1)
def dcat_ap_shapes() -> tuple[Graph, int, int]:
    """(shapes graph, shapes it holds (node + property), dangling links dropped)."""
    g = Graph()
    for name in ("dcat-ap-SHACL.ttl", "ranges.ttl"):
        g.parse(STANDARDS / "dcat-ap-3.0.1" / name, format="turtle")
    dangling = [(s, o) for s, o in g.subject_objects(SH.property) if (o, SH.path, None) not in g]
    for s, o in dangling:
        g.remove((s, SH.property, o))
    node_shapes = set(g.subjects(RDF.type, SH.NodeShape))
    property_shapes = set(g.subjects(SH.path, None))
    return g, len(node_shapes) + len(property_shapes), len(dangling)


def validate_dcat_ap(data: Graph) -> tuple[bool, str, int]:
    """(conforms, report text, shapes checked) of a data graph."""
    from pyshacl import validate  # heavy: only the RDF tests need it

    shapes, count, _ = dcat_ap_shapes()
    conforms, _graph, text = validate(data, shacl_graph=shapes, inference="none",
                                      abort_on_first=False, allow_warnings=False,
                                      advanced=False, do_owl_imports=False)
    return conforms, text, count


@lru_cache(maxsize=1)
def _datajson_validator():
    from jsonschema import Draft4Validator
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT4

    folder = STANDARDS / "dcat-us-1.1" / "schema"
    resources = []
    for path in sorted(folder.glob("*.json")):
        doc = json.loads(path.read_text("utf-8"))
        resource = Resource(contents=doc, specification=DRAFT4)
        # The schemas name each other by their published URLs and by file name.
        resources += [(doc["id"].rstrip("#"), resource), (path.name, resource)]
    registry = Registry().with_resources(resources)
    catalog = json.loads((folder / "catalog.json").read_text("utf-8"))
    return Draft4Validator(catalog, registry=registry,
                           format_checker=Draft4Validator.FORMAT_CHECKER)


def datajson_errors(doc: dict) -> list[str]:
    """Every error of a data.json document against the DCAT-US 1.1 schema."""
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
            for e in _datajson_validator().iter_errors(doc)]
