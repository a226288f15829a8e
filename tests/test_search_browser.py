"""/buscar/ in a real headless Chromium over the built site and its index
(output/search/): queries and their first results (exact titles, plurals, words without
their accents, acronyms, filters, no results), the URL as the state (reload,
back), keyboard-only use, axe-core, nothing loaded off 127.0.0.1, JavaScript off.

Most queries run on the handcrafted corpus (test_search_corpus.py), where each
has one right answer; a few run on the bundled snapshot.
"""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

import pytest
import test_search_corpus as corpus
from conftest import StaticServer
from playwright.sync_api import TimeoutError as PlaywrightTimeout

pytestmark = pytest.mark.browser

DONE = "form[data-search=done], form[data-search=error]"


@pytest.fixture(scope="module")
def corpus_url(tmp_path_factory):
    server = StaticServer(corpus.build(tmp_path_factory))
    yield server.url
    server.close()


def search(probe, base: str, query: str = "", wait_counts: bool = False, **filters) -> list[dict]:
    params = [("q", query)] if query else []
    for key, values in filters.items():
        for v in ([values] if isinstance(values, str) else values):
            params.append((key, v))
    probe.goto(f"{base}/buscar/?{urlencode(params)}")
    return results(probe, wait_counts)


def results(probe, wait_counts: bool = False) -> list[dict]:
    page = probe.page
    try:
        page.wait_for_selector(DONE)
        if wait_counts:
            page.wait_for_selector("form[data-counts=done]")
    except PlaywrightTimeout:
        raise AssertionError(f"search did not finish on {page.url}: "
                             f"state {page.get_attribute('form#buscador', 'data-search')}, "
                             f"status {page.inner_text('#estado')!r}, "
                             f"console {probe.console_errors}") from None
    assert page.get_attribute("form#buscador", "data-search") == "done", \
        page.inner_text("#estado")
    return page.eval_on_selector_all("#lista > li", """items => items.map(li => ({
        title: li.querySelector('h3 a').textContent,
        href: li.querySelector('h3 a').getAttribute('href'),
        meta: li.querySelector('.meta').textContent,
        marks: [...li.querySelectorAll('.excerpt mark')].map(m => m.textContent)}))""")


def path_of(href: str) -> str:
    parts = urlsplit(href)
    return parts.path + (f"#{parts.fragment}" if parts.fragment else "") \
        if not parts.netloc or parts.hostname == "127.0.0.1" else href


