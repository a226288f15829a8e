"""The `feed` adapter over real HTTP: every recorded real feed, broken and hostile
feeds, dedupe, caps, and participation listings published as feeds."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pytest
from harvest_helpers import FIXTURES, harvest, records, source_path

from aggregator import yamlio
from aggregator.adapters.feed import iso_datetime
from aggregator.config import ConfigError, parse_config

FEEDS = sorted((FIXTURES / "feeds").glob("*.xml"))
ISO_WITH_OFFSET = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$")
ISO_DATE = re.compile(r"^\d{4}-\d\d-\d\d$")
# Tags and attributes that must never come out of the sanitizer.
DANGEROUS = re.compile(r"<\s*(script|style|iframe|svg|form|meta|base|object|embed|img|input)"
                       r"|<[^>]*\son\w+\s*=|javascript:|vbscript:|data:text|data:image", re.IGNORECASE)


def feed_source(url: str, sid: str = "news", **options) -> dict:
    return {"id": sid, "adapter": "feed", "url": url, "options": options}


def serve(replay, path: str, body, content_type="application/rss+xml") -> str:
    replay.add(path, body, content_type=content_type)
    return replay.url + path


def status_of(status: dict, sid: str = "news") -> dict:
    return status["sources"][sid]


# -- every real feed ------------------------------------------------------------

@pytest.mark.parametrize("path", FEEDS, ids=lambda p: p.stem)
def test_every_recorded_feed_harvests(replay, tmp_path, path: Path):
    url = serve(replay, f"/{path.name}", path, "text/xml")
    code, status = harvest(tmp_path, [feed_source(url)])
    st = status_of(status)
    assert code == 0 and st["state"] == "ok", st
    got = records(tmp_path, "news")
    raw = path.read_bytes()
    tags = len(re.findall(rb"<(?:item|entry)[\s>]", raw))
    if "illegally_nested" in path.name:
        # Half the <item> tags are illegally nested shells: ignored, with a warning.
        assert len(got) == tags // 2
        assert any("empty entries" in n for n in st["notes"])
    else:
        assert len(got) == tags
    for rec in got.values():
        assert rec.TYPE == "news" and rec.title and "<" not in rec.title
        assert rec.url is None or rec.url.startswith(("http://", "https://"))
        assert rec.image is None or rec.image.startswith(("http://", "https://"))
        assert rec.published is None or ISO_WITH_OFFSET.match(rec.published) \
            or ISO_DATE.match(rec.published), rec.published
        assert not DANGEROUS.search(rec.summary_html or "")
        assert rec.publisher  # the channel's title, for reconciliation


@pytest.mark.parametrize("name, needle", [
    ("feed_rss2_oren_ru_windows-1251.xml", "Бузулуке"),
    ("feed_rss1_golem_iso8859-1.xml", "Glasfaserförderung"),
    ("feed_rss2_inovacaotecnologica_iso8859-1_ptbr.xml", "Revolução"),
    ("feed_rss091_dicasl_iso8859-1_ptbr.xml", "Expansão de Parâmetros"),
    ("feed_rss2_jn_pt_iso8859-1_feedburner.xml", "Mãe de utente"),
    ("feed_rss_uol_noticias_no_xmldecl_ptbr.xml", "campeã"),
])
@pytest.mark.parametrize("content_type", ["text/xml", "application/rss+xml; charset=utf-8"])
def test_declared_and_undeclared_encodings_decode(replay, tmp_path, name, needle,
                                                  content_type):
    # Served charset-less, or with a charset header that lies: the text still decodes.
    url = serve(replay, "/feed", FIXTURES / "feeds" / name, content_type)
    code, _ = harvest(tmp_path, [feed_source(url)])
    titles = " ".join(r.title for r in records(tmp_path, "news").values())
    assert code == 0 and needle in titles
    assert "Ã" not in titles and "\ufffd" not in titles  # no mojibake


def test_malformed_feeds_are_ok_with_a_warning(replay, tmp_path):
    sources = []
    for name in ("feed_rss2_dbengines_minimal.xml", "feed_rss_uol_noticias_no_xmldecl_ptbr.xml"):
        sid = "db" if "dbengines" in name else "uol"
        sources.append(feed_source(serve(replay, f"/{sid}", FIXTURES / "feeds" / name), sid))
    code, status = harvest(tmp_path, sources)
    assert code == 0
    assert any("undefined entity" in n for n in status["sources"]["db"]["notes"])
    assert any("parsed as windows-1252" in n for n in status["sources"]["uol"]["notes"])
    assert status["sources"]["uol"]["records"] == 15


def test_relative_links_resolve_against_the_feed(replay, tmp_path):
    url = serve(replay, "/blog/index.atom", FIXTURES / "feeds" /
                "feed_atom_intertwingly_relative_urls.xml", "application/atom+xml")
    harvest(tmp_path, [feed_source(url)])
    got = records(tmp_path, "news").values()
    assert all(r.url.startswith(replay.url + "/blog/20") for r in got)
    hrefs = re.findall(r'href="([^"]+)"', " ".join(r.summary_html or "" for r in got))
    assert hrefs and all(h.startswith(("http://", "https://", "mailto:")) for h in hrefs)


def test_published_keeps_the_feeds_timezone(replay, tmp_path):
    sources = [feed_source(serve(replay, f"/{n}", FIXTURES / "feeds" / f), n) for n, f in (
        ("nbc", "feed_rss2_nbcnewyork_cdata.xml"),
        ("shipster", "feed_rss2_nshipster_large_from_gzip.xml"),
        ("pcmag", "feed_rss2_pcmag_feedburner_illegally_nested.xml"))]
    harvest(tmp_path, sources, settings=None)
    nbc = next(iter(records(tmp_path, "nbc").values()))
    assert nbc.published == "2023-12-16T14:02:33+00:00"  # "02:02:33 PM", no zone given
    ship = records(tmp_path, "shipster")
    assert {r.published[-6:] for r in ship.values()} == {"-07:00", "-08:00"}  # PDT, PST
    pcmag = [r.published for r in records(tmp_path, "pcmag").values()]
    assert "2018-01-17T15:50:00-05:00" in pcmag  # "EST"


def test_images_from_media_rss_and_enclosures(replay, tmp_path):
    sources = [feed_source(serve(replay, f"/{n}", FIXTURES / "feeds" / f), n) for n, f in (
        ("yt", "feed_atom_youtube_mediarss.xml"), ("guardian", "feed_rss2_guardian_us.xml"),
        ("bbc", "feed_rss2_bbc_itunes.xml"))]
    harvest(tmp_path, sources)
    yt = next(iter(records(tmp_path, "yt").values()))
    assert yt.image == "https://i1.ytimg.com/vi/0A1ouV7iD8o/hqdefault.jpg"
    guardian = list(records(tmp_path, "guardian").values())
    assert all(r.image and "w=460" in r.image for r in guardian if r.image)  # widest kept
    assert sum(1 for r in guardian if r.image) > 40
    bbc = next(iter(records(tmp_path, "bbc").values()))
    assert bbc.image is None  # its enclosure is audio, not a picture


def test_max_items_keeps_the_newest(replay, tmp_path):
    url = serve(replay, "/g", FIXTURES / "feeds" / "feed_rss2_guardian_us.xml")
    code, status = harvest(tmp_path, [feed_source(url, max_items=10)])
    got = records(tmp_path, "news")
    assert code == 0 and len(got) == 10
    assert any("max_items" in n for n in status_of(status)["notes"])
    kept = min(datetime.fromisoformat(r.published) for r in got.values())
    harvest(tmp_path / "all", [feed_source(url, sid="all")])
    every = [datetime.fromisoformat(r.published) for r in records(tmp_path / "all", "all").values()]
    assert sum(1 for d in every if d >= kept) == 10


def test_unchanged_feed_is_a_conditional_request(replay, tmp_path):
    url = serve(replay, "/feed", FIXTURES / "feeds" / "feed_rss2_ghost_blog.xml")
    harvest(tmp_path, [feed_source(url)])
    code, status = harvest(tmp_path, [feed_source(url)])
    assert code == 0 and status_of(status)["state"] == "unchanged"
    assert replay.requests_to("/feed")[-1].conditional


# -- broken and hostile feeds ---------------------------------------------------

HTML_PAGE = b"""<!DOCTYPE html><html lang="es"><head><title>Noticias</title></head>
<body><h1>Noticias del ministerio</h1><a href="/rss">RSS</a></body></html>"""


def test_html_page_served_as_a_feed_fails_and_keeps_last_good_data(replay, tmp_path):
    good = FIXTURES / "feeds" / "feed_rss2_cloudflare_blog.xml"
    url = serve(replay, "/rss", good)
    harvest(tmp_path, [feed_source(url)])
    before = source_path(tmp_path, "news").read_bytes()
    replay.add("/rss", HTML_PAGE, content_type="text/html; charset=utf-8")
    code, status = harvest(tmp_path, [feed_source(url)])
    st = status_of(status)
    assert code == 3 and st["state"] == "failed"
    assert "HTML page, not a feed" in st["error"]
    assert source_path(tmp_path, "news").read_bytes() == before
    assert st["records"] == 1


def test_xml_truncated_before_any_item_fails(replay, tmp_path):
    raw = (FIXTURES / "feeds" / "feed_rss2_guardian_us.xml").read_bytes()
    cut = raw[: raw.index(b"<item>") + 30]
    code, status = harvest(tmp_path, [feed_source(serve(replay, "/cut", cut))])
    st = status_of(status)
    assert code == 3 and st["state"] == "failed"
    assert "no items" in st["error"] and "truncated" in st["error"]


def test_xml_truncated_after_some_items_is_ok_with_a_warning(replay, tmp_path):
    raw = (FIXTURES / "feeds" / "feed_rss2_guardian_us.xml").read_bytes()
    third = [m.start() for m in re.finditer(rb"<item>", raw)][3]
    code, status = harvest(tmp_path, [feed_source(serve(replay, "/cut", raw[: third + 40]))])
    st = status_of(status)
    assert code == 0 and st["state"] == "ok" and st["records"] == 3
    assert any("feed has errors" in n for n in st["notes"])


def test_connection_closed_mid_body_fails(replay, tmp_path):
    raw = (FIXTURES / "feeds" / "feed_rss2_guardian_us.xml").read_bytes()

    def cut(request, handler):
        handler.truncate(raw[:5000], len(raw), "application/rss+xml")
    replay.handle("/feed", cut)
    code, status = harvest(tmp_path, [feed_source(replay.url + "/feed")])
    assert code == 3 and "truncated" in status_of(status)["error"]


@pytest.mark.parametrize("body", [b"", b'{"items": []}', b"just some text\n"])
def test_bodies_that_are_not_feeds_fail(replay, tmp_path, body):
    code, status = harvest(tmp_path, [feed_source(serve(replay, "/x", body))])
    assert code == 3 and status_of(status)["state"] == "failed"
    assert status_of(status)["error"]


HOSTILE = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel>
<title>Ministerio &lt;script&gt;alert(1)&lt;/script&gt;</title><link>https://ejemplo.cl/</link>
<item><title>Aviso 1 &lt;script&gt;alert('t')&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;</title>
 <link>javascript:alert(3)</link><guid isPermaLink="false">h1</guid>
 <description><![CDATA[<p onclick="alert(4)">Texto <a href="javascript:alert(5)">uno</a>
  <a href="jav&#x09;ascript:alert(6)">dos</a> <a href="&#106;avascript:alert(7)">tres</a>
  <a href="vbscript:msgbox(8)">cuatro</a> <a href="data:text/html;base64,PHNjcmlwdD4=">cinco</a>
  <svg onload="alert(9)"><circle/></svg><iframe src="https://evil.example/"></iframe>
  <form action="https://evil.example/"><input name="rut"></form>
  <meta http-equiv="refresh" content="0;url=https://evil.example/">
  <base href="https://evil.example/"><style>body{display:none}</style>
  <script>alert(10)</script><a href="https://ejemplo.cl/ok">seis</a></p>]]></description>
 <media:content url="javascript:alert(11)" medium="image"/>
</item>
<item><title>Aviso 2</title><link>vbscript:msgbox(12)</link><guid>h2</guid>
 <description>&lt;img src="javascript:alert(13)" onerror=alert(13)&gt;Solo texto</description>
 <enclosure url="data:image/svg+xml;base64,PHN2Zy8+" type="image/svg+xml"/>
</item>
<item><title>Aviso 3</title><link>&#x6A;avascript:alert(14)</link><guid>h3</guid>
 <media:thumbnail url="https://ejemplo.cl/foto.jpg"/></item>
</channel></rss>"""


