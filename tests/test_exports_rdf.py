"""DCAT-AP 3.0.1 exports (sections/dcat.py): the whole catalog and each dataset,
in Turtle and JSON-LD, parsed back with rdflib and validated with pySHACL
against the official shapes (tests/standards.py), offline."""

from __future__ import annotations

import re
from pathlib import Path

import export_snapshot
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, SKOS
from site_pages import parse
from standards import DANGLING, dcat_ap_shapes, validate_dcat_ap

HYDRA_NEXT = URIRef("http://www.w3.org/ns/hydra/core#next")
HYDRA_TOTAL = URIRef("http://www.w3.org/ns/hydra/core#totalItems")
BASE = "http://portal.test/"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    return export_snapshot.build_once(tmp_path_factory)


def load(out: Path, path: str) -> Graph:
    fmt = "turtle" if path.endswith(".ttl") else "json-ld"
    return Graph().parse(out / path, format=fmt, publicID=BASE + path)


def pages(out: Path, ext: str) -> list[str]:
    """Follow hydra:next from the first page; every page's path, in order."""
    path, seen = f"catalogo/dcat.{ext}", []
    while path:
        assert path not in seen
        seen.append(path)
        nxt = list(load(out, path).objects(None, HYDRA_NEXT))
        path = str(nxt[0]).removeprefix(BASE) if nxt else None
    return seen


def test_shapes_load_offline_with_the_known_dangling_links():
    _shapes, count, dangling = dcat_ap_shapes()
    assert dangling == DANGLING
    assert count == 327       # node and property shapes of DCAT-AP 3.0.1 (both files)


def test_bundled_catalog_conforms_in_turtle_and_json_ld(bundled_site):
    ttl = load(bundled_site, "catalogo/dcat.ttl")
    jsonld = load(bundled_site, "catalogo/dcat.jsonld")
    assert isomorphic(ttl, jsonld)
    datasets = set(ttl.subjects(RDF.type, DCAT.Dataset))
    assert len(datasets) == 39          # every dataset of the bundled snapshot
    conforms, report, shapes = validate_dcat_ap(ttl)
    assert conforms, report
    assert shapes == 327


def test_paged_catalog_conforms_page_by_page_and_holds_every_dataset_once(site):
    for ext in ("ttl", "jsonld"):
        paths = pages(site, ext)
        assert paths == [f"catalogo/dcat.{ext}", f"catalogo/dcat-pagina-2.{ext}",
                         f"catalogo/dcat-pagina-3.{ext}"]
        seen: list = []
        for path in paths:
            g = load(site, path)
            conforms, report, _ = validate_dcat_ap(g)
            assert conforms, f"{path}:\n{report}"
            assert int(next(g.objects(None, HYDRA_TOTAL))) == 125
            found = list(g.subjects(RDF.type, DCAT.Dataset))
            assert len(found) <= export_snapshot.PAGE_SIZE
            catalog = next(g.subjects(RDF.type, DCAT.Catalog))
            assert set(g.objects(catalog, DCAT.dataset)) == set(found)
            seen += found
        assert len(seen) == len(set(seen)) == 125


def test_every_dataset_has_its_own_files_linked_from_its_page(site):
    folders = sorted(p.parent for p in (site / "datos").glob("*/dataset.ttl"))
    assert len(folders) == 125
    for folder in folders[:: 25]:       # a sample: the pages above check them all
        rel = folder.relative_to(site).as_posix()
        ttl, jsonld = load(site, f"{rel}/dataset.ttl"), load(site, f"{rel}/dataset.jsonld")
        assert isomorphic(ttl, jsonld)
        conforms, report, _ = validate_dcat_ap(ttl)
        assert conforms, report
        assert list(ttl.subjects(RDF.type, DCAT.Dataset)) == [URIRef(f"{BASE}{rel}/")]
        head = (folder / "index.html").read_text("utf-8")
        assert re.search(r'<link rel="alternate" type="text/turtle" href="[^"]*dataset\.ttl"', head)
        assert 'type="application/ld+json" href="' in head and "dataset.jsonld" in head


def test_dataset_description_maps_publisher_themes_license_and_distributions(site):
    g = load(site, "datos/conjunto-1/dataset.ttl")
    ds = URIRef(BASE + "datos/conjunto-1/")
    publisher = g.value(ds, DCTERMS.publisher)
    assert publisher == URIRef(BASE + "instituciones/ministerio-de-salud/")
    assert (publisher, RDF.type, FOAF.Agent) in g
    assert str(g.value(publisher, FOAF.name)) == "Ministerio de Salud"
    notations = {str(n) for i in g.objects(publisher, URIRef("http://www.w3.org/ns/adms#identifier"))
                 for n in g.objects(i, SKOS.notation)}
    assert notations == {"AO001"}       # the registry's Transparency code
    themes = set(g.objects(ds, DCAT.theme))
    eu = URIRef("http://publications.europa.eu/resource/authority/data-theme/HEAL")
    assert themes == {eu, URIRef(BASE + "datos/tema/salud/")}
    assert (URIRef(BASE + "datos/tema/salud/"), SKOS.exactMatch, eu) in g   # "salud" = "Salud"
    dists = sorted(g.objects(ds, DCAT.distribution))
    assert len(dists) == 2
    first = dists[0]
    assert g.value(first, DCAT.downloadURL) == URIRef("https://datos.example/f/est.csv")
    assert g.value(first, DCTERMS.format) == URIRef(
        "http://publications.europa.eu/resource/authority/file-type/CSV")
    assert g.value(first, DCAT.mediaType) == URIRef(
        "http://www.iana.org/assignments/media-types/text/csv")
    assert int(g.value(first, DCAT.byteSize)) == 1_572_864
    assert g.value(first, DCTERMS.license) == URIRef("https://creativecommons.org/licenses/by/4.0/")
    assert g.value(ds, DCAT.landingPage) == URIRef("https://datos.example/dataset/conjunto-1")
    assert str(g.value(ds, DCTERMS.modified)) == "2026-11-20"
    assert g.value(ds, DCTERMS.accrualPeriodicity) == URIRef(
        "http://publications.europa.eu/resource/authority/frequency/MONTHLY")


