"""/transparencia/: every institution's transparency links (Transparencia
Activa, access-to-information request, lobby register) and register entries;
one static page per institution stands in for a filter."""

from __future__ import annotations

PER_PAGE = 60           # institutions per page of /transparencia/
ENTRIES_PER_PAGE = 40   # register entries per page of an institution
LATEST = 10


def write(site) -> None:
    idx, sink = site.idx, site.sink
    rows = [(inst, site.transparency_links(inst), len(idx.transparency_by_inst.get(inst.id, [])))
            for inst in idx.directory]
    latest = site.model.transparency[:LATEST]
    sink.paginated("transparencia/", rows, PER_PAGE, "transparency",
                   fingerprint_of=lambda row: f"{row[0].id}{row[0].name}{row[1]}{row[2]}",
                   fingerprint=[site.fp(e) for e in latest], latest=latest,
                   total_entries=len(site.model.transparency))
    for inst, links, count in rows:
        entries = idx.transparency_by_inst.get(inst.id, [])
        sink.paginated(f"transparencia/{inst.id}/", entries, ENTRIES_PER_PAGE,
                       "transparency_institution", fingerprint_of=site.fp,
                       fingerprint=(repr(inst), repr(links)), institution=inst, links=links)
