"""DCAT-AP 3.0.1 descriptions of the catalog and its datasets (nodes for
rdf_text.py), as the official SHACL shapes check them.

IRIs are relative to the site's root (each file says `@base`): a dataset is its
page here (`datos/<slug>/`), its publisher the institution's page
(`instituciones/<id>/`, a foaf:Agent with the registry's codes), a theme the
portal's theme page (`datos/tema/<slug>/`, a skos:Concept) plus the EU data
theme it maps to, when the mapping is known. `dcat:landingPage` is the
dataset's page at its source (where the data lives), else its page here.
Every resource a property points to is typed in the same file, so each file
conforms on its own (the shapes' class ranges).
"""

from __future__ import annotations

import re

from aggregator.normalize import EU_THEMES

from . import vocab
from .rdf_text import blank, iri, lit, name

DATE_TYPES = ((re.compile(r"^\d{4}$"), "xsd:gYear"), (re.compile(r"^\d{4}-\d{2}$"),
              "xsd:gYearMonth"), (re.compile(r"^\d{4}-\d{2}-\d{2}$"), "xsd:date"),
              (re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?"
                          r"(Z|[+-]\d{2}:\d{2})?$"), "xsd:dateTime"))
CATALOG = "catalogo/"
THEMES = "datos/tema/"
EU_THEME_SCHEME = vocab.DATA_THEME
A = "a"


def date_literal(value: str) -> tuple:
    for pattern, datatype in DATE_TYPES:
        if pattern.match(value):
            return lit(value, datatype)
    return lit(value)


class DcatContext:
    """What a dataset's description needs besides its record: slugs, the
    registry, the theme pages, the portal's contact."""

    def __init__(self, model, facet_slug, settings: dict):
        self.model = model
        self.facet_slug = facet_slug           # (facet key, label) -> slug
        self.name = settings.get("SITENAME") or "Portal"
        self.description = settings.get("SITE_TAGLINE") or self.name
        contact = settings.get("PORTAL_CONTACT") or {}
        self.contact_name = contact.get("name") or self.name
        self.contact_email = contact.get("email")
        self._agents: dict[str, tuple] = {}

    # -- pieces shared by many datasets ----------------------------------------

    def agent(self, inst) -> tuple:
        """An institution as foaf:Agent, with the registry's id and codes."""
        node = self._agents.get(inst.id)
        if node is None:
            pairs = [(A, name("foaf:Agent")), ("foaf:name", lit(inst.name)),
                     ("dct:identifier", lit(inst.id))]
            for scheme, code in (("Consejo para la Transparencia", inst.cplt_code),
                                 ("ChileCompra", getattr(inst, "chilecompra_code", None)),
                                 ("InfoLobby", inst.leylobby_id)):
                if code:
                    pairs.append(("adms:identifier", blank([
                        (A, name("adms:Identifier")), ("skos:notation", lit(str(code))),
                        ("adms:schemaAgency", lit(scheme))])))
            if inst.acronym:
                pairs.append(("skos:altLabel", lit(inst.acronym)))
            if inst.website:
                pairs.append(("foaf:homepage", iri(inst.website)))
            node = self._agents[inst.id] = (iri(f"instituciones/{inst.id}/"), pairs)
        return node

    def contact(self) -> tuple | None:
        if not self.contact_email:
            return None
        return blank([(A, name("vcard:Kind")), ("vcard:fn", lit(self.contact_name)),
                      ("vcard:hasEmail", iri(f"mailto:{self.contact_email}"))])


def _theme_nodes(ctx: DcatContext, labels: list[str]) -> tuple[list, list]:
    """(objects of dcat:theme, nodes describing them)."""
    objects, nodes, eu_seen = [], [], set()
    for label in dict.fromkeys(labels):
        node = iri(f"{THEMES}{ctx.facet_slug('tema', label)}/")
        pairs = [(A, name("skos:Concept")), ("skos:prefLabel", lit(label))]
        mapped = vocab.eu_theme(label)
        if mapped:
            code, exact = mapped
            eu = iri(vocab.eu_theme_iri(code))
            pairs.append(("skos:exactMatch" if exact else "skos:broadMatch", eu))
            if code not in eu_seen:
                eu_seen.add(code)
                objects.append(eu)
                nodes.append((eu, [(A, name("skos:Concept")),
                                   ("skos:prefLabel", lit(EU_THEMES[code])),
                                   ("skos:inScheme", iri(EU_THEME_SCHEME))]))
                nodes.append((iri(EU_THEME_SCHEME), [
                    (A, name("skos:ConceptScheme")), ("dct:title", lit("Data theme"))]))
        objects.append(node)
        nodes.append((node, pairs))
    return objects, nodes


def _license(lic) -> tuple | None:
    """The licence as a URI when known; else a described blank node (its title)."""
    url = vocab.license_url(lic)
    pairs = [(A, name("dct:LicenseDocument"))]
    if lic.title:
        pairs.append(("dct:title", lit(lic.title)))
    if lic.id:
        pairs.append(("dct:identifier", lit(lic.id)))
    if url:
        return (iri(url), pairs)
    return (None, pairs)


def _frequency(value: str) -> tuple:
    known = vocab.frequency_iri(value)
    if known:
        return iri(known), [(iri(known), [(A, name("dct:Frequency"))])]
    return blank([(A, name("dct:Frequency")), ("rdfs:label", lit(value))]), []


