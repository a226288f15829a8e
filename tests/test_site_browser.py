"""The site in a real headless Chromium: every section page and one item page of
each kind loads with one <h1>, no console error, no request off 127.0.0.1 and no
axe-core violation; keyboard, JavaScript-off and 320 px checks."""

from __future__ import annotations

import pytest
import site_snapshot
from conftest import StaticServer, assert_fits
from test_site_sections import SECTION_PAGES


@pytest.fixture(scope="module")
def handmade_url(tmp_path_factory):
    out = site_snapshot.build_once(tmp_path_factory, "handmade", site_snapshot.write)
    server = StaticServer(out)
    yield server.url
    server.close()


def _check(probe, url: str, expect_status: int = 200):
    response = probe.goto(url)
    assert response.status == expect_status
    assert probe.page.locator("h1").count() == 1
    assert probe.console_errors == []
    assert probe.offsite == []
    violations = probe.axe()
    assert violations == [], violations


@pytest.mark.browser
@pytest.mark.parametrize("path", SECTION_PAGES)
def test_page_in_chromium(probe, handmade_url, path):
    _check(probe, handmade_url + path)


@pytest.mark.browser
def test_missing_page_gets_the_404_page(probe, handmade_url):
    # Python's static server answers 404 with its own body; a static host serves
    # 404.html there. The page itself must work from any depth: absolute paths.
    probe.goto(handmade_url + "/404.html")
    css = probe.page.evaluate("getComputedStyle(document.body).fontFamily")
    assert "system-ui" in css or "sans-serif" in css      # the stylesheet loaded
    html = probe.page.content()
    assert 'href="/theme/css/portal.css"' in html


BUNDLED_PAGES = ["/", "/datos/", "/instituciones/", "/participacion/", "/transparencia/",
                 "/noticias/", "/apps/", "/eventos/", "/estado/", "/feeds/", "/catalogo/",
                 "/acerca/", "/evaluacion/", "/evaluacion/metodologia/"]


@pytest.mark.browser
@pytest.mark.parametrize("path", BUNDLED_PAGES)
def test_bundled_site_page_in_chromium(probe, site_url, path):
    _check(probe, site_url + path)


@pytest.mark.browser
def test_bundled_site_item_pages_in_chromium(probe, site_url, bundled_site):
    """One page of each kind the bundled snapshot has (it grows as sources land)."""
    checked = 0
    for folder in ("instituciones", "datos", "participacion", "transparencia", "noticias"):
        items = sorted(p for p in (bundled_site / folder).glob("*/index.html")
                       if p.parent.name not in {"pagina", "tipo", "region", "temas", "tema",
                                                "formatos", "formato", "licencias",
                                                "licencia", "etiquetas", "etiqueta",
                                                "instituciones", "institucion", "cerradas"})
        if items:
            _check(probe, f"{site_url}/{folder}/{items[0].parent.name}/")
            checked += 1
    assert checked >= 2      # at least the institution and transparency pages


@pytest.mark.browser
def test_keyboard_reaches_skip_link_then_search_field(probe, handmade_url):
    page = probe.page
    probe.goto(handmade_url + "/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    assert page.locator(".skip-link").is_visible()           # visible once focused
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    for _ in range(5):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "q-header":
            break
    assert page.evaluate("document.activeElement.id") == "q-header"
    # The skip link moves the focus to the main content.
    probe.goto(handmade_url + "/datos/conjunto-1/")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "contenido"


@pytest.mark.browser
def test_search_form_submits_to_the_search_page(probe, handmade_url):
    page = probe.page
    probe.goto(handmade_url + "/datos/conjunto-1/")
    page.fill("#q-header", "salud")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.startswith(handmade_url + "/buscar/?q=salud")


@pytest.mark.browser
def test_home_and_dataset_readable_without_javascript(probe_nojs, handmade_url):
    page = probe_nojs.page
    probe_nojs.goto(handmade_url + "/")
    assert page.locator("h1").inner_text() == "Portal de Gobierno Abierto"
    assert page.locator(".counts li").count() == 3
    assert page.locator("text=Consulta sobre la ley de fármacos").is_visible()
    assert page.locator("text=Establecimientos de salud").first.is_visible()
    probe_nojs.goto(handmade_url + "/datos/conjunto-1/")
    assert page.locator("h1").inner_text() == "Establecimientos de salud"
    assert page.locator(".resources li").count() == 2
    assert page.locator(".resources li").first.is_visible()
    assert probe_nojs.console_errors == [] and probe_nojs.offsite == []


@pytest.mark.browser
@pytest.mark.parametrize("path", ["/", "/datos/conjunto-1/", "/datos/conjunto-3/", "/datos/",
                                  "/instituciones/ministerio-de-salud/", "/participacion/",
                                  "/estado/", "/transparencia/", "/catalogo/",
                                  "/participacion/proceso-1/", "/eventos/taller-datos-abiertos/"])
def test_no_horizontal_scroll_at_320px(narrow, handmade_url, path):
    assert_fits(narrow, handmade_url + path)
