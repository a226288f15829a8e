"""The Ley del Lobby register as related tables, joined while streaming.

A lobby register (InfoLobby's export is one) is a set of tables: meetings
(audiences), the officials and the lobbyists who attended each (through
attendance tables), whom the lobbyists represented (entities or persons), and
the officials' trips and gifts. `LobbyJoin` reads the small tables into dicts
keyed by id, each value already sanitized and shared, then streams the big one,
the audiences, group by group (the rows of one meeting, one per subject, come
together), attaching its attendees. Trips and gifts are grouped by id (a trip
has one row per cost line and reason).

Every table is a `Table`: a repaired CSV (csv_repair.DirtyCsv) plus the mapping
of this module's field names to the file's column names (configuration, see
aggregator/registers/infolobby.yaml). What cannot be joined is reported by table,
problem and line or id, never dropped silently: a meeting always comes out,
with whoever could be named.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from operator import itemgetter

from .csv_repair import DirtyCsv, RowReport
from .errors import SourceError
from .records_registers import organization, person
from .sanitize import plain_text

# Fields each table must have (the others are optional).
REQUIRED = {
    "audiences": ("id",),
    "officials": ("id", "first_name"),
    "official_attendance": ("audience", "official"),
    "lobbyists": ("id", "first_name"),
    "lobbyist_attendance": ("audience",),
    "representation": ("attendance",),
    "entities": ("id", "name"),
    "trips": ("id",),
    "gifts": ("id",),
}
FIELDS = {
    "audiences": REQUIRED["audiences"] + (
        "institution", "institution_code", "commune", "modality", "date", "duration_minutes",
        "place", "observations", "subject"),
    "officials": REQUIRED["officials"] + (
        "last_name", "position", "category", "audiences_url", "trips_url", "gifts_url"),
    "official_attendance": REQUIRED["official_attendance"],
    "lobbyists": REQUIRED["lobbyists"] + ("last_name", "paid"),
    "lobbyist_attendance": REQUIRED["lobbyist_attendance"] + ("id", "lobbyist", "employer"),
    "representation": REQUIRED["representation"] + ("entity", "person"),
    "entities": REQUIRED["entities"] + ("tax_id", "line_of_business"),
    "trips": REQUIRED["trips"] + (
        "official", "institution", "institution_code", "start", "end", "destination", "total",
        "amount", "concept", "concept_detail", "payer_first_name", "payer_last_name",
        "payer_entity", "reason", "reason_detail"),
    "gifts": REQUIRED["gifts"] + (
        "official", "institution", "institution_code", "date", "description", "occasion",
        "giver_entity", "giver_first_name", "giver_last_name"),
}
TRUE = frozenset({"true", "1", "si", "sí", "yes", "s"})
# Fields the profile's `empty` placeholders ("0", "S/I") never apply to: ids,
# codes and amounts, where "0" is a value.
KEYS = frozenset({"id", "audience", "official", "lobbyist", "employer", "attendance", "entity",
                  "person", "institution_code", "tax_id", "amount", "total",
                  "duration_minutes"})


class Table:
    """A repaired CSV and where each field is: `take(values, field)` reads it."""

    def __init__(self, name: str, csv: DirtyCsv, columns: dict[str, str], empty: frozenset):
        self.name = csv.name
        self.csv = csv
        self.empty = empty
        self.index = {f: csv.col(c) for f, c in columns.items() if c}
        # field -> (position, whether the `empty` placeholders apply), for take().
        self._spec = {f: (i, f not in KEYS) for f, i in self.index.items() if i is not None}
        missing = [columns.get(f) or f for f in REQUIRED[name] if self.index.get(f) is None]
        if missing:
            shown = ", ".join(csv.header[:8]) + (", ..." if len(csv.header) > 8 else "")
            raise SourceError(f"{csv.name}: missing column(s) {', '.join(missing)} "
                              f"(found {len(csv.header)}: {shown[:160]})")

    def position(self, field: str) -> int | None:
        return self.index.get(field)

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        return self.csv.rows()

    def picker(self, *fields: str):
        """A function giving those fields of a row at once, as `take` gives one."""
        specs = [self._spec.get(f) for f in fields]
        empty = self.empty
        if len(specs) > 1 and all(specs):   # the usual case: every field at once, then strip
            get = itemgetter(*(s[0] for s in specs))
            blank = [s[1] for s in specs]

            def pick_all(values: list[str]) -> list[str]:
                return ["" if b and v in empty else v
                        for v, b in zip(map(str.strip, get(values)), blank)]
            return pick_all

        def pick(values: list[str]) -> list[str]:
            out = []
            for spec in specs:
                if spec is None:
                    out.append("")
                    continue
                value = values[spec[0]].strip()
                out.append("" if spec[1] and value in empty else value)
            return out
        return pick

    def take(self, values: list[str], field: str) -> str:
        spec = self._spec.get(field)
        if spec is None:
            return ""
        value = values[spec[0]].strip()
        return "" if spec[1] and value in self.empty else value


def full_name(first: str, last: str) -> str | None:
    return plain_text(f"{first} {last}", 300)


class LobbyJoin:
    """Reads the tables through `open_table(name) -> Table` (None: the source has
    no such table) and yields the register's entries as raw tuples."""

    def __init__(self, open_table: Callable[[str], Table | None], report: RowReport):
        self._open_table = open_table
        self.files: dict[str, str] = {}      # table -> its file's name, for reports
        self._prefetched: dict[str, Table] = {}
        self.report = report
        self.officials: dict[str, dict] = {}
        # Official -> its pages on the register (audiences, trips, gifts), and the
        # audiences page by the official's (shared) dict, for the meetings.
        self.links: dict[str, tuple[str, str, str]] = {}
        self._audiences_page: dict[int, str] = {}
        self._memo: dict[str, str | None] = {}

    def clean(self, value: str, limit: int = 300) -> str | None:
        """plain_text, remembered: short values repeat (names, kinds, places)."""
        if not value:
            return None
        if len(value) > 80:
            return plain_text(value, limit)
        try:
            return self._memo[value]
        except KeyError:
            if len(self._memo) > 200_000:
                self._memo.clear()
            found = self._memo[value] = plain_text(value, limit)
            return found

    def open(self, table: str) -> Table | None:
        t = self._prefetched.pop(table, None) or self._open_table(table)
        if t is not None:
            self.files[table] = t.name
        return t

    def prefetch(self, table: str) -> None:
        """Open a table now (fetch it), to be read later by `open`."""
        t = self._open_table(table)
        if t is not None:
            self._prefetched[table] = t

    # -- the small tables ------------------------------------------------------
    def read_officials(self) -> None:
        t = self.open("officials")
        if t is None:
            return
        for line, v in t.rows():
            oid = t.take(v, "id")
            name = full_name(t.take(v, "first_name"), t.take(v, "last_name"))
            if not oid or not name:
                self.report.add(t.name, line, "an official without id or name, left out")
                continue
            position = self.clean(t.take(v, "position")) or self.clean(t.take(v, "category"))
            self.officials[oid] = person(name, "official", position)
            self.links[oid] = (t.take(v, "audiences_url"), t.take(v, "trips_url"),
                               t.take(v, "gifts_url"))
            if self.links[oid][0]:
                self._audiences_page[id(self.officials[oid])] = self.links[oid][0]

    def _lobbyists(self) -> dict[str, dict]:
        out: dict[str, dict] = {}
        t = self.open("lobbyists")
        if t is None:
            return out
        for line, v in t.rows():
            lid = t.take(v, "id")
            name = full_name(t.take(v, "first_name"), t.take(v, "last_name"))
            if not lid or not name:
                self.report.add(t.name, line, "a lobbyist without id or name, left out")
                continue
            # Ley 20.730: a lobbyist is paid for it; a manager of interests is not.
            paid = t.take(v, "paid").lower() in TRUE
            out[lid] = person(name, "lobbyist" if paid else "manager")
        return out

    def _entities(self) -> dict[str, dict]:
        out: dict[str, dict] = {}
        t = self.open("entities")
        if t is None:
            return out
        for line, v in t.rows():
            eid = t.take(v, "id")
            name = self.clean(t.take(v, "name"))
            if not eid or not name:
                self.report.add(t.name, line, "an entity without id or name, left out")
                continue
            tax_id = t.take(v, "tax_id").replace(".", "").replace(" ", "") or None
            out[eid] = organization(name, tax_id, self.clean(t.take(v, "line_of_business")),
                                    "represented")
        return out

    def _representation(self, entities: dict, lobbyists: dict) -> dict[str, list]:
        """attendance id -> [organization or person represented]."""
        out: dict[str, list] = defaultdict(list)
        t = self.open("representation")
        if t is None:
            return out
        for line, v in t.rows():
            att, eid, pid = t.take(v, "attendance"), t.take(v, "entity"), t.take(v, "person")
            if eid:
                org = entities.get(eid)
                if org is None:
                    self.report.add(t.name, line, "names an entity missing from the "
                                                  "entities table")
                    continue
                out[att].append(org)
            elif pid:
                who = lobbyists.get(pid)
                if who is None:
                    self.report.add(t.name, line, "names a person missing from the "
                                                  "lobbyists table")
                    continue
                out[att].append(person(who["name"], "represented"))
            else:
                self.report.add(t.name, line, "represents nobody, left out")
        return out

    def read_attendance(self) -> tuple[dict, dict]:
        """{audience id: [official]} and {audience id: [(persons, organizations)]},
        every attendee resolved to its shared, sanitized dict."""
        officials: dict[str, list] = defaultdict(list)
        t = self.open("official_attendance")
        if t is not None:
            # Millions of rows: positions looked up once (ids take no placeholder).
            at, of = t.position("audience"), t.position("official")
            known = self.officials
            for line, v in t.rows():
                audience, who = v[at].strip(), known.get(v[of].strip())
                if not audience:
                    self.report.add(t.name, line, "an attendance without a meeting id, left out")
                elif who is None:
                    self.report.add(t.name, line, "names an official missing from the "
                                                  "officials table")
                else:
                    officials[audience].append(who)
        lobbyists = self._lobbyists()
        entities = self._entities()
        represented = self._representation(entities, lobbyists)
        others: dict[str, list] = defaultdict(list)
        t = self.open("lobbyist_attendance")
        if t is not None:
            at, li, em, ai = (t.position(f) for f in ("audience", "lobbyist", "employer", "id"))
            for line, v in t.rows():
                audience = v[at].strip()
                if not audience:
                    self.report.add(t.name, line, "an attendance without a meeting id, left out")
                    continue
                people, orgs = [], []
                lid = v[li].strip() if li is not None else ""
                employer = v[em].strip() if em is not None else ""
                if lid:
                    who = lobbyists.get(lid)
                    if who is None:
                        self.report.add(t.name, line, "names a lobbyist missing from the "
                                                      "lobbyists table")
                    else:
                        people.append(who)
                if employer:
                    org = entities.get(employer)
                    if org is None:
                        self.report.add(t.name, line, "names an employer missing from the "
                                                      "entities table")
                    else:
                        orgs.append({**org, "role": "employer"})
                for item in represented.get(v[ai].strip() if ai is not None else "", ()):
                    (orgs if "tax_id" in item else people).append(item)
                others[audience].append((people, orgs))
        return officials, others

    # -- the streamed table: audiences ----------------------------------------
    def audiences(self) -> Iterator[tuple]:
        """("audiencia", line, table, rows, persons, organizations, register page)
        per meeting."""
        officials, others = self.read_attendance()
        t = self.open("audiences")
        if t is None:
            raise SourceError("the register has no audiences table")
        seen: set[str] = set()
        group: list[list[str]] = []
        key, first = None, 0
        for line, v in t.rows():
            aid = t.take(v, "id")
            if not aid:
                self.report.add(t.name, line, "a row without a meeting id, left out")
                continue
            if aid == key:
                group.append(v)
                continue
            if group:
                yield self._audience(t, key, first, group, officials, others, seen)
            key, first, group = aid, line, [v]
        if group:
            yield self._audience(t, key, first, group, officials, others, seen)
        for name, left in (("official_attendance", officials), ("lobbyist_attendance", others)):
            for aid in sorted(left, key=_numeric):
                self.report.add(self.files[name], aid, "attendance of a meeting the audiences "
                                "table does not have, left out", unit="meeting")

    def _audience(self, t: Table, aid: str, line: int, rows: list, officials: dict,
                  others: dict, seen: set) -> tuple:
        if aid in seen:
            self.report.add(t.name, line, "a meeting again, apart from its first rows: read "
                                          "as a second copy (the last one is kept)")
        seen.add(aid)
        persons = list(officials.pop(aid, ()))
        page = next((self._audiences_page[id(p)] for p in persons
                     if id(p) in self._audiences_page), None)
        orgs: list[dict] = []
        for people, organizations in others.pop(aid, ()):
            persons.extend(people)
            orgs.extend(organizations)
        return ("audiencia", line, t, rows, _unique(persons), _unique(orgs), page)

    # -- trips and gifts -------------------------------------------------------
    def grouped(self, table: str) -> Iterator[tuple]:
        """(kind, line, table, rows, official, its register pages) per trip or gift,
        rows grouped by id."""
        t = self.open(table)
        if t is None:
            return
        kind = "viaje" if table == "trips" else "donativo"
        groups: dict[str, tuple[int, list]] = {}
        for line, v in t.rows():
            rid = t.take(v, "id")
            if not rid:
                self.report.add(t.name, line, f"a {kind} row without id, left out")
                continue
            groups.setdefault(rid, (line, []))[1].append(v)
        for rid, (line, rows) in groups.items():
            oid = t.take(rows[0], "official")
            who = self.officials.get(oid) if oid else None
            if oid and who is None:
                self.report.add(t.name, line, "names an official missing from the "
                                              "officials table")
            yield (kind, line, t, rows, who, self.links.get(oid))


def _unique(items: list[dict]) -> list[dict]:
    """Each attendee once, in order. The dicts are shared between records (an
    official attends many meetings): nothing changes them once read, and the
    snapshot writes each record apart, so no YAML alias can come of it."""
    if len(items) < 2:
        return items
    seen, out = set(), []
    for item in items:
        key = (item["name"], item.get("role"), item.get("tax_id"))
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out


def _numeric(value: str):
    return (0, int(value), "") if value.isdigit() else (1, 0, value)
