"""RDF written as text, Turtle and JSON-LD from one description of the nodes.

rdflib's graph serializers cost about 2.7 s per 1,000 datasets here (build the
graph, then Turtle and JSON-LD), some 270 s at 100,000: too slow for every
build. The exports are written by this module instead, a dataset at a time,
and the tests parse every file back with rdflib and validate it with pySHACL.

A node is `(subject, [(predicate, object), ...])`. Subjects and IRI objects are
`iri(...)` (relative IRIs resolve against the file's `@base`); predicates and
datatypes are compact names with the prefixes below ("dct:title"), `"a"` for
rdf:type; a literal is `lit(text)` or `lit(text, "xsd:date")`; a blank node is
`blank([(predicate, object), ...])`; a vocabulary term
`name("dcat:Dataset")`. Everything from a source is escaped here:
IRIs are percent-encoded where Turtle forbids a character, literals escaped.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache

PREFIXES = {
    "adms": "http://www.w3.org/ns/adms#",
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "dqv": "http://www.w3.org/ns/dqv#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "hydra": "http://www.w3.org/ns/hydra/core#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}
IRI, LIT, BLANK, NAME = 0, 1, 2, 3

# Characters an IRIREF may not hold (Turtle grammar) and lone surrogates, which
# cannot be written as UTF-8.
_BAD_IRI = re.compile(r'[\x00-\x20<>"{}|^`\\\ud800-\udfff]')
_BAD_LIT = re.compile(r'[\x00-\x1f"\\\x7f\ud800-\udfff]')
_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _pct(m: re.Match) -> str:
    ch = m.group(0)
    if "\ud800" <= ch <= "\udfff":
        ch = "\ufffd"
    return "".join(f"%{b:02X}" for b in ch.encode("utf-8"))


def _esc(m: re.Match) -> str:
    ch = m.group(0)
    if ch in _ESCAPES:
        return _ESCAPES[ch]
    if "\ud800" <= ch <= "\udfff":
        return "\ufffd"
    return f"\\u{ord(ch):04X}"


def iri(value: str) -> tuple:
    return (IRI, _BAD_IRI.sub(_pct, value))


def lit(value: str, datatype: str | None = None) -> tuple:
    # Lone surrogates go here too: JSON would write them, UTF-8 cannot.
    if _SURROGATE.search(value):
        value = _SURROGATE.sub("\ufffd", value)
    return (LIT, value, datatype)


_SURROGATE = re.compile(r"[\ud800-\udfff]")


def blank(pairs: list) -> tuple:
    return (BLANK, pairs)


def name(compact: str) -> tuple:
    """A vocabulary term by its compact name ("dcat:Dataset"), written by this code."""
    return (NAME, compact)


# -- Turtle -------------------------------------------------------------------

def turtle_header(base: str) -> str:
    lines = [f"@base <{_BAD_IRI.sub(_pct, base)}> ."]
    lines += [f"@prefix {p}: <{ns}> ." for p, ns in PREFIXES.items()]
    return "\n".join(lines) + "\n\n"


def _ttl_object(obj: tuple, indent: str) -> str:
    kind = obj[0]
    if kind == IRI:
        return f"<{obj[1]}>"
    if kind == NAME:
        return obj[1]
    if kind == LIT:
        text = f'"{_BAD_LIT.sub(_esc, obj[1])}"'
        return f"{text}^^{obj[2]}" if obj[2] else text
    inner = indent + "    "
    body = f" ;\n{inner}".join(f"{p} {_ttl_object(o, inner)}" for p, o in obj[1])
    return f"[\n{inner}{body}\n{indent}]"


def turtle(nodes: list) -> str:
    """The nodes as Turtle statements (no header), one block per node."""
    out = []
    for subject, pairs in nodes:
        grouped: dict[str, list] = {}
        for p, o in pairs:
            grouped.setdefault(p, []).append(o)
        body = " ;\n    ".join(
            f"{p} {', '.join(_ttl_object(o, '    ') for o in objs)}"
            for p, objs in grouped.items())
        out.append(f"<{subject[1]}> {body} .\n")
    return "".join(out)


# -- JSON-LD ------------------------------------------------------------------

_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def jsonld_context(base: str) -> dict:
    return {"@base": base, **PREFIXES}


def _json_object(obj: tuple):
    kind = obj[0]
    if kind == IRI or kind == NAME:
        return {"@id": obj[1]}
    if kind == LIT:
        return {"@value": obj[1], "@type": obj[2]} if obj[2] else obj[1]
    return _json_node(None, obj[1])


def _json_node(subject: str | None, pairs: list) -> dict:
    node: dict = {} if subject is None else {"@id": subject}
    for p, o in pairs:
        if p == "a":
            node.setdefault("@type", []).append(o[1])
        else:
            node.setdefault(p, []).append(_json_object(o))
    return node


def jsonld_nodes(nodes: list) -> str:
    """The nodes as JSON objects joined by commas, for a `@graph` array."""
    return ",".join(_ENCODE(_json_node(s[1], pairs)) for s, pairs in nodes)


@lru_cache(maxsize=16)
def _jsonld_head(base: str) -> str:
    return _ENCODE({"@context": jsonld_context(base)})[:-1] + ',"@graph":['


def jsonld_document(base: str, *parts: str) -> str:
    """A JSON-LD document whose @graph holds the given comma-joined node lists."""
    return _jsonld_head(base) + ",".join(p for p in parts if p) + "]}"