def test_hostile_markup_is_neutralized_and_items_kept(replay, tmp_path):
    code, status = harvest(tmp_path, [feed_source(serve(replay, "/evil", HOSTILE))])
    assert code == 0
    text = source_path(tmp_path, "news").read_text(encoding="utf-8")
    assert not DANGEROUS.search(text), DANGEROUS.search(text)
    assert "evil.example" not in text and "alert" not in text.replace("alert(", "")
    got = records(tmp_path, "news")
    assert set(got) == {"h1", "h2", "h3"}
    one = got["h1"]
    assert one.title.startswith("Aviso 1") and "<" not in one.title
    assert one.url is None and one.image is None
    assert 'href="https://ejemplo.cl/ok"' in one.summary_html
    assert got["h2"].url is None and got["h2"].image is None
    assert got["h3"].url is None and got["h3"].image == "https://ejemplo.cl/foto.jpg"
    assert "<" not in got["h1"].publisher
    assert any("dropped URL" in n for n in status_of(status)["notes"])


def test_duplicates_by_guid_and_by_link_are_kept_once(replay, tmp_path):
    feed = """<rss version="2.0"><channel><title>t</title>
    <item><title>A</title><link>https://e.cl/a</link><guid>1</guid></item>
    <item><title>A again</title><link>https://e.cl/a2</link><guid>1</guid></item>
    <item><title>B</title><link>https://e.cl/a</link><guid>2</guid></item>
    <item><title>C</title><link>https://e.cl/c</link><guid>3</guid></item>
    </channel></rss>"""
    code, status = harvest(tmp_path, [feed_source(serve(replay, "/d", feed))])
    assert code == 0 and sorted(records(tmp_path, "news")) == ["1", "3"]
    assert sum("duplicate item" in n for n in status_of(status)["notes"]) == 2


