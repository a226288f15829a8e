"""DCAT and DCAT-AP catalogs (RDF/XML, Turtle, JSON-LD, N-Triples) through rdflib.

The format comes from the Content-Type, else from the URL, else from the first
bytes. Pages are followed through `hydra:next` (or the older `hydra:nextPage`),
bounded by `max_pages`; a page that points back to one already read is a
failure, not a loop. A CSW `GetRecords` answer holding DCAT (GeoNetwork's
`outputSchema=http://www.w3.org/ns/dcat#`) is read too: its `rdf:RDF` blocks are
the records and `nextRecord` gives the next page.

JSON-LD remote `@context`s are fetched through the portal's HTTP layer (cached,
capped, at most MAX_CONTEXTS) and inlined, so rdflib never opens a URL itself.
"""

from __future__ import annotations

import json
import logging
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import Any, ClassVar
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, RDFS, SKOS

from ..config import ConfigError
from ..http import Response
from ..normalize import (
    contact_text,
    format_name,
    frequency,
    iso_date,
    make_license,
    media_type,
    size_bytes,
    spatial_text,
    temporal_text,
    theme_label,
)
from ..records import Dataset, Resource
from ..sanitize import plain_list, plain_text, rich_html, safe_url
from .base import Adapter, ItemError, Option, SourceError

HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
TIME = Namespace("http://www.w3.org/2006/time#")
GEODCAT = Namespace("http://data.europa.eu/930/")
LOCN = Namespace("http://www.w3.org/ns/locn#")
SCHEMA = Namespace("http://schema.org/")
ADMS = Namespace("http://www.w3.org/ns/adms#")
CSW = "{http://www.opengis.net/cat/csw/2.0.2}"
RDF_TAG = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}RDF"
MAX_CONTEXTS = 10
# rdflib logs a traceback for every typed literal it cannot convert (an empty
# xsd:date...); dates are read from the lexical form here and reported as warnings.
logging.getLogger("rdflib.term").setLevel(logging.ERROR)

FORMATS = {"xml": "RDF/XML", "turtle": "Turtle", "json-ld": "JSON-LD", "nt": "N-Triples",
           "n3": "N3"}
CONTENT_TYPES = {
    "application/rdf+xml": "xml", "application/xml": "xml", "text/xml": "xml",
    "text/turtle": "turtle", "application/x-turtle": "turtle", "text/n3": "n3",
    "application/ld+json": "json-ld", "application/json": "json-ld",
    "application/n-triples": "nt",
}
SUFFIXES = {".rdf": "xml", ".xml": "xml", ".owl": "xml", ".ttl": "turtle",
            ".jsonld": "json-ld", ".json": "json-ld", ".nt": "nt", ".n3": "n3"}
ACCEPT = ("application/rdf+xml, text/turtle;q=0.9, application/ld+json;q=0.8, "
          "application/xml;q=0.5")
# Names of an agent or concept, best first.
NAME_PREDICATES = (FOAF.name, VCARD.fn, SKOS.prefLabel, RDFS.label, DCTERMS.title)
DURATION_UNITS = ((TIME.years, "Y"), (TIME.months, "M"), (TIME.weeks, "W"), (TIME.days, "D"),
                  (TIME.hours, "H"), (TIME.minutes, "MIN"))


