"""DCAT-AP 3.0.1 of the whole catalog, in Turtle and JSON-LD: `catalogo/dcat.ttl`
and `catalogo/dcat.jsonld`, paged above PORTAL_DCAT_PAGE_SIZE datasets
(`catalogo/dcat-pagina-2.ttl`...) with a Hydra PartialCollectionView, as
data.europa.eu and CKAN's DCAT harvester read them; and one description per
dataset, `datos/<slug>/dataset.ttl` and `.jsonld`, linked from its page.

Pages hold the datasets in id order, so a changed dataset changes only its
page (and its own files), not the whole catalog: each page with its datasets'
files is one group of the build manifest, skipped at once when none of its
datasets changed.
"""

from __future__ import annotations

import time

from aggregator.records import Dataset

from .. import dcat_ap
from ..dcat_dqv import QualityText
from ..export_registry import Export
from ..manifest import digest
from ..rdf_text import jsonld_document, jsonld_nodes, turtle, turtle_header
from ..scorecard import board

PAGE_SIZE = 1000
FIRST = {"ttl": "catalogo/dcat.ttl", "jsonld": "catalogo/dcat.jsonld"}


def page_path(kind: str, n: int) -> str:
    return FIRST[kind] if n == 1 else f"catalogo/dcat-pagina-{n}.{kind}"


def _base(site, depth: int) -> str:
    """@base of a file `depth` folders below the root: the site's address when
    it is absolute (publishconf.py), else relative to the file."""
    siteurl = (site.settings.get("SITEURL") or "").rstrip("/")
    if siteurl.startswith(("http://", "https://")):
        return siteurl + "/"
    return "../" * depth


def writer(site) -> dcat_ap.DcatWriter:
    b = board(site)
    quality = QualityText(b) if b.check is not None else None
    return dcat_ap.DcatWriter(site.model, site.idx.facet_slug, site.settings, quality)


def context_digest(site) -> str:
    """What every description shows besides its record: the registry (names and
    codes), theme slugs, the portal's name and contact."""
    s = site.settings
    return digest(*(repr(i) for i in site.model.institutions.values()),
                  site.slug_exceptions_digest, board(site).quality_fp, repr(s.get("PORTAL_CONTACT")),
                  str(s.get("SITENAME")), str(s.get("SITE_TAGLINE")))


