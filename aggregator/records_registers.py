"""The transparency register entry (`TransparencyEntry`: lobby meetings, trips,
gifts) and the small mappings it holds: persons, organizations, cost lines."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from .records_base import Record, RecordError, _float, _int, _text, _texts

# Roles of a person in a register entry (Ley 20.730 names them: sujeto pasivo,
# lobbista, gestor de intereses; and whom they represented, when a person).
ROLES = ("official", "lobbyist", "manager", "represented")


def person(name: str, role: str | None = None, position: str | None = None) -> dict:
    """A person of a register entry, as the snapshot holds it."""
    return {"name": name, "role": role, "position": position}


def organization(name: str, tax_id: str | None = None, line_of_business: str | None = None,
                 role: str | None = None) -> dict:
    """An organization of a register entry: its name, tax id (RUT in Chile), line
    of business (giro) and role in the meeting (`represented`, or `employer` of
    a lobbyist who attended; None when the register does not say)."""
    return {"name": name, "tax_id": tax_id, "line_of_business": line_of_business, "role": role}


def cost(concept: str | None, amount: float | None, paid_by: str | None = None,
         detail: str | None = None) -> dict:
    """One cost line of a trip: its kind (pasaje, alojamiento...), amount, who paid
    it and the register's own description of it."""
    return {"concept": concept, "amount": amount, "paid_by": paid_by, "detail": detail}


def _mappings(value: Any, name: str, make, keys: tuple[str, ...]) -> list[dict]:
    """A list of small mappings; older snapshots wrote bare strings (the name)."""
    if value is None:
        return []
    if not isinstance(value, list):
        value = [value]
    out = []
    for item in value:
        if isinstance(item, dict):
            first = _text(item.get(keys[0]), f"{name}.{keys[0]}")
            if first is None:
                continue
            out.append(make(first, *(_text(item.get(k), f"{name}.{k}") for k in keys[1:])))
        else:
            text = _text(item, name)
            if text:
                out.append(make(text))
    return out


def _costs(value: Any) -> list[dict]:
    if not value:
        return []
    if not isinstance(value, list) or not all(isinstance(c, dict) for c in value):
        raise RecordError("'costs' must be a list of {concept, amount, paid_by, detail}")
    return [cost(_text(c.get("concept"), "costs.concept"), _float(c.get("amount"), "costs.amount"),
                 _text(c.get("paid_by"), "costs.paid_by"), _text(c.get("detail"), "costs.detail"))
            for c in value]


@dataclass(slots=True, kw_only=True)
class TransparencyEntry(Record):
    """A register line: a lobby meeting (kind `audiencia`), an official's trip
    (`viaje`) or a gift received (`donativo`), or any other register's entry.

    `persons` are {name, role, position} (role one of ROLES, or None when the
    register does not say); `organizations` are {name, tax_id, line_of_business,
    role}.
    Trips: `date`..`end`, `place` (destination), `amount` summed from `costs`,
    `paid_by`. Gifts: `giver`, `occasion`. Meetings: `modality`,
    `duration_minutes`, `subjects` (the subjects the law lists).
    """

    TYPE: ClassVar[str] = "transparency"
    kind: str | None = None
    date: str | None = None
    description_html: str | None = None
    publisher: str | None = None
    place: str | None = None
    persons: list[dict] = field(default_factory=list)
    organizations: list[dict] = field(default_factory=list)
    end: str | None = None
    modality: str | None = None
    duration_minutes: int | None = None
    subjects: list[str] = field(default_factory=list)
    amount: float | None = None
    # The total the register declares, which its own cost lines may not add up to.
    amount_declared: float | None = None
    currency: str | None = None
    costs: list[dict] = field(default_factory=list)
    paid_by: list[str] = field(default_factory=list)
    giver: str | None = None
    occasion: str | None = None

    @classmethod
    def from_dict(cls, d: dict) -> TransparencyEntry:
        return cls(**cls._common(d),
                   kind=_text(d.get("kind"), "kind"),
                   date=_text(d.get("date"), "date"),
                   description_html=_text(d.get("description_html"), "description_html"),
                   publisher=_text(d.get("publisher"), "publisher"),
                   place=_text(d.get("place"), "place"),
                   persons=_mappings(d.get("persons"), "persons", person,
                                     ("name", "role", "position")),
                   organizations=_mappings(d.get("organizations"), "organizations",
                                           organization,
                                           ("name", "tax_id", "line_of_business", "role")),
                   end=_text(d.get("end"), "end"),
                   modality=_text(d.get("modality"), "modality"),
                   duration_minutes=_int(d.get("duration_minutes"), "duration_minutes"),
                   subjects=_texts(d.get("subjects"), "subjects"),
                   amount=_float(d.get("amount"), "amount"),
                   amount_declared=_float(d.get("amount_declared"), "amount_declared"),
                   currency=_text(d.get("currency"), "currency"),
                   costs=_costs(d.get("costs")),
                   paid_by=_texts(d.get("paid_by"), "paid_by"),
                   giver=_text(d.get("giver"), "giver"),
                   occasion=_text(d.get("occasion"), "occasion"))
