"""CSV registers -> transparency records (or consultations), by column mapping.

Built for exports such as InfoLobby's lobby meetings (`;`-separated, Spanish,
UTF-8 or Latin-1), but any register fits without code: `columns:` in the
source's options maps each record field to the column(s) that hold it, over
the defaults of the record type. The delimiter and the encoding are detected
unless set. A header without a mapped column fails the source with a message
naming the missing column(s): a wrong delimiter shows up that way too.

    - id: infolobby-audiencias
      adapter: csv
      url: https://example.org/Audiencias.csv
      options:
        columns: {persons: Asistentes}     # merged over the InfoLobby defaults

Field semantics: `title`, `id`, `date`, `url`, `publisher`, `institution_code`
take the first non-empty column of a list; `description` makes one paragraph
per column; `place` joins its columns with ", "; `persons` and `organizations`
split every column on `list_separator`. A mapped value with braces is a
template over columns: `region: "Comuna {comuna}"`.

`record_type: obra` reads public works (aggregator/obras.py, docs/obras.md):
their columns default to the field names, and a default column the file lacks
is simply not read. A JSON array of objects is read like a CSV file whose
header is the objects' keys.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
import re
from collections.abc import Iterator
from string import Formatter
from typing import Any, ClassVar
from urllib.parse import quote

from ..config import ConfigError
from ..obras import ObraRows, repair_text
from ..obras import check_options as check_obra_options
from ..records import Consultation, Record
from ..records_registers import TransparencyEntry, organization, person
from ..sanitize import plain_list, plain_text, safe_url, text_html
from .base import Adapter, ItemError, Option, SourceError
from .feed import iso_datetime, zone

# InfoLobby's "Audiencias" export (Consejo para la Transparencia, Ley del Lobby).
INFOLOBBY_COLUMNS: dict[str, Any] = {
    "id": "IDAudienciaReunion",
    "date": "FechaInicio_Audiencia",
    "title": ["ObservacionesMateria_Audiencia", "Descripcion_Materia"],
    "description": ["ObservacionesMateria_Audiencia", "Descripcion_Materia"],
    "publisher": "Nombre_Institucion",
    "institution_code": "IDORPortal_Institucion",
    "place": ["Lugar_Audiencia", "Nombre_Comuna"],
    "persons": None,
    "organizations": None,
    "url": None,
}
# The export links no single meeting: link the institution's page on the Ley del
# Lobby platform, where its meetings are published.
INFOLOBBY_URL = "https://www.leylobby.gob.cl/instituciones/{IDORPortal_Institucion}"

# Participation listings: title, url, institution, start, end, description.
PARTICIPATION_COLUMNS: dict[str, Any] = {
    "id": None,
    "title": "title",
    "url": "url",
    "publisher": "institution",
    "institution_code": None,
    "start": "start",
    "end": "end",
    "description": "description",
}
# Public works: every field of the record, read from a column of the same name.
OBRA_COLUMNS: dict[str, Any] = {f: f for f in (
    "id", "title", "description", "publisher", "institution_code", "kind", "status",
    "progress", "amount", "currency", "contractor", "region", "commune", "address", "lat",
    "lon", "start", "end_planned", "end_actual", "url", "image")}
# record type -> (columns, url_template, kind, overflow_column)
DEFAULTS = {"transparency": (INFOLOBBY_COLUMNS, INFOLOBBY_URL, "audiencia",
                             "ObservacionesMateria_Audiencia"),
            "consultation": (PARTICIPATION_COLUMNS, None, "consulta pública", None),
            "obra": (OBRA_COLUMNS, None, None, None)}
DELIMITERS = (";", ",", "\t", "|")
LATIN1_LABELS = {"iso-8859-1", "iso8859-1", "latin-1", "latin1", "us-ascii", "ascii"}


class CsvRegisterAdapter(Adapter):
    name = "csv"
    OPTIONS: ClassVar[dict] = {
        "record_type": Option(str, "transparency", "transparency, consultation or obra"),
        "columns": Option(dict, None, "field -> column name or list of column names"),
        "delimiter": Option(str, None, "column delimiter (default: detected)"),
        "encoding": Option(str, None, "text encoding (default: detected, UTF-8 or Latin-1)"),
        "url_template": Option(str, None, "record link built from columns, e.g. "
                                          "https://x.cl/a/{ID} (default per record type)"),
        "kind": Option(str, None, "kind of every record (audiencia, consulta pública...)"),
        "list_separator": Option(str, "|", "separator inside persons/organizations cells"),
        "timezone": Option(str, None, "zone of dates written without one (default: none)"),
        "max_rows": Option(int, 200_000, "read at most this many rows"),
        "overflow_column": Option(str, None, "free-text column that absorbs unquoted "
                                             "delimiters (default per record type)"),
        "stages": Option(dict, None, "obra: status word -> stage (planned, in_progress, "
                                     "finished, stopped, unknown), over the defaults"),
        "bounds": Option(list, None, "obra: [west, south, east, north] where the works "
                                     "are; guides coordinates written without decimals"),
        "currency": Option(str, None, "obra: currency of the amounts (e.g. CLP, ARS) "
                                      "when no column gives it"),
    }

    @classmethod
    def check_options(cls, source) -> dict:
        opts = super().check_options(source)
        rtype = opts["record_type"]
        if rtype not in DEFAULTS:
            raise ConfigError(f"source {source.id!r}: record_type must be one of "
                              f"{', '.join(DEFAULTS)}")
        defaults, template, kind, overflow = DEFAULTS[rtype]
        columns = dict(defaults)
        for key, value in (opts["columns"] or {}).items():
            if key not in defaults:
                raise ConfigError(f"source {source.id!r}: columns: unknown field {key!r} for "
                                  f"{rtype} records (known: {', '.join(defaults)})")
            if not (value is None or isinstance(value, str) or (
                    isinstance(value, list) and all(isinstance(v, str) for v in value))):
                raise ConfigError(f"source {source.id!r}: columns: {key!r} must be a column "
                                  f"name or a list of column names")
            for template in filter(lambda v: "{" in v, _as_list(value)):
                try:
                    _template_fields(template)
                except ValueError as exc:
                    raise ConfigError(f"source {source.id!r}: columns: {key!r}: bad "
                                      f"template {template!r}: {exc}") from None
            columns[key] = value
        if not columns.get("title"):
            raise ConfigError(f"source {source.id!r}: columns: 'title' must name a column")
        opts["columns"] = {k: _as_list(v) for k, v in columns.items()}
        if opts["delimiter"] is not None and len(opts["delimiter"]) != 1:
            raise ConfigError(f"source {source.id!r}: delimiter must be one character")
        if opts["encoding"]:
            try:
                "".encode(opts["encoding"])
            except LookupError:
                raise ConfigError(f"source {source.id!r}: unknown encoding "
                                  f"{opts['encoding']!r}") from None
        if "url_template" not in source.options:
            opts["url_template"] = template
        if "overflow_column" not in source.options:
            opts["overflow_column"] = overflow
        opts["kind"] = opts["kind"] or kind
        zone(opts["timezone"], source.id)
        check_obra_options(source.id, opts)
        opts["explicit"] = set(source.options.get("columns") or {})
        return opts

    def __init__(self, source, http, context):
        super().__init__(source, http, context)
        self.columns: dict[str, list[str]] = self.options["columns"]
        self.tz = zone(self.options["timezone"], source.id) if self.options["timezone"] \
            else None
        self.base = source.url
        self.obras = ObraRows(self) if self.options["record_type"] == "obra" else None

    # -- listing --------------------------------------------------------------
    def list_items(self) -> Iterator[Any]:
        resp = self.http.get(self.source.url, accept="text/csv, text/plain;q=0.9, */*;q=0.1")
        self.base = resp.url
        if resp.body.lstrip()[:1] == b"<" and resp.looks_like_html():
            raise SourceError(f"HTML page, not a CSV file, at {resp.url}")
        text = self.decode(resp.body, _charset(resp.headers.get("content-type", "")))
        if not text.strip():
            raise SourceError(f"empty CSV file at {resp.url}")
        if self.obras is not None:
            text = repair_text(text)
        if text.lstrip()[:1] == "[":
            yield from self._json_items(text, resp.url)
            return
        header_line = text.splitlines()[0]
        delimiter = self.options["delimiter"] or _detect(header_line)
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        header = [h.strip().lstrip("\ufeff") for h in next(reader, [])]
        self._check_header(header, header_line, delimiter)
        template = self.options["url_template"]
        for field in _template_fields(template):
            if field != "year" and field not in header:
                raise SourceError(f"url_template uses column {field!r}, which is not in "
                                  f"{resp.url}")
        overflow = self.options["overflow_column"]
        spill = header.index(overflow) if overflow in header else None
        # Rows sharing an id are one record: InfoLobby writes a meeting once per subject.
        id_col = (self.columns.get("id") or [None])[0]
        groups: dict[str, tuple[int, dict[str, list[str]]]] = {}
        limit = self.options["max_rows"]
        end = reader.line_num
        for n, values in enumerate(reader):
            # A quoted cell may span lines: a row is named by the line it starts on.
            start, end = end + 1, reader.line_num
            if n >= limit:
                self.warn(f"read the first {limit:,} rows only (max_rows)")
                break
            if not any(v.strip() for v in values):
                continue
            values = self._fit(values, header, spill, delimiter, start)
            row = dict(zip(header, values))
            key = (row.get(id_col) or "").strip() if id_col else ""
            if self.obras is not None and key in groups:
                # One work per id: a second row with the same id is not merged.
                self.failed_items += 1
                self.warn(f"item skipped: line {start}: id {key!r} already used on line "
                          f"{groups[key][0]}")
                continue
            key = key or f"\0line{start}"
            line, merged = groups.setdefault(key, (start, {}))
            for col, value in row.items():
                value = value.strip()
                cell = merged.setdefault(col, [])
                if value and value not in cell:
                    cell.append(value)
        self.expected = len(groups)
        for line, merged in groups.values():
            yield f"line {line}", merged
        self._report()

    def _json_items(self, text: str, url: str) -> Iterator[Any]:
        """A JSON array of objects: one row per object, its keys as the header."""
        try:
            items = json.loads(text)
        except ValueError as exc:
            raise SourceError(f"invalid JSON at {url}: {exc}") from None
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise SourceError(f"expected a JSON array of objects at {url}")
        header = list(dict.fromkeys(k for item in items for k in item))
        self._check_header(header, "", ",")
        id_col = (self.columns.get("id") or [None])[0]
        seen: dict[str, int] = {}
        self.expected = len(items)
        for n, item in enumerate(items[:self.options["max_rows"]], 1):
            row = {k: [_cell(v)] if _cell(v) else [] for k, v in item.items()}
            key = (row.get(id_col) or [""])[0] if id_col else ""
            if key and key in seen:
                self.failed_items += 1
                self.warn(f"item skipped: item {n}: id {key!r} already used by item {seen[key]}")
                continue
            seen.setdefault(key, n)
            yield f"item {n}", row
        self._report()

    def _report(self) -> None:
        if self.obras is not None:
            for message in self.obras.report():
                self.warn(message)

    def _fit(self, values: list[str], header: list[str], spill: int | None,
             delimiter: str, line: int) -> list[str]:
        """A row with more values than the header had a delimiter inside a free-text
        cell: glue the surplus back into `overflow_column` (or drop it, warned)."""
        extra = len(values) - len(header)
        if extra <= 0:
            return values
        if spill is None:
            self.warn(f"line {line}: {extra} value(s) beyond the header's {len(header)} "
                      f"columns ignored")
            return values[:len(header)]
        glued = delimiter.join(values[spill:spill + extra + 1])
        return values[:spill] + [glued] + values[spill + extra + 1:]

    def decode(self, body: bytes, declared: str | None) -> str:
        """The configured encoding, else a BOM, the declared charset, UTF-8 and
        finally Windows-1252 / Latin-1 (what Spanish spreadsheets export)."""
        if self.options["encoding"]:
            try:
                return body.decode(self.options["encoding"])
            except UnicodeDecodeError as exc:
                raise SourceError(f"the file is not {self.options['encoding']}: {exc}") from None
        if body.startswith(b"\xef\xbb\xbf"):
            return body[3:].decode("utf-8", errors="replace")
        if declared and declared.lower().replace("_", "-") in LATIN1_LABELS:
            declared = "cp1252"  # as browsers do (WHATWG Encoding): a superset
        for enc in filter(None, (declared, "utf-8")):
            try:
                return body.decode(enc)
            except (UnicodeDecodeError, LookupError):
                continue
        # Windows-1252 as WHATWG defines it: its five unassigned bytes keep their
        # Latin-1 meaning instead of turning the whole file into Latin-1.
        return body.decode("cp1252", errors=_WHATWG_1252)

    def _check_header(self, header: list[str], line: str, delimiter: str) -> None:
        if self.obras is not None:
            # Default columns a file lacks are not read; the configured ones must be there.
            explicit = self.options["explicit"]
            self.columns = {f: [c for c in cols if "{" in c or c in header or f in explicit]
                            for f, cols in self.columns.items()}
            if not self.columns["id"]:
                raise SourceError("public works need an identifier: map `id` to a column")
        needed = [c for cols in self.columns.values() for col in cols
                  for c in (_template_fields(col) if "{" in col else [col])]
        missing = sorted(set(needed) - set(header), key=needed.index)
        if not missing:
            return
        shown = ", ".join(header[:8]) + (", ..." if len(header) > 8 else "")
        hint = ""
        guess = _detect(line)
        if len(header) <= 1 and guess != delimiter:
            hint = f": the header looks {guess!r}-separated, not {delimiter!r}"
        raise SourceError(f"missing column(s) {', '.join(missing)}{hint} "
                          f"(found {len(header)}: {shown[:120]})")

    # -- one row --------------------------------------------------------------
    def normalize(self, raw: Any) -> Record:
        line, row = raw   # line: "line 12" (CSV) or "item 3" (JSON)
        title = plain_text(self._first(row, "title"), 200)
        if not title:
            raise ItemError(f"{line}: no title in column(s) "
                            f"{', '.join(self.columns['title'])}")
        remote = self._first(row, "id")
        if self.columns.get("id"):
            if not remote:
                raise ItemError(f"{line}: no identifier in column "
                                f"{self.columns['id'][0]!r}")
        else:  # listings without ids: the link (or title) identifies the row
            key = self._first(row, "url") or title
            remote = hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]
        url = safe_url(self._first(row, "url"), self.base, self.context.warnings) \
            if self.columns.get("url") else None
        if url is None:
            url = self._template_url(row)
        common = self.common(remote, url, title)
        code = plain_text(self._first(row, "institution_code"), 40)
        if code and not self.source.institution:
            common["institution"] = code  # resolved by the reconciler (cplt_code)
        publisher = plain_text(self._first(row, "publisher"), 300)
        if self.obras is not None:
            return self.obras.record(common, publisher, line, row)
        description = self._paragraphs(row)
        if self.options["record_type"] == "consultation":
            return Consultation(**common, description_html=description,
                                kind=self.options["kind"],
                                start=self._date(row, "start", line),
                                end=self._date(row, "end", line), publisher=publisher)
        return TransparencyEntry(**common, kind=self.options["kind"],
                                 date=self._date(row, "date", line),
                                 description_html=description, publisher=publisher,
                                 place=self._place(row),
                                 persons=[person(n) for n in self._list(row, "persons")],
                                 organizations=[organization(n) for n in
                                                self._list(row, "organizations")])

    def _values(self, row: dict[str, list[str]], field: str) -> list[str]:
        out = []
        for col in self.columns.get(field) or ():
            if "{" in col:      # a template: every column it names must have a value
                names = _template_fields(col)
                if all(row.get(n) for n in names):
                    out.append(col.format(**{n: row[n][0] for n in names}))
            else:
                out.extend(row.get(col) or ())
        return out

    def _first(self, row: dict, field: str) -> str | None:
        values = self._values(row, field)
        return values[0] if values else None

    def _paragraphs(self, row: dict) -> str | None:
        seen, parts = set(), []
        for v in self._values(row, "description"):
            html = text_html(v)
            if html and html not in seen:
                seen.add(html)
                parts.append(html)
        return "\n".join(parts) or None

    def _place(self, row: dict) -> str | None:
        parts = plain_list(self._values(row, "place"))
        return ", ".join(parts) or None

    def _list(self, row: dict, field: str) -> list[str]:
        sep = self.options["list_separator"]
        items = [p for v in self._values(row, field) for p in (v.split(sep) if sep else [v])]
        return plain_list(items)

    def _date(self, row: dict, field: str, line: int) -> str | None:
        value = self._first(row, field)
        if not value:
            return None
        iso = iso_datetime(value, self.tz)
        if iso is None:
            self.warn(f"{line}: unreadable {field} {value[:40]!r}, left empty")
            return None
        # "2014-12-16 00:00:00": a day, not an instant at midnight.
        if iso.endswith("T00:00:00") and self.tz is None:
            return iso[:10]
        return iso

    def _template_url(self, row: dict) -> str | None:
        template = self.options["url_template"]
        if not template:
            return None
        values = {}
        for field in _template_fields(template):
            if field == "year":
                date = self._first(row, "date") or self._first(row, "start") or ""
                m = re.search(r"\b(\d{4})\b", date)
                value = m.group(1) if m else ""
            else:
                value = (row.get(field) or [""])[0]
            if not value:
                return None
            values[field] = quote(value, safe="")
        return safe_url(template.format(**values), self.base, self.context.warnings)


def _cell(value: Any) -> str:
    """A JSON value as a CSV cell would hold it."""
    if value is None or isinstance(value, (dict, list)):
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).strip()


def _whatwg_1252(exc: UnicodeDecodeError) -> tuple[str, int]:
    return chr(exc.object[exc.start]), exc.start + 1


_WHATWG_1252 = "portal-whatwg-1252"
codecs.register_error(_WHATWG_1252, _whatwg_1252)


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def _template_fields(template: str | None) -> list[str]:
    if not template:
        return []
    return [f for _, f, _, _ in Formatter().parse(template) if f]


def _detect(line: str) -> str:
    """The candidate delimiter appearing most often in the header line."""
    counts = {d: line.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def _charset(content_type: str) -> str | None:
    m = re.search(r"charset=\"?([\w.:-]+)", content_type, re.IGNORECASE)
    return m.group(1) if m else None


ADAPTER = CsvRegisterAdapter
