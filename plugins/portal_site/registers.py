"""Register entries (lobby meetings, trips, gifts) as the site addresses them.

Every entry has a page at `transparencia/<institution>/<kind>/<id>/`, where
`<id>` is the register's own id (`audiencia-597` -> `597`). The entities that
meetings name (organizations represented, or employing a lobbyist) get a page
at `transparencia/entidades/<slug>/` listing their meetings across institutions:
one entity is the same tax id (RUT) whatever each institution called it, or,
without one, the same name. `RegisterIndex` is built once per build from the
model's entries (newest first) and hands the sections their lists.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import lru_cache

from .indexes import fold_name
from .urls import short_hash, slugify

# Entries whose institution is not in the registry: /transparencia/sin-institucion/.
# The words of /transparencia/ that are not institutions are reserved ids
# (aggregator/registry.py RESERVED_IDS).
NO_INSTITUTION = "sin-institucion"
KINDS = {"audiencia": ("Audiencia", "Audiencias"), "viaje": ("Viaje", "Viajes"),
         "donativo": ("Donativo", "Donativos")}
ROLES = {"official": "Autoridad o funcionario (sujeto pasivo)", "lobbyist": "Lobbista",
         "manager": "Gestor de intereses", "represented": "Persona representada",
         None: "Asistente"}
ORG_ROLES = {"represented": "Representada", "employer": "Empleadora de un asistente",
             None: "Mencionada"}
_SAFE_SEGMENT = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")


@lru_cache(maxsize=256)
def kind_segment(kind: str | None) -> str:
    return slugify(kind or "") or "registro"


def entry_paths(entries, institutions: dict) -> dict[str, str]:
    """record id -> site path of its page, unique, stable for the same snapshot."""
    out: dict[str, str] = {}
    taken: set[str] = set()
    for e in sorted(entries, key=lambda e: e.id):
        inst = e.institution if e.institution in institutions else NO_INSTITUTION
        kind = kind_segment(e.kind)
        own = e.remote_id
        if own.startswith(f"{kind}-"):
            own = own[len(kind) + 1:]
        seg = own.lower() if _SAFE_SEGMENT.match(own.lower()) else slugify(own)
        if not seg or seg == "pagina":
            seg = f"registro-{short_hash(e.id)}"
        path = f"transparencia/{inst}/{kind}/{seg}/"
        if path in taken:
            path = f"transparencia/{inst}/{kind}/{seg[:72]}-{short_hash(e.id)}/"
        taken.add(path)
        out[e.id] = path
    return out


def entity_key(org: dict) -> str:
    """One entity across institutions: its tax id, else its name."""
    tax = re.sub(r"[^0-9kK]", "", org.get("tax_id") or "").upper().lstrip("0")
    return f"rut:{tax}" if len(tax) >= 6 else f"nombre:{fold_name(org['name'])}"


@dataclass(eq=False)
class Entity:
    key: str
    slug: str = ""
    names: Counter = field(default_factory=Counter)
    tax_id: str | None = None
    lines_of_business: list[str] = field(default_factory=list)
    meetings: list = field(default_factory=list)        # (entry, role), newest first
    institutions: set = field(default_factory=set)

    @property
    def name(self) -> str:
        """The name most institutions wrote (ties: the first in alphabetical order)."""
        return min(self.names, key=lambda n: (-self.names[n], n))

    @property
    def other_names(self) -> list[str]:
        return sorted(n for n in self.names if n != self.name)


class RegisterIndex:
    """The entries grouped as the register's pages need them."""

    def __init__(self, model):
        self.model = model
        self.by_inst_kind: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
        self.audiences: list = []                      # every meeting, newest first
        self.years: dict[str, list] = defaultdict(list)
        self.entities: dict[str, Entity] = {}
        self.entity_of: dict[int, Entity] = {}         # id(org dict) -> entity
        for e in model.transparency:
            inst = e.institution if e.institution in model.institutions else NO_INSTITUTION
            self.by_inst_kind[inst][kind_segment(e.kind)].append(e)
            if e.kind != "audiencia":
                continue
            self.audiences.append(e)
            self.years[(e.date or "")[:4] or "sin fecha"].append(e)
            for org in e.organizations:
                self._add_entity(e, org, inst)
        self._slugs()
        self.years = dict(sorted(self.years.items(), reverse=True))

    def _add_entity(self, entry, org: dict, inst: str) -> None:
        key = entity_key(org)
        ent = self.entities.get(key)
        if ent is None:
            ent = self.entities[key] = Entity(key)
        ent.names[org["name"]] += 1
        ent.tax_id = ent.tax_id or org.get("tax_id")
        giro = org.get("line_of_business")
        if giro and giro not in ent.lines_of_business:
            ent.lines_of_business.append(giro)
        if not ent.meetings or ent.meetings[-1][0] is not entry:
            ent.meetings.append((entry, org.get("role")))
        ent.institutions.add(inst)
        self.entity_of[id(org)] = ent

    def _slugs(self) -> None:
        taken = {"pagina"}
        for ent in sorted(self.entities.values(), key=lambda x: x.key):
            slug = slugify(ent.name, 70) or "entidad"
            if slug in taken:
                slug = f"{slug}-{short_hash(ent.key)}"
            taken.add(slug)
            ent.slug = slug

    # -- what templates ask ------------------------------------------------------
    def entity(self, org: dict) -> Entity | None:
        return self.entity_of.get(id(org))

    @staticmethod
    def money(amount: float | None, currency: str | None) -> str:
        return money(amount, currency)

    @staticmethod
    def kind_label(kind: str | None, plural: bool = False) -> str:
        labels = KINDS.get(kind or "")
        if labels:
            return labels[plural]
        text = (kind or "registro").capitalize()
        return text + ("s" if plural and not text.endswith("s") else "")

    @staticmethod
    def role_label(role: str | None) -> str:
        return ROLES.get(role, role or ROLES[None])

    @staticmethod
    def org_role_label(role: str | None) -> str:
        return ORG_ROLES.get(role, role or ORG_ROLES[None])

    def kinds_of(self, inst_id: str) -> list[tuple[str, list]]:
        """[(kind segment, entries)] of an institution, meetings first."""
        kinds = self.by_inst_kind.get(inst_id) or {}
        order = list(KINDS)
        return sorted(kinds.items(), key=lambda kv: (order.index(kv[0]) if kv[0] in order
                                                     else len(order), kv[0]))

    def audience_institutions(self) -> list[tuple[str, int]]:
        """[(institution id, meetings)] of the institutions that have meetings, A-Z."""
        insts = self.model.institutions
        rows = [(iid, len(kinds["audiencia"])) for iid, kinds in self.by_inst_kind.items()
                if kinds.get("audiencia") and iid in insts]
        return sorted(rows, key=lambda r: fold_name(insts[r[0]].name))

    def entities_az(self) -> list[Entity]:
        return sorted(self.entities.values(), key=lambda x: (fold_name(x.name), x.key))


def money(amount: float | None, currency: str | None) -> str:
    """'$638.271' for Chilean pesos; '1.234,50 EUR' otherwise."""
    if amount is None:
        return ""
    whole = amount.is_integer()
    text = f"{amount:,.0f}" if whole else f"{amount:,.2f}"
    text = text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    if (currency or "CLP") == "CLP":
        return f"${text}"
    return f"{text} {currency}"