def write(site) -> None:
    model, sink = site.model, site.sink
    per_page = max(1, int(site.settings.get("PORTAL_DCAT_PAGE_SIZE") or PAGE_SIZE))
    datasets = sorted(model.datasets, key=lambda d: d.id)
    total = len(datasets)
    count = max(1, -(-total // per_page))
    ctx = writer(site)
    ctx_fp = context_digest(site)
    fps = site.item_fps()
    cat_base, ds_base = _base(site, 1), _base(site, 2)
    site.dcat_file_seconds = 0.0        # writing the per-dataset files (timings)
    for n in range(1, count + 1):
        chunk = datasets[(n - 1) * per_page: n * per_page]
        scores = _scores(site, ctx, chunk)
        if sink.group(f"dcat:{n}", (cat_base, ds_base, ctx_fp, str(n), str(count),
                                    str(total), repr(scores), *(fps[d.id] for d in chunk)),
                      sitemap=False):
            continue
        paging = None if count == 1 else (n, count, total, per_page)
        _page(site, ctx, n, chunk, paging, (ctx_fp, cat_base, ds_base), fps, scores)
        sink.end_group()
    timings = getattr(site.generator, "timings", None)
    if timings is not None:      # PORTAL_BUILD_TIMINGS: what the per-dataset files cost
        timings.append(f"dcat_files {2 * total} in {site.dcat_file_seconds:.1f}s")
    pages = {k: [page_path(k, n) for n in range(1, count + 1)] for k in FIRST}
    updated = site.exports.harvested(Dataset)
    size = f"{per_page:,}".replace(",", ".")
    about = (f"El catálogo completo en DCAT-AP 3.0.1, {size} conjuntos por archivo; "
             "las páginas siguientes se enlazan con hydra:next.")
    site.exports.add(Export(FIRST["ttl"], "Catálogo DCAT-AP (Turtle)", "Turtle", "text/turtle",
                            about, standard="DCAT-AP 3.0.1", pages=pages["ttl"], count=total,
                            updated=updated))
    site.exports.add(Export(FIRST["jsonld"], "Catálogo DCAT-AP (JSON-LD)", "JSON-LD",
                            "application/ld+json", about, standard="DCAT-AP 3.0.1",
                            pages=pages["jsonld"], count=total, updated=updated))
    site.exports.add(Export(
        "datos/<conjunto>/dataset.ttl", "Un conjunto de datos en DCAT-AP", "Turtle y JSON-LD",
        "text/turtle, application/ld+json",
        "La descripción de cada conjunto por separado, en datos/<conjunto>/dataset.ttl y "
        "dataset.jsonld; su página la enlaza con <link rel=\"alternate\">.",
        standard="DCAT-AP 3.0.1", per_record="datos/<conjunto>/dataset.ttl", count=total,
        updated=updated))


def _view(kind: str, paging: tuple | None) -> dict | None:
    if paging is None:
        return None
    n, count, total, per_page = paging
    return {"page": page_path(kind, n), "first": page_path(kind, 1),
            "last": page_path(kind, count), "total": total, "per_page": per_page,
            "next": page_path(kind, n + 1) if n < count else None,
            "previous": page_path(kind, n - 1) if n > 1 else None}


def _utf8(text: str) -> bytes:
    # A lone surrogate (broken text from a source) cannot be UTF-8: "?" instead.
    return text.encode("utf-8", "replace")


def _scores(site, ctx, chunk: list) -> dict:
    """The scorecard entries of the publishers of a page's datasets (DQV in that
    page only): the page changes when one of theirs does."""
    if ctx.quality is None:
        return {}
    ids = sorted({i.id for i in map(site.model.institution_of, chunk) if i is not None})
    return {i: ctx.quality.entries[i] for i in ids if i in ctx.quality.entries}


def _page(site, ctx, n: int, chunk: list, paging: tuple | None, fixed: tuple, fps,
          scores: dict) -> None:
    sink, slugs = site.sink, site.model.slugs
    ctx_fp, cat_base, ds_base = fixed
    ds_header = turtle_header(ds_base)
    texts = []
    for ds in chunk:
        t = ctx.dataset(ds)
        texts.append(t)
        shared = [ctx.shared(k) for k in t.keys]
        folder = f"datos/{slugs[ds.id]}/"
        fp = (ctx_fp, ds_base, fps[ds.id])
        started = time.perf_counter()
        sink.file(folder + "dataset.ttl", lambda t=t, shared=shared: _utf8(
            "".join([ds_header, t.ttl, *(s[0] for s in shared)])), fp)
        sink.file(folder + "dataset.jsonld", lambda t=t, shared=shared: _utf8(
            jsonld_document(ds_base, t.json, *(s[1] for s in shared))), fp)
        site.dcat_file_seconds += time.perf_counter() - started
    keys = list(dict.fromkeys([*(k for t in texts for k in t.keys),
                               *(k for i in scores for k in ctx.quality.institution_keys(i))]))
    shared = [ctx.shared(k) for k in keys]
    subjects = [f"datos/{slugs[ds.id]}/" for ds in chunk]
    head = dcat_ap.catalog_nodes(ctx, subjects, _view("ttl", paging))
    sink.file(page_path("ttl", n), lambda: map(_utf8, [
        turtle_header(cat_base), turtle(head), *(t.ttl for t in texts),
        *(s[0] for s in shared)]), None)
    head = dcat_ap.catalog_nodes(ctx, subjects, _view("jsonld", paging))
    sink.file(page_path("jsonld", n), lambda: _utf8(jsonld_document(
        cat_base, jsonld_nodes(head), *(t.json for t in texts), *(s[1] for s in shared))),
        None)
