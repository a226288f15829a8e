"""Any SPARQL 1.1 endpoint -> transparency records (or consultations).

The records and fields are those of the CSV adapter (`adapter: csv`), and so is
the mapping: `columns:` maps each record field to the SPARQL variable(s) that
hold it, as it maps fields to CSV columns there. The query is sent with the
SPARQL protocol (GET, `query=`), asking for `application/sparql-results+json`;
Virtuoso's variant of that format (InfoLobby's linked data runs on Virtuoso:
`typed-literal` values, `link`, `distinct` and `ordered` keys) is read too.
A query without its own LIMIT is paged with LIMIT/OFFSET, up to `max_pages`.

    - id: infolobby-sparql
      adapter: sparql
      url: http://datos.infolobby.cl/sparql
      options:
        query: |
          PREFIX cplt: <http://datos.infolobby.cl/resource/cplt/>
          SELECT ?audiencia ?inicio ?observaciones ?institucion WHERE { ... }
          ORDER BY ?audiencia
        columns: {id: audiencia, date: inicio, title: observaciones,
                  institution_code: institucion}

Failure semantics are every adapter's: an HTML page, a body that is not SPARQL
JSON results (an ASK answer, an error text), a variable the mapping needs that
the query does not select, or paging that does not end, fail the source and
keep its last good data.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any, ClassVar

from ..config import ConfigError
from .base import Adapter, Option, SourceError
from .csv_register import DEFAULTS, CsvRegisterAdapter, _as_list
from .feed import zone

ACCEPT = "application/sparql-results+json, application/json;q=0.9, */*;q=0.1"
_HAS_LIMIT = re.compile(r"\blimit\s+\d+\s*(?:offset\s+\d+\s*)?$", re.IGNORECASE)
# Kinds of RDF terms in the JSON results; Virtuoso still writes SPARQL 1.0's
# "typed-literal" beside "literal".
TERMS = frozenset({"uri", "literal", "typed-literal", "bnode"})


class SparqlAdapter(CsvRegisterAdapter):
    name = "sparql"
    OPTIONS: ClassVar[dict] = {
        "query": Option(str, None, "a SPARQL SELECT query (paged with LIMIT/OFFSET "
                                   "unless it has a LIMIT)"),
        "record_type": CsvRegisterAdapter.OPTIONS["record_type"],
        "columns": Option(dict, None, "field -> variable name, or list of variable names"),
        "url_template": Option(str, None, "record link built from variables, e.g. "
                                          "https://x.cl/a/{id}"),
        "kind": CsvRegisterAdapter.OPTIONS["kind"],
        "list_separator": CsvRegisterAdapter.OPTIONS["list_separator"],
        "timezone": CsvRegisterAdapter.OPTIONS["timezone"],
        "default_graph": Option(str, None, "default-graph-uri sent with the query"),
        "page_size": Option(int, 1000, "rows per request (LIMIT)"),
        "max_pages": Option(int, 100, "pages at most; more fails the source"),
    }

    @classmethod
    def check_options(cls, source) -> dict:
        opts = Adapter.check_options.__func__(cls, source)
        where = f"source {source.id!r}"
        if not (opts["query"] or "").strip():
            raise ConfigError(f"{where}: option 'query' is required (a SPARQL SELECT)")
        rtype = opts["record_type"]
        if rtype not in DEFAULTS:
            raise ConfigError(f"{where}: record_type must be one of {', '.join(DEFAULTS)}")
        known, _, kind, _ = DEFAULTS[rtype]
        columns = {}
        for key, value in (opts["columns"] or {}).items():
            if key not in known:
                raise ConfigError(f"{where}: columns: unknown field {key!r} for {rtype} "
                                  f"records (known: {', '.join(known)})")
            if not (value is None or isinstance(value, str) or (
                    isinstance(value, list) and all(isinstance(v, str) for v in value))):
                raise ConfigError(f"{where}: columns: {key!r} must be a variable name or a "
                                  f"list of variable names")
            columns[key] = [v.lstrip("?$") for v in _as_list(value)]
        if not columns.get("title"):
            raise ConfigError(f"{where}: columns: 'title' must name a variable")
        for key in ("page_size", "max_pages"):
            if opts[key] < 1:
                raise ConfigError(f"{where}: {key} must be at least 1")
        opts["columns"] = columns
        opts["kind"] = opts["kind"] or kind
        # What the CSV adapter's mapping code reads and a SPARQL source never sets.
        opts.update(delimiter=None, encoding=None, overflow_column=None, max_rows=None)
        zone(opts["timezone"], source.id)
        return opts

    # -- listing --------------------------------------------------------------
    def list_items(self) -> Iterator[Any]:
        query = self.options["query"].strip()
        paged = not _HAS_LIMIT.search(query)
        size, limit = self.options["page_size"], self.options["max_pages"]
        id_var = (self.columns.get("id") or [None])[0]
        groups: dict[str, tuple[int, dict[str, list[str]]]] = {}
        previous, row_number = None, 0
        for page in range(limit):
            text = f"{query}\nLIMIT {size} OFFSET {page * size}" if paged else query
            params = {"query": text}
            if self.options["default_graph"]:
                params["default-graph-uri"] = self.options["default_graph"]
            resp = self.http.get(self.source.url, params=params, accept=ACCEPT)
            variables, rows = parse_results(resp.body, self.source.url, resp.looks_like_html())
            if page == 0:
                self._check_variables(variables)
            if page and rows and rows == previous:
                raise SourceError(f"page {page + 1} of {self.source.url} repeats the one "
                                  f"before: the endpoint ignores OFFSET")
            previous = rows
            for row in rows:
                row_number += 1
                key = ((row.get(id_var) or "").strip() if id_var else "") or f"\0row{row_number}"
                _, merged = groups.setdefault(key, (row_number, {}))
                for var, value in row.items():
                    cell = merged.setdefault(var, [])
                    if value and value not in cell:
                        cell.append(value)
            if not paged or len(rows) < size:
                break
        else:
            raise SourceError(f"more than {limit} pages of {size} rows from "
                              f"{self.source.url}: raise max_pages (or page_size)")
        self.expected = len(groups)
        for line, merged in groups.values():
            yield line, merged

    def _check_variables(self, variables: list[str]) -> None:
        needed = [v for cols in self.columns.values() for v in cols]
        missing = [v for v in dict.fromkeys(needed) if v not in variables]
        if missing:
            raise SourceError(f"the query does not select variable(s) {', '.join(missing)} "
                              f"(it selects: {', '.join(variables) or 'none'})")


def parse_results(body: bytes, url: str, html: bool = False) -> tuple[list[str], list[dict]]:
    """(variables, rows) of an application/sparql-results+json body; each row maps a
    variable to the text of its value (a URI, a literal's lexical form, a blank
    node's label). SourceError when the body is anything else."""
    if html and body.lstrip()[:1] == b"<":
        raise SourceError(f"HTML page, not SPARQL results, at {url}")
    try:
        doc = json.loads(body.decode("utf-8-sig"))
    except (ValueError, UnicodeDecodeError):
        first = body.strip().decode("utf-8", "replace").splitlines()[:1]
        raise SourceError(f"not SPARQL JSON results from {url}"
                          f"{': ' + first[0][:160] if first else ' (empty body)'}") from None
    if not isinstance(doc, dict):
        raise SourceError(f"not SPARQL JSON results from {url}")
    if "boolean" in doc:
        raise SourceError(f"an ASK answer from {url}, not the results of a SELECT")
    head, results = doc.get("head"), doc.get("results")
    if not isinstance(head, dict) or not isinstance(results, dict) \
            or not isinstance(results.get("bindings"), list):
        raise SourceError(f"not SPARQL JSON results from {url} (no head and "
                          f"results.bindings)")
    variables = [v for v in head.get("vars") or [] if isinstance(v, str)]
    rows = []
    for binding in results["bindings"]:
        if not isinstance(binding, dict):
            raise SourceError(f"a binding of {url} is not an object")
        row = {}
        for var, term in binding.items():
            if isinstance(term, dict) and term.get("type") in TERMS \
                    and isinstance(term.get("value"), str):
                row[var] = term["value"]
        rows.append(row)
    return variables, rows


ADAPTER = SparqlAdapter