# query (or filters) -> the first result's URL
FIRST = [
    # exact titles, one per kind of item
    ("Establecimientos de salud", {}, "/datos/establecimientos-de-salud/"),
    ("Listas de espera hospitalarias", {}, "/datos/listas-de-espera/"),
    ("Resultados electorales históricos", {}, "/datos/resultados-electorales/"),
    ("Presupuesto del sector público 2026", {}, "/datos/presupuesto-2026/"),
    ("Consulta sobre la ley de fármacos", {}, "/participacion/proceso-1/"),
    ("Mapa de consultorios", {}, "/apps/mapa-de-consultorios/"),
    ("Taller de datos abiertos para periodistas", {}, "/eventos/taller/"),
    ("Acerca del portal", {}, "/acerca/"),
    ("Nace el portal de gobierno abierto", {}, "/noticias/nace-el-portal/"),
    ("Campaña de invierno", {}, "https://salud.example/noticias/campana-invierno"),
    ("Audiencia sobre licencias médicas", {},
     "/transparencia/ministerio-de-salud/audiencia/a-001/"),
    ("Servicio Electoral", {}, "/instituciones/servicio-electoral/"),
    # a plural or a singular of a title word
    ("permiso", {}, "/datos/permisos-de-edificacion/"),
    ("presupuestos", {}, "/datos/presupuesto-2026/"),
    ("licitacion adjudicada", {}, "/datos/licitaciones-adjudicadas/"),
    ("camion", {}, "/datos/camiones-recoleccion/"),
    ("ambulancia", {}, "/transparencia/ministerio-de-salud/audiencia/a-002/"),
    ("talleres periodistas", {}, "/eventos/taller/"),
    # words without their accents (and ñ written n)
    ("informacion vacunacion", {}, "/datos/vacunacion-influenza/"),
    ("arboles urbanos", {}, "/datos/arboles-urbanos/"),
    ("nunoa", {}, "/instituciones/municipalidad-de-nunoa/"),
    ("ninos ninas", {}, "/datos/jardines-infantiles/"),
    ("padron", {}, "/datos/padron-electoral/"),
    ("farmacos", {}, "/participacion/proceso-1/"),
    ("matricula escolar", {}, "/datos/matricula-escolar/"),
    ("ciclovias", {}, "/participacion/proceso-2/"),
    # institutions by acronym or alias, and their records
    ("MINSAL", {}, "/instituciones/ministerio-de-salud/"),
    ("minsal", {}, "/instituciones/ministerio-de-salud/"),
    ("SERVEL", {}, "/instituciones/servicio-electoral/"),
    ("MINEDUC", {}, "/instituciones/ministerio-de-educacion/"),
    ("Registro Electoral de Chile", {}, "/instituciones/servicio-electoral/"),
    ("MINSAL urgencia", {}, "/datos/atenciones-de-urgencia/"),
    ("SERVEL padron", {}, "/datos/padron-electoral/"),
    # filters by type, institution, theme, format and year
    ("salud", {"tipo": "Participación"}, "/participacion/proceso-1/"),
    ("salud", {"tipo": "Noticias"}, "https://salud.example/noticias/campana-invierno"),
    ("salud", {"tipo": "Apps"}, "/apps/mapa-de-consultorios/"),
    ("datos", {"tipo": "Eventos"}, "/eventos/taller/"),
    ("MINSAL", {"tipo": "Conjuntos de datos", "formato": "JSON"},
     "/datos/establecimientos-de-salud/"),
    ("comuna", {"institucion": "Ministerio de Educación"}, "/datos/matricula-escolar/"),
    ("", {"institucion": "Municipalidad de Ñuñoa", "tema": "vivienda"},
     "/datos/permisos-de-edificacion/"),
    ("electoral", {"anio": "2021"}, "/datos/resultados-electorales/"),
]


@pytest.mark.parametrize("query,filters,first", FIRST,
                         ids=[f"{q or '-'}|{'&'.join(f'{k}={v}' for k, v in f.items())}"
                              for q, f, _ in FIRST])
def test_first_result(probe, corpus_url, query, filters, first):
    found = search(probe, corpus_url, query, **filters)
    assert found, f"no results for {query!r} {filters}"
    assert path_of(found[0]["href"]) == first, [path_of(r["href"]) for r in found[:5]]
    assert probe.console_errors == [] and probe.offsite == []


def test_filters_keep_only_matching_results(probe, corpus_url):
    found = search(probe, corpus_url, "salud", tipo="Conjuntos de datos")
    assert found and all(r["meta"].startswith("Conjunto de datos") for r in found)
    found = search(probe, corpus_url, "", institucion="Servicio Electoral")
    assert {path_of(r["href"]) for r in found} >= {
        "/instituciones/servicio-electoral/", "/datos/padron-electoral/",
        "/datos/resultados-electorales/"}
    assert all("Servicio Electoral" in r["meta"] for r in found)
    # Two values of one filter: either; two filters: both.
    found = search(probe, corpus_url, "salud", tipo=["Noticias", "Participación"])
    assert {r["meta"].split(" · ")[0] for r in found} == {"Noticia", "Participación"}


