"""Lists of public bodies merged into the registry (`institutions.yaml`).

    python -m aggregator institutions import --from chilecompra compradores.json
    python -m aggregator institutions import --from cplt instituciones.csv

`--from chilecompra`: ChileCompra's (Mercado Público) `BuscarComprador` answer,
every public buyer with its organism code (-> `chilecompra_code`).
`--from cplt`: the Consejo para la Transparencia's institution codes (->
`cplt_code`), either a list `codigo_cplt,nombre[,sigla,leylobby_institucion_id]`
or any InfoLobby table that has `IDORPortal_Institucion` and
`Nombre_Institucion` (Pasivos.csv: the officials' institutions).

Each body of the list is matched to the registry by its code, then by its
name, then by an alias (names compared as the reconciler compares them:
without case, accents, punctuation or articles; "Servicio Electoral (SERVEL)"
as "Servicio Electoral"). A match gets the code and only the fields it lacks:
an editor's value is never overwritten, and a match whose code differs is not
decided. A body that matches nothing is added; one whose name matches two
institutions, or that shares its name with another body of the list, is not
decided either. Running the same import twice changes nothing.
"""

from __future__ import annotations

import io
import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from .csv_repair import DirtyCsv, RowReport
from .reconcile import _is_acronym, fold
from .records import Institution
from .registry import RESERVED_IDS
from .sanitize import plain_text

KINDS = {"chilecompra": "chilecompra_code", "cplt": "cplt_code"}
# What each code looks like: anything else in that column is a broken row.
CODES = {"chilecompra": re.compile(r"^\d{1,12}$"), "cplt": re.compile(r"^[A-Z]{2}\d{3}$")}
# A trailing country name some lists add ("Cámara de Diputados de Chile").
_COUNTRY = re.compile(r"\s+chile$")
# "Comisión Chilena del Cobre - COCHILCO", "Servicio Electoral (SERVEL)".
_DASH_ACRONYM = re.compile(r"^(.{4,}?)\s+-\s+([A-ZÁÉÍÓÚÑ][A-ZÁÉÍÓÚÑ0-9.&]{1,14})$")
_PAREN_ACRONYM = re.compile(r"^(.{4,}?)\s*\(([A-ZÁÉÍÓÚÑ][A-ZÁÉÍÓÚÑa-z0-9.&]{1,14})\)$")
# Words of a name that say what kind of body it is (first match wins).
KIND_WORDS = [("ministerio", "ministerio"), ("subsecretar", "subsecretaría"),
              ("superintendencia", "superintendencia"), ("ilustre municipalidad", "municipalidad"),
              ("municipalidad", "municipalidad"), ("gobierno regional", "gobierno regional"),
              ("servicio de salud", "servicio de salud"), ("hospital", "hospital"),
              ("universidad", "universidad"), ("corporación municipal", "corporación municipal"),
              ("corporacion municipal", "corporación municipal"), ("servicio", "servicio"),
              ("dirección", "dirección"), ("direccion", "dirección"), ("consejo", "consejo"),
              ("comisión", "comisión"), ("comision", "comisión"),
              ("fuerza aérea", "fuerzas armadas"),
              ("ejército", "fuerzas armadas"), ("armada", "fuerzas armadas"),
              ("tribunal", "tribunal"), ("corporación", "corporación"),
              ("corporacion", "corporación"), ("fundación", "fundación"),
              ("instituto", "instituto")]


class ImportError_(ValueError):
    """A list that cannot be read; the message names the file and the place."""


@dataclass
class Body:
    """One body of an imported list."""

    name: str
    code: str
    where: str                   # "line 12", "listaEmpresas[3]"
    acronym: str | None = None
    leylobby_id: str | None = None


@dataclass
class Plan:
    added: list[tuple[Body, Institution]] = field(default_factory=list)
    matched: list[tuple[Body, str, str, list[str]]] = field(default_factory=list)  # by, fields
    undecided: list[tuple[Body, str]] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.added) or any(fields for *_, fields in self.matched)


# -- reading the lists ---------------------------------------------------------

def read_list(kind: str, path: Path) -> list[Body]:
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise ImportError_(f"{path}: cannot read: {exc.strerror}") from None
    bodies = _chilecompra(raw, path) if kind == "chilecompra" else _cplt(raw, path)
    if not bodies:
        raise ImportError_(f"{path}: no public body in the list")
    return bodies


