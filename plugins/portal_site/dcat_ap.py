"""DCAT-AP 3.0.1 descriptions of the catalog and its datasets, as Turtle and
JSON-LD text, as the official SHACL shapes check them.

IRIs are relative to the site's root (each file says `@base`): a dataset is its
page here (`datos/<slug>/`), its publisher the institution's page
(`instituciones/<id>/`, a foaf:Agent with the registry's codes), a theme the
portal's theme page (`datos/tema/<slug>/`, a skos:Concept) plus the EU data
theme it maps to, when the mapping is known. `dcat:landingPage` is the
dataset's page at its source (where the data lives), else its page here.

A dataset's own statements (`DatasetText.ttl`, `.json`) are written straight
as text: 100,000 of them go into every full build. What many datasets share (an
agent, a theme, a file type, a licence) is described once per file: `keys`
names those descriptions, made once per build by `DcatWriter.shared` through
rdf_text.py. So each file, a page of the catalog or one dataset, holds every
resource its statements point to, typed, and conforms on its own.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from json.encoder import encode_basestring

from aggregator.normalize import EU_THEMES
from aggregator.scoring.dqv import DATASET_TOTAL

from . import vocab
from .rdf_text import blank, iri, jsonld_nodes, lit, name, turtle

DATE_TYPES = ((re.compile(r"^\d{4}$"), "xsd:gYear"), (re.compile(r"^\d{4}-\d{2}$"),
              "xsd:gYearMonth"), (re.compile(r"^\d{4}-\d{2}-\d{2}$"), "xsd:date"),
              (re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?"
                          r"(Z|[+-]\d{2}:\d{2})?$"), "xsd:dateTime"))
CATALOG = "catalogo/"
THEMES = "datos/tema/"
EU_THEME_SCHEME = vocab.DATA_THEME
A = "a"
# Characters an IRI may not hold in Turtle, percent-encoded (rdf_text.iri).
_BAD_IRI = re.compile(r'[\x00-\x20<>"{}|^`\\\ud800-\udfff]')
_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
_CONTACT = re.compile(r"^(.*\S)\s*<([^<>\s]+@[^<>\s]+)>$")
_EMAIL = re.compile(r"^[^<>\s@]+@[^<>\s@]+$")
_NUM = r"\s*(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)\s*"
_BOX = re.compile(rf"^{_NUM},{_NUM},{_NUM},{_NUM}$")
WKT = "http://www.opengis.net/ont/geosparql#wktLiteral"


def _iri(value: str) -> str:
    return iri(value)[1] if _BAD_IRI.search(value) else value


# A Turtle string literal: JSON's escapes (\" \\ \n \uXXXX...) are all Turtle
# escapes too, and the C encoder is fast. Lone surrogates are replaced when the
# text is encoded to UTF-8 (sections/dcat.py), in Turtle and JSON-LD alike.
_q = encode_basestring


@lru_cache(maxsize=65536)
def date_type(value: str) -> str | None:
    """The XSD type of an ISO date text (many datasets share a date: cached)."""
    for pattern, datatype in DATE_TYPES:
        if pattern.match(value):
            return datatype
    return None


@lru_cache(maxsize=65536)
def _date(value: str) -> tuple[str, str]:
    """(Turtle, JSON-LD) of a date literal, typed when its shape is known."""
    q = _q(value)
    dt = date_type(value)
    if dt is None:
        return q, q
    return f"{q}^^{dt}", f'{{"@value":{q},"@type":"{dt}"}}'


def _period(text: str) -> tuple[str, str]:
    """dct:temporal from "start/end" (ISO 8601, ".." for an open side): a
    dct:PeriodOfTime with dcat:startDate and dcat:endDate."""
    start, _, end = text.partition("/")
    ttl, js = ["a dct:PeriodOfTime"], ['"@type":["dct:PeriodOfTime"]']
    for prop, value in (("dcat:startDate", start), ("dcat:endDate", end)):
        if value and value != "..":
            d_ttl, d_js = _date(value)
            ttl.append(f"{prop} {d_ttl}")
            js.append(f'"{prop}":{d_js}')
    return "[ " + " ; ".join(ttl) + " ]", "{" + ",".join(js) + "}"


def _id(value: str) -> str:
    """A JSON-LD reference to an IRI (already escaped)."""
    return f'{{"@id":{_q(value)}}}'


@dataclass(slots=True)
class DatasetText:
    ttl: str            # the dataset's own statements, Turtle
    json: str           # the same, JSON-LD node objects joined by commas
    keys: tuple         # shared descriptions it points to (DcatWriter.shared)


class DcatWriter:
    """Makes every dataset's text; what datasets share is made once."""

    def __init__(self, model, facet_slug, settings: dict, quality=None):
        self.model = model
        self.quality = quality                 # dcat_dqv.QualityText, or None: no scores
        self.facet_slug = facet_slug           # (facet key, label) -> slug
        self.name = settings.get("SITENAME") or "Portal"
        self.description = settings.get("SITE_TAGLINE") or self.name
        contact = settings.get("PORTAL_CONTACT") or {}
        email = contact.get("email")
        self.contact = None
        if email:
            fn, mail = contact.get("name") or self.name, _iri("mailto:" + email)
            self.contact = (
                f"[ a vcard:Kind ; vcard:fn {_q(fn)} ; vcard:hasEmail <{mail}> ]",
                _ENCODE({"@type": ["vcard:Kind"], "vcard:fn": fn,
                         "vcard:hasEmail": {"@id": mail}}))
        self._shared: dict[tuple, tuple[str, str]] = {}
        self._themes: dict[str, tuple] = {}
        self._formats: dict[str, tuple] = {}
        self._licenses: dict[tuple, tuple] = {}
        self._contacts: dict[str, tuple] = {}

    # -- what datasets share ---------------------------------------------------

    def shared(self, key: tuple) -> tuple[str, str]:
        """(Turtle, JSON-LD) of a shared description, made once per build."""
        out = self._shared.get(key)
        if out is None:
            nodes = self._shared_nodes(key)
            out = self._shared[key] = (turtle(nodes), jsonld_nodes(nodes))
        return out

    def _shared_nodes(self, key: tuple) -> list:
        kind, value = key
        if kind == "agent":
            return [_agent(self.model.institutions[value])]
        if kind == "concept":
            label, code, exact = value
            pairs = [(A, name("skos:Concept")), ("skos:prefLabel", lit(label))]
            if code:
                pairs.append(("skos:exactMatch" if exact else "skos:broadMatch",
                              iri(vocab.eu_theme_iri(code))))
            return [(iri(f"{THEMES}{self.facet_slug('tema', label)}/"), pairs)]
        if kind == "eu-theme":
            return [(iri(vocab.eu_theme_iri(value)), [
                (A, name("skos:Concept")), ("skos:prefLabel", lit(EU_THEMES[value])),
                ("skos:inScheme", iri(EU_THEME_SCHEME))]),
                    (iri(EU_THEME_SCHEME), [(A, name("skos:ConceptScheme")),
                                            ("dct:title", lit("Data theme"))])]
        if kind == "format":
            fmt, eu_type = value
            return [(iri(eu_type), [(A, name("dct:MediaTypeOrExtent")),
                                    ("rdfs:label", lit(fmt))])]
        if kind == "media":
            return [(iri(vocab.IANA + value), [(A, name("dct:MediaType"))])]
        if kind == "dqv":
            return self.quality.metric_nodes(value)
        if kind == "dqv-inst":
            return self.quality.institution_nodes(value)
        if kind == "place":
            return [(iri(value), [(A, name("dct:Location"))])]
        if kind == "frequency":
            return [(iri(value), [(A, name("dct:Frequency"))])]
        if kind == "license":
            url, title, lid = value
            pairs = [(A, name("dct:LicenseDocument"))]
            if title:
                pairs.append(("dct:title", lit(title)))
            if lid:
                pairs.append(("dct:identifier", lit(lid)))
            return [(iri(url), pairs)]
        raise KeyError(key)

    def _theme(self, label: str) -> tuple:
        """(theme IRIs, keys) of one theme label."""
        out = self._themes.get(label)
        if out is None:
            mapped = vocab.eu_theme(label)
            code, exact = mapped if mapped else (None, False)
            own = _iri(f"{THEMES}{self.facet_slug('tema', label)}/")
            keys = [("concept", (label, code, exact))]
            iris = [own]
            if code:
                iris.append(vocab.eu_theme_iri(code))
                keys.append(("eu-theme", code))
            out = self._themes[label] = (iris, keys)
        return out

    def _format(self, fmt: str | None, declared: str | None = None) -> tuple:
        """(Turtle, JSON-LD value, keys) of dct:format and dcat:mediaType (the one
        the source declared, else the one the format implies); whether
        downloadable (a known file type)."""
        out = self._formats.get((fmt or "", declared))
        if out is None:
            eu_type, media = vocab.file_type(fmt)
            media = declared or media
            ttl, js, keys = [], [], []
            if fmt:
                if eu_type:
                    ttl.append(f"dct:format <{eu_type}>")
                    js.append(f'"dct:format":{_id(eu_type)}')
                    keys.append(("format", (fmt, eu_type)))
                else:
                    ttl.append(f"dct:format [ a dct:MediaTypeOrExtent ; rdfs:label {_q(fmt)} ]")
                    js.append('"dct:format":{"@type":["dct:MediaTypeOrExtent"],'
                              f'"rdfs:label":{_q(fmt)}}}')
            if media:
                m = _iri(vocab.IANA + media)
                ttl.append(f"dcat:mediaType <{m}>")
                js.append(f'"dcat:mediaType":{_id(m)}')
                keys.append(("media", media))
            out = self._formats[(fmt or "", declared)] = (ttl, js, keys, bool(eu_type or media))
        return out

    def _contact(self, text: str) -> tuple[str, str]:
        """A contact point as the record holds it ("Name <email>", a name or an
        email) as a vcard:Kind; many datasets share one: made once."""
        out = self._contacts.get(text)
        if out is None:
            m = _CONTACT.match(text)
            who, mail = (m.group(1), m.group(2)) if m else (
                (None, text) if _EMAIL.match(text) else (text, None))
            ttl, js = ["a vcard:Kind"], ['"@type":["vcard:Kind"]']
            if who:
                ttl.append(f"vcard:fn {_q(who)}")
                js.append(f'"vcard:fn":{_q(who)}')
            if mail:
                mailto = _iri("mailto:" + mail)
                ttl.append(f"vcard:hasEmail <{mailto}>")
                js.append(f'"vcard:hasEmail":{_id(mailto)}')
            out = self._contacts[text] = ("[ " + " ; ".join(ttl) + " ]", "{" + ",".join(js) + "}")
        return out

    def _spatial(self, text: str, keys: list) -> tuple[str, str]:
        """dct:spatial: a place's URI (a dct:Location), a box "W,S,E,N" (a
        dcat:bbox in WKT) or a place name (its skos:prefLabel)."""
        if text.startswith(("http://", "https://")):
            keys.append(("place", text))
            u = _iri(text)
            return f"<{u}>", _id(u)
        box = _BOX.match(text)
        if box:
            w, s_, e, n = box.groups()
            wkt = _q(f"POLYGON(({w} {s_}, {e} {s_}, {e} {n}, {w} {n}, {w} {s_}))")
            return (f"[ a dct:Location ; dcat:bbox {wkt}^^<{WKT}> ]",
                    f'{{"@type":["dct:Location"],"dcat:bbox":{{"@value":{wkt},"@type":"{WKT}"}}}}')
        label = _q(text)
        return (f"[ a dct:Location ; skos:prefLabel {label} ]",
                f'{{"@type":["dct:Location"],"skos:prefLabel":{label}}}')

    def _license(self, lic) -> tuple:
        """(Turtle object, JSON-LD value, keys) of a licence: a URI when known,
        else a blank node with its title and id."""
        k = (lic.id, lic.title, lic.url)
        out = self._licenses.get(k)
        if out is None:
            url = vocab.license_url(lic)
            if url:
                u = _iri(url)
                out = (f"<{u}>", _id(u), [("license", (url, lic.title, lic.id))])
            else:
                pairs = [(A, name("dct:LicenseDocument"))]
                if lic.title:
                    pairs.append(("dct:title", lit(lic.title)))
                if lic.id:
                    pairs.append(("dct:identifier", lit(lic.id)))
                node = blank(pairs)
                text = turtle([(iri("x"), [("dct:license", node)])])
                ttl = text[text.index("dct:license ") + len("dct:license "):-3]
                js = json.loads(jsonld_nodes([(iri("x"), [("dct:license", node)])]))
                out = (ttl, _ENCODE(js["dct:license"][0]), [])
            self._licenses[k] = out
        return out

    # -- one dataset -------------------------------------------------------------

    def dataset(self, ds) -> DatasetText:
        """The dataset's statements, Turtle and JSON-LD side by side: each
        property is a Turtle piece and a JSON piece; a JSON string literal is
        also a Turtle one (`_q`)."""
        model = self.model
        subject = f"datos/{model.slugs[ds.id]}/"
        title = _q(ds.title)
        description = _q(ds.description_html) if ds.description_html else title
        ident = _q(ds.id)
        ttl = [f"<{subject}> a dcat:Dataset", f"dct:identifier {ident}", f"dct:title {title}",
               f"dct:description {description}"]
        js = [f'"@id":"{subject}","@type":["dcat:Dataset"],"dct:identifier":{ident}',
              f'"dct:title":{title}', f'"dct:description":{description}']
        keys: list = []
        inst = model.institution_of(ds)
        if inst is not None:
            agent = _iri(f"instituciones/{inst.id}/")
            ttl.append(f"dct:publisher <{agent}>")
            js.append(f'"dct:publisher":{_id(agent)}')
            keys.append(("agent", inst.id))
        elif ds.publisher:
            pub = _q(ds.publisher)
            ttl.append(f"dct:publisher [ a foaf:Agent ; foaf:name {pub} ]")
            js.append(f'"dct:publisher":{{"@type":["foaf:Agent"],"foaf:name":{pub}}}')
        contact = self._contact(ds.contact_point) if ds.contact_point else self.contact
        if contact:
            ttl.append(f"dcat:contactPoint {contact[0]}")
            js.append(f'"dcat:contactPoint":{contact[1]}')
        if ds.spatial:
            s_ttl, s_js = self._spatial(ds.spatial, keys)
            ttl.append(f"dct:spatial {s_ttl}")
            js.append(f'"dct:spatial":{s_js}')
        if ds.temporal:
            t_ttl, t_js = _period(ds.temporal)
            ttl.append(f"dct:temporal {t_ttl}")
            js.append(f'"dct:temporal":{t_js}')
        if ds.themes:
            iris: list = []
            for label in dict.fromkeys(ds.themes):
                t_iris, t_keys = self._theme(label)
                iris += t_iris
                keys += t_keys
            iris = list(dict.fromkeys(iris))
            ttl.append("dcat:theme " + ", ".join(f"<{i}>" for i in iris))
            js.append('"dcat:theme":[' + ",".join(map(_id, iris)) + "]")
        if ds.tags:
            tags = [_q(t) for t in dict.fromkeys(ds.tags)]
            ttl.append("dcat:keyword " + ", ".join(tags))
            js.append('"dcat:keyword":[' + ",".join(tags) + "]")
        for prop, value in (("dct:issued", ds.issued), ("dct:modified", ds.modified)):
            if value:
                d_ttl, d_js = _date(value)
                ttl.append(f"{prop} {d_ttl}")
                js.append(f'"{prop}":{d_js}')
        if ds.frequency:
            known = vocab.frequency_iri(ds.frequency)
            if known:
                ttl.append(f"dct:accrualPeriodicity <{known}>")
                js.append(f'"dct:accrualPeriodicity":{_id(known)}')
                keys.append(("frequency", known))
            else:
                freq = _q(ds.frequency)
                ttl.append(f"dct:accrualPeriodicity [ a dct:Frequency ; rdfs:label {freq} ]")
                js.append(f'"dct:accrualPeriodicity":{{"@type":["dct:Frequency"],'
                          f'"rdfs:label":{freq}}}')
        page = _iri(ds.url) if ds.url else subject
        ttl.append(f"dcat:landingPage <{page}>")
        js.append(f'"dcat:landingPage":{_id(page)}')
        lic = self._license(ds.license) if ds.license else None
        if lic:
            keys += lic[2]
        resources = [r for r in ds.resources if r.url]
        width = max(4, len(str(len(resources))))
        extra_ttl, extra_js, names = [], [], []
        if ds.url:
            extra_ttl.append(f"<{page}> a foaf:Document .\n")
            extra_js.append(f'{{"@id":{_q(page)},"@type":["foaf:Document"]}}')
        for n, r in enumerate(resources, 1):
            # Zero-padded: harvesters that sort distributions by IRI keep their order.
            dist = f"{subject}#distribucion-{n:0{width}d}"
            names.append(dist)
            d_ttl, d_js = self._distribution(dist, r, lic, keys)
            extra_ttl.append(d_ttl)
            extra_js.append(d_js)
        if self.quality is not None:
            q_ttl, q_js, m_ttl, m_js = self.quality.dataset(subject, ds)
            ttl.append(q_ttl)
            js.append(q_js)
            extra_ttl.append(m_ttl)
            extra_js.append(m_js)
            keys.append(("dqv", DATASET_TOTAL))
        if names:
            ttl.append("dcat:distribution " + ", ".join(f"<{d}>" for d in names))
            js.append('"dcat:distribution":[' + ",".join(f'{{"@id":"{d}"}}' for d in names)
                      + "]")
        elif lic:
            ttl.append(f"dct:license {lic[0]}")       # nowhere else to say it
            js.append(f'"dct:license":{lic[1]}')
        return DatasetText(" ;\n    ".join(ttl) + " .\n" + "".join(extra_ttl),
                           ",".join(["{" + ",".join(js) + "}", *extra_js]),
                           tuple(dict.fromkeys(keys)))

    def _distribution(self, dist: str, r, lic, keys: list) -> tuple[str, str]:
        url = _iri(r.url)
        fmt_ttl, fmt_js, fmt_keys, downloadable = self._format(r.format, r.media_type)
        keys += fmt_keys
        ttl = [f"<{dist}> a dcat:Distribution", f"dcat:accessURL <{url}>"]
        q_url = _id(url)
        js = [f'"@id":"{dist}","@type":["dcat:Distribution"],"dcat:accessURL":{q_url}']
        if downloadable:
            ttl.append(f"dcat:downloadURL <{url}>")
            js.append(f'"dcat:downloadURL":{q_url}')
        if r.title:
            t = _q(r.title)
            ttl.append(f"dct:title {t}")
            js.append(f'"dct:title":{t}')
        ttl += fmt_ttl
        js += fmt_js
        if r.size is not None and r.size >= 0:
            ttl.append(f'dcat:byteSize "{r.size}"^^xsd:nonNegativeInteger')
            js.append(f'"dcat:byteSize":{{"@value":"{r.size}","@type":"xsd:nonNegativeInteger"}}')
        if r.modified:
            d_ttl, d_js = _date(r.modified)
            ttl.append(f"dct:modified {d_ttl}")
            js.append(f'"dct:modified":{d_js}')
        if lic:
            ttl.append(f"dct:license {lic[0]}")
            js.append(f'"dct:license":{lic[1]}')
        return " ;\n    ".join(ttl) + " .\n", "{" + ",".join(js) + "}"