def test_acronym_finds_the_institution_and_its_records(probe, corpus_url):
    found = search(probe, corpus_url, "MINSAL")
    first = [path_of(r["href"]) for r in found[:6]]
    assert first[0] == "/instituciones/ministerio-de-salud/"
    assert all("Ministerio de Salud" in r["meta"] for r in found)
    assert len(found) >= 8   # its datasets, consultation, news and register entries


def test_results_show_type_institution_date_and_highlighted_excerpt(probe, corpus_url):
    found = search(probe, corpus_url, "postas")
    first = found[0]
    assert first["title"] == "Establecimientos de salud"
    assert first["meta"] == "Conjunto de datos · Ministerio de Salud · 20 de noviembre de 2026"
    assert [m.lower().rstrip(",.") for m in first["marks"]] == ["postas"]
    assert probe.page.inner_text("#estado") == "1 resultado para «postas»."


def test_dates_and_numbers_follow_the_page_language(probe, tmp_path_factory):
    """search.js formats in the language of <html lang> (the portal's DEFAULT_LANG)."""
    site = corpus.build(tmp_path_factory)
    page = (site / "buscar" / "index.html").read_text("utf-8")
    assert '<html lang="es">' in page
    (site / "buscar-en").mkdir(exist_ok=True)
    (site / "buscar-en" / "index.html").write_text(
        page.replace('<html lang="es">', '<html lang="en">'), "utf-8")
    server = StaticServer(site)
    try:
        probe.goto(f"{server.url}/buscar-en/?q=postas")
        found = results(probe)
    finally:
        server.close()
    assert found[0]["meta"] == "Conjunto de datos · Ministerio de Salud · November 20, 2026"


def test_sort_by_date_when_asked(probe, corpus_url):
    by_relevance = search(probe, corpus_url, "ministerio salud")
    total = probe.page.inner_text("#estado")
    by_date = search(probe, corpus_url, "ministerio salud", orden="fecha")
    assert probe.page.inner_text("#estado") == total
    assert probe.page.input_value("#orden") == "fecha"
    probe.page.click("#mas")
    probe.page.wait_for_function("document.querySelectorAll('#lista > li').length > 10")
    dates = probe.page.eval_on_selector_all(
        "#lista > li", "items => items.map(li => li.querySelector('time')?.dateTime || '')")
    dated = [d for d in dates if d]
    assert len(dated) >= 10 and dated == sorted(dated, reverse=True)
    assert dates == dated + [""] * (len(dates) - len(dated))   # undated items last
    assert [r["href"] for r in by_date] != [r["href"] for r in by_relevance]


def test_filter_counts_and_checkboxes(probe, corpus_url):
    search(probe, corpus_url, "salud", wait_counts=True)
    page = probe.page
    labels = page.eval_on_selector_all(
        "fieldset[data-filter=tipo] li", "els => els.map(e => e.textContent.trim())")
    counts = dict(label.rsplit(" (", 1) for label in labels)
    counts = {k: int(v.rstrip(")")) for k, v in counts.items()}
    assert counts["Conjuntos de datos"] >= 4 and counts["Participación"] == 1
    total = int(page.inner_text("#estado").split()[0])
    assert sum(counts.values()) == total
    page.check("fieldset[data-filter=tipo] input[value='Participación']")
    page.wait_for_selector("form[data-counts=done]")
    assert int(page.inner_text("#estado").split()[0]) == 1
    assert "tipo=Participaci%C3%B3n" in page.url
    # The other values of the group keep their counts, so they can be added.
    assert page.is_visible("fieldset[data-filter=tipo] input[value='Conjuntos de datos']")


def test_no_results_says_so_and_links_to_browse_pages(probe, corpus_url):
    assert search(probe, corpus_url, "xilófono cuántico") == []
    page = probe.page
    assert page.inner_text("#estado") == "Ningún resultado para «xilófono cuántico»."
    assert page.is_visible("#sin-resultados")
    links = page.eval_on_selector_all("#sin-resultados a", "as => as.map(a => a.pathname)")
    assert "/datos/" in links and "/instituciones/" in links and "/participacion/" in links
    # A common word beside one no document has: nothing, and no "Mostrar más"
    # (it was offered and did nothing at 1,000,000 documents).
    assert search(probe, corpus_url, "salud xilófono") == []
    assert page.inner_text("#estado") == "Ningún resultado para «salud xilófono»."
    assert not page.is_visible("#mas")


