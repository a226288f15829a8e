"""A lobby register published as related tables -> meetings, trips and gifts.

Built for the Ley del Lobby export of InfoLobby (Chile): audiences with the
officials and lobbyists who attended and whom they represented, the officials'
trips and the gifts they received. One source, several files under one URL:

    - id: infolobby
      adapter: lobby
      url: https://example.org/infolobby/      # the folder of the export
      options:
        profile: infolobby                     # files and columns (default)
        files: {trips: Viajes-2024.csv}        # merged over the profile
        columns: {audiences: {place: Lugar}}

Which column holds what is configuration: a profile (aggregator/registers/
<name>.yaml, or a path) maps each table's fields to the export's documented
columns, and `files` / `columns` override it. The joins and the repairs of the
export's dirt are in aggregator/lobby_join.py and aggregator/csv_repair.py.

Records: `transparency` of kind `audiencia` (persons: officials, lobbyists,
managers of interests, persons represented; organizations: entities
represented or employing a lobbyist), `viaje` (destination, dates, reasons,
cost lines summed, who paid) and `donativo` (giver, description, occasion).
"""

from __future__ import annotations

import gc
import html
import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import quote, urljoin

from .. import yamlio
from ..config import ConfigError
from ..csv_repair import DirtyCsv, RowReport
from ..lobby_join import FIELDS, LobbyJoin, Table, full_name
from ..records import Record
from ..records_registers import TransparencyEntry, cost
from ..sanitize import plain_text, safe_url
from .base import Adapter, Option, SourceError
from .feed import iso_datetime

PROFILES = Path(__file__).resolve().parent.parent / "registers"
PROFILE_KEYS = {"quoting", "currency", "empty", "url_template", "site", "tables"}
TABLE_KEYS = {"file", "columns", "overflow", "text", "delimiter", "header"}
_TEMPLATE_FIELD = re.compile(r"\{(\w+)\}")
# A meeting's fields, read from its first row at once.
AUDIENCE_FIELDS = ("id", "observations", "subject", "institution_code", "institution", "commune",
                   "modality", "date", "duration_minutes", "place")


