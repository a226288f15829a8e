"""Normalized records of the snapshot (format v1), one dataclass each.

`to_dict` gives the mapping written to YAML, fields in a fixed order so that
output is byte-identical for identical input; `from_dict` reads what this
project or another tool wrote, ignoring unknown keys and raising
`RecordError` (with the record id when there is one) on anything unusable.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar


class RecordError(ValueError):
    """A snapshot record that cannot be used; the message names the problem."""


def _text(value: Any, name: str, required: bool = False) -> str | None:
    if value is None or value == "":
        if required:
            raise RecordError(f"missing '{name}'")
        return None
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return str(value)
    # YAML written by other tools may carry unquoted dates: keep their ISO form.
    if hasattr(value, "isoformat"):
        return value.isoformat()
    raise RecordError(f"'{name}' must be text, not {type(value).__name__}")


def _texts(value: Any, name: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value] if value else []
    if not isinstance(value, list):
        raise RecordError(f"'{name}' must be a list")
    return [t for t in (_text(v, name) for v in value) if t]


def _float(value: Any, name: str) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise RecordError(f"'{name}' must be a number")
    try:
        return float(value)
    except (TypeError, ValueError):
        raise RecordError(f"'{name}' must be a number, not {value!r}") from None


def _int(value: Any, name: str) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise RecordError(f"'{name}' must be a number")
    try:
        return int(value)
    except (TypeError, ValueError):
        raise RecordError(f"'{name}' must be a number, not {value!r}") from None


@dataclass(slots=True)
class License:
    id: str | None = None
    title: str | None = None
    url: str | None = None

    def to_dict(self) -> dict:
        return {"id": self.id, "title": self.title, "url": self.url}

    @classmethod
    def from_dict(cls, d: Any) -> License | None:
        if d is None:
            return None
        if not isinstance(d, dict):
            raise RecordError("'license' must be a mapping")
        lic = cls(_text(d.get("id"), "license.id"), _text(d.get("title"), "license.title"),
                  _text(d.get("url"), "license.url"))
        return lic if (lic.id or lic.title or lic.url) else None


@dataclass(slots=True)
class Resource:
    title: str | None = None
    format: str | None = None
    url: str | None = None
    size: int | None = None
    modified: str | None = None
    media_type: str | None = None     # IANA media type as the source declared it

    def to_dict(self) -> dict:
        out = {"title": self.title, "format": self.format, "url": self.url,
               "size": self.size, "modified": self.modified}
        if self.media_type:     # written only when known: older files keep their bytes
            out["media_type"] = self.media_type
        return out

    @classmethod
    def from_dict(cls, d: Any) -> Resource:
        if not isinstance(d, dict):
            raise RecordError("each resource must be a mapping")
        return cls(_text(d.get("title"), "resources.title"),
                   _text(d.get("format"), "resources.format"),
                   _text(d.get("url"), "resources.url"),
                   _int(d.get("size"), "resources.size"),
                   _text(d.get("modified"), "resources.modified"),
                   _text(d.get("media_type"), "resources.media_type"))


@dataclass(slots=True, kw_only=True)
class Record:
    """Fields every record carries. `type` names the subclass in YAML."""

    TYPE: ClassVar[str] = ""
    id: str
    source: str
    remote_id: str
    url: str | None = None
    institution: str | None = None
    title: str = ""

    def to_dict(self) -> dict:
        out: dict[str, Any] = {"id": self.id, "type": self.TYPE}
        for f in fields(self):
            if f.name == "id":
                continue
            value = getattr(self, f.name)
            if isinstance(value, (License, Resource)):
                value = value.to_dict()
            elif isinstance(value, list):
                value = [v.to_dict() if isinstance(v, Resource) else v for v in value]
            out[f.name] = value
        return out

    @classmethod
    def _common(cls, d: dict) -> dict:
        rid = _text(d.get("id"), "id", required=True)
        source = _text(d.get("source"), "source") or rid.split(":", 1)[0]
        remote = _text(d.get("remote_id"), "remote_id") or rid.split(":", 1)[-1]
        return {"id": rid, "source": source, "remote_id": remote,
                "url": _text(d.get("url"), "url"),
                "institution": _text(d.get("institution"), "institution"),
                "title": _text(d.get("title"), "title") or remote}


@dataclass(slots=True, kw_only=True)
class Dataset(Record):
    TYPE: ClassVar[str] = "dataset"
    description_html: str | None = None
    publisher: str | None = None
    themes: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    license: License | None = None
    issued: str | None = None
    modified: str | None = None
    frequency: str | None = None
    # Metadata the scorecard's quality check reads (docs/scorecard.md): coverage in
    # space (a place name, URI or "W,S,E,N" box) and time ("start/end", ISO 8601),
    # and who answers questions ("Name <email>"). Written only when known.
    spatial: str | None = None
    temporal: str | None = None
    contact_point: str | None = None
    resources: list[Resource] = field(default_factory=list)

    OPTIONAL: ClassVar[tuple[str, ...]] = ("spatial", "temporal", "contact_point")

    def to_dict(self) -> dict:
        out = Record.to_dict(self)
        if self.license is None:
            out["license"] = None
        for key in self.OPTIONAL:
            if out[key] is None:
                del out[key]
        return out

    @classmethod
    def from_dict(cls, d: dict) -> Dataset:
        res = d.get("resources") or []
        if not isinstance(res, list):
            raise RecordError("'resources' must be a list")
        return cls(**cls._common(d),
                   description_html=_text(d.get("description_html"), "description_html"),
                   publisher=_text(d.get("publisher"), "publisher"),
                   themes=_texts(d.get("themes"), "themes"),
                   tags=_texts(d.get("tags"), "tags"),
                   license=License.from_dict(d.get("license")),
                   issued=_text(d.get("issued"), "issued"),
                   modified=_text(d.get("modified"), "modified"),
                   frequency=_text(d.get("frequency"), "frequency"),
                   spatial=_text(d.get("spatial"), "spatial"),
                   temporal=_text(d.get("temporal"), "temporal"),
                   contact_point=_text(d.get("contact_point"), "contact_point"),
                   resources=[Resource.from_dict(r) for r in res])


@dataclass(slots=True, kw_only=True)
class NewsItem(Record):
    TYPE: ClassVar[str] = "news"
    summary_html: str | None = None
    published: str | None = None
    image: str | None = None
    publisher: str | None = None

    @classmethod
    def from_dict(cls, d: dict) -> NewsItem:
        return cls(**cls._common(d),
                   summary_html=_text(d.get("summary_html"), "summary_html"),
                   published=_text(d.get("published"), "published"),
                   image=_text(d.get("image"), "image"),
                   publisher=_text(d.get("publisher"), "publisher"))


@dataclass(slots=True, kw_only=True)
class Consultation(Record):
    """Any participation process. Its status is derived from the dates at build time."""

    TYPE: ClassVar[str] = "consultation"
    description_html: str | None = None
    kind: str | None = None
    start: str | None = None
    end: str | None = None
    publisher: str | None = None
    steps: list[str] = field(default_factory=list)

    @classmethod
    def from_dict(cls, d: dict) -> Consultation:
        return cls(**cls._common(d),
                   description_html=_text(d.get("description_html"), "description_html"),
                   kind=_text(d.get("kind"), "kind"),
                   start=_text(d.get("start"), "start"),
                   end=_text(d.get("end"), "end"),
                   publisher=_text(d.get("publisher"), "publisher"),
                   steps=_texts(d.get("steps"), "steps"))


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


RECORD_TYPES: dict[str, type[Record]] = {
    c.TYPE: c for c in (Dataset, NewsItem, Consultation, TransparencyEntry)
}


def record_from_trusted(d: dict) -> Record:
    """Rebuild a record from a dict this module wrote (`to_dict` of a validated
    record), skipping validation: the fast path of the snapshot's parse cache."""
    d = dict(d)
    cls = RECORD_TYPES[d.pop("type")]
    if cls is Dataset:
        lic = d.get("license")
        d["license"] = License(**lic) if lic else None
        d["resources"] = [Resource(**r) for r in d.get("resources") or ()]
    return cls(**d)