class DcatAdapter(Adapter):
    name = "dcat"
    OPTIONS: ClassVar[dict] = {
        "format": Option(str, None, "RDF syntax when Content-Type and URL do not tell: "
                                    "xml, turtle, json-ld, nt, n3"),
        "max_pages": Option(int, 100, "stop and fail when paging has not ended after this "
                                      "many pages"),
    }

    @classmethod
    def check_options(cls, source) -> dict:
        opts = super().check_options(source)
        if opts["format"] is not None and opts["format"] not in FORMATS:
            raise ConfigError(f"source {source.id!r}: option 'format' must be one of "
                              f"{', '.join(FORMATS)}")
        if opts["max_pages"] < 1:
            raise ConfigError(f"source {source.id!r}: option 'max_pages' must be >= 1")
        return opts

    # -- listing ----------------------------------------------------------------
    def list_items(self) -> Iterator[tuple[Graph, Any]]:
        url: str | None = self.source.url
        visited: set[str] = set()
        pages = undescribed = 0
        seen: set[Any] = set()
        while url:
            if pages >= self.options["max_pages"]:
                raise SourceError(f"paging did not end after {self.options['max_pages']} pages"
                                  f" (next: {url}); raise options.max_pages if the catalog "
                                  "is that large")
            visited.add(url)
            resp = self.http.get(url, accept=ACCEPT)
            pages += 1
            graph, next_url = self._read_page(resp)
            for node in _datasets(graph):
                if not any(True for _ in graph.predicate_objects(node)):
                    undescribed += 1
                    continue
                key = _identifier(graph, node) or node
                if key in seen:
                    continue
                seen.add(key)
                yield graph, node
            if next_url and next_url in visited:
                raise SourceError(f"paging loops: {next_url} was already read")
            url = next_url
        if undescribed:
            self.warn(f"{undescribed} dataset(s) named by the catalog but not described in it")
        if self.expected and len(seen) < self.expected:
            self.warn(f"the catalog announced {self.expected:,} records, {len(seen):,} listed")

    def _read_page(self, resp: Response) -> tuple[Graph, str | None]:
        body = resp.body
        if not body.strip():
            raise SourceError(f"empty response from {resp.url}")
        if resp.looks_like_html():
            raise SourceError(f"HTML page where RDF was expected at {resp.url}")
        fmt = self.options["format"] or _guess_format(resp)
        graph = Graph()
        if fmt == "xml":
            tag = _xml_root_tag(body, resp.url)
            if tag == f"{CSW}GetRecordsResponse":
                return self._read_csw(_xml_root(body, resp.url), resp.url)
            if tag != RDF_TAG:
                raise SourceError(f"XML from {resp.url} is neither RDF nor a CSW answer "
                                  f"(root element {tag})")
        data: Any = body
        if fmt == "json-ld":
            data = json.dumps(self._inline_contexts(_json(body, resp.url), resp.url))
        try:
            graph.parse(data=data, format=fmt, publicID=resp.url)
        except SourceError:
            raise
        except Exception as exc:  # noqa: BLE001 - every rdflib parser has its own errors
            raise SourceError(f"invalid {FORMATS[fmt]} from {resp.url}: "
                              f"{_first_line(exc)}") from None
        total = _first(graph, None, HYDRA.totalItems)
        if isinstance(total, Literal) and str(total).isdigit():
            self.expected = int(str(total))
        return graph, _hydra_next(graph, resp.url)

    def _read_csw(self, root: ET.Element, url: str) -> tuple[Graph, str | None]:
        graph = Graph()
        for block in root.iter(RDF_TAG):
            try:
                graph.parse(data=ET.tostring(block), format="xml", publicID=url)
            except Exception as exc:  # noqa: BLE001
                raise SourceError(f"invalid RDF/XML record in the CSW answer from {url}: "
                                  f"{_first_line(exc)}") from None
        results = root.find(f"{CSW}SearchResults")
        if results is None:
            raise SourceError(f"CSW answer from {url} has no SearchResults")
        try:
            nxt = int(results.get("nextRecord") or 0)
            matched = int(results.get("numberOfRecordsMatched") or 0)
        except ValueError:
            raise SourceError(f"CSW answer from {url} has no valid nextRecord") from None
        self.expected = matched
        if nxt <= 0 or nxt > matched:
            return graph, None
        parts = urlsplit(url)
        query = [(k, v) for k, v in parse_qsl(parts.query) if k.lower() != "startposition"]
        query.append(("startPosition", str(nxt)))
        return graph, urlunsplit(parts._replace(query=urlencode(query)))

    def _inline_contexts(self, doc: Any, base: str) -> Any:
        fetched: dict[str, Any] = {}

        def resolve(value: Any, depth: int) -> Any:
            if isinstance(value, list):
                return [resolve(v, depth) for v in value]
            if isinstance(value, dict):
                walk(value, depth)
                return value
            if not isinstance(value, str):
                return value
            url = safe_url(value, base)
            if url is None or not url.startswith(("http://", "https://")):
                raise SourceError(f"JSON-LD @context {value[:80]!r} is not an http(s) URL")
            if url not in fetched:
                if len(fetched) >= MAX_CONTEXTS or depth > 3:
                    raise SourceError("too many remote JSON-LD contexts")
                ctx = self.http.get(url, accept="application/ld+json, application/json").json()
                if not isinstance(ctx, dict) or "@context" not in ctx:
                    raise SourceError(f"{url} is not a JSON-LD context")
                fetched[url] = resolve(ctx["@context"], depth + 1)
            return fetched[url]

        def walk(node: Any, depth: int) -> None:
            if isinstance(node, dict):
                for key in list(node):
                    if key == "@context":
                        node[key] = resolve(node[key], depth)
                    elif key == "@import":
                        raise SourceError("JSON-LD @import is not supported")
                    else:
                        walk(node[key], depth)
            elif isinstance(node, list):
                for item in node:
                    walk(item, depth)

        walk(doc, 0)
        return doc

    # -- mapping ----------------------------------------------------------------
    def normalize(self, raw: tuple[Graph, Any]) -> Dataset:
        g, node = raw
        identifier = _identifier(g, node)
        if identifier is None and isinstance(node, URIRef):
            identifier = str(node)
        if identifier is None:
            raise ItemError("dataset without dct:identifier or URI")
        rid = plain_text(identifier, 500)
        warn = lambda msg: self.warn(f"{rid}: {msg}")
        page = _first(g, node, DCAT.landingPage, FOAF.homepage, FOAF.page)
        url = safe_url(str(page), self.source.url) if page is not None else None
        if url is None and isinstance(node, URIRef):
            url = safe_url(str(node))
        fields = self.common(rid, url, plain_text(_text(g, node, DCTERMS.title, RDFS.label,
                                                        SKOS.prefLabel), 500))
        return Dataset(
            **fields,
            description_html=rich_html(_text(g, node, DCTERMS.description, DCTERMS.abstract),
                                       url),
            publisher=self._publisher(g, node),
            themes=plain_list([t for t in (_label(g, o, theme=True)
                                           for o in _objects(g, node, DCAT.theme)) if t]),
            tags=plain_list(sorted(str(o) for o in g.objects(node, DCAT.keyword)
                                   if isinstance(o, Literal))),
            license=self._license(g, node),
            issued=iso_date(_text(g, node, DCTERMS.issued), warn, "issued date"),
            modified=iso_date(_text(g, node, DCTERMS.modified), warn, "modified date"),
            frequency=_frequency(g, node),
            spatial=_spatial(g, node),
            temporal=_temporal(g, node),
            contact_point=_contact(g, node),
            resources=[r for r in (self._resource(g, d, warn)
                                   for d in _objects(g, node, DCAT.distribution)) if r],
        )

    def _publisher(self, g: Graph, node: Any) -> str | None:
        """The dataset's publisher by name; when it is not named, the catalog's."""
        for pub in _objects(g, node, DCTERMS.publisher):
            name = _label(g, pub)
            if name:
                return plain_text(name)
        for catalog in sorted(g.subjects(DCAT.dataset, node), key=str):
            for pub in _objects(g, catalog, DCTERMS.publisher):
                name = _label(g, pub)
                if name:
                    return plain_text(name)
        return None

    def _license(self, g: Graph, node: Any):
        lic = _first(g, node, DCTERMS.license)
        if lic is None:  # DCAT-AP puts it on the distributions
            for dist in _objects(g, node, DCAT.distribution):
                lic = _first(g, dist, DCTERMS.license)
                if lic is not None:
                    break
        if lic is None:
            return None
        if isinstance(lic, Literal):
            return make_license(title=str(lic))
        title = _text(g, lic, RDFS.label, DCTERMS.title, SKOS.prefLabel, FOAF.name)
        url = str(lic) if isinstance(lic, URIRef) else None
        return make_license(title=title, url=url)

    def _resource(self, g: Graph, dist: Any, warn) -> Resource | None:
        link = _first(g, dist, DCAT.downloadURL) or _first(g, dist, DCAT.accessURL)
        url = safe_url(str(link), self.source.url, self.context.warnings) \
            if link is not None else None
        if url is None:
            return None
        fmt = _first(g, dist, DCTERMS.format)
        if fmt is not None and not isinstance(fmt, Literal):
            fmt = _text(g, fmt, RDFS.label, RDF.value) or (
                str(fmt) if isinstance(fmt, URIRef) else None)
        media = _first(g, dist, DCAT.mediaType)
        return Resource(
            title=plain_text(_text(g, dist, DCTERMS.title, RDFS.label), 300)
            or plain_text(unquote(url.rstrip("/").rsplit("/", 1)[-1])),
            format=format_name(fmt, str(media) if media is not None else None, url),
            url=url,
            size=size_bytes(_number(_first(g, dist, DCAT.byteSize)), warn),
            modified=iso_date(_text(g, dist, DCTERMS.modified), warn, "resource date"),
            media_type=media_type(str(media)) if media is not None else None,
        )