def load_profile(name: str, where: str) -> dict:
    """A bundled profile by name, or a YAML file by path."""
    path = PROFILES / f"{name}.yaml" if re.fullmatch(r"[a-z0-9_-]+", name) else Path(name)
    try:
        doc = yamlio.load_file(path)
    except yamlio.YamlError as exc:
        raise ConfigError(f"{where}: profile {name!r}: {exc}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("tables"), dict):
        raise ConfigError(f"{where}: profile {name!r} ({path}) has no 'tables:' mapping")
    unknown = set(doc) - PROFILE_KEYS
    if unknown:
        raise ConfigError(f"{where}: profile {name!r}: unknown key(s) "
                          f"{', '.join(sorted(unknown))}")
    return doc


class LobbyRegisterAdapter(Adapter):
    name = "lobby"
    OPTIONS: ClassVar[dict] = {
        "profile": Option(str, "infolobby", "files and columns of the export: a bundled "
                                            "profile (aggregator/registers/) or a path"),
        "files": Option(dict, None, "table -> file name or URL, over the profile's "
                                    "(null: the source has no such table)"),
        "columns": Option(dict, None, "table -> {field: column}, over the profile's"),
        "url_template": Option(str, None, "link of a record the register gives no page: "
                                          "{institution_code}, {id}, {kind}"),
        "currency": Option(str, None, "currency of trip costs (default: the profile's)"),
    }

    @classmethod
    def check_options(cls, source) -> dict:
        opts = super().check_options(source)
        where = f"source {source.id!r}"
        profile = load_profile(opts["profile"], where)
        tables: dict[str, dict] = {}
        for name, spec in profile["tables"].items():
            if name not in FIELDS:
                raise ConfigError(f"{where}: profile table {name!r} is not one the adapter "
                                  f"reads ({', '.join(FIELDS)})")
            if not isinstance(spec, dict) or set(spec) - TABLE_KEYS:
                raise ConfigError(f"{where}: profile table {name!r}: expected a mapping of "
                                  f"{', '.join(sorted(TABLE_KEYS))}")
            tables[name] = {**spec, "columns": dict(spec.get("columns") or {})}
        for name, file in (opts["files"] or {}).items():
            cls._known_table(name, where, "files")
            if file is not None and not isinstance(file, str):
                raise ConfigError(f"{where}: files: {name!r} must be a file name or URL")
            tables.setdefault(name, {"columns": {}})["file"] = file
        for name, columns in (opts["columns"] or {}).items():
            cls._known_table(name, where, "columns")
            if not isinstance(columns, dict):
                raise ConfigError(f"{where}: columns: {name!r} must map fields to columns")
            tables.setdefault(name, {"columns": {}})["columns"].update(columns)
        for name, spec in tables.items():
            for field, column in spec["columns"].items():
                if field not in FIELDS[name]:
                    raise ConfigError(f"{where}: table {name!r} has no field {field!r} "
                                      f"(known: {', '.join(FIELDS[name])})")
                if column is not None and not isinstance(column, str):
                    raise ConfigError(f"{where}: {name}.{field} must be a column name")
        if not (tables.get("audiences") or {}).get("file"):
            raise ConfigError(f"{where}: the register needs an audiences file")
        opts["tables"] = tables
        opts["quoting"] = bool(profile.get("quoting", True))
        opts["empty"] = frozenset(str(v) for v in profile.get("empty") or ())
        opts["currency"] = opts["currency"] or profile.get("currency")
        opts["url_template"] = opts["url_template"] or profile.get("url_template")
        for field in _TEMPLATE_FIELD.findall(opts["url_template"] or ""):
            if field not in ("institution_code", "id", "kind"):
                raise ConfigError(f"{where}: url_template: unknown field {{{field}}}")
        return opts

    @classmethod
    def portal_url(cls, source) -> str:
        """The register's public site (the profile's `site`), else the files' host."""
        try:
            site = load_profile(source.options.get("profile") or "infolobby", "").get("site")
        except ConfigError:
            site = None
        return site or super().portal_url(source)

    @staticmethod
    def _known_table(name: str, where: str, option: str) -> None:
        if name not in FIELDS:
            raise ConfigError(f"{where}: {option}: unknown table {name!r} "
                              f"(known: {', '.join(FIELDS)})")

    def __init__(self, source, http, context):
        super().__init__(source, http, context)
        self.base = source.url if source.url.endswith("/") else source.url + "/"
        self.report = RowReport()
        self.join = LobbyJoin(self._open, self.report)
        self._urls: dict[str, str | None] = {}
        self._dates: dict[str, str | None] = {}
        self._pickers: dict[int, Any] = {}

    # -- listing --------------------------------------------------------------
    def _open(self, table: str) -> Table | None:
        spec = self.options["tables"].get(table)
        if not spec or not spec.get("file"):
            return None
        url = urljoin(self.base, spec["file"])
        resp = self.http.get(url, accept="text/csv, text/plain;q=0.9, */*;q=0.1")
        if resp.body.lstrip()[:1] == b"<" and resp.looks_like_html():
            raise SourceError(f"HTML page, not a CSV file, at {resp.url}")
        if not resp.body.strip():
            raise SourceError(f"empty file at {resp.url}")
        name = url.rstrip("/").rsplit("/", 1)[-1] or table
        csv = DirtyCsv(io.BytesIO(resp.body), name, self.report,
                       delimiter=spec.get("delimiter"), quoting=self.options["quoting"],
                       overflow=spec.get("overflow"), text=spec.get("text") or (),
                       header=spec.get("header"))
        return Table(table, csv, spec["columns"], self.options["empty"])

    def list_items(self) -> Iterator[Any]:
        # Millions of attendees, rows and records and no cycles among them: the
        # cyclic collector would only rescan the join's dicts again and again
        # (about a tenth of the read's CPU). Restored when the listing ends.
        gc_was_enabled = gc.isenabled()
        gc.disable()
        try:
            # The meetings file first: its download (the largest) peaks before the
            # join's dicts are built; it is then read line by line.
            self.join.prefetch("audiences")
            self.join.read_officials()
            yield from self.join.audiences()
            yield from self.join.grouped("trips")
            yield from self.join.grouped("gifts")
        finally:
            if gc_was_enabled:
                gc.enable()
        for message in self.report.messages():
            self.warn(message)

    # -- one entry ------------------------------------------------------------
    def normalize(self, raw: Any) -> Record:
        kind = raw[0]
        if kind == "audiencia":
            return self._audience(*raw[1:])
        return self._entry(kind, *raw[1:])

    def _link(self, page: str | None, code: str, rid: str, kind: str):
        """The register's page for the entry (an official's page), else the template's
        link; both checked once per distinct value (they repeat across entries)."""
        if page:
            url = self._safe(page)
            if url:
                return url
        template = self.options["url_template"]
        if not template or ("{institution_code}" in template and not code):
            return None
        return self._safe(template.format(institution_code=quote(code, safe=""),
                                          id=quote(rid, safe=""), kind=kind))

    def _safe(self, url: str) -> str | None:
        try:
            return self._urls[url]
        except KeyError:
            if len(self._urls) > 100_000:
                self._urls.clear()
            found = self._urls[url] = safe_url(url, self.base, self.context.warnings)
            return found

    def _common(self, kind: str, rid: str, t: Table, row: list[str], title: str | None,
                page: str | None) -> dict:
        common = self.common(f"{kind}-{rid}", self._link(page, t.take(row, "institution_code"),
                                                         rid, kind), title)
        code = self.join.clean(t.take(row, "institution_code"), 40)
        if code and not self.source.institution:
            common["institution"] = code     # resolved by the reconciler (cplt_code)
        return common

    def _audience(self, line: int, t: Table, rows: list, persons: list, orgs: list,
                  page: str | None) -> TransparencyEntry:
        pick = self._pickers.get(id(t))
        if pick is None:
            pick = self._pickers[id(t)] = t.picker(*AUDIENCE_FIELDS)
        aid, note, subject, code, name, commune, modality, when, minutes, where = pick(rows[0])
        clean = self.join.clean
        if len(rows) == 1:          # most meetings: one subject, one row
            notes = [note] if note else []
            subject = clean(subject)
            subjects = [subject] if subject else []
        else:
            notes = _distinct(t.take(r, "observations") for r in rows)
            subjects = [s for s in _distinct(clean(t.take(r, "subject")) for r in rows) if s]
        if len(notes) == 1 and "\n" not in notes[0]:      # one line: sanitized once
            plain = plain_text(notes[0], 100_000)
            title = _shorten(plain, 200) if plain else None
            description = f"<p>{html.escape(plain, quote=False)}</p>" if plain else None
        else:
            title, description = _first_line(notes[0]) if notes else None, lines_html(notes)
        title = title or (subjects[0] if subjects else None) or f"Audiencia {aid}"
        common = self.common(f"audiencia-{aid}", self._link(page, code, aid, "audiencia"), title)
        code = clean(code, 40)
        if code and not self.source.institution:
            common["institution"] = code     # resolved by the reconciler (cplt_code)
        where = clean(where) if "\n" not in where else _one_line(where)
        place = [p for p in ((where or "").rstrip(".,; ") or None, clean(commune)) if p]
        return TransparencyEntry(
            **common, kind="audiencia", date=self._date(when, line),
            description_html=description, publisher=clean(name),
            place=", ".join(dict.fromkeys(place)) or None, persons=persons, organizations=orgs,
            modality=clean(modality), duration_minutes=_minutes(minutes), subjects=subjects)

    def _entry(self, kind: str, line: int, t: Table, rows: list, official: dict | None,
               links: tuple | None) -> TransparencyEntry:
        first = rows[0]
        rid = t.take(first, "id")
        persons = [official] if official else []
        publisher = self.join.clean(t.take(first, "institution"))
        if kind == "donativo":
            described = _distinct(t.take(r, "description") for r in rows)
            giver = self.join.clean(t.take(first, "giver_entity")) or full_name(
                t.take(first, "giver_first_name"), t.take(first, "giver_last_name"))
            title = _first_line(described[0] if described else "") or f"Donativo {rid}"
            common = self._common(kind, rid, t, first, title, links[2] if links else None)
            return TransparencyEntry(
                **common, kind=kind, date=self._date(t.take(first, "date"), line),
                description_html=lines_html(described), publisher=publisher, persons=persons,
                giver=giver, occasion=plain_text(t.take(first, "occasion"), 500))
        destination = _one_line(t.take(first, "destination"))
        reasons = [r for r in _distinct(self.join.clean(t.take(r, "reason")) for r in rows) if r]
        folded = {r.casefold() for r in reasons}
        details = [d for d in _distinct(t.take(r, "reason_detail") for r in rows)
                   if (plain_text(d) or "").casefold() not in folded]
        costs, paid_by, total, declared = self._costs(t, rows, line, rid)
        title = f"Viaje a {destination}" if destination else f"Viaje {rid}"
        common = self._common(kind, rid, t, first, title, links[1] if links else None)
        return TransparencyEntry(
            **common, kind=kind, date=self._date(t.take(first, "start"), line),
            end=self._date(t.take(first, "end"), line), place=destination,
            description_html=lines_html(details), publisher=publisher, persons=persons,
            subjects=reasons, amount=total, amount_declared=declared,
            currency=self.options["currency"] if costs or declared is not None else None,
            costs=costs, paid_by=paid_by)

    def _costs(self, t: Table, rows: list, line: int, rid: str):
        """The trip's distinct cost lines (the export repeats each once per reason),
        their sum and the payers; a sum that is not the declared total is reported."""
        lines, payers = {}, {}
        for r in rows:
            payer = self.join.clean(t.take(r, "payer_entity")) or full_name(
                t.take(r, "payer_first_name"), t.take(r, "payer_last_name"))
            amount = _amount(t.take(r, "amount"))
            concept = self.join.clean(t.take(r, "concept"))
            detail = plain_text(t.take(r, "concept_detail"), 500)
            if amount is None and not concept and not detail:
                continue
            lines.setdefault((concept, detail, amount, payer),
                             cost(concept, amount, payer, detail))
            if payer:
                payers[payer] = None
        costs = list(lines.values())
        amounts = [c["amount"] for c in costs if c["amount"] is not None]
        total = sum(amounts) if amounts else None
        declared = _amount(t.take(rows[0], "total"))
        if declared is not None and total is not None and abs(declared - total) > 0.5:
            self.report.add(t.name, rid, "cost lines that do not add up to the declared "
                                         "total (both kept)", unit="trip")
        return costs, list(payers), total, declared

    def _date(self, value: str, line: int) -> str | None:
        if not value:
            return None
        try:
            iso = self._dates[value]      # dates repeat: many meetings a day
        except KeyError:
            if len(self._dates) > 100_000:
                self._dates.clear()
            iso = self._dates[value] = iso_datetime(value, None)
        if iso is None:
            self.warn(f"line {line}: unreadable date {value[:40]!r}, left empty")
            return None
        return iso[:10] if iso.endswith("T00:00:00") else iso


def _distinct(values) -> list:
    return [v for v in dict.fromkeys(values) if v]


def _shorten(text: str, limit: int) -> str:
    """As plain_text cuts a text at `limit`."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _first_line(text: str) -> str | None:
    for line in text.split("\n"):
        title = plain_text(line, 200)
        if title:
            return title
    return None


def _one_line(text: str) -> str | None:
    """A place written on several lines, as one: "Oficina\\nMorandé 59" -> "Oficina, Morandé 59"."""
    parts = [plain_text(p, 300) for p in text.split("\n")]
    joined = ", ".join(p.rstrip(".,;") for p in parts if p)
    return plain_text(joined, 500)


def lines_html(texts: list[str]) -> str | None:
    """Plain texts as HTML paragraphs, blank lines between paragraphs and line
    breaks kept; every character escaped."""
    out = []
    for text in texts:
        for para in re.split(r"\n\s*\n", text):
            lines = [plain_text(line, 100_000) for line in para.split("\n")]
            lines = [html.escape(line, quote=False) for line in lines if line]
            if lines:
                out.append("<p>" + "<br>".join(lines) + "</p>")
    return "\n".join(dict.fromkeys(out)) or None


def _amount(value: str) -> float | None:
    """"5099", "5.099", "5099,50" -> a number; what is not one -> None."""
    text = value.strip().replace("$", "").replace(" ", "")
    if not text:
        return None
    if re.fullmatch(r"\d{1,3}(\.\d{3})+(,\d+)?", text):
        text = text.replace(".", "").replace(",", ".")
    elif "," in text and "." not in text:
        text = text.replace(",", ".")
    try:
        return float(text)
    except ValueError:
        return None


def _minutes(value: str) -> int | None:
    try:
        return int(float(value)) if value else None
    except ValueError:
        return None


ADAPTER = LobbyRegisterAdapter