def record_from_dict(d: Any) -> Record:
    if not isinstance(d, dict):
        raise RecordError("a record must be a mapping")
    kind = d.get("type")
    cls = RECORD_TYPES.get(kind)
    if cls is None:
        raise RecordError(f"unknown record type {kind!r} (expected one of "
                          f"{', '.join(sorted(RECORD_TYPES))})")
    return cls.from_dict(d)


@dataclass(slots=True, kw_only=True)
class Institution:
    """A public body of the registry, curated by editors in institutions.yaml."""

    id: str
    name: str
    acronym: str | None = None
    aliases: list[str] = field(default_factory=list)
    kind: str | None = None
    region: str | None = None
    website: str | None = None
    parent: str | None = None
    cplt_code: str | None = None
    # Code of the body as a public buyer on ChileCompra (Mercado Público).
    chilecompra_code: str | None = None
    leylobby_id: str | None = None
    # Explicit links override the patterns built from cplt_code.
    transparency_url: str | None = None
    request_url: str | None = None
    participation: list[dict] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_dict(cls, d: Any) -> Institution:
        if not isinstance(d, dict):
            raise RecordError("an institution must be a mapping")
        iid = _text(d.get("id"), "id", required=True)
        part = d.get("participation") or []
        if not isinstance(part, list) or not all(isinstance(p, dict) for p in part):
            raise RecordError("'participation' must be a list of {title, url}")
        return cls(id=iid, name=_text(d.get("name"), "name", required=True),
                   acronym=_text(d.get("acronym"), "acronym"),
                   aliases=_texts(d.get("aliases"), "aliases"),
                   kind=_text(d.get("kind"), "kind"),
                   region=_text(d.get("region"), "region"),
                   website=_text(d.get("website"), "website"),
                   parent=_text(d.get("parent"), "parent"),
                   cplt_code=_text(d.get("cplt_code"), "cplt_code"),
                   chilecompra_code=_text(d.get("chilecompra_code"), "chilecompra_code"),
                   leylobby_id=_text(d.get("leylobby_id"), "leylobby_id"),
                   transparency_url=_text(d.get("transparency_url"), "transparency_url"),
                   request_url=_text(d.get("request_url"), "request_url"),
                   participation=part)