@pytest.mark.parametrize("query", ["Saltar", "reutilizadores", "Catálogo"])
def test_header_navigation_and_footer_are_not_indexed(probe, corpus_url, query):
    assert search(probe, corpus_url, query) == []


def test_url_round_trip_reload_and_back(probe, corpus_url):
    page = probe.page
    search(probe, corpus_url, "salud")
    first_url = page.url
    page.fill("#q", "presupuesto")
    page.press("#q", "Enter")
    page.wait_for_url("**q=presupuesto**")
    results(probe)
    page.wait_for_selector("form[data-counts=done]")
    page.check("fieldset[data-filter=tipo] input[value='Conjuntos de datos']")
    page.wait_for_url("**tipo=**")
    page.select_option("#orden", "fecha")
    page.wait_for_url("**orden=fecha**")
    found = results(probe)
    assert found and all(r["meta"].startswith("Conjunto de datos") for r in found)
    shared = page.url
    # Reload: the query, the filter and the order come back from the URL.
    page.reload()
    assert [r["href"] for r in results(probe, wait_counts=True)] == [r["href"] for r in found]
    assert page.input_value("#q") == "presupuesto"
    assert page.is_checked("fieldset[data-filter=tipo] input[value='Conjuntos de datos']")
    assert page.input_value("#orden") == "fecha"
    # Back: one step per search.
    page.go_back()
    page.wait_for_function("() => !location.search.includes('orden=')")
    results(probe, wait_counts=True)
    assert page.input_value("#orden") == ""
    assert page.is_checked("fieldset[data-filter=tipo] input[value='Conjuntos de datos']")
    page.go_back()
    page.go_back()
    page.wait_for_url(first_url)
    assert page.input_value("#q") == "salud"
    assert any(r["title"] == "Establecimientos de salud" for r in results(probe))
    # The shared link works in a fresh page.
    other = probe.context.new_page()
    other.goto(shared)
    other.wait_for_selector(DONE)
    assert other.input_value("#q") == "presupuesto"
    other.close()


def test_keyboard_only_search(probe, corpus_url):
    page = probe.page
    probe.goto(corpus_url + "/")
    # From the top of any page, a few Tabs reach the header search box.
    for _ in range(5):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "q-header":
            break
    assert page.evaluate("document.activeElement.id") == "q-header"
    page.keyboard.type("MINSAL")
    page.keyboard.press("Enter")
    page.wait_for_url("**/buscar/?q=MINSAL")
    found = results(probe, wait_counts=True)
    assert path_of(found[0]["href"]) == "/instituciones/ministerio-de-salud/"
    # On /buscar/: Tab to the first filter checkbox, Space to check it.
    page.focus("#q")
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.type") == "checkbox":
            break
    name = page.evaluate("document.activeElement.value")
    page.keyboard.press("Space")
    page.wait_for_selector("form[data-counts=done]")
    assert page.evaluate("document.activeElement.checked") is True
    assert page.evaluate("document.activeElement.value") == name
    # Then on to a result link and Enter opens it.
    for _ in range(80):
        page.keyboard.press("Tab")
        if page.evaluate("!!document.activeElement.closest('#lista')"):
            break
    href = page.evaluate("document.activeElement.getAttribute('href')")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**{urlsplit(href).path}")
    assert page.locator("h1").count() == 1