# -- graph helpers ------------------------------------------------------------

def _datasets(g: Graph) -> list[Any]:
    nodes = set(g.subjects(RDF.type, DCAT.Dataset)) | set(g.objects(None, DCAT.dataset))
    return sorted(nodes, key=lambda n: (isinstance(n, BNode), str(n)))


def _objects(g: Graph, node: Any, pred: URIRef) -> list[Any]:
    return sorted(g.objects(node, pred), key=lambda o: (isinstance(o, BNode), str(o)))


def _first(g: Graph, node: Any, *preds: URIRef) -> Any:
    for pred in preds:
        for obj in _objects(g, node, pred):
            if not (isinstance(obj, Literal) and not str(obj).strip()):
                return obj
    return None


def _lang_rank(lit: Literal) -> int:
    lang = (lit.language or "").lower()
    return 0 if lang.startswith("es") else 1 if not lang else 2 if lang.startswith("en") else 3


def _text(g: Graph, node: Any, *preds: URIRef) -> str | None:
    """The best literal of the first predicate that has one: Spanish, untagged, English."""
    for pred in preds:
        lits = [o for o in g.objects(node, pred) if isinstance(o, Literal) and str(o).strip()]
        if lits:
            return str(min(lits, key=lambda lit: (_lang_rank(lit), str(lit))))
    return None