# -- participation listings published as feeds -----------------------------------

EVENTS = """<?xml version="1.0"?><rss version="2.0"
 xmlns:ev="http://purl.org/rss/1.0/modules/event/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel><title>Consultas ciudadanas</title>
<item><title>Consulta de ejemplo</title><link>https://e.cl/c/1</link>
 <description>&lt;p&gt;Opina&lt;/p&gt;</description><dc:creator>MINISTERIO DE SALUD</dc:creator>
 <pubDate>Mon, 02 Nov 2026 09:00:00 -0300</pubDate>
 <ev:startdate>2026-11-01</ev:startdate><ev:enddate>2026-12-20T18:00:00-03:00</ev:enddate></item>
<item><title>Sin fechas de evento</title><link>https://e.cl/c/2</link>
 <pubDate>Tue, 03 Nov 2026 09:00:00 -0300</pubDate></item>
</channel></rss>"""


def test_feed_as_participation_listing(replay, tmp_path):
    url = serve(replay, "/consultas", EVENTS)
    data = tmp_path / "data"
    data.mkdir()
    (data / "institutions.yaml").write_bytes(yamlio.dumps({"institutions": [
        {"id": "ministerio-de-salud", "name": "Ministerio de Salud", "acronym": "MINSAL"}]}))
    code, _ = harvest(tmp_path, [feed_source(url, record_type="consultation",
                                             start_field="ev_startdate",
                                             end_field="ev_enddate",
                                             publisher_field="author")])
    got = {r.url: r for r in records(tmp_path, "news").values()}
    assert code == 0
    one, two = got["https://e.cl/c/1"], got["https://e.cl/c/2"]
    assert one.TYPE == "consultation" and one.kind == "consulta pública"
    assert (one.start, one.end) == ("2026-11-01", "2026-12-20T18:00:00-03:00")
    assert one.institution == "ministerio-de-salud" and one.description_html == "<p>Opina</p>"
    assert two.start is None and two.end is None  # no event dates: left empty, not guessed


def test_feed_options_are_checked_with_the_configuration():
    with pytest.raises(ConfigError, match="record_type"):
        parse_config({"sources": [feed_source("https://e.cl/rss", record_type="agenda")]})
    with pytest.raises(ConfigError, match="timezone"):
        parse_config({"sources": [feed_source("https://e.cl/rss", timezone="Chile/Nowhere")]})
    with pytest.raises(ConfigError, match="unknown option"):
        parse_config({"sources": [feed_source("https://e.cl/rss", max_item=3)]})


@pytest.mark.parametrize("text, expected", [
    ("Seg, 24 Set 2018 19:42:40 -0300", "2018-09-24T19:42:40-03:00"),
    ("lun, 05 oct 2026 08:00:00 -0300", "2026-10-05T08:00:00-03:00"),
    ("Sat, Dec 16 2023 02:02:33 PM", "2023-12-16T14:02:33+00:00"),
    ("2026-11-26T10:00:00Z", "2026-11-26T10:00:00+00:00"),
    ("2022-12-17", "2022-12-17"),
    ("20/10/2026", "2026-10-20"),
    ("no es una fecha", None),
])
def test_dates_as_sources_write_them(text, expected):
    assert iso_datetime(text) == expected
