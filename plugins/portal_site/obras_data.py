"""Public works as the /obras/ pages show them, computed once per build: stages
in Spanish, delays against the build date, groupings (stage, region, commune,
institution, kind), exact totals per currency, and the figures of the charts.

A work is late ("Atrasada: N días") when its planned end has passed, it is not
finished and its progress is below 100; a stopped work is stopped, not late.
A planned end given as a month ("2024-05") ends on that month's last day.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from aggregator.obras import day_of

from .filters import fecha, numero
from .indexes import fold_name
from .urls import unique_slugs

# stage -> (label, plural label, URL segment under /obras/etapa/)
STAGES = {
    "planned": ("Planificada", "Planificadas", "planificadas"),
    "in_progress": ("En ejecución", "En ejecución", "en-ejecucion"),
    "finished": ("Finalizada", "Finalizadas", "finalizadas"),
    "stopped": ("Detenida", "Detenidas", "detenidas"),
    "unknown": ("Etapa desconocida", "Etapa desconocida", "sin-etapa"),
}
NO_INSTITUTION = "sin-institucion"
NO_PLACE = "Sin ubicación indicada"
NO_KIND = "Sin tipo indicado"
# Progress buckets of the distribution chart: (label, low, high), inclusive.
# The histogram labels a bar by what comes before the dash ("25" for "25–49 %").
PROGRESS_BUCKETS = [("0 %", 0, 0), ("1–24 %", 0.01, 24.99), ("25–49 %", 25, 49.99),
                    ("50–74 %", 50, 74.99), ("75–99 %", 75, 99.99), ("100 %", 100, 100)]
REGIONS_IN_CHART = 15


def delay_days(obra, today) -> int | None:
    """Days past the planned end of a work still not finished, else None."""
    if obra.stage in ("finished", "stopped") or not obra.end_planned:
        return None
    if obra.progress is not None and obra.progress >= 100:
        return None
    end = day_of(obra.end_planned, last=True)
    if end is None or end >= today:
        return None
    return (today - end).days


def money(amount: str | Decimal | None, currency: str | None = None) -> str:
    """'1234567.5' -> '1.234.567,50 ARS' (whole amounts without decimals)."""
    if amount is None or amount == "":
        return ""
    value = Decimal(amount)
    whole = value == value.to_integral_value()
    text = f"{value:,.0f}" if whole else f"{value:,.2f}"
    text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return f"{text} {currency}" if currency else text


def percent(value) -> str:
    if value is None:
        return ""
    return f"{numero(value)} %"


def day(value: str | None) -> str:
    """An ISO day in Spanish; a month ('2024-05') as 'mayo de 2024'."""
    if not value:
        return ""
    if len(value) == 7:
        first = day_of(value)
        return fecha(first, "MMMM 'de' y") if first else value
    return fecha(value)


@dataclass(eq=False)
class Group:
    """The works of one stage, region, commune, institution or kind."""

    key: str
    label: str
    slug: str
    path: str                                   # "obras/region/comuna-8/"
    obras: list = field(default_factory=list)
    parent: Group | None = None                 # a commune's region

    @property
    def count(self) -> int:
        return len(self.obras)


@dataclass(eq=False)
class ObrasIndex:
    model: object
    today: object
    delays: dict[str, int] = field(default_factory=dict)          # id -> days late
    stages: dict[str, Group] = field(default_factory=dict)
    regions: dict[str, Group] = field(default_factory=dict)
    communes: dict[tuple, Group] = field(default_factory=dict)
    institutions: dict[str, Group] = field(default_factory=dict)
    kinds: dict[str, Group] = field(default_factory=dict)
    delayed: list = field(default_factory=list)                   # most days late first

    # Helpers the templates call.
    money = staticmethod(money)
    percent = staticmethod(percent)
    day = staticmethod(day)

    @staticmethod
    def stage_label(stage: str) -> str:
        return STAGES.get(stage, STAGES["unknown"])[0]

    def delay(self, obra) -> int | None:
        return self.delays.get(obra.id)

    @property
    def obras(self) -> list:
        return self.model.obras

    def region_of(self, obra) -> Group | None:
        return self.regions.get(obra.region or NO_PLACE)

    def commune_of(self, obra) -> Group | None:
        return self.communes.get((obra.region or NO_PLACE, obra.commune)) \
            if obra.commune else None

    def kind_of(self, obra) -> Group | None:
        return self.kinds.get(obra.kind or NO_KIND)

    def by_institution(self, inst_id: str) -> list:
        group = self.institutions.get(inst_id)
        return group.obras if group else []

    # -- totals (exact: Decimal, per currency) -----------------------------------

    @staticmethod
    def totals(obras) -> list[tuple[str, Decimal]]:
        """[(currency, total)] of the works' amounts, biggest first."""
        sums: dict[str, Decimal] = defaultdict(Decimal)
        for o in obras:
            if o.amount:
                sums[o.currency or ""] += Decimal(o.amount)
        return sorted(sums.items(), key=lambda kv: (-kv[1], kv[0]))

    def totals_text(self, obras) -> str:
        return " + ".join(money(total, cur or None) for cur, total in self.totals(obras)) \
            or "—"

    def with_amount(self, obras) -> int:
        return sum(1 for o in obras if o.amount)

    # -- charts' figures ---------------------------------------------------------

    def main_currency(self) -> str | None:
        totals = self.totals(self.obras)
        return totals[0][0] or None if totals else None

    def amount_by_stage(self) -> list[tuple[str, Decimal]]:
        cur = self.main_currency()
        out = []
        for stage, group in self.stages.items():
            total = sum((Decimal(o.amount) for o in group.obras
                         if o.amount and (o.currency or None) == cur), Decimal(0))
            out.append((STAGES[stage][1], total))
        return out

    def count_by_region(self) -> list[tuple[str, int]]:
        groups = sorted(self.regions.values(), key=lambda g: (-g.count, fold_name(g.label)))
        rows = [(g.label, g.count) for g in groups[:REGIONS_IN_CHART]]
        rest = sum(g.count for g in groups[REGIONS_IN_CHART:])
        if rest:
            rows.append((f"Otras {len(groups) - REGIONS_IN_CHART}", rest))
        return rows

    def progress_distribution(self) -> list[tuple[str, int]]:
        counts = [0] * len(PROGRESS_BUCKETS)
        unknown = 0
        for o in self.obras:
            if o.progress is None:
                unknown += 1
                continue
            for n, (_label, low, high) in enumerate(PROGRESS_BUCKETS):
                if low <= o.progress <= high:
                    counts[n] += 1
                    break
        rows = [(label, count) for (label, _l, _h), count in zip(PROGRESS_BUCKETS, counts)]
        return rows + [("Sin dato", unknown)]


