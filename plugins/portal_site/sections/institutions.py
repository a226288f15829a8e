"""/instituciones/: the directory (A-Z, by kind, by region) and one page per
institution with everything the portal holds about it.

The A-Z directory lists the institutions that have something to show: records
from a source, transparency links, a website, participation channels, or a
dependent institution that has. The others (bodies imported from a list, such
as ChileCompra's buyers, that no source publishes yet) are listed apart, in
/instituciones/sin-informacion/; every institution keeps its page, so the
links that kind and region pages, parents and search make stay valid."""

from __future__ import annotations

from .. import jsonld
from ..indexes import initial
from ..scorecard import board
from ..urls import unique_slugs
from . import obras

PER_PAGE = 150          # institutions per directory page
UNLISTED_PER_PAGE = 150
LATEST = 8              # items of each kind shown on an institution's page
NEWS_PER_PAGE = 20


def _inst_fp(inst) -> str:
    return repr(inst)


def split_directory(site) -> tuple[list, list]:
    """(institutions with something to show, the others), both A-Z; computed once."""
    cached = getattr(site, "_directory_split", None)
    if cached is not None:
        return cached
    idx = site.idx

    def own(inst) -> bool:
        return bool(idx.datasets_of(inst.id) or idx.news_by_inst.get(inst.id)
                    or idx.consultations_by_inst.get(inst.id)
                    or idx.transparency_by_inst.get(inst.id) or inst.website
                    or inst.participation or any(site.transparency_links(inst).values()))

    shown = {i.id for i in idx.directory if own(i)}
    shown |= {i.parent for i in idx.directory if i.id in shown and i.parent}
    site._directory_split = ([i for i in idx.directory if i.id in shown],
                             [i for i in idx.directory if i.id not in shown])
    return site._directory_split


def write(site) -> None:
    _directory(site)
    _groups(site, "tipo", "Por tipo", site.idx.by_kind)
    _groups(site, "region", "Por región", site.idx.by_region)
    for inst in site.idx.directory:
        _institution(site, inst)


def _letters(directory: list, per_page: int) -> list[tuple[str, str]]:
    """[(letter, link)] for the A-Z index; a letter links to where it starts."""
    out: list[tuple[str, str]] = []
    seen: set[str] = set()
    for n, inst in enumerate(directory):
        letter = initial(inst.name)
        if letter not in seen:
            seen.add(letter)
            page = n // per_page + 1
            base = "instituciones/" if page == 1 else f"instituciones/pagina/{page}/"
            out.append((letter, f"{base}#letra-{letter.lower()}"))
    return out


def _directory(site) -> None:
    listed, unlisted = split_directory(site)
    letters = _letters(listed, PER_PAGE)
    site.sink.paginated("instituciones/", listed, PER_PAGE, "institutions",
                        fingerprint_of=_inst_fp,
                        fingerprint=[*(x for pair in letters for x in pair), str(len(unlisted))],
                        letters=letters, group=None, group_label=None,
                        counts=_counts(site), unlisted=len(unlisted))
    site.sink.paginated("instituciones/sin-informacion/", unlisted, UNLISTED_PER_PAGE,
                        "institutions_unlisted", fingerprint_of=_inst_fp,
                        fingerprint=(str(len(listed)),), listed=len(listed))


def _counts(site) -> dict[str, int]:
    idx = site.idx
    return {"tipo": len(idx.by_kind), "region": len(idx.by_region)}


def _groups(site, key: str, title: str, groups: dict) -> None:
    slugs = unique_slugs(groups, reserved={"pagina"})
    entries = [(label, slugs[label], len(members)) for label, members in groups.items()]
    site.sink.page(f"instituciones/{key}/index.html", "institution_groups",
                   [repr(entries)], groups=entries, key=key, title=title)
    for label, members in groups.items():
        site.sink.paginated(f"instituciones/{key}/{slugs[label]}/", members, PER_PAGE,
                            "institutions", fingerprint_of=_inst_fp, fingerprint=(label,),
                            letters=None, group=(key, title), group_label=label, counts=None)


def _institution(site, inst) -> None:
    model, idx, today = site.model, site.idx, site.today
    datasets = idx.datasets_of(inst.id)
    news = idx.news_by_inst.get(inst.id, [])
    consultations = idx.consultations_by_inst.get(inst.id, [])
    entries = idx.transparency_by_inst.get(inst.id, [])
    parent = model.institutions.get(inst.parent) if inst.parent else None
    children = [i for i in idx.directory if i.parent == inst.id]
    sources = [(model.source_name(s), model.source_url(s))
               for s in idx.sources_by_inst.get(inst.id, [])]
    links = site.transparency_links(inst)
    status = idx.status
    active = [c for c in consultations if status[c.id] != "closed"]
    closed = [c for c in consultations if status[c.id] == "closed"][:LATEST]
    siteurl = site.settings.get("SITEURL", "")
    obras_summary = obras.institution_summary(site, inst.id)
    fingerprint = (repr(inst), repr(parent), repr(children), repr(sources), repr(links),
                   str(len(datasets)), *(site.item_fp(d) for d in datasets[:LATEST]),
                   str(len(news)), *(site.fp(n) for n in news[:LATEST]),
                   today.isoformat() if consultations else "",
                   *(site.fp(c) for c in consultations),
                   str(len(entries)), *(site.fp(e) for e in entries[:LATEST]),
                   *(f"{k}\x1e{len(v)}" for k, v in model.registers_index().kinds_of(inst.id)),
                   board(site).fingerprint(inst.id), model.changes.institution_digest(inst.id),
                   repr(obras_summary))
    site.sink.page(
        f"instituciones/{inst.id}/index.html", "institution", fingerprint,
        institution=inst, parent=parent, children=children, sources=sources, links=links,
        datasets=datasets[:LATEST], datasets_count=len(datasets),
        news=news[:LATEST], news_count=len(news), active=active, closed=closed,
        closed_count=sum(1 for c in consultations if status[c.id] == "closed"),
        entries=entries[:LATEST], entries_count=len(entries), obras_summary=obras_summary,
        ld=lambda: jsonld.organization(inst, siteurl, parent),
        lazy=lambda: {"evaluacion": board(site).view(inst)})
    if len(news) > LATEST:
        site.sink.paginated(f"instituciones/{inst.id}/noticias/", news, NEWS_PER_PAGE,
                            "institution_news", fingerprint_of=site.fp,
                            fingerprint=(inst.name,), institution=inst)

