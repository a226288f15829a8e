"""A public work (`Obra`), its stages and its exact decimal amounts."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar

from .records_base import Record, RecordError, _text

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
