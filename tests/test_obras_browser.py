"""/obras/ in a real headless Chromium: axe-core finds no violation, nothing loads
from another host, pages read at 320 px without horizontal scrolling and
without JavaScript (the progress is text as well as a bar)."""

from __future__ import annotations

import obras_snapshot
import pytest
import site_snapshot
from conftest import StaticServer, assert_fits

PAGES = ["/obras/", "/obras/todas/", "/obras/atrasadas/", "/obras/regiones/",
         "/obras/region/metropolitana-de-santiago/", "/obras/instituciones/", "/obras/tipos/",
         "/obras/etapa/en-ejecucion/", "/obras/hospital-de-ejemplo-nueva-torre-1/",
         "/obras/parque-planificado-5/", "/obras/escuela-terminada-3/",
         "/obras/obra-script-alert-1-script-con-b-marcas-b-6/",
         "/obras/sede-vecinal-retirada-90/",
         "/instituciones/ministerio-de-salud/", "/catalogo/"]
BUNDLED = ["/obras/", "/obras/regiones/", "/obras/atrasadas/", "/obras/viaducto-san-martin-807/",
           "/obras/institucion/ar-caba-ministerio-de-salud/",
           "/instituciones/ar-caba-ministerio-de-salud/"]


@pytest.fixture(scope="module")
def obras_url(tmp_path_factory):
    out = site_snapshot.build_once(tmp_path_factory, "obras", obras_snapshot.write)
    with StaticServer(out) as url:
        yield url


@pytest.mark.browser
@pytest.mark.parametrize("path", PAGES)
def test_obras_page_in_chromium(probe, obras_url, path):
    probe.assert_page_ok(obras_url + path)


@pytest.mark.browser
@pytest.mark.parametrize("path", BUNDLED)
def test_bundled_obras_page_in_chromium(probe, site_url, path):
    probe.assert_page_ok(site_url + path)


@pytest.mark.browser
@pytest.mark.parametrize("path", ["/obras/", "/obras/hospital-de-ejemplo-nueva-torre-1/",
                                  "/obras/regiones/", "/obras/todas/",
                                  "/obras/obra-script-alert-1-script-con-b-marcas-b-6/"])
def test_no_horizontal_scroll_at_320px(narrow, obras_url, path):
    assert_fits(narrow, obras_url + path)


@pytest.mark.browser
def test_bundled_summary_has_no_horizontal_scroll_at_320px(narrow, site_url):
    for path in ("/obras/", "/obras/viaducto-san-martin-807/"):
        assert_fits(narrow, site_url + path)


@pytest.mark.browser
def test_readable_without_javascript(probe_nojs, obras_url):
    page = probe_nojs.page
    probe_nojs.goto(obras_url + "/obras/hospital-de-ejemplo-nueva-torre-1/")
    assert page.locator("h1").inner_text() == "Hospital de Ejemplo: nueva torre"
    assert page.locator("text=Atrasada: 149 días").is_visible()
    bar = page.locator("progress#avance")
    assert bar.get_attribute("value") == "55" and bar.is_visible()
    assert page.locator("label[for=avance]").inner_text() == "Avance: 55 %"
    probe_nojs.goto(obras_url + "/obras/")
    assert page.locator("svg.chart").count() == 3 and page.locator("svg.chart").first.is_visible()
    table = page.locator("table", has=page.locator("caption", has_text="Distribución del avance"))
    assert table.is_visible() and table.locator("tbody tr").count() == 7
    assert probe_nojs.console_errors == [] and probe_nojs.offsite == []


@pytest.mark.browser
def test_works_are_found_by_search_with_their_filters(probe, site_url):
    from test_search_browser import path_of, search

    found = search(probe, site_url, "Viaducto San Martín", tipo="Obras")
    assert found and path_of(found[0]["href"]) == "/obras/viaducto-san-martin-807/"
    assert "Obra" in found[0]["meta"]
    found = search(probe, site_url, "viaducto", etapa="En ejecución", region="Comuna 15")
    assert [path_of(f["href"]) for f in found] == ["/obras/viaducto-san-martin-807/"]
    assert search(probe, site_url, "viaducto", etapa="Detenida", region="Comuna 15") == []
