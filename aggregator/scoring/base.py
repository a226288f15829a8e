"""What every indicator shares: its description (`Spec`), what it measured for one
institution (`Result`) and what it measures against (`Context`).

An indicator is a function `measure(inst, ctx, params) -> Result` plus a Spec that
says, in Spanish, what it measures, why, and when it does not apply. The points
and thresholds come from PORTAL_SCORECARD (method.py), never from here.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from ..records import Institution

# Dimensions of the scorecard, in the order pages show them.
DIMENSIONS = {"datos": "Datos abiertos", "transparencia": "Transparencia",
              "participacion": "Participación", "comunicacion": "Comunicación"}


@dataclass(frozen=True)
class Spec:
    id: str
    dimension: str
    label: str
    params: dict[str, str]                  # thresholds it reads -> their kind (method.py)
    describe: Callable[[dict], str]         # what it measures, with the thresholds in use
    why: str
    not_applicable: str                     # when it says "no aplica"
    measure: Callable[..., Result]


@dataclass
class Result:
    applies: bool
    share: float = 0.0                      # 0..1 of the indicator's points earned
    value: float | int | None = None        # what was measured (a count, a percentage)
    detail: str = ""                        # the value in words
    reason: str | None = None               # why it does not apply
    evidence_for: list[str] = field(default_factory=list)
    evidence_against: list[str] = field(default_factory=list)

    @classmethod
    def no_aplica(cls, reason: str) -> Result:
        return cls(applies=False, reason=reason)


@dataclass
class Holdings:
    """The records of one institution (their facts, facts.py), each list by id."""

    datasets: list = field(default_factory=list)
    news: list = field(default_factory=list)
    consultations: list = field(default_factory=list)
    register: list = field(default_factory=list)


@dataclass
class Context:
    now: datetime                           # the snapshot's own time (aware)
    day: date                               # its date in the portal's time zone
    holdings: dict[str, Holdings]
    # Which kinds of source the snapshot holds at all ("no source" means no aplica).
    has_datasets: bool
    has_consultations: bool
    has_lobby: bool
    links: Callable[[Institution], dict]    # transparency links of an institution

    def of(self, inst: Institution) -> Holdings:
        return self.holdings.get(inst.id) or Holdings()


def half_up(value: float, places: int) -> float:
    """Rounded the way a person checks it by hand (12.405 -> 12.41, 62.75 -> 62.8),
    not the way the float happens to be stored (12.404999...): the tolerance is far
    above the error of a few float sums and far below any real difference here."""
    scale = 10 ** places
    return math.floor(value * scale + 0.5 + 1e-9) / scale


def share_of(count: int, full_at: float) -> float:
    return 1.0 if full_at <= 0 else min(1.0, count / full_at)


def plural(n: float, one: str, many: str) -> str:
    return f"{format_number(n)} {one if n == 1 else many}"


def format_number(x: float) -> str:
    """Spanish number: 1.234 and 12,5."""
    if isinstance(x, float) and not x.is_integer():
        text = f"{x:,.1f}"
    else:
        text = f"{int(x):,}"
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


def months_before(day: date, months: int) -> date:
    """The same day `months` earlier (the last day of a shorter month)."""
    y, m = divmod(day.year * 12 + day.month - 1 - months, 12)
    m += 1
    for d in range(day.day, 27, -1):
        try:
            return date(y, m, d)
        except ValueError:
            continue
    return date(y, m, min(day.day, 28))