def _label(g: Graph, node: Any, theme: bool = False) -> str | None:
    if isinstance(node, Literal):
        return str(node).strip() or None
    name = _text(g, node, *NAME_PREDICATES)
    if name:
        return name
    if theme and isinstance(node, URIRef):
        return theme_label(str(node))
    return None


def _identifier(g: Graph, node: Any) -> str | None:
    return _text(g, node, DCTERMS.identifier)


def _number(value: Any) -> Any:
    if isinstance(value, Literal):
        try:
            return float(value)
        except (TypeError, ValueError):
            return str(value)
    return value


def _frequency(g: Graph, node: Any) -> str | None:
    freq = _first(g, node, DCTERMS.accrualPeriodicity)
    if freq is None:
        return None
    if isinstance(freq, Literal):
        return frequency(str(freq))
    # datos.gob.es: a dct:Frequency whose rdf:value is a time:DurationDescription.
    duration = _first(g, freq, RDF.value)
    if duration is not None and not isinstance(duration, Literal):
        for pred, unit in DURATION_UNITS:
            amount = _number(_first(g, duration, pred))
            if isinstance(amount, float) and amount > 0:
                n = int(amount) if amount.is_integer() else amount
                return f"R/PT{n}{unit[0]}" if unit in ("H", "MIN") else f"R/P{n}{unit}"
    label = _text(g, freq, RDFS.label, SKOS.prefLabel)
    if label:
        return frequency(label)
    return frequency(str(freq)) if isinstance(freq, URIRef) else None


