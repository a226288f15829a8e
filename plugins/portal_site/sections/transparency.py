"""/transparencia/: every institution's transparency links (Transparencia
Activa, access-to-information request, lobby register) and its register
entries by kind (meetings, trips, gifts), with a listing per kind:
/transparencia/<institution>/ and /transparencia/<institution>/<kind>/.
The entries' own pages, the national lobby listing and the entities are in
register_pages.py."""

from __future__ import annotations

from aggregator.records import Institution

from ..registers import NO_INSTITUTION
from .institutions import split_directory

PER_PAGE = 60           # institutions per page of /transparencia/
ENTRIES_PER_PAGE = 40   # entries per page of an institution's listing of one kind
KIND_LATEST = 10        # entries of each kind on /transparencia/<institution>/
LATEST = 10


def write(site) -> None:
    idx, sink, model = site.idx, site.sink, site.model
    reg = model.registers_index()
    # The institutions of the directory: a body imported from a list that no
    # source publishes yet would only get an empty row and an empty page.
    rows = [(inst, site.transparency_links(inst), len(idx.transparency_by_inst.get(inst.id, [])))
            for inst in split_directory(site)[0]]
    latest = model.transparency[:LATEST]
    sink.paginated("transparencia/", rows, PER_PAGE, "transparency",
                   fingerprint_of=lambda row: f"{row[0].id}{row[0].name}{row[1]}{row[2]}",
                   fingerprint=[site.fp(e) for e in latest]
                   + [str(len(reg.audiences)), str(len(reg.entities))],
                   latest=latest, total_entries=len(model.transparency),
                   lobby_count=len(reg.audiences), entity_count=len(reg.entities))
    paths = model.entry_paths

    def line(e) -> str:
        return site.fp(e) + paths[e.id]

    institutions = [(inst, links) for inst, links, _ in rows]
    if reg.by_inst_kind.get(NO_INSTITUTION):
        institutions.append((Institution(id=NO_INSTITUTION, name="Sin institución identificada"),
                             None))
    for inst, links in institutions:
        kinds = reg.kinds_of(inst.id)
        shown = [(kind, entries[:KIND_LATEST], len(entries)) for kind, entries in kinds]
        fingerprint = (repr(inst), repr(links), *(f"{k}\x1e{n}" for k, _, n in shown),
                       *(line(e) for _, entries, _ in shown for e in entries))
        sink.page(f"transparencia/{inst.id}/index.html", "transparency_institution",
                  fingerprint, institution=inst, links=links, kinds=shown, reg=reg)
        for kind, entries in kinds:
            sink.paginated(f"transparencia/{inst.id}/{kind}/", entries, ENTRIES_PER_PAGE,
                           "transparency_kind", fingerprint_of=line,
                           fingerprint=(repr(inst), kind), institution=inst, kind_name=kind,
                           reg=reg)