def _agent(inst) -> tuple:
    """An institution as foaf:Agent, with the registry's id and codes."""
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
    return (iri(f"instituciones/{inst.id}/"), pairs)


def catalog_nodes(writer: DcatWriter, dataset_subjects: list[str], view: dict | None) -> list:
    """The catalog (with the datasets of this file) and, for a paged export,
    the Hydra view of this page: `{"page", "first", "last", "next", "previous",
    "total", "per_page"}` with file IRIs relative to the base."""
    publisher = iri(f"{CATALOG}#publicador")
    home = iri("./")
    pairs = [(A, name("dcat:Catalog")), ("dct:title", lit(writer.name)),
             ("dct:description", lit(writer.description)), ("dct:publisher", publisher),
             ("foaf:homepage", home), ("dct:language", iri(vocab.LANGUAGE_ES)),
             ("dcat:themeTaxonomy", iri(EU_THEME_SCHEME)),
             ("dcat:themeTaxonomy", iri(THEMES))]
    pairs.extend(("dcat:dataset", iri(s)) for s in dataset_subjects)
    nodes = [(iri(CATALOG), pairs),
             (publisher, [(A, name("foaf:Agent")), ("foaf:name", lit(writer.name))]),
             (home, [(A, name("foaf:Document"))]),
             (iri(vocab.LANGUAGE_ES), [(A, name("dct:LinguisticSystem"))]),
             (iri(EU_THEME_SCHEME), [(A, name("skos:ConceptScheme")),
                                     ("dct:title", lit("Data theme"))]),
             (iri(THEMES), [(A, name("skos:ConceptScheme")),
                            ("dct:title", lit(f"Temas de {writer.name}"))])]
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
