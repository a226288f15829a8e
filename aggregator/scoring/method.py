"""The scorecard's method: the PORTAL_SCORECARD settings block, checked whole and
turned into what `score` computes with and what scores.yaml records (so the
method page is generated from the very values the totals came from).

Every weight and threshold comes from the settings; this module only knows
which indicators exist and what kind of value each threshold is. A mistake is a
`MethodError` naming the key: PORTAL_SCORECARD['indicators']['lobby']['months'].
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from . import datos, participacion, transparencia
from .base import DIMENSIONS, Spec
from .quality import DIMENSIONS as QUALITY_DIMENSIONS
from .quality import LEFT_OUT, METRICS, QualityCheck

SPECS: dict[str, Spec] = {s.id: s for s in (*datos.SPECS, *transparencia.SPECS,
                                            *participacion.SPECS)}
TOP_KEYS = {"indicators", "ratings", "exclude_kinds", "evidence_limit", "dataset_quality"}
METHOD_VERSION = 1
SETTING = "PORTAL_SCORECARD"


class MethodError(ValueError):
    """A PORTAL_SCORECARD that cannot be used; the message names the key."""


@dataclass(frozen=True)
class Indicator:
    spec: Spec
    points: float
    params: dict[str, Any]
    skip_kinds: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        return self.spec.id


@dataclass
class Method:
    indicators: list[Indicator]
    ratings: tuple[tuple[float, str], ...]
    exclude_kinds: tuple[str, ...]
    evidence_limit: int
    quality_points: dict[str, float]
    quality_ratings: tuple[tuple[float, str], ...]
    # False: a body the portal holds no evidence of (no record, no registry link or
    # code) is listed as not evaluated instead of ranked at 0.
    without_evidence: bool = False
    raw: dict = field(default_factory=dict, repr=False)

    @classmethod
    def from_settings(cls, block: Any) -> Method:
        where = SETTING
        if not isinstance(block, dict):
            raise MethodError(f"{where} must be a dict (see pelicanconf.py)")
        _keys(block, TOP_KEYS | {"evaluate_without_evidence"}, TOP_KEYS, where)
        without = block.get("evaluate_without_evidence", False)
        if not isinstance(without, bool):
            raise MethodError(f"{where}['evaluate_without_evidence'] must be true or false")
        indicators = _indicators(block["indicators"], f"{where}['indicators']")
        quality = block["dataset_quality"]
        qwhere = f"{where}['dataset_quality']"
        if not isinstance(quality, dict):
            raise MethodError(f"{qwhere} must be a dict")
        _keys(quality, {"points", "ratings"}, {"points", "ratings"}, qwhere)
        points = quality["points"]
        ids = {m.id for m in METRICS}
        if not isinstance(points, dict):
            raise MethodError(f"{qwhere}['points'] must map each metric to its points")
        _keys(points, ids, ids, f"{qwhere}['points']")
        for mid, value in points.items():
            _number(value, f"{qwhere}['points'][{mid!r}]", 0)
        limit = block["evidence_limit"]
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
            raise MethodError(f"{where}['evidence_limit'] must be a whole number >= 0")
        return cls(indicators=indicators,
                   ratings=_ratings(block["ratings"], f"{where}['ratings']", 100),
                   exclude_kinds=_kinds(block["exclude_kinds"], f"{where}['exclude_kinds']"),
                   evidence_limit=limit,
                   quality_points={m.id: float(points[m.id]) for m in METRICS},
                   quality_ratings=_ratings(quality["ratings"], f"{qwhere}['ratings']", 100),
                   without_evidence=without, raw=block)

    def quality_check(self) -> QualityCheck:
        return QualityCheck(self.quality_points, self.quality_ratings)

    def rate(self, total: float) -> str:
        return rate(self.ratings, total)

    def to_dict(self) -> dict:
        """The method as scores.yaml records it, with the texts the method page shows."""
        dims = []
        for key, label in DIMENSIONS.items():
            mine = [i for i in self.indicators if i.spec.dimension == key]
            if mine:
                dims.append({"id": key, "label": label,
                             "points": _num(sum(i.points for i in mine))})
        doc = {
            "version": METHOD_VERSION,
            "dimensions": dims,
            "indicators": [{
                "id": i.id, "dimension": i.spec.dimension, "label": i.spec.label,
                "points": _num(i.points), "params": {k: _num(v) for k, v in i.params.items()},
                "skip_kinds": list(i.skip_kinds), "measures": i.spec.describe(i.params),
                "why": i.spec.why, "not_applicable": i.spec.not_applicable}
                for i in self.indicators],
            "total_points": _num(sum(i.points for i in self.indicators)),
            "ratings": [{"min": _num(lo), "label": label} for lo, label in self.ratings],
            "exclude_kinds": list(self.exclude_kinds),
            "evaluate_without_evidence": self.without_evidence,
            "evidence_limit": self.evidence_limit,
            "dataset_quality": {
                "dimensions": [{"id": k, "label": v} for k, v in QUALITY_DIMENSIONS.items()],
                "metrics": [{"id": m.id, "dimension": m.dimension, "label": m.label,
                             "points": _num(self.quality_points[m.id])} for m in METRICS],
                "possible": _num(sum(self.quality_points.values())),
                "left_out": [{"id": i, "dimension": d, "label": label, "points": p, "why": why}
                             for i, d, label, p, why in LEFT_OUT],
                "ratings": [{"min": _num(lo), "label": label}
                            for lo, label in self.quality_ratings]},
        }
        doc["digest"] = digest(doc)
        return doc


def digest(doc: dict) -> str:
    """Short digest of a method document (without its own digest)."""
    body = {k: v for k, v in doc.items() if k != "digest"}
    text = json.dumps(body, sort_keys=True, ensure_ascii=False)
    return hashlib.blake2b(text.encode("utf-8"), digest_size=6).hexdigest()


def rate(ratings, total: float) -> str:
    for low, label in ratings:
        if total >= low:
            return label
    return ratings[-1][1]


def quality_check_from(method_doc: dict) -> QualityCheck:
    """The dataset quality check of a method as scores.yaml recorded it (the site)."""
    q = method_doc["dataset_quality"]
    return QualityCheck({m["id"]: m["points"] for m in q["metrics"]},
                        [(r["min"], r["label"]) for r in q["ratings"]])


# -- checks ---------------------------------------------------------------------

def _keys(d: dict, allowed: set, required: set, where: str) -> None:
    unknown = sorted(set(map(str, d)) - allowed)
    if unknown:
        raise MethodError(f"{where}: unknown key(s) {', '.join(map(repr, unknown))} "
                          f"(known: {', '.join(sorted(allowed))})")
    missing = sorted(required - set(d))
    if missing:
        raise MethodError(f"{where}: missing key(s) {', '.join(map(repr, missing))}")


def _number(value: Any, where: str, low: float, high: float | None = None,
            above: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise MethodError(f"{where} must be a number, not {value!r}")
    if value < low or (above and value == low) or (high is not None and value > high):
        bound = f"> {low}" if above else f">= {low}"
        raise MethodError(f"{where} must be {bound}{f' and <= {high}' if high else ''}, "
                          f"not {value!r}")
    return float(value)


KINDS = {  # kind of threshold -> check
    "positive": lambda v, w: _number(v, w, 0, above=True),
    "percent": lambda v, w: _number(v, w, 0, 100),
    "count": lambda v, w: _number(v, w, 0),
    "whole": lambda v, w: _whole(v, w),
}


def _whole(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise MethodError(f"{where} must be a whole number >= 1, not {value!r}")
    return value


def _indicators(block: Any, where: str) -> list[Indicator]:
    if not isinstance(block, dict) or not block:
        raise MethodError(f"{where} must map indicator ids to their points and thresholds")
    unknown = sorted(set(block) - set(SPECS))
    if unknown:
        raise MethodError(f"{where}: unknown indicator(s) {', '.join(map(repr, unknown))} "
                          f"(known: {', '.join(SPECS)})")
    out = []
    for sid, spec in SPECS.items():        # the registry's order: pages follow it
        if sid not in block:
            continue
        entry, here = block[sid], f"{where}[{sid!r}]"
        if not isinstance(entry, dict):
            raise MethodError(f"{here} must be a dict with 'points'")
        allowed = {"points", "skip_kinds", *spec.params}
        _keys(entry, allowed, {"points", *spec.params}, here)
        params = {k: KINDS[kind](entry[k], f"{here}[{k!r}]") for k, kind in spec.params.items()}
        out.append(Indicator(spec, _number(entry["points"], f"{here}['points']", 0), params,
                             _kinds(entry.get("skip_kinds", []), f"{here}['skip_kinds']")))
    if not any(i.points > 0 for i in out):
        raise MethodError(f"{where}: no indicator has points")
    return out


def _kinds(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, (list, tuple)) or not all(isinstance(k, str) for k in value):
        raise MethodError(f"{where} must be a list of institution kinds")
    return tuple(value)


def _ratings(value: Any, where: str, high: float) -> tuple[tuple[float, str], ...]:
    if not isinstance(value, (list, tuple)) or not value:
        raise MethodError(f"{where} must be a list of (minimum, label) pairs")
    out = []
    for n, pair in enumerate(value):
        if not (isinstance(pair, (list, tuple)) and len(pair) == 2
                and isinstance(pair[1], str) and pair[1].strip()):
            raise MethodError(f"{where}[{n}] must be a (minimum, label) pair")
        out.append((_number(pair[0], f"{where}[{n}][0]", 0, high), pair[1].strip()))
    out.sort(reverse=True)
    if out[-1][0] != 0:
        raise MethodError(f"{where}: the lowest band must start at 0")
    return tuple(out)


def _num(x: float) -> int | float:
    """Whole numbers as int in the YAML (15, not 15.0)."""
    return int(x) if isinstance(x, float) and x.is_integer() else x