def build(model, today) -> ObrasIndex:
    """Every grouping of the works, in one pass over them."""
    idx = ObrasIndex(model, today)
    for stage, (_one, plural, slug) in STAGES.items():
        idx.stages[stage] = Group("etapa", plural, slug, f"obras/etapa/{slug}/")
    regions: dict[str, list] = defaultdict(list)
    communes: dict[tuple, list] = defaultdict(list)
    insts: dict[str, list] = defaultdict(list)
    kinds: dict[str, list] = defaultdict(list)
    for o in model.obras:
        days = delay_days(o, today)
        if days is not None:
            idx.delays[o.id] = days
        idx.stages[o.stage if o.stage in STAGES else "unknown"].obras.append(o)
        region = o.region or NO_PLACE
        regions[region].append(o)
        if o.commune:
            communes[(region, o.commune)].append(o)
        insts[o.institution if o.institution in model.institutions else NO_INSTITUTION] \
            .append(o)
        kinds[o.kind or NO_KIND].append(o)
    idx.delayed = sorted((o for o in model.obras if o.id in idx.delays),
                         key=lambda o: (-idx.delays[o.id], o.title.lower(), o.id))
    slugs = unique_slugs(regions, reserved={"pagina"})
    for label in sorted(regions, key=fold_name):
        idx.regions[label] = Group("region", label, slugs[label], f"obras/region/{slugs[label]}/",
                                   regions[label])
    slugs = unique_slugs((f"{r} {c}" for r, c in communes), reserved={"pagina"})
    for (region, commune) in sorted(communes, key=lambda rc: (fold_name(rc[0]),
                                                              fold_name(rc[1]))):
        slug = slugs[f"{region} {commune}"]
        idx.communes[(region, commune)] = Group(
            "comuna", commune, slug, f"obras/comuna/{slug}/", communes[(region, commune)],
            parent=idx.regions[region])
    for iid in sorted(insts, key=lambda i: fold_name(model.institutions[i].name)
                      if i in model.institutions else "~"):
        name = model.institutions[iid].name if iid in model.institutions \
            else "Sin institución identificada"
        idx.institutions[iid] = Group("institucion", name, iid, f"obras/institucion/{iid}/",
                                      insts[iid])
    slugs = unique_slugs(kinds, reserved={"pagina"})
    for label in sorted(kinds, key=fold_name):
        idx.kinds[label] = Group("tipo", label, slugs[label], f"obras/tipo/{slugs[label]}/",
                                 kinds[label])
    return idx
