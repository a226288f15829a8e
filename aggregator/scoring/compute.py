"""From a snapshot and a method to the scorecard document (scores.yaml): each
institution's indicators, points, evidence and total, and the national figures.

A pure function of its inputs: the reference time comes from the snapshot, every
list is in a fixed order and every number is rounded, so the same snapshot and
settings give the same document (and the same bytes once dumped).

Totals are renormalized: an institution's total is 100 x points earned / points
of the indicators that apply to it, so an indicator that does not apply ("no
aplica") neither counts against it nor for it.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from datetime import date, datetime

from ..records import Institution
from .base import DIMENSIONS, Context, Holdings, Result, half_up
from .facts import ConsultationFacts, DatasetFacts, NewsFacts, RegisterFacts, SnapshotFacts
from .method import Method, _num
from .transparencia import LOBBY_KINDS

SCHEMA_VERSION = 1
BINS = 10           # the distribution's bars: 0-10, 10-20, ... 90-100


def holdings(records) -> tuple[dict[str, Holdings], list[DatasetFacts], dict]:
    """Records (facts) by institution id; every dataset; which kinds of source exist."""
    by_inst: dict[str, Holdings] = {}
    datasets: list[DatasetFacts] = []
    seen = {"datasets": False, "consultations": False, "lobby": False}
    lists = {DatasetFacts: "datasets", NewsFacts: "news", ConsultationFacts: "consultations",
             RegisterFacts: "register"}
    for rec in records:
        kind = lists[type(rec)]
        if kind == "datasets":
            datasets.append(rec)
            seen["datasets"] = True
        elif kind == "consultations":
            seen["consultations"] = True
        elif kind == "register" and (rec.kind or "").lower() in LOBBY_KINDS:
            seen["lobby"] = True
        if rec.institution:
            h = by_inst.get(rec.institution)
            if h is None:
                h = by_inst[rec.institution] = Holdings()
            getattr(h, kind).append(rec)
    for h in by_inst.values():
        for name in ("datasets", "news", "consultations", "register"):
            getattr(h, name).sort()         # by id: it comes first in each tuple
    datasets.sort()
    return by_inst, datasets, seen


NO_EVIDENCE = ("Sin evidencia que evaluar: el portal no cosecha ninguna fuente con registros "
               "de esta institución y el registro no tiene sus enlaces ni códigos de "
               "transparencia o participación.")


def _evidence(inst: Institution, by_inst: dict, links: Callable[[Institution], dict]) -> bool:
    """Whether the portal holds anything to judge a body by: records, registry links
    or the codes that build them. A body imported from a list of buyers and nothing
    else would rank at 0 for what the portal does not know, not for what it does."""
    return bool(inst.id in by_inst or inst.participation or inst.leylobby_id
                or any((links(inst) or {}).values()))


def compute(facts: SnapshotFacts, method: Method, links: Callable[[Institution], dict],
            now: datetime, day: date, reference: str) -> dict:
    by_inst, datasets, seen = holdings(facts.records)
    ctx = Context(now=now, day=day, holdings=by_inst, has_datasets=seen["datasets"],
                  has_consultations=seen["consultations"], has_lobby=seen["lobby"],
                  links=links)
    evaluated, skipped = [], []
    excluded = {k.casefold() for k in method.exclude_kinds}
    for inst in sorted(facts.institutions, key=lambda i: i.id):
        if (inst.kind or "").casefold() in excluded:
            skipped.append({"id": inst.id, "name": inst.name, "kind": inst.kind,
                            "cause": "kind",
                            "reason": f"No se evalúan las instituciones de tipo «{inst.kind}»."})
            continue
        if not method.without_evidence and not _evidence(inst, by_inst, links):
            skipped.append({"id": inst.id, "name": inst.name, "kind": inst.kind,
                            "cause": "evidence", "reason": NO_EVIDENCE})
            continue
        evaluated.append(_institution(inst, ctx, method))
    _rank(evaluated)
    method_doc = method.to_dict()
    return {
        "schema_version": SCHEMA_VERSION,
        "reference": {"time": now.isoformat(), "day": day.isoformat(), "from": reference},
        "method": method_doc,
        "national": _national(evaluated, len(facts.institutions), method,
                              [d.quality for d in datasets]),
        "institutions": evaluated,
        "not_evaluated": skipped,
    }


def _institution(inst: Institution, ctx: Context, method: Method) -> dict:
    rows, earned, possible = [], 0.0, 0.0
    dims: dict[str, list[float]] = {}
    limit = method.evidence_limit
    for ind in method.indicators:
        if inst.kind and inst.kind.casefold() in {k.casefold() for k in ind.skip_kinds}:
            res = Result.no_aplica(f"No se exige a las instituciones de tipo «{inst.kind}».")
        else:
            res = ind.spec.measure(inst, ctx, ind.params)
        row = {"id": ind.id, "applies": res.applies}
        if res.applies:
            points = half_up(ind.points * res.share, 1)
            earned += points
            possible += ind.points
            acc = dims.setdefault(ind.spec.dimension, [0.0, 0.0])
            acc[0] += points
            acc[1] += ind.points
            value = res.value if not isinstance(res.value, float) else half_up(res.value, 1)
            row.update({"value": value, "points": _num(points), "max": _num(ind.points),
                        "detail": res.detail,
                        "for": res.evidence_for[:limit], "for_count": len(res.evidence_for),
                        "against": res.evidence_against[:limit],
                        "against_count": len(res.evidence_against)})
        else:
            row.update({"max": _num(ind.points), "reason": res.reason})
        rows.append(row)
    total = _percent(earned, possible)
    lost = [(r["max"] - r["points"], -n, r["id"]) for n, r in enumerate(rows)
            if r["applies"] and r["max"] > 0]
    weakest = max(lost)[2] if lost and max(lost)[0] > 0 else None
    return {"id": inst.id, "name": inst.name, "kind": inst.kind, "region": inst.region,
            "total": total, "rating": method.rate(total) if total is not None else None,
            "rank": None, "earned": _num(half_up(earned, 1)), "possible": _num(possible),
            "dimensions": {k: _percent(a[0], a[1]) for k in DIMENSIONS if (a := dims.get(k))},
            "weakest": weakest, "indicators": rows}


def _percent(part: float, whole: float) -> float | None:
    """100 x part / whole to one decimal, half up; None when whole is 0."""
    return half_up(100 * part / whole, 1) if whole else None


def _mean(values) -> float | None:
    values = list(values)
    return half_up(sum(values) / len(values), 1) if values else None


def _rank(entries: list[dict]) -> None:
    """Competition ranking by total (1, 2, 2, 4); institutions without a total last."""
    scored = sorted((e for e in entries if e["total"] is not None),
                    key=lambda e: (-e["total"], e["name"].lower(), e["id"]))
    previous, position = None, 0
    for n, e in enumerate(scored, 1):
        if e["total"] != previous:
            position, previous = n, e["total"]
        e["rank"] = position


def _national(entries: list[dict], registered: int, method: Method, qualities) -> dict:
    totals = [e["total"] for e in entries if e["total"] is not None]
    bins = [0] * BINS
    for t in totals:
        bins[min(BINS - 1, int(t // (100 / BINS)))] += 1
    by_rating = {label: 0 for _, label in method.ratings}
    for e in entries:
        if e["rating"] is not None:
            by_rating[e["rating"]] += 1
    dims = {}
    for key in DIMENSIONS:
        values = [e["dimensions"][key] for e in entries if e["dimensions"].get(key) is not None]
        if values:
            dims[key] = {"mean": _mean(values), "institutions": len(values)}
    indicators = []
    for n, ind in enumerate(method.indicators):
        rows = [e["indicators"][n] for e in entries if e["indicators"][n]["applies"]]
        share = _percent(sum(r["points"] for r in rows), sum(r["max"] for r in rows))
        indicators.append({"id": ind.id, "applies": len(rows), "mean": share})
    qcheck = method.quality_check()
    q_by = {label: 0 for _, label in qcheck.ratings}
    for q in qualities:
        q_by[qcheck.rate(q)] += 1
    return {
        "registered": registered,
        "evaluated": len(totals),
        "mean": _mean(totals),
        "median": half_up(statistics.median(totals), 1) if totals else None,
        "by_rating": [{"label": label, "min": _num(lo), "count": by_rating[label]}
                      for lo, label in method.ratings],
        "distribution": [{"from": n * 100 // BINS, "to": (n + 1) * 100 // BINS,
                          "count": c} for n, c in enumerate(bins)],
        "dimensions": dims,
        "indicators": indicators,
        "datasets": {"count": len(qualities),
                     "mean": _mean(qualities),
                     "by_rating": [{"label": label, "min": _num(lo), "count": q_by[label]}
                                   for lo, label in qcheck.ratings]},
    }


# -- reading a scores.yaml written by this code (or another tool) -------------------

_ENTRY = {"id": str, "name": str, "total": (int, float, type(None)), "rank": (int, type(None)),
          "dimensions": dict, "indicators": list}
_ROW = {"id": str, "applies": bool, "max": (int, float)}
_APPLIED = {"points": (int, float), "detail": str, "for": list, "against": list,
            "for_count": int, "against_count": int}
_METHOD = {"dimensions": list, "indicators": list, "ratings": list, "dataset_quality": dict,
           "digest": str}


class DocumentError(ValueError):
    """A scores.yaml the site cannot show; the message names the key."""


def _need(d, keys: dict, where: str) -> None:
    if not isinstance(d, dict):
        raise DocumentError(f"{where}: expected a mapping")
    for key, kind in keys.items():
        if key not in d:
            raise DocumentError(f"{where}: missing '{key}'")
        kinds = kind if isinstance(kind, tuple) else (kind,)
        value = d[key]          # a YAML true is an int to isinstance: not a number here
        if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
            raise DocumentError(f"{where}.{key}: unexpected {type(value).__name__}")


def check_document(doc) -> dict:
    """The document if it has what the pages read, else DocumentError naming the key."""
    _need(doc, {"schema_version": int, "reference": dict, "method": dict, "national": dict,
                "institutions": list}, "scores.yaml")
    if doc["schema_version"] != SCHEMA_VERSION:
        raise DocumentError(f"schema_version {doc['schema_version']} is not supported "
                            f"(this portal reads version {SCHEMA_VERSION})")
    _need(doc["reference"], {"day": str}, "reference")
    _need(doc["method"], _METHOD, "method")
    for n, ind in enumerate(doc["method"]["indicators"]):
        _need(ind, {"id": str, "dimension": str, "label": str, "points": (int, float)},
              f"method.indicators[{n}]")
    for n, e in enumerate(doc["institutions"]):
        _need(e, _ENTRY, f"institutions[{n}]")
        for m, row in enumerate(e["indicators"]):
            where = f"institutions[{n}] ({e['id']}).indicators[{m}]"
            _need(row, _ROW, where)
            if row["applies"]:
                _need(row, _APPLIED, where)
    return doc
