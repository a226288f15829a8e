"""Sanitizing at aggregation, and the shared field normalizers."""

from __future__ import annotations

import pytest

from aggregator.normalize import (
    eu_theme,
    format_name,
    frequency,
    iso_date,
    make_license,
    size_bytes,
    theme_label,
)
from aggregator.sanitize import (
    Warnings,
    clean_html,
    fix_mojibake,
    markdown_html,
    plain_list,
    plain_text,
    rich_html,
    safe_url,
    text_html,
)


@pytest.mark.parametrize("raw, expected", [
    ("  Presupuesto   <b>2024</b>\n", "Presupuesto 2024"),
    ("<script>alert(1)</script>Salud", "Salud"),
    ("<style>p{}</style>Educación &amp; cultura", "Educación & cultura"),
    ("&lt;img src=x onerror=alert(1)&gt;Datos", "Datos"),  # double-encoded markup
    ("Ã\x81reas verdes", "Áreas verdes"),  # UTF-8 read as Latin-1 upstream
    ("2007/08.Â  If fewer", "2007/08. If fewer"),
    ("SÃO PAULO", "SÃO PAULO"),  # real text with Ã stays
    ("tab\x00\x07", "tab"),
    ("<p></p>", None),
    (None, None),
])
def test_plain_text(raw, expected):
    assert plain_text(raw) == expected


def test_plain_text_limit_and_lists():
    assert plain_text("x" * 50, limit=10) == "x" * 9 + "…"
    assert plain_list(["salud", "<b>salud</b>", "", None, "educación"]) == ["salud", "educación"]
    assert plain_list("una") == ["una"]


@pytest.mark.parametrize("html, kept, dropped", [
    ('<p onclick="x()">Hola <a href="https://a.cl" onmouseover="y()">a</a></p>',
     ['<p>Hola <a href="https://a.cl" rel="noopener noreferrer nofollow">a</a></p>'],
     ["onclick", "onmouseover"]),
    (('<a href="javascript:alert(1)">j</a><a href="&#106;avascript:x">e</a>'
     '<a href="mailto:datos@gob.cl">m</a>'), ['href="mailto:datos@gob.cl"'],
     ["javascript", "&#106;"]),
    (('<iframe src="https://x"></iframe><object></object><embed src="x"><form><input></form>'
     '<meta http-equiv="refresh"><base href="https://x"><style>a{}</style><svg onload="x"/>'
     '<img src="x" onerror="y">texto'), ["texto"],
     ["iframe", "object", "embed", "form", "input", "meta", "base", "style", "svg", "img"]),
    ('<a href="/dataset/x">rel</a>', ['href="https://portal.cl/dataset/x"'], []),
])
def test_clean_html(html, kept, dropped):
    out = clean_html(html, "https://portal.cl/")
    for k in kept:
        assert k in out
    for d in dropped:
        assert d not in out


def test_markdown_text_and_rich():
    assert markdown_html("**Datos** de [salud](https://minsal.cl)\n\n* uno") == (
        '<p><strong>Datos</strong> de <a href="https://minsal.cl" rel="noopener noreferrer '
        'nofollow">salud</a></p>\n<ul>\n<li>uno</li>\n</ul>')
    assert "<script" not in markdown_html("hola <script>alert(1)</script>")
    assert "javascript" not in markdown_html("[x](javascript:alert(1))")
    assert text_html("a < b\n\nc & d") == "<p>a &lt; b</p><p>c &amp; d</p>"
    assert rich_html("Uno\nDos") == "<p>Uno Dos</p>"
    assert rich_html("<DIV><P>Alto</P></DIV>") == "<p>Alto</p>"
    assert markdown_html("  ") is None and text_html(None) is None


@pytest.mark.parametrize("url, expected", [
    ("https://datos.gob.cl/dataset/x", "https://datos.gob.cl/dataset/x"),
    ("mailto:datos@gob.cl", "mailto:datos@gob.cl"),
    ("/dataset/x", "https://portal.cl/dataset/x"),
    ("https://x.cl/a b.csv", "https://x.cl/a%20b.csv"),
    ("javascript:alert(1)", None),
    ("JaVaScRiPt:alert(1)", None),
    ("jav\tascript:alert(1)", None),
    ("&#106;avascript:alert(1)", None),
    ("&#x6A;avascript&colon;alert(1)", None),
    ("vbscript:msgbox(1)", None),
    ("data:text/html;base64,PHNjcmlwdD4=", None),
    ("ftp://x.cl/f.csv", None),
    ("https://", None),
])
def test_safe_url(url, expected):
    warnings = Warnings()
    assert safe_url(url, "https://portal.cl/", warnings) == expected
    assert len(warnings) == (0 if expected else 1)


