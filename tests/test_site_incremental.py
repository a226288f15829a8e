"""Incremental builds (plugins/portal_site/manifest.py): when the output folder
persists, a page whose inputs did not change is neither rendered nor written;
a change of data re-renders exactly the pages that show it; a template, code or
settings change re-renders everything; pages of removed records disappear."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import site_snapshot
import yaml
from conftest import ROOT, build_site

from aggregator.snapshot import read_source_file, write_source_file


def _stamps(out: Path) -> dict[str, int]:
    return {p.relative_to(out).as_posix(): p.stat().st_mtime_ns
            for p in out.rglob("*") if p.is_file()}


def _rewritten(before: dict, after: dict) -> set[str]:
    return {k for k, v in after.items() if before.get(k) != v}


def _build(data, out, **kw):
    proc = build_site(data, out, **kw)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return _stamps(out)


def _edit_dataset(data: Path, remote_id: str, **changes) -> None:
    sf = read_source_file(data / "sources" / "portal-datos.yaml", None)
    records = []
    for r in sf.records:
        if r.remote_id == remote_id:
            for k, v in changes.items():
                setattr(r, k, v)
        records.append(r)
    write_source_file(data, "portal-datos", "ckan", "2026-11-26T06:00:00+00:00", records,
                      cache_dir=False, name=sf.name, url=sf.url)


def _drop_dataset(data: Path, remote_id: str) -> None:
    sf = read_source_file(data / "sources" / "portal-datos.yaml", None)
    write_source_file(data, "portal-datos", "ckan", "2026-11-26T06:00:00+00:00",
                      [r for r in sf.records if r.remote_id != remote_id], cache_dir=False,
                      name=sf.name, url=sf.url)


def _rendered(proc) -> dict[str, int]:
    """Pages each section rendered, from PORTAL_BUILD_TIMINGS's line (a page
    rendered to the same bytes is not rewritten, so file times cannot tell)."""
    line = next(x for x in proc.stderr.splitlines() if x.startswith("Portal sections"))
    return {m[1]: int(m[2]) for m in re.finditer(r"; (\w+) (\d+) in ", line)}


def test_nothing_changed_nothing_rendered(tmp_path):
    data = site_snapshot.write(tmp_path / "data")
    out = tmp_path / "out"
    first = _build(data, out)
    second = _build(data, out)
    # Not one file rewritten: pages without a fingerprint, editors' pages, feeds,
    # the theme's files and the search index come out the same and are left alone.
    assert _rewritten(first, second) == set()
    assert len(second) == len(first) and len(first) > 150


def test_one_changed_record_rerenders_only_its_pages(tmp_path):
    data = site_snapshot.write(tmp_path / "data")
    out = tmp_path / "out"
    first = _build(data, out)
    _edit_dataset(data, "conjunto-7", title="Atenciones de urgencia corregidas")
    second = _build(data, out)
    changed = _rewritten(first, second)
    # The search index writes its own few files (tests/test_search_index.py).
    index = {p for p in changed if p.startswith("search/")}
    assert index and "search/index.json" in index
    rewritten = changed - index
    page = (out / "datos" / "conjunto-7" / "index.html").read_text()
    assert "<h1>Atenciones de urgencia corregidas</h1>" in page
    # Its page, the listings that show it, and the machine-readable outputs.
    assert "datos/conjunto-7/index.html" in rewritten
    assert "datos/conjunto-8/index.html" not in rewritten
    catalog = [p for p in rewritten if p.startswith("datos/") and "conjunto-" not in p]
    assert catalog and all(("conjunto-7" in (out / p).read_text()) for p in catalog
                           if p.endswith(".html"))
    # Lines reused from the fragment store are the new ones, not stale copies.
    for p in catalog:
        html = (out / p).read_text()
        assert html.count("Atenciones de urgencia corregidas") == html.count("datos/conjunto-7/")
    assert "Atenciones de urgencia corregidas" in (out / "catalogo" / "datasets.csv").read_text()
    assert "datos/pagina/3/index.html" not in rewritten
    assert "catalogo/datasets.csv" in rewritten
    assert len(rewritten) < 0.1 * len(second), sorted(rewritten)


def test_removed_record_page_is_removed(tmp_path):
    data = site_snapshot.write(tmp_path / "data")
    out = tmp_path / "out"
    _build(data, out)
    assert (out / "datos" / "conjunto-9" / "index.html").exists()
    _drop_dataset(data, "conjunto-9")
    after = _build(data, out)
    assert "datos/conjunto-9/index.html" not in after
    assert not (out / "datos" / "conjunto-9").exists()


def _theme_copy(tmp_path: Path) -> tuple[Path, Path]:
    theme = tmp_path / "theme"
    shutil.copytree(ROOT / "themes" / "portal", theme)
    conf = tmp_path / "conf.py"
    conf.write_text(f"import sys\nsys.path.insert(0, {str(ROOT)!r})\n"
                    "import os\nfrom pelicanconf import *\n"
                    f"THEME = {str(theme)!r}\n"
                    "SITENAME = os.environ.get('TEST_SITENAME', SITENAME)\n")
    return theme, conf


def test_template_change_rerenders_everything(tmp_path):
    data = site_snapshot.write(tmp_path / "data", count=30)
    out = tmp_path / "out"
    theme, conf = _theme_copy(tmp_path)
    first = _build(data, out, conf=conf)
    template = theme / "templates" / "dataset.html"
    template.write_text(template.read_text().replace("<h2>Recursos", "<h2>Archivos y recursos"))
    proc = build_site(data, out, conf=conf, extra_env={"PORTAL_BUILD_TIMINGS": "1"})
    assert proc.returncode == 0, proc.stderr
    second = _stamps(out)
    # Every page rendered again; only those that show the change are rewritten.
    rendered = _rendered(proc)
    assert rendered["datasets"] > 30 and rendered["institutions"] >= 4, rendered
    # (Their DCAT-AP files beside them do not show the template: kept.)
    dataset_pages = {p for p in first if p.startswith("datos/conjunto-") and p.endswith(".html")}
    assert _rewritten(first, second) == dataset_pages
    assert "Archivos y recursos" in (out / "datos" / "conjunto-1" / "index.html").read_text()


def test_settings_change_rerenders_everything(tmp_path):
    data = site_snapshot.write(tmp_path / "data", count=30)
    out = tmp_path / "out"
    _, conf = _theme_copy(tmp_path)
    first = _build(data, out, conf=conf)
    second = _build(data, out, conf=conf, extra_env={"TEST_SITENAME": "Portal de Prueba"})
    pages = [p for p in first if p.endswith(".html")]
    assert _rewritten(first, second) >= set(pages)
    assert "Portal de Prueba" in (out / "instituciones" / "index.html").read_text()


def test_a_failed_build_leaves_no_manifest_to_trust(tmp_path):
    data = site_snapshot.write(tmp_path / "data", count=30)
    out = tmp_path / "out"
    theme, conf = _theme_copy(tmp_path)
    _build(data, out, conf=conf)
    manifests = [p for p in (tmp_path / "cache" / "build").glob("*.marshal")
                 if not p.name.startswith(("fragments-", "exportfragments-", "records"))]
    assert len(manifests) == 1
    # A template that fails half-way through the portal's pages.
    broken = theme / "templates" / "institution.html"
    good = broken.read_text()
    broken.write_text(good.replace("{% block content %}", "{% block content %}{{ nope() }}"))
    proc = build_site(data, out, conf=conf)
    assert proc.returncode != 0
    assert not manifests[0].exists()
    broken.write_text(good)
    proc = build_site(data, out, conf=conf, extra_env={"PORTAL_BUILD_TIMINGS": "1"})
    assert proc.returncode == 0, proc.stderr
    assert _rendered(proc)["datasets"] > 30      # nothing trusted: all rendered again


PUBLISH = {"conf": ROOT / "publishconf.py",
           "extra_env": {"PORTAL_SITEURL": "https://portal.example"}}


def test_another_source_changing_skips_the_dataset_pages_and_listings(tmp_path):
    data = site_snapshot.write(tmp_path / "data")
    out = tmp_path / "out"
    first = _build(data, out, **PUBLISH)
    news = site_snapshot.news()
    news[0].title = "Noticia corregida"
    write_source_file(data, "noticias-minsal", "feed", "2026-11-26T06:00:00+00:00", news,
                      cache_dir=False, name="Noticias MINSAL (prueba)")
    second = _build(data, out, **PUBLISH)
    rewritten = _rewritten(first, second)
    assert not any(p.startswith("datos/") for p in rewritten)
    assert "noticias/index.html" in rewritten
    assert "Noticia corregida" in (out / "noticias" / "index.html").read_text()
    sitemap = (out / "sitemap.xml").read_text()      # kept pages are still listed
    assert "<loc>https://portal.example/datos/conjunto-1/</loc>" in sitemap
    assert "<loc>https://portal.example/datos/pagina/2/</loc>" in sitemap


def test_a_wiped_output_is_rebuilt_whole(tmp_path):
    data = site_snapshot.write(tmp_path / "data", count=30)
    out = tmp_path / "out"
    first = _build(data, out)
    shutil.rmtree(out)
    second = _build(data, out)
    pages = {p for p in first if p.endswith(".html")}
    assert pages and pages == {p for p in second if p.endswith(".html")}


def test_record_fingerprints_follow_each_record(tmp_path):
    """Fingerprints come from each record's YAML text when the file is laid out
    as the snapshot writer does, and from the record itself otherwise."""
    from aggregator import yamlio
    from plugins.portal_site.manifest import chunk_digests, match_chunks

    data = site_snapshot.write(tmp_path / "data", count=12)
    path = data / "sources" / "portal-datos.yaml"
    records = read_source_file(path, None).records
    before = match_chunks(chunk_digests(path.read_bytes()), records)
    assert before is not None and len(set(before.values())) == 12
    _edit_dataset(data, "conjunto-7", title="Otro título")
    records = read_source_file(path, None).records
    after = match_chunks(chunk_digests(path.read_bytes()), records)
    changed = {rid for rid in before if before[rid] != after[rid]}
    assert changed == {"portal-datos:ds-7"}
    # Another tool's layout (indented list items): no chunks, so records are hashed.
    doc = yamlio.load_file(path)
    other = tmp_path / "other.yaml"
    other.write_text(yaml.safe_dump(doc, indent=4, default_flow_style=False,
                                    allow_unicode=True).replace("\n- id:", "\n  - id:"))
    assert match_chunks(chunk_digests(other.read_bytes()), records) is None


def test_fragment_store_writes_a_delta_until_it_grows(tmp_path):
    """A few changed datasets go to a small delta file beside the store, applied
    when it is read; past a tenth of the store it is rewritten whole."""
    from plugins.portal_site.fragments import LINE, FragmentStore

    ids = [f"s:{n}" for n in range(100)]
    store = FragmentStore(tmp_path, "g1")
    for rid in ids:
        store.put(rid, f"fp-{rid}", LINE, f"<li>{rid}</li>")
    store.save(ids)
    assert store.path.exists() and not store.delta_path.exists()
    whole = store.path.stat().st_mtime_ns

    store = FragmentStore(tmp_path, "g1")
    store.put("s:3", "fp-new", LINE, "<li>corregido</li>")
    store.save(ids[1:])                        # s:0 left the snapshot
    assert store.delta_path.exists() and store.path.stat().st_mtime_ns == whole
    assert store.delta_path.stat().st_size < store.path.stat().st_size / 10

    again = FragmentStore(tmp_path, "g1")
    assert again.get("s:3", "fp-new", LINE) == "<li>corregido</li>"
    assert again.get("s:3", "fp-s:3", LINE) is None        # the stale line is gone
    assert "s:0" not in again.entries and len(again.entries) == 99
    assert again.get("s:50", "fp-s:50", LINE) == "<li>s:50</li>"

    for rid in ids[1:20]:                      # 19 more changes: past a tenth
        again.put(rid, "fp-2", LINE, "x")
    again.save(ids[1:])
    assert not again.delta_path.exists() and again.path.stat().st_mtime_ns != whole
    last = FragmentStore(tmp_path, "g1")
    assert last.get("s:3", "fp-2", LINE) == "x" and len(last.entries) == 99
    # Another configuration's store (other global fingerprint) is not read.
    assert FragmentStore(tmp_path, "g2").entries == {}


def test_one_changed_source_rewrites_one_cache_file(tmp_path):
    """The record cache keeps one file per source file version: a change writes
    the changed file's entries only, and drops the old version's."""
    data = site_snapshot.write(tmp_path / "data", count=30)
    out = tmp_path / "out"
    _build(data, out)
    build_cache = tmp_path / "cache" / "build"
    [records_dir] = [p for p in build_cache.iterdir() if p.name.startswith("records-")]
    sources = len(list((data / "sources").glob("*.yaml")))
    before = {p.name: p.stat().st_mtime_ns for p in records_dir.glob("*.marshal")}
    assert len(before) == sources + 1 and "stats.marshal" in before
    [store] = build_cache.glob("fragments-*.marshal")
    whole = store.stat().st_mtime_ns

    _edit_dataset(data, "conjunto-2", title="Conjunto corregido")
    _build(data, out)
    after = {p.name: p.stat().st_mtime_ns for p in records_dir.glob("*.marshal")}
    assert len(after) == sources + 1
    new = set(after) - set(before)
    assert len(new) == 1 and len(set(before) - set(after)) == 1
    kept = set(before) & set(after) - {"stats.marshal"}
    assert all(before[name] == after[name] for name in kept)
    # The fragment store got a delta with the changed line, not a rewrite.
    assert store.stat().st_mtime_ns == whole
    delta = store.with_name(store.name + ".delta")
    assert delta.exists() and b"Conjunto corregido" in delta.read_bytes()
    # Templates are compiled once, into the cache.
    assert list((tmp_path / "cache" / "jinja").iterdir())


def test_an_institution_renamed_reaches_its_listings_and_exports(tmp_path):
    """The catalog's listings and exports are fingerprinted by the source files'
    bytes and the institutions' names: a renamed institution (no source file
    changed) must still reach every listing line and CSV row that shows it."""
    data = site_snapshot.write(tmp_path / "data", count=60)
    out = tmp_path / "out"
    first = _build(data, out)
    registry = data / "institutions.yaml"
    registry.write_text(registry.read_text("utf-8").replace(
        "name: Municipalidad de Ñuñoa", "name: Ilustre Municipalidad de Ñuñoa"), "utf-8")
    second = _build(data, out)
    rewritten = _rewritten(first, second)
    assert "datos/index.html" in rewritten and "catalogo/datasets.csv" in rewritten
    assert "Ilustre Municipalidad de Ñuñoa" in (out / "datos" / "index.html").read_text()
    assert "Ilustre Municipalidad de Ñuñoa" in (out / "catalogo" / "datasets.csv").read_text()
    page = (out / "datos" / "conjunto-4" / "index.html").read_text()
    assert "Ilustre Municipalidad de Ñuñoa" in page
    # Datasets of other institutions keep their pages.
    assert "datos/conjunto-7/index.html" not in rewritten


def test_a_build_from_light_records_is_the_same_site(tmp_path):
    """The second build takes unchanged source files' datasets from the record
    cache without descriptions and resources (light.py); rendered whole (a new
    output folder), it must give the very same files as the first, which read
    every record from the snapshot."""
    data = site_snapshot.write(tmp_path / "data", count=60)
    timings = {"PORTAL_BUILD_TIMINGS": "1"}
    first = build_site(data, tmp_path / "out1", extra_env=timings)
    second = build_site(data, tmp_path / "out2", extra_env=timings)
    assert first.returncode == 0 and second.returncode == 0, second.stderr
    assert " 0 datasets from the record cache" in first.stderr
    assert " 60 datasets from the record cache" in second.stderr
    one, two = tmp_path / "out1", tmp_path / "out2"

    def site_files(out):       # the search index included: the same documents
        return sorted(p.relative_to(out) for p in out.rglob("*") if p.is_file())
    files = site_files(one)
    assert len(files) > 100 and files == site_files(two)
    different = [str(f) for f in files if (one / f).read_bytes() != (two / f).read_bytes()]
    assert different == []
    assert any(f.parts[0] == "search" for f in files)
    # Descriptions and resources are there: filled in from the snapshot.
    page = (two / "datos" / "conjunto-7" / "index.html").read_text()
    assert "Recursos (" in page


def test_light_records_fill_in_their_heavy_fields(tmp_path):
    from aggregator.records import Dataset
    from plugins.portal_site import light

    data = site_snapshot.write(tmp_path / "data", count=12)
    path = data / "sources" / "portal-datos.yaml"
    full = {r.id: r for r in read_source_file(path, None).records}
    light.forget()
    made = [light.from_light(str(path), light.to_light(r)) for r in full.values()]
    ds = made[3]
    assert isinstance(ds, Dataset) and ds.title == full[ds.id].title
    assert ds.description_html == full[ds.id].description_html
    assert ds.resources == full[ds.id].resources and ds.resources
    assert [m.to_dict() for m in made] == [r.to_dict() for r in full.values()]
    try:
        made[0].nope  # noqa: B018
    except AttributeError:
        pass
    else:
        raise AssertionError("an unknown attribute must still raise AttributeError")