# -- public works -------------------------------------------------------------

STAGES = ("planned", "in_progress", "finished", "stopped", "unknown")


def decimal_text(value: Any, name: str) -> str | None:
    """An amount as exact decimal text ("1234567.5"): never a float in between."""
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int, float, Decimal)):
        raise RecordError(f"'{name}' must be a decimal number")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise RecordError(f"'{name}' must be a decimal number, not {value!r}") from None
    if not number.is_finite() or number < 0:
        raise RecordError(f"'{name}' must be a number >= 0, not {value!r}")
    text = format(number, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _number(value: Any, name: str, low: float, high: float) -> int | float | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise RecordError(f"'{name}' must be a number")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise RecordError(f"'{name}' must be a number, not {value!r}") from None
    if not low <= number <= high:     # NaN fails this too
        raise RecordError(f"'{name}' must be between {low:g} and {high:g}, not {value!r}")
    return int(number) if number.is_integer() and not isinstance(value, float) else number


@dataclass(slots=True, kw_only=True)
class Obra(Record):
    """A public work. `stage` is derived from `status` (as the source words it) by
    the source's stage mapping; amounts are exact decimal text, never floats."""

    TYPE: ClassVar[str] = "obra"
    description: str | None = None
    publisher: str | None = None
    institution_code: str | None = None
    kind: str | None = None
    status: str | None = None
    stage: str = "unknown"
    progress: int | float | None = None     # percent, 0-100
    amount: str | None = None
    currency: str | None = None
    contractor: str | None = None
    region: str | None = None
    commune: str | None = None
    address: str | None = None
    lat: float | None = None
    lon: float | None = None
    start: str | None = None
    end_planned: str | None = None
    end_actual: str | None = None
    image: str | None = None

    @classmethod
    def from_dict(cls, d: dict) -> Obra:
        stage = _text(d.get("stage"), "stage") or "unknown"
        if stage not in STAGES:
            raise RecordError(f"'stage' must be one of {', '.join(STAGES)}, not {stage!r}")
        lat = _number(d.get("lat"), "lat", -90, 90)
        lon = _number(d.get("lon"), "lon", -180, 180)
        if (lat is None) != (lon is None):
            raise RecordError("'lat' and 'lon' go together")
        return cls(**cls._common(d),
                   description=_text(d.get("description"), "description"),
                   publisher=_text(d.get("publisher"), "publisher"),
                   institution_code=_text(d.get("institution_code"), "institution_code"),
                   kind=_text(d.get("kind"), "kind"),
                   status=_text(d.get("status"), "status"), stage=stage,
                   progress=_number(d.get("progress"), "progress", 0, 100),
                   amount=decimal_text(d.get("amount"), "amount"),
                   currency=_text(d.get("currency"), "currency"),
                   contractor=_text(d.get("contractor"), "contractor"),
                   region=_text(d.get("region"), "region"),
                   commune=_text(d.get("commune"), "commune"),
                   address=_text(d.get("address"), "address"),
                   lat=None if lat is None else float(lat),
                   lon=None if lon is None else float(lon),
                   start=_text(d.get("start"), "start"),
                   end_planned=_text(d.get("end_planned"), "end_planned"),
                   end_actual=_text(d.get("end_actual"), "end_actual"),
                   image=_text(d.get("image"), "image"))


RECORD_TYPES[Obra.TYPE] = Obra
