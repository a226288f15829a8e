"""Name, logo and colours come from the settings; colours are checked for WCAG AA
contrast; a colour that cannot work stops the build with a clear message."""

from __future__ import annotations

from conftest import ROOT, build_site

from plugins.portal_site.theme import DEFAULTS, ThemeColorError, colors, contrast, contrast_problems


def test_contrast_formula_matches_wcag():
    assert round(contrast("#000000", "#ffffff"), 1) == 21.0
    assert round(contrast("#777777", "#ffffff"), 2) == 4.48      # the classic near miss
    assert contrast("#ffffff", "#ffffff") == 1.0


def test_configured_colours_meet_aa():
    import pelicanconf
    palette = colors(pelicanconf.THEME_COLORS)
    assert contrast_problems(palette) == []
    assert set(DEFAULTS) <= set(palette) and palette["primary_dark"].startswith("#")


def test_low_contrast_is_reported_by_name():
    problems = contrast_problems(colors({"primary": "#8ab4f8"}))
    assert any("links (primary #8ab4f8 on background #ffffff)" in p for p in problems)
    assert any("header text" in p for p in problems)


def test_bad_colour_is_rejected():
    for bad in ({"primary": "blue"}, {"primario": "#000000"}):
        try:
            colors(bad)
        except ThemeColorError as exc:
            assert "THEME_COLORS" in str(exc)
        else:
            raise AssertionError(f"{bad} accepted")


def _conf(tmp_path, body: str):
    conf = tmp_path / "conf.py"
    conf.write_text(f"import sys\nsys.path.insert(0, {str(ROOT)!r})\n"
                    f"from pelicanconf import *\n{body}\n")
    return conf


def test_name_logo_and_colours_reach_every_page(tmp_path):
    (tmp_path / "data").mkdir()
    conf = _conf(tmp_path, 'SITENAME = "Portal Municipal de Prueba"\n'
                           'SITE_LOGO = "images/apps/presupuesto-abierto.svg"\n'
                           'THEME_COLORS = {**THEME_COLORS, "primary": "#1d5e20"}')
    proc = build_site(tmp_path / "data", tmp_path / "out", conf=conf)
    assert proc.returncode == 0, proc.stderr
    for page in ("index.html", "datos/index.html", "acerca/index.html",
                 "noticias/nace-el-portal/index.html"):
        html = (tmp_path / "out" / page).read_text()
        assert "Portal Municipal de Prueba" in html
        assert "--primary:#1d5e20" in html
        assert "images/apps/presupuesto-abierto.svg" in html


def test_unusable_colour_stops_the_build_without_traceback(tmp_path):
    (tmp_path / "data").mkdir()
    conf = _conf(tmp_path, 'THEME_COLORS = {"primary": "azul"}')
    proc = build_site(tmp_path / "data", tmp_path / "out", conf=conf)
    assert proc.returncode == 1
    assert "error: THEME_COLORS['primary']: 'azul' is not a #rrggbb colour" in proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr


def test_low_contrast_colour_warns_at_build(tmp_path):
    (tmp_path / "data").mkdir()
    conf = _conf(tmp_path, 'THEME_COLORS = {**THEME_COLORS, "muted": "#9a9a9a"}')
    proc = build_site(tmp_path / "data", tmp_path / "out", conf=conf)
    assert proc.returncode == 0
    assert "below the 4.5:1 of WCAG AA" in " ".join((proc.stdout + proc.stderr).split())


def test_docs_describe_every_colour_and_setting():
    from plugins.portal_site.theme import PROPERTIES

    doc = (ROOT / "docs" / "theme.md").read_text()
    for key in PROPERTIES:
        assert f"`{key}`" in doc
    for setting in ("SITENAME", "SITE_TAGLINE", "SITE_LOGO", "THEME_COLORS",
                    "PORTAL_EXPORT_DATA_JSON"):
        assert setting in doc
