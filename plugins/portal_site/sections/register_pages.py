"""The register's own pages: one per entry (/transparencia/<institution>/<kind>/<id>/,
everything the register says and a link to it), the national listing of lobby
meetings with its filters as pages (/transparencia/lobby/, by year
/transparencia/lobby/<year>/; by institution, /transparencia/<institution>/audiencia/),
and the entities meetings name (/transparencia/entidades/, one page each with
its meetings across institutions). Pages are skipped when their fingerprint
did not change, as everywhere."""

from __future__ import annotations

from ..manifest import digest
from ..registers import kind_segment
from ..urls import slugify

LOBBY_PER_PAGE = 30
ENTITIES_PER_PAGE = 100
MEETINGS_PER_PAGE = 50


def write(site) -> None:
    reg = site.model.registers_index()
    _entries(site, reg)
    _lobby(site, reg)
    _entities(site, reg)


def _entries(site, reg) -> None:
    model, sink = site.model, site.sink
    paths, entity_of = model.entry_paths, reg.entity_of
    sources = {sid: model.source_name(sid) for sid in model.snapshot.sources}
    for e in model.transparency:
        inst = model.institution_of(e)
        entities = [entity_of.get(id(org)) for org in e.organizations]
        source = sources.get(e.source) or e.source
        fingerprint = (site.fp(e), paths[e.id], inst.name if inst else "", source,
                       *(ent.slug if ent else "" for ent in entities),
                       model.changes.record_digest(e.id))
        save_as = paths[e.id] + "index.html"
        if sink.keep_if_fresh(save_as, fingerprint):
            continue
        sink.page(save_as, "transparency_entry", fingerprint, entry=e, institution=inst,
                  orgs=list(zip(e.organizations, entities)), reg=reg, source_name=source,
                  kind=kind_segment(e.kind))


def _lobby(site, reg) -> None:
    model, sink = site.model, site.sink
    paths = model.entry_paths
    insts = model.institutions
    years = [(year, slugify(year), len(entries)) for year, entries in reg.years.items()]
    institutions = [(insts[iid], count) for iid, count in reg.audience_institutions()]
    filters = digest(repr(years), *(f"{i.id}\x1e{n}" for i, n in institutions),
                     site.institutions_digest)

    def line(e) -> str:
        return site.fp(e) + paths[e.id]

    # The filters are on the first page of each listing only: hundreds of
    # institutions on each of thousands of pages would weigh more than the meetings.
    common = {"years": years, "institutions": institutions, "total_all": len(reg.audiences),
                  "reg": reg}
    sink.paginated("transparencia/lobby/", reg.audiences, LOBBY_PER_PAGE, "transparency_lobby",
                   fingerprint_of=line, fingerprint=(filters,), year=None, **common)
    for year, slug, _ in years:
        sink.paginated(f"transparencia/lobby/{slug}/", reg.years[year], LOBBY_PER_PAGE,
                       "transparency_lobby", fingerprint_of=line, fingerprint=(filters, year),
                       year=year, **common)


def _entities(site, reg) -> None:
    sink, paths = site.sink, site.model.entry_paths
    entities = reg.entities_az()
    sink.paginated("transparencia/entidades/", entities, ENTITIES_PER_PAGE,
                   "transparency_entities",
                   fingerprint_of=lambda x: f"{x.slug}\x1e{x.name}\x1e{len(x.meetings)}"
                                            f"\x1e{len(x.institutions)}\x1e{x.tax_id}")

    def meeting(item) -> str:
        e, role = item
        return f"{site.fp(e)}{paths[e.id]}\x1e{role}"

    for ent in entities:
        sink.paginated(f"transparencia/entidades/{ent.slug}/", ent.meetings, MEETINGS_PER_PAGE,
                       "transparency_entity", fingerprint_of=meeting,
                       fingerprint=(ent.name, repr(ent.other_names), ent.tax_id or "",
                                    repr(ent.lines_of_business), repr(sorted(ent.institutions)),
                                    site.institutions_digest),
                       entity=ent, reg=reg)
