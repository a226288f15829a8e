"""/evaluacion/: the open-government scorecard (scores.yaml, docs/scorecard.md).

- `evaluacion/`: the national figure, the distribution, the dimensions and the
  ranking by total; the ranking sorted by each column at `evaluacion/orden/<key>/`
  (sortable without JavaScript: every order is a page), all paginated;
- `evaluacion/tipo/` and `evaluacion/region/`: the ranking within each kind and
  region of institution;
- `evaluacion/metodologia/`: every indicator, its points, thresholds and why,
  from the method scores.yaml recorded (or the settings, before any scoring);
- `catalogo/evaluacion.csv`: one row per institution (UTF-8 with BOM).

All of it is one group of pages with one fingerprint (scores.yaml, the history
and the scoring code): an unchanged build renders none of it.
"""

from __future__ import annotations

import csv
import io
import unicodedata

from aggregator.scoring.base import DIMENSIONS, half_up
from aggregator.scoring.method import SETTING, Method, MethodError

from .. import charts
from ..scorecard import board
from ..urls import unique_slugs

PER_PAGE = 50
CSV_FILE = "catalogo/evaluacion.csv"
# (key, column heading); "total" is the default order, at evaluacion/ itself.
ORDERS = [("total", "Puntaje total"), ("nombre", "Institución"),
          *((k, v) for k, v in DIMENSIONS.items())]
GROUPS = {"tipo": ("kind", "Por tipo de institución", "Tipo"),
          "region": ("region", "Por región", "Región")}


def write(site) -> None:
    b = board(site)
    if site.sink.group("scorecard", (b.digest, repr(_settings_method(site)))):
        return
    _method_page(site, b)
    if b.doc is not None:
        entries = list(b.entries.values())
        _rankings(site, b, entries)
        for key in GROUPS:
            _groups(site, b, entries, key)
        site.sink.file(CSV_FILE, lambda: scores_csv(b, site.settings.get("SITEURL", "")))
    else:
        site.sink.page("evaluacion/index.html", "evaluacion", None, board=b, items=[],
                       pager=None, order="total", orders=ORDERS, summary=None, group=None)
    site.sink.end_group()


def _settings_method(site) -> dict | None:
    """The method of the settings, for the method page before any scoring."""
    block = site.settings.get(SETTING)
    if block is None:
        return None
    try:
        return Method.from_settings(block).to_dict()
    except MethodError:
        return None


def _name_key(e: dict) -> str:
    text = unicodedata.normalize("NFKD", e["name"].lower())
    return "".join(c for c in text if not unicodedata.combining(c))


def ordered(entries: list[dict], key: str) -> list[dict]:
    if key == "nombre":
        return sorted(entries, key=lambda e: (_name_key(e), e["id"]))
    by_total = sorted(entries, key=lambda e: (e["total"] is None, -(e["total"] or 0),
                                              _name_key(e), e["id"]))
    if key == "total":
        return by_total
    return sorted(by_total, key=lambda e: (e["dimensions"].get(key) is None,
                                           -(e["dimensions"].get(key) or 0)))


def _rankings(site, b, entries) -> None:
    summary = _summary(b)
    for key, _label in ORDERS:
        base = "evaluacion/" if key == "total" else f"evaluacion/orden/{key}/"
        site.sink.paginated(base, ordered(entries, key), PER_PAGE, "evaluacion",
                            board=b, order=key, orders=ORDERS, group=None,
                            summary=summary if key == "total" else None)


def _summary(b) -> dict:
    n = b.doc["national"]
    dims = [(d["label"], (n["dimensions"].get(d["id"]) or {}).get("mean"))
            for d in b.method["dimensions"]]
    dist = [(f"{d['from']}–{d['to']}", d["count"]) for d in n["distribution"]]
    return {
        "national": n, "dimensions": dims, "distribution": dist,
        "not_evaluated": b.doc.get("not_evaluated") or [],
        "indicators": [(b.labels[i["id"]]["label"], i) for i in n["indicators"]],
        "distribution_chart": charts.histogram(
            "distribucion", "Instituciones por tramo de puntaje total", dist),
        "dimensions_chart": charts.bars(
            "dimensiones-nacional", "Promedio nacional por dimensión (de 100)", dims),
    }


def _groups(site, b, entries, key: str) -> None:
    attr, title, singular = GROUPS[key]
    members: dict[str, list[dict]] = {}
    for e in entries:
        if e.get(attr):
            members.setdefault(e[attr], []).append(e)
    slugs = unique_slugs(members, reserved={"pagina"})
    rows = []
    for label in sorted(members, key=str.lower):
        totals = [e["total"] for e in members[label] if e["total"] is not None]
        rows.append((label, slugs[label], len(members[label]),
                     half_up(sum(totals) / len(totals), 1) if totals else None))
    site.sink.page(f"evaluacion/{key}/index.html", "evaluacion_grupos", None, board=b,
                   rows=rows, key=key, title=title, singular=singular)
    for label, slug, _count, mean in rows:
        site.sink.paginated(f"evaluacion/{key}/{slug}/", ordered(members[label], "total"),
                            PER_PAGE, "evaluacion", board=b, order="total", orders=None,
                            summary=None, group={"key": key, "title": title, "label": label,
                                                 "singular": singular, "mean": mean})


def _method_page(site, b) -> None:
    method = b.method or _settings_method(site)
    site.sink.page("evaluacion/metodologia/index.html", "evaluacion_metodologia", None,
                   board=b, method=method, csv_columns=csv_columns(method) if method else [])


# -- the CSV export ---------------------------------------------------------------

def csv_columns(method: dict) -> list[tuple[str, str]]:
    """(column, what it holds): documented on the method page and docs/scorecard.md."""
    cols = [("institucion_id", "identificador de la institución en el registro"),
            ("institucion", "nombre"), ("tipo", "tipo de institución"), ("region", "región"),
            ("fecha", "día de la evaluación (AAAA-MM-DD)"),
            ("total", "puntaje total de 0 a 100; vacío si ningún indicador aplica"),
            ("calificacion", "banda del total"), ("posicion", "lugar en el ranking nacional"),
            ("indicador_mas_debil", "indicador que más puntos pierde")]
    cols += [(d["id"], f"puntaje de la dimensión {d['label']} (0-100; vacío: no aplica)")
             for d in method["dimensions"]]
    cols += [(f"{i['id']}_puntos", (f"puntos de «{i['label']}» (de {i['points']}; vacío: no "
              f"aplica)")) for i in method["indicators"]]
    cols.append(("pagina", "página de la institución en el portal"))
    return cols


def scores_csv(b, siteurl: str) -> bytes:
    cols = csv_columns(b.method)
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow([c for c, _ in cols])
    base = siteurl.rstrip("/")
    day = b.doc["reference"]["day"]
    for e in ordered(list(b.entries.values()), "total"):
        rows = {r["id"]: r for r in e["indicators"]}
        w.writerow([e["id"], e["name"], e["kind"] or "", e["region"] or "", day,
                    _cell(e["total"]), e["rating"] or "", _cell(e["rank"]),
                    e["weakest"] or "",
                    *(_cell(e["dimensions"].get(d["id"])) for d in b.method["dimensions"]),
                    *(_cell(rows[i["id"]].get("points")) if i["id"] in rows else ""
                      for i in b.method["indicators"]),
                    f"{base}/instituciones/{e['id']}/"])
    return "\ufeff".encode("utf-8") + out.getvalue().encode("utf-8")


def _cell(value) -> str:
    if value is None:
        return ""
    return f"{value:g}" if isinstance(value, float) else str(value)