def test_show_more_moves_focus_to_the_new_results(probe, corpus_url):
    found = search(probe, corpus_url, "indicador regional")
    assert len(found) == 10
    page = probe.page
    assert int(page.inner_text("#estado").split()[0]) == 60
    page.focus("#mas")
    page.keyboard.press("Enter")
    page.wait_for_function("document.querySelectorAll('#lista > li').length === 20")
    assert page.evaluate("document.activeElement.closest('li') === "
                         "document.querySelectorAll('#lista > li')[10]")


def test_results_page_passes_axe_with_one_h1(probe, corpus_url):
    search(probe, corpus_url, "salud", wait_counts=True, tipo="Conjuntos de datos")
    assert probe.page.locator("h1").count() == 1
    assert probe.axe() == []
    search(probe, corpus_url, "xilófono")
    assert probe.axe() == []
    assert probe.offsite == [] and probe.console_errors == []


def test_result_links_lead_to_item_pages(probe, corpus_url):
    found = search(probe, corpus_url, "salud")
    local = [r["href"] for r in found if urlsplit(r["href"]).hostname in (None, "127.0.0.1")]
    assert len(local) >= 5
    for href in local[:8]:
        response = probe.page.goto(corpus_url + urlsplit(href).path)
        assert response.status == 200, href


def test_register_entry_anchor_is_on_its_listing_page(probe, corpus_url):
    found = search(probe, corpus_url, "ambulancias")
    href = found[0]["href"]
    probe.page.goto(corpus_url + urlsplit(href).path)
    assert "Reunión sobre compra de ambulancias" in probe.page.inner_text("main")


def test_without_javascript_the_page_says_so(probe_nojs, corpus_url):
    probe_nojs.goto(corpus_url + "/buscar/?q=salud")
    page = probe_nojs.page
    text = page.inner_text("main")
    assert "La búsqueda necesita JavaScript" in text
    links = page.eval_on_selector_all("main noscript a, main .notice a",
                                      "as => as.map(a => a.pathname)")
    assert "/datos/" in links and "/instituciones/" in links
    assert not page.is_visible("#buscador")
    assert page.locator("h1").count() == 1


def test_header_form_on_every_page_submits_to_search(probe, corpus_url):
    for path in ["/", "/datos/establecimientos-de-salud/", "/acerca/"]:
        probe.goto(corpus_url + path)
        probe.page.fill("#q-header", "padrón")
        probe.page.press("#q-header", "Enter")
        probe.page.wait_for_url("**/buscar/?q=padr%C3%B3n")
        assert path_of(results(probe)[0]["href"]) == "/datos/padron-electoral/"


# -- the bundled snapshot -------------------------------------------------------------

def test_bundled_site_minsal_and_titles(probe, site_url, bundled_site):
    from aggregator.records import Dataset
    from aggregator.snapshot import load_snapshot

    assert (bundled_site / "search" / "index.json").is_file()
    assert not (bundled_site / "pagefind").exists()
    found = search(probe, site_url, "MINSAL")
    assert path_of(found[0]["href"]) == "/instituciones/ministerio-de-salud/"
    snapshot = load_snapshot(corpus.ROOT / "content" / "data")
    titles = sorted({d.title for d in snapshot.records(Dataset) if len(d.title.split()) >= 3})
    assert titles
    for title in titles[:3]:
        found = search(probe, site_url, title)
        assert title in [r["title"] for r in found[:3]], (title, found[:3])
    assert probe.offsite == [] and probe.console_errors == []


# -- many small shards and blocks ----------------------------------------------------------

@pytest.fixture(scope="module")
def sharded(tmp_path_factory):
    """The same corpus cut into many term shards (about 600 bytes each) and
    postings blocks of 4, 16, 64 documents: every multi-block path runs."""
    out = corpus.build(tmp_path_factory, "search-corpus-sharded",
                       PORTAL_SEARCH_SHARD_BYTES="600", PORTAL_SEARCH_FIRST_BLOCK="4")
    server = StaticServer(out)
    yield server.url, out
    server.close()