def _spatial(g: Graph, node: Any) -> str | None:
    """dct:spatial: a literal, a named place, a geometry (as its box), or the URI."""
    for place in _objects(g, node, DCTERMS.spatial):
        if isinstance(place, Literal):
            found = spatial_text(str(place))
        else:
            name = _text(g, place, *NAME_PREDICATES)
            shape = _first(g, place, DCAT.bbox, LOCN.geometry, DCAT.centroid)
            found = spatial_text(name) or (spatial_text(str(shape)) if shape is not None
                                           else None)
            if found is None and isinstance(place, URIRef):
                found = str(place)
        if found:
            return found
    return None


def _temporal(g: Graph, node: Any) -> str | None:
    """dct:temporal: a dct:PeriodOfTime (DCAT 2 or schema.org dates) or "a/b" text."""
    for period in _objects(g, node, DCTERMS.temporal):
        if isinstance(period, Literal):
            found = temporal_text(str(period))
        else:
            found = temporal_text(_text(g, period, DCAT.startDate, SCHEMA.startDate),
                                  _text(g, period, DCAT.endDate, SCHEMA.endDate))
        if found:
            return found
    return None


def _contact(g: Graph, node: Any) -> str | None:
    """dcat:contactPoint (or the older adms:contactPoint): a vCard's name and email."""
    for card in [*_objects(g, node, DCAT.contactPoint), *_objects(g, node, ADMS.contactPoint)]:
        if isinstance(card, Literal):
            found = contact_text(str(card))
        else:
            email = _first(g, card, VCARD.hasEmail)
            found = contact_text(_text(g, card, VCARD.fn, VCARD["organization-name"]),
                                 str(email) if email is not None else None)
        if found:
            return found
    return None


def _hydra_next(g: Graph, url: str) -> str | None:
    for pred in (HYDRA.next, HYDRA.nextPage):
        for obj in sorted(g.objects(None, pred), key=str):
            nxt = safe_url(str(obj), url)
            if nxt and nxt.startswith(("http://", "https://")):
                return nxt
    return None


def _guess_format(resp: Response) -> str:
    ctype = resp.content_type
    if ctype in CONTENT_TYPES:
        return CONTENT_TYPES[ctype]
    path = urlsplit(resp.url).path.lower()
    for suffix, fmt in SUFFIXES.items():
        if path.endswith(suffix):
            return fmt
    head = resp.body[:200].lstrip()
    if head.startswith(b"<"):
        return "xml"
    if head.startswith((b"{", b"[")):
        return "json-ld"
    return "turtle"


def _xml_root_tag(body: bytes, url: str) -> str:
    """The root element's tag, read without parsing the whole document."""
    parser = ET.XMLPullParser(events=("start",))
    try:
        for offset in range(0, len(body), 4096):
            parser.feed(body[offset:offset + 4096])
            for _, elem in parser.read_events():
                return elem.tag
        parser.close()
    except ET.ParseError as exc:
        raise SourceError(f"invalid XML from {url}: {_first_line(exc)}") from None
    raise SourceError(f"invalid XML from {url}: no root element")


def _xml_root(body: bytes, url: str) -> ET.Element:
    try:
        return ET.fromstring(body)
    except ET.ParseError as exc:
        raise SourceError(f"invalid XML from {url}: {_first_line(exc)}") from None


def _json(body: bytes, url: str) -> Any:
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise SourceError(f"invalid JSON-LD from {url}: {_first_line(exc)}") from None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return (text.splitlines()[0] if text else type(exc).__name__)[:200]


ADAPTER = DcatAdapter
