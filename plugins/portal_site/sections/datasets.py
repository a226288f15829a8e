"""/datos/: one page per dataset, the paginated catalog (newest update first),
and static facet pages by institution, theme, format, license and tag."""

from __future__ import annotations

from .. import jsonld
from ..manifest import digest
from ..scorecard import board

PER_PAGE = 50           # datasets per listing page (keeps a page under 50 KB)
VALUES_PER_PAGE = 200   # facet values per page of a facet's index
SUMMARY_VALUES = 8      # values of each facet shown beside the catalog
RESOURCES_MAX = 40      # resources listed on a dataset page; the rest at the source
DESCRIPTION_MAX = 12_000
# The catalog and the pages of an institution or a theme list every dataset. A
# format, a license or a tag is shared by tens of thousands of datasets in a large
# catalog (each dataset has several), so their pages list the most recently updated
# ones (500, or 50 for a tag), say the total, and link to search for the rest:
# listing them all would double the pages of a 100,000-dataset build.
PAGES_MAX = {"formato": 10, "licencia": 10, "etiqueta": 1}


def write(site) -> None:
    _dataset_pages(site)
    _catalog(site)


def _dataset_pages(site) -> None:
    model = site.model
    by_source: dict[str, list] = {}
    for ds in model.datasets:
        by_source.setdefault(ds.source, []).append(ds)
    for source, items in by_source.items():
        file_digest = site.file_digests.get(source)
        if file_digest is None:          # not read from a file: page by page only
            _pages(site, items)
            continue
        # One fingerprint for all the pages of a source file: skipped at once when
        # nothing they show changed (the common case when another source changed).
        if site.sink.group(f"datasets:{source}", (
                file_digest, site.institutions_digest, site.slug_exceptions_digest,
                board(site).quality_fp,
                model.source_name(source), model.changes.source_digest(source),
                *(model.slugs[d.id] for d in items))):
            continue
        _pages(site, items)
        site.sink.end_group()


def _pages(site, items) -> None:
    model, sink = site.model, site.sink
    siteurl = site.settings.get("SITEURL", "")
    source_name = model.source_name
    # The facet pages a dataset links to follow from its record (its labels) and
    # the few facet slugs that are not slugify(label): those go in as one digest.
    exceptions = site.slug_exceptions_digest
    scores = board(site)
    for ds in items:
        slug = model.slugs[ds.id]
        inst = model.institution_of(ds)
        source = source_name(ds.source)
        fingerprint = (site.fp(ds), inst.name if inst else "", inst.id if inst else "",
                       source, exceptions, scores.quality_fp,
                       model.changes.record_digest(ds.id))
        save_as = f"datos/{slug}/index.html"
        if sink.keep_if_fresh(save_as, fingerprint):
            continue        # most pages of a changed source file: nothing else to prepare
        sink.page(save_as, "dataset", fingerprint,
                  lazy=lambda ds=ds: {"links": site.dataset_links(ds),
                                      "calidad": scores.dataset_quality(ds)},
                  dataset=ds, institution=inst, source_name=source,
                  resources=ds.resources[:RESOURCES_MAX],
                  more_resources=max(0, len(ds.resources) - RESOURCES_MAX),
                  long_description=len(ds.description_html or "") > DESCRIPTION_MAX,
                  ld=lambda ds=ds, slug=slug, inst=inst: jsonld.dataset(ds, slug, inst, siteurl))


def _summary(site) -> tuple[list, tuple[str, ...]]:
    facets = []
    parts = []
    for facet in site.idx.facets.values():
        top = facet.values[:SUMMARY_VALUES]
        facets.append((facet, top))
        parts.extend(f"{v.slug}:{v.label}:{v.count}" for v in top)
        parts.append(str(len(facet.values)))
    return facets, tuple(parts)


def _catalog(site) -> None:
    model, sink = site.model, site.sink
    summary, summary_fp = _summary(site)
    # All the listings at once: their content follows from the datasets' lines in
    # catalog order and the facet slugs, so from the source files' bytes (when
    # all were read from files) or else every line's fingerprint in order.
    content = site.snapshot_digest
    if content is None:
        fps = site.item_fps()
        content = digest(*(fps[ds.id] for ds in model.datasets))
    if sink.group("catalog", (content, site.slug_exceptions_digest, *summary_fp)):
        return
    _listings(site, summary, summary_fp)
    sink.end_group()


def _listings(site, summary, summary_fp) -> None:
    model, sink, idx = site.model, site.sink, site.idx
    site.render_lines(model.datasets)      # the lines not in the store, in batches
    sink.paginated("datos/", model.datasets, PER_PAGE, "catalog",
                   fingerprint_of=site.item_fps(), fingerprint=summary_fp,
                   facet=None, value=None, summary=summary)
    for facet in idx.facets.values():
        sink.paginated(facet.path, facet.values, VALUES_PER_PAGE, "facet_index",
                       fingerprint_of=lambda v: f"{v.slug}:{v.label}:{v.count}", facet=facet)
        most = PAGES_MAX.get(facet.key)
        for value in facet.values:
            shown = value.datasets if most is None else value.datasets[:most * PER_PAGE]
            sink.paginated(value.path, shown, PER_PAGE, "catalog",
                           fingerprint_of=site.item_fps(),
                           fingerprint=(value.label, str(value.count)),
                           facet=facet, value=value, summary=None)