def test_shards_and_blocks_are_merged_at_query_time(probe, sharded, corpus_url):
    import json

    url, out = sharded
    root = json.loads((out / "search" / "index.json").read_text("utf-8"))
    assert len(root["shards"]) >= 10 and root["first"] == 4
    for query, filters, first in FIRST[::3]:
        found = search(probe, url, query, **filters)
        assert found and path_of(found[0]["href"]) == first, (query, filters)
    # The same number of results and counts as one large shard, from every block.
    search(probe, corpus_url, "ministerio", wait_counts=True)
    single = probe.page.inner_text("#estado")
    search(probe, url, "ministerio", wait_counts=True)
    assert probe.page.inner_text("#estado") == single
    counts = probe.page.eval_on_selector_all(
        "fieldset[data-filter=tipo] .n", "ns => ns.map(n => Number(n.textContent.replace(/\\D/g, '')))")
    assert sum(counts) == int(single.split()[0])
    assert probe.offsite == [] and probe.console_errors == []


def test_date_sort_reads_every_block_in_order(probe, sharded):
    url, _ = sharded
    search(probe, url, "indicador", orden="fecha")
    page = probe.page
    while page.is_visible("#mas"):
        n = page.locator("#lista > li").count()
        page.click("#mas")
        page.wait_for_function(f"document.querySelectorAll('#lista > li').length > {n}")
    dates = page.eval_on_selector_all("#lista time", "ts => ts.map(t => t.dateTime)")
    assert len(dates) == 60 and dates == sorted(dates, reverse=True)
    assert dates[0] >= "2024" and dates[-1] < "2011"
    assert probe.console_errors == []


def test_index_loads_when_the_box_gets_the_focus(probe, corpus_url):
    probe.goto(corpus_url + "/buscar/")
    page = probe.page
    page.wait_for_load_state("networkidle")
    fetched = lambda: [r.url for r in probe.responses if "/search/" in r.url]
    assert fetched() == []   # a visit that never searches downloads no index
    with page.expect_response(lambda r: r.url.endswith("/search/index.json")):
        page.focus("#q")
    assert fetched() == [corpus_url + "/search/index.json"]
    assert page.evaluate("performance.getEntriesByName('search-preload').length") == 1


def test_long_filter_lists_fold_and_unfold_by_keyboard(probe, corpus_url):
    search(probe, corpus_url, "indicador", wait_counts=True)
    page = probe.page
    years = "fieldset[data-filter=anio] input[type=checkbox]"
    assert page.locator(years).count() == 8
    toggle = page.locator("fieldset[data-filter=anio] button.link")
    assert toggle.get_attribute("aria-expanded") == "false"
    toggle.focus()
    page.keyboard.press("Enter")
    assert page.locator(years).count() == 15
    assert page.evaluate("document.activeElement.getAttribute('aria-expanded')") == "true"
    assert page.evaluate("document.activeElement.textContent") == "Ver menos"


def test_publish_build_has_the_index_under_its_site_url(probe, tmp_path):
    """`make publish` (publishconf.py: absolute URLs) writes the index too, and
    the page finds it under SITEURL."""
    from conftest import ROOT, build_site

    out = tmp_path / "output"
    out.mkdir()
    server = StaticServer(out)   # serves whatever the build writes there
    try:
        proc = build_site(corpus.write(tmp_path / "data"), out, conf=ROOT / "publishconf.py",
                          content=corpus.write_content(tmp_path / "content"),
                          extra_env={"PORTAL_SITEURL": server.url})
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert (out / "search" / "index.json").is_file()
        page = (out / "buscar" / "index.html").read_text("utf-8")
        assert f'data-index="{server.url}/search/"' in page
        found = search(probe, server.url, "SERVEL")
        assert found[0]["href"] == f"{server.url}/instituciones/servicio-electoral/" \
            or path_of(found[0]["href"]) == "/instituciones/servicio-electoral/"
    finally:
        server.close()