def _chilecompra(raw: bytes, path: Path) -> list[Body]:
    try:
        doc = json.loads(raw.decode("utf-8-sig"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise ImportError_(f"{path}: not JSON: {exc}") from None
    items = doc.get("listaEmpresas") if isinstance(doc, dict) else doc
    if not isinstance(items, list):
        raise ImportError_(f"{path}: expected ChileCompra's BuscarComprador answer "
                           f"(a 'listaEmpresas' list)")
    out = []
    for n, item in enumerate(items):
        where = f"listaEmpresas[{n}]"
        if not isinstance(item, dict):
            raise ImportError_(f"{path}: {where} is not an object")
        name = plain_text(item.get("NombreEmpresa"), 300)
        code = plain_text(str(item.get("CodigoEmpresa") or ""), 40)
        if not name or not code:
            raise ImportError_(f"{path}: {where}: CodigoEmpresa and NombreEmpresa are needed")
        out.append(Body(name, code, where))
    return out


def _cplt(raw: bytes, path: Path) -> list[Body]:
    report = RowReport()
    t = DirtyCsv(io.BytesIO(raw), Path(path).name, report)
    cols = {c.lower(): i for i, c in enumerate(t.header)}
    code_col = cols.get("codigo_cplt", cols.get("idorportal_institucion"))
    name_col = cols.get("nombre", cols.get("nombre_institucion"))
    if code_col is None or name_col is None:
        raise ImportError_(f"{path}: expected columns codigo_cplt and nombre (or an InfoLobby "
                           f"table's IDORPortal_Institucion and Nombre_Institucion); found "
                           f"{', '.join(t.header[:8])}")
    acr, ley = cols.get("sigla"), cols.get("leylobby_institucion_id")
    out, seen = [], set()
    for line, v in t.rows():
        code, name = v[code_col].strip().upper(), plain_text(v[name_col], 300)
        if not code or not name:
            raise ImportError_(f"{path}: line {line}: a code and a name are needed")
        if code in seen:           # an InfoLobby table names its institution on every row
            continue
        seen.add(code)
        out.append(Body(name, code, f"line {line}",
                        acronym=plain_text(v[acr], 20) if acr is not None else None,
                        leylobby_id=plain_text(v[ley], 20) if ley is not None else None))
    return out


# -- matching --------------------------------------------------------------------

def _keys(name: str) -> set[str]:
    """The folded forms of a name: whole, without a trailing acronym, and without
    a trailing "de Chile" when two words or more are left."""
    keys = {fold(name)}
    for pattern in (_DASH_ACRONYM, _PAREN_ACRONYM):
        m = pattern.match(name)
        if m and _is_acronym(m.group(2)):
            keys.add(fold(m.group(1)))
    keys |= {_COUNTRY.sub("", k) for k in keys if _COUNTRY.search(k) and k.count(" ") >= 2}
    return {k for k in keys if k}


class Importer:
    def __init__(self, institutions: list[Institution], kind: str):
        self.kind = kind
        self.code_field = KINDS[kind]
        self.institutions = {i.id: i for i in institutions}
        self.by_code: dict[str, list[str]] = {}
        self.by_name: dict[str, list[str]] = {}
        self.by_alias: dict[str, list[str]] = {}
        # Registry acronyms: a list's "Dirección de X - MOP" names its ministry, not itself.
        self.by_acronym: dict[str, list[str]] = {}
        for inst in institutions:
            code = getattr(inst, self.code_field)
            if code:
                self.by_code.setdefault(code.strip().upper(), []).append(inst.id)
            if inst.acronym:
                self.by_acronym.setdefault(inst.acronym.upper(), []).append(inst.id)
            for key in _keys(inst.name):
                self.by_name.setdefault(key, []).append(inst.id)
            for alias in inst.aliases:
                for key in _keys(alias):
                    self.by_alias.setdefault(key, []).append(inst.id)

    def plan(self, bodies: list[Body]) -> Plan:
        plan = Plan()
        shared: dict[str, list[Body]] = {}
        for body in bodies:
            for key in _keys(body.name):
                shared.setdefault(key, []).append(body)
        taken = set(self.institutions) | RESERVED_IDS
        pattern = CODES[self.kind]
        # An acronym after " - " that several bodies share is the body they depend on.
        suffixes = [m.group(2).upper() for b in bodies for m in [_DASH_ACRONYM.match(b.name)] if m]
        self.shared_suffixes = {a for a in suffixes if suffixes.count(a) > 1}
        for body in sorted(bodies, key=lambda b: (fold(b.name), b.code)):
            if not pattern.match(body.code):
                plan.undecided.append((body, (f"{body.code[:40]!r} is not a {self.code_field} "
                                             f"(a broken row of the list)")))
                continue
            by_code = self.by_code.get(body.code.upper(), [])
            if len(by_code) == 1:
                self._match(plan, body, by_code[0], "code")
                continue
            if len(by_code) > 1:
                plan.undecided.append((body, f"its code is on {', '.join(by_code)}"))
                continue
            keys = _keys(body.name)
            twins = {id(b) for k in keys for b in shared[k]} - {id(body)}
            found, how = self._by_names(keys)
            if twins:
                plan.undecided.append((body, (f"{len(twins) + 1} bodies of the list share this "
                                             f"name")))
            elif len(found) > 1:
                plan.undecided.append((body, f"its name matches {', '.join(sorted(found))}"))
            elif found:
                (iid,) = found
                own = getattr(self.institutions[iid], self.code_field)
                if own and own.upper() != body.code.upper():
                    plan.undecided.append((body, (f"its name matches {iid}, whose "
                                                 f"{self.code_field} is {own}")))
                else:
                    self._match(plan, body, iid, how)
            else:
                inst = self._new(body, taken)
                taken.add(inst.id)
                plan.added.append((body, inst))
        return plan

    def _by_names(self, keys: set[str]) -> tuple[set[str], str]:
        for index, how in ((self.by_name, "name"), (self.by_alias, "alias")):
            found = {iid for k in keys for iid in index.get(k, ())}
            if found:
                return found, how
        return set(), ""

    def _match(self, plan: Plan, body: Body, iid: str, how: str) -> None:
        inst = self.institutions[iid]
        fields = []
        for name, value in ((self.code_field, body.code), ("acronym", body.acronym),
                            ("leylobby_id", body.leylobby_id)):
            if value and not getattr(inst, name):
                fields.append(name)
        plan.matched.append((body, iid, how, fields))

    def _new(self, body: Body, taken: set[str]) -> Institution:
        name, acronym, aliases, parent = body.name, body.acronym, [], None
        for pattern in (_DASH_ACRONYM, _PAREN_ACRONYM):
            m = pattern.match(body.name)
            if not (m and _is_acronym(m.group(2))):
                continue
            suffix = m.group(2).upper()
            owners = self.by_acronym.get(suffix, [])
            if pattern is _DASH_ACRONYM and (suffix in self.shared_suffixes or owners):
                # "Dirección de Aeropuertos - MOP": the ministry it depends on.
                parent = owners[0] if len(owners) == 1 else None
            else:
                name, acronym = m.group(1).strip(), acronym or m.group(2)
                aliases = [body.name]
            break
        inst = Institution(id=unique_id(name, body.code, taken), name=name, acronym=acronym,
                           aliases=aliases, kind=guess_kind(name), parent=parent)
        setattr(inst, self.code_field, body.code)
        inst.leylobby_id = body.leylobby_id
        return inst


def unique_id(name: str, code: str, taken: set[str]) -> str:
    """A registry id (it becomes a URL) from the name; the code settles a clash."""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    slug = re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:70].strip("-") or "institucion"
    if slug in taken:
        slug = f"{slug}-{re.sub(r'[^a-z0-9]+', '-', code.lower()).strip('-')}"
    n = 2
    base = slug
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def guess_kind(name: str) -> str:
    """The kind of body a name says it is; "organismo público" when it says none."""
    low = name.lower()
    for word, kind in KIND_WORDS:
        if word in low:
            return kind
    return "organismo público"


def apply(institutions: list[Institution], plan: Plan, kind: str) -> list[Institution]:
    """The registry with the plan applied: fields filled in, new bodies at the end."""
    by_id = {i.id: i for i in institutions}
    for body, iid, _, fields in plan.matched:
        inst = by_id[iid]
        for name in fields:
            value = body.code if name == KINDS[kind] else getattr(body, name)
            setattr(inst, name, value)
    return [*institutions, *(inst for _, inst in plan.added)]