def dataset_nodes(ctx: DcatContext, ds) -> list:
    """Every node of one dataset's description: the dataset, its distributions,
    and the agents, concepts and documents they point to."""
    model = ctx.model
    subject = iri(f"datos/{model.slugs[ds.id]}/")
    pairs = [(A, name("dcat:Dataset")), ("dct:identifier", lit(ds.id)),
             ("dct:title", lit(ds.title)),
             ("dct:description", lit(ds.description_html or ds.title))]
    nodes: list = []
    inst = model.institution_of(ds)
    if inst is not None:
        agent = ctx.agent(inst)
        pairs.append(("dct:publisher", agent[0]))
        nodes.append(agent)
    elif ds.publisher:
        pairs.append(("dct:publisher", blank([(A, name("foaf:Agent")),
                                              ("foaf:name", lit(ds.publisher))])))
    contact = ctx.contact()
    if contact is not None:
        pairs.append(("dcat:contactPoint", contact))
    themes, theme_nodes = _theme_nodes(ctx, ds.themes)
    pairs.extend(("dcat:theme", t) for t in themes)
    nodes.extend(theme_nodes)
    pairs.extend(("dcat:keyword", lit(t)) for t in dict.fromkeys(ds.tags))
    if ds.issued:
        pairs.append(("dct:issued", date_literal(ds.issued)))
    if ds.modified:
        pairs.append(("dct:modified", date_literal(ds.modified)))
    if ds.frequency:
        freq, freq_nodes = _frequency(ds.frequency)
        pairs.append(("dct:accrualPeriodicity", freq))
        nodes.extend(freq_nodes)
    page = iri(ds.url) if ds.url else subject
    pairs.append(("dcat:landingPage", page))
    nodes.append((page, [(A, name("foaf:Document"))]) if ds.url else None)
    license_node = _license(ds.license) if ds.license else None
    license_obj = None
    if license_node is not None:
        if license_node[0] is not None:
            license_obj = license_node[0]
            nodes.append(license_node)
        else:
            license_obj = blank(license_node[1])
    resources = [r for r in ds.resources if r.url]
    width = max(4, len(str(len(resources))))
    for n, r in enumerate(resources, 1):
        # Zero-padded: harvesters that sort distributions by IRI keep their order.
        dist = iri(f"datos/{model.slugs[ds.id]}/#distribucion-{n:0{width}d}")
        pairs.append(("dcat:distribution", dist))
        nodes.append((dist, _distribution(r, license_obj, nodes)))
    if license_obj is not None and not resources:
        pairs.append(("dct:license", license_obj))     # nowhere else to say it
    return [(subject, pairs), *(n for n in nodes if n is not None)]


def _distribution(r, license_obj, nodes: list) -> list:
    url = iri(r.url)
    pairs = [(A, name("dcat:Distribution")), ("dcat:accessURL", url)]
    eu_type, media = vocab.file_type(r.format)
    if eu_type or media:
        pairs.append(("dcat:downloadURL", url))
    if r.title:
        pairs.append(("dct:title", lit(r.title)))
    if r.format:
        if eu_type:
            fmt = iri(eu_type)
            nodes.append((fmt, [(A, name("dct:MediaTypeOrExtent")), ("rdfs:label", lit(r.format))]))
        else:
            fmt = blank([(A, name("dct:MediaTypeOrExtent")), ("rdfs:label", lit(r.format))])
        pairs.append(("dct:format", fmt))
    if media:
        media_iri = iri(vocab.IANA + media)
        pairs.append(("dcat:mediaType", media_iri))
        nodes.append((media_iri, [(A, name("dct:MediaType"))]))
    if r.size is not None and r.size >= 0:
        pairs.append(("dcat:byteSize", lit(str(r.size), "xsd:nonNegativeInteger")))
    if r.modified:
        pairs.append(("dct:modified", date_literal(r.modified)))
    if license_obj is not None:
        pairs.append(("dct:license", license_obj))
    return pairs


def catalog_nodes(ctx: DcatContext, dataset_subjects: list, view: dict | None) -> list:
    """The catalog (with the datasets of this file) and, for a paged export,
    the Hydra view of this page: `{"page", "first", "last", "next", "previous",
    "total", "per_page"}` with file IRIs relative to the base."""
    publisher = iri(f"{CATALOG}#publicador")
    home = iri("./")
    pairs = [(A, name("dcat:Catalog")), ("dct:title", lit(ctx.name)),
             ("dct:description", lit(ctx.description)), ("dct:publisher", publisher),
             ("foaf:homepage", home), ("dct:language", iri(vocab.LANGUAGE_ES)),
             ("dcat:themeTaxonomy", iri(EU_THEME_SCHEME)),
             ("dcat:themeTaxonomy", iri(THEMES))]
    pairs.extend(("dcat:dataset", s) for s in dataset_subjects)
    nodes = [(iri(CATALOG), pairs),
             (publisher, [(A, name("foaf:Agent")), ("foaf:name", lit(ctx.name))]),
             (home, [(A, name("foaf:Document"))]),
             (iri(vocab.LANGUAGE_ES), [(A, name("dct:LinguisticSystem"))]),
             (iri(EU_THEME_SCHEME), [(A, name("skos:ConceptScheme")),
                                     ("dct:title", lit("Data theme"))]),
             (iri(THEMES), [(A, name("skos:ConceptScheme")),
                            ("dct:title", lit(f"Temas de {ctx.name}"))])]
    if view is not None:
        vpairs = [(A, name("hydra:PartialCollectionView")),
                  ("hydra:totalItems", lit(str(view["total"]), "xsd:integer")),
                  ("hydra:itemsPerPage", lit(str(view["per_page"]), "xsd:integer")),
                  ("hydra:first", iri(view["first"])), ("hydra:last", iri(view["last"]))]
        for key in ("next", "previous"):
            if view.get(key):
                vpairs.append((f"hydra:{key}", iri(view[key])))
        nodes.append((iri(view["page"]), vpairs))
    return nodes
