"""Language, country, navigation and footer are settings (pelicanconf.py), not
code: another country's portal is configuration."""

from __future__ import annotations

import pytest
import site_snapshot
from conftest import ROOT, build_site

OTHER_COUNTRY = """
import sys
sys.path.insert(0, {root!r})
from pelicanconf import *
DEFAULT_LANG = "pt"
LOCALE = ("pt_BR.UTF-8", "C.UTF-8")
TIMEZONE = "America/Sao_Paulo"
PORTAL_NAV = PORTAL_NAV + [("Governo", "https://gov.example.br/")]
PORTAL_FOOTER_TEXT = "Dados de cada instituição."
PORTAL_FOOTER_LINKS = [("Contato", "https://gov.example.br/contato")]
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("pt")
    conf = root / "conf.py"
    conf.write_text(OTHER_COUNTRY.format(root=str(ROOT)))
    proc = build_site(site_snapshot.write(root / "data", count=12), root / "out", conf=conf)
    assert proc.returncode == 0, proc.stderr
    return root / "out"


def test_language_of_pages_dates_and_feeds(site):
    home = (site / "index.html").read_text()
    assert home.startswith('<!doctype html>\n<html lang="pt">')
    part = (site / "participacion" / "index.html").read_text()
    assert "26 de novembro de 2026" in part          # Babel, pt
    for feed in ("noticias.atom.xml", "noticias-instituciones.atom.xml",
                 "participacion.atom.xml"):
        assert 'xml:lang="pt"' in (site / "feeds" / feed).read_text(), feed
    assert '"lang":"pt"' in (site / "search" / "index.json").read_text()


def test_navigation_and_footer_from_settings(site):
    home = (site / "index.html").read_text()
    nav = home[home.index('<nav class="site-nav"'):home.index("</nav>")]
    assert '<a href="./obras/">Obras</a>' in nav
    assert '<a href="https://gov.example.br/">Governo</a>' in nav
    assert nav.index(">Datos<") < nav.index(">Obras<")
    datos = (site / "datos" / "index.html").read_text()
    assert '<a href="../datos/" aria-current="page">Datos</a>' in datos
    footer = home[home.index("<footer"):]
    assert "Dados de cada instituição." in footer
    assert '<a href="https://gov.example.br/contato">Contato</a>' in footer
    assert "Suscripciones (Atom)" not in footer       # replaced, not added to


@pytest.mark.parametrize("value, message", [
    ('[("Datos",)]', "PORTAL_NAV[1]: expected (label, address)"),
    ('[("Datos", "/datos/")]', "PORTAL_NAV[1]: address '/datos/' must be site-relative"),
    ('[("Datos", "javascript:alert(1)")]', "must be site-relative"),
    ('"datos/"', "PORTAL_NAV: expected a list of (label, address)"),
])
def test_a_bad_navigation_setting_is_a_named_error(tmp_path, value, message):
    conf = tmp_path / "conf.py"
    conf.write_text(f"import sys\nsys.path.insert(0, {str(ROOT)!r})\nfrom pelicanconf import *\n"
                    f"PORTAL_NAV = {value}\n")
    proc = build_site(site_snapshot.write(tmp_path / "data", count=3), tmp_path / "out",
                      conf=conf)
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
    assert message in proc.stderr, proc.stderr


def test_an_unknown_language_is_a_named_error(tmp_path):
    conf = tmp_path / "conf.py"
    conf.write_text(f"import sys\nsys.path.insert(0, {str(ROOT)!r})\nfrom pelicanconf import *\n"
                    "DEFAULT_LANG = 'klingon'\n")
    proc = build_site(site_snapshot.write(tmp_path / "data", count=3), tmp_path / "out",
                      conf=conf)
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
    assert "DEFAULT_LANG: 'klingon' is not a language" in proc.stderr, proc.stderr