def test_fix_mojibake_only_when_it_round_trips():
    assert fix_mojibake("InformaciÃ³n pÃºblica") == "Información pública"
    assert fix_mojibake("Ã and ½") == "Ã and ½"


@pytest.mark.parametrize("raw, expected", [
    ("2017-08-05T03:19:33.886925", "2017-08-05T03:19:33"),
    ("2019-09-30 22:00:00", "2019-09-30T22:00:00"),
    ("2016-04-14T19:48:05.433640-03:00", "2016-04-14T19:48:05-03:00"),
    ("2022-07-29T10:07:13.000Z", "2022-07-29T10:07:13+00:00"),
    ("2014-09-25", "2014-09-25"),
    ("2024", "2024"),
    ("2024-05", "2024-05"),
    ("", None),
])
def test_iso_date(raw, expected):
    warnings = []
    assert iso_date(raw, warnings.append) == expected
    assert warnings == []


@pytest.mark.parametrize("raw", ["06/05/2009", "mar, 10/12/2019 - 09:23", "2024-13",
                                 "2019-02-30", "R/P1D", "mañana"])
def test_unreadable_dates_are_null_with_a_warning(raw):
    warnings = []
    assert iso_date(raw, warnings.append, "issued date") is None
    assert len(warnings) == 1 and "issued date" in warnings[0] and raw[:10] in warnings[0]


@pytest.mark.parametrize("args, expected", [
    (("csv",), "CSV"), ((".xlsx",), "XLSX"), (("Web Page",), "HTML"),
    (("http://publications.europa.eu/resource/authority/file-type/GEOJSON",), "GEOJSON"),
    ((None, "https://www.iana.org/assignments/media-types/text/csv"), "CSV"),
    ((None, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), "XLSX"),
    (("OGC:WMS",), "WMS"), (("WWW:LINK-1.0-http--link",), "HTML"),
    ((None, None, "https://x.cl/datos/archivo.csv?dl=1"), "CSV"),
    ((None, None, "https://x.cl/datos/"), None),
    (("<b>pdf</b>",), "PDF"),
])
def test_format_name(args, expected):
    assert format_name(*args) == expected


@pytest.mark.parametrize("raw, expected", [
    (43008.0, 43008), ("5120", 5120), ("42 octets", 42), ("2 KB", 2048), ("1,5 MB", 1572864),
    ("", None), (None, None), (-3, None),
])
def test_size_bytes(raw, expected):
    assert size_bytes(raw) == expected


def test_size_bytes_unreadable_warns():
    warnings = []
    assert size_bytes("grande", warnings.append) is None and len(warnings) == 1


@pytest.mark.parametrize("raw, expected", [
    ("R/P1Y", "R/P1Y"), ("r/p0.5m", "R/P0.5M"), ("http://purl.org/cld/freq/daily", "R/P1D"),
    ("http://publications.europa.eu/resource/authority/frequency/ANNUAL_2", "R/P6M"),
    ("Annual", "R/P1Y"), ("asNeeded", "irregular"), ("eventual", "irregular"),
    ("cada luna llena", "cada luna llena"), ("unknown", None), (None, None),
])
def test_frequency(raw, expected):
    assert frequency(raw) == expected


def test_themes_and_licenses():
    assert theme_label("http://publications.europa.eu/resource/authority/data-theme/HEAL") \
        == "Salud"
    assert theme_label("http://datos.gob.es/kos/sector-publico/sector/medio-ambiente") \
        == "medio-ambiente"
    assert theme_label("http://eurovoc.europa.eu/100142") is None
    assert eu_theme("educ") == "Educación, cultura y deportes" and eu_theme("XX") is None
    lic = make_license("cc-by", None, "javascript:alert(1)")
    assert (lic.id, lic.title, lic.url) == ("cc-by", "cc-by", None)
    lic = make_license(title="http://www.etalab.gouv.fr/licence")
    assert (lic.title, lic.url) == (None, "http://www.etalab.gouv.fr/licence")
    lic = make_license(title="<p>Licencia abierta: https://x.cl/lic.</p>")
    assert (lic.title, lic.url) == ("Licencia abierta: https://x.cl/lic.", "https://x.cl/lic")
    assert make_license(None, "", None) is None