def test_hostile_text_is_escaped_into_valid_rdf_with_the_same_values(site):
    folder = next(f for f in (site / "datos").iterdir()
                  if (f / "dataset.ttl").exists() and "hostil" in (f / "dataset.ttl").read_text())
    rel = folder.relative_to(site).as_posix()
    for name in ("dataset.ttl", "dataset.jsonld"):
        g = load(site, f"{rel}/{name}")
        conforms, report, _ = validate_dcat_ap(g)
        assert conforms, report
        ds = next(g.subjects(RDF.type, DCAT.Dataset))
        title = str(g.value(ds, DCTERMS.title))
        assert title.startswith(export_snapshot.HOSTILE_TITLE)
        assert {str(k) for k in g.objects(ds, DCAT.keyword)} == set(export_snapshot.HOSTILE_TAGS)
        page = str(g.value(ds, DCAT.landingPage))
        # Percent-encoded where Turtle forbids the character, nothing lost otherwise.
        assert page.startswith("https://hostil.example/a%20b/%22comillas%22/%3Cmenor%3E%7Bllave%7D")
        assert not re.search(r'[ <>"{}|^`\\]', page)
        assert len(list(g.subjects(RDF.type, DCAT.Dataset))) == 1


def test_a_description_without_title_does_not_conform(bundled_site):
    """The validation can fail: one dataset's title removed gives one violation."""
    g = load(bundled_site, "catalogo/dcat.ttl")
    ds = next(g.subjects(RDF.type, DCAT.Dataset))
    g.remove((ds, DCTERMS.title, None))
    conforms, report, _ = validate_dcat_ap(g)
    assert not conforms
    assert report.count("Constraint Violation") == 1 and "title" in report


def test_a_theme_without_its_type_does_not_conform(bundled_site):
    g = load(bundled_site, "catalogo/dcat.ttl")
    theme = next(g.objects(None, DCAT.theme))
    g.remove((theme, RDF.type, None))
    conforms, report, _ = validate_dcat_ap(g)
    assert not conforms and "does not have class skos:Concept" in report


def test_literals_and_iris_escape_lone_surrogates_and_controls():
    from plugins.portal_site.rdf_text import (
        iri,
        jsonld_document,
        jsonld_nodes,
        lit,
        turtle,
        turtle_header,
    )

    nodes = [(iri("a b\ud800/"), [("dct:title", lit("x\ud800y\x07z\x7f\"\\\r\n")),
                                  ("dct:identifier", lit("2024", "xsd:gYear"))])]
    ttl = turtle_header("http://portal.test/") + turtle(nodes)
    g = Graph().parse(data=ttl.encode("utf-8"), format="turtle")
    j = Graph().parse(data=jsonld_document("http://portal.test/", jsonld_nodes(nodes)),
                      format="json-ld")
    assert isomorphic(g, j)
    (s, o), = g.subject_objects(DCTERMS.title)
    assert str(s) == "http://portal.test/a%20b%EF%BF%BD/"
    assert str(o) == "x\ufffdy\x07z\x7f\"\\\r\n"
    assert Literal("2024", datatype=URIRef("http://www.w3.org/2001/XMLSchema#gYear")) in \
        set(g.objects(None, DCTERMS.identifier))


def test_catalog_page_parses_as_html(site):
    page = parse(site, site / "catalogo" / "index.html")
    assert page.h1 == 1


def test_broken_text_from_a_source_is_replaced_alike_in_both_formats():
    from aggregator.records import Dataset, Resource
    from plugins.portal_site.dcat_ap import DcatWriter
    from plugins.portal_site.rdf_text import jsonld_document, turtle_header
    from plugins.portal_site.sections.dcat import _utf8

    class Model:
        def __init__(self):
            self.slugs, self.institutions = {"s:1": "uno"}, {}

        def institution_of(self, record):
            return None

    ds = Dataset(id="s:1", source="s", remote_id="1", title="a\ud800b\x01",
                 tags=["x\udfff", 'y"'], resources=[Resource("r\ud800", "CSV",
                                                              "https://x.example/a\ud800")])
    text = DcatWriter(Model(), lambda key, label: "t", {"SITENAME": "P"}).dataset(ds)
    g = Graph().parse(data=_utf8(turtle_header(BASE) + text.ttl), format="turtle")
    j = Graph().parse(data=_utf8(jsonld_document(BASE, text.json)), format="json-ld")
    assert isomorphic(g, j)
    assert str(g.value(URIRef(BASE + "datos/uno/"), DCTERMS.title)) == "a?b\x01"
    assert {str(k) for k in g.objects(None, DCAT.keyword)} == {"x?", 'y"'}
    assert URIRef("https://x.example/a%EF%BF%BD") in set(g.objects(None, DCAT.accessURL))
