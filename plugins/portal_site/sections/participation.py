"""/participacion/: processes open now (closing soonest first, days left),
upcoming and closed, and one page per process. The status comes from the
dates and the build date, so these pages' fingerprints include the date."""

from __future__ import annotations

CLOSED_ON_FIRST_PAGE = 15
PER_PAGE = 30


def write(site) -> None:
    model, idx, sink = site.model, site.idx, site.sink
    today = site.today.isoformat()
    fp = site.fp
    sink.page("participacion/index.html", "participation",
              [today, *(fp(c) for c in idx.open), "|", *(fp(c) for c in idx.upcoming), "|",
               str(len(idx.closed)), *(fp(c) for c in idx.closed[:CLOSED_ON_FIRST_PAGE]),
               *_inst_names(site, [*idx.open, *idx.upcoming,
                                   *idx.closed[:CLOSED_ON_FIRST_PAGE]])],
              open=idx.open, upcoming=idx.upcoming,
              closed=idx.closed[:CLOSED_ON_FIRST_PAGE], closed_count=len(idx.closed))
    sink.paginated("participacion/cerradas/", idx.closed, PER_PAGE, "participation_closed",
                   fingerprint_of=lambda c: fp(c) + _inst_name(site, c),
                   fingerprint=(today,))
    for c in model.consultations:
        inst = model.institution_of(c)
        source = model.source_name(c.source)
        sink.page(f"participacion/{model.slugs[c.id]}/index.html", "consultation",
                  [today, fp(c), inst.name if inst else "", source,
                   model.changes.record_digest(c.id)],
                  consultation=c, institution=inst, source_name=source,
                  status=idx.status[c.id])


def _inst_name(site, record) -> str:
    inst = site.model.institution_of(record)
    return inst.name if inst else ""


def _inst_names(site, records) -> list[str]:
    return [_inst_name(site, r) for r in records]
