"""The register's pages on the bundled site (the real InfoLobby export): one page
per meeting, trip and gift; an institution's entries by kind; the national lobby
listing and its filters; entities across institutions; the directory; the home
page leading with Chile's own records. In Chromium with axe for each page type."""

from __future__ import annotations

import html
import re
from collections import Counter, defaultdict

import pytest
import site_snapshot
from conftest import ROOT, assert_fits
from site_pages import parse, read_page

from aggregator.snapshot import load_snapshot


@pytest.fixture(scope="module")
def snapshot():
    return load_snapshot(ROOT / "content" / "data", cache_dir=None)


@pytest.fixture(scope="module")
def entries(snapshot):
    return [r for r in snapshot.records() if r.TYPE == "transparency"]


def entry_url(e) -> str:
    return f"/transparencia/{e.institution}/{e.kind}/{e.remote_id.split('-', 1)[1]}/"


def unescape(text: str) -> str:
    return html.unescape(text)


def test_every_meeting_trip_and_gift_has_its_page_with_what_the_register_says(
        bundled_site, entries):
    kinds = Counter(e.kind for e in entries)
    assert kinds == {"audiencia": 343, "viaje": 456, "donativo": 700}
    for e in entries:
        text = unescape(read_page(bundled_site, entry_url(e)))
        assert e.title[:60] in text
        if e.url:
            assert f'href="{e.url}"' in text and "ver en el registro" in text
        for p in e.persons:
            assert f"<th scope=\"row\">{p['name']}</th>" in text
    meeting = unescape(read_page(bundled_site,
                                 "/transparencia/subsecretaria-de-energia/audiencia/597/"))
    assert "Maximo Jorge Pacheco Matte</th><td>Autoridad o funcionario (sujeto pasivo)</td>" \
        "<td>Ministro(a)</td>" in meeting
    assert "Daniel Elkort</th><td>Gestor de intereses</td>" in meeting
    assert re.search(r'<a href="[./]*transparencia/entidades/pattern-chile-development-'
                     r'holdings-spa/">Pattern Chile Development Holdings SpA</a></th><td>'
                     r'Representada</td><td>76321088k</td><td>desarrollo proyectos ERNC', meeting)
    assert "60 minutos" in meeting and "Presencial" in meeting
    by_id = {e.remote_id: e for e in entries}
    trip = unescape(read_page(bundled_site, entry_url(by_id["viaje-186"])))
    assert "Washington DC, Estados Unidos" in trip and "$383.093" in trip
    assert "declara un costo total de $5.165" in trip
    gift = unescape(read_page(bundled_site, entry_url(by_id["donativo-686"])))
    assert "Abdulla Mohammed Al-Maainah" in gift and "CORTESÍA" in gift


def test_an_institution_lists_its_entries_by_kind_with_counts(bundled_site, entries):
    by_inst = defaultdict(Counter)
    for e in entries:
        by_inst[e.institution][e.kind] += 1
    for iid, counts in by_inst.items():
        html = read_page(bundled_site, f"/transparencia/{iid}/")
        for kind, n in counts.items():
            label = {"audiencia": "Audiencias", "viaje": "Viajes", "donativo": "Donativos"}[kind]
            assert f'<h2 id="{kind}">{label} ({n})</h2>' in html
            listing = parse(bundled_site, bundled_site / "transparencia" / iid / kind /
                            "index.html")
            assert f"{n} en total" in listing.text
    own = read_page(bundled_site, "/instituciones/subsecretaria-de-energia/")
    counts = by_inst["subsecretaria-de-energia"]
    for kind, label in (("audiencia", "Audiencias"), ("viaje", "Viajes"),
                        ("donativo", "Donativos")):
        assert re.search(rf'transparencia/subsecretaria-de-energia/{kind}/">{label}</a> '
                         rf'<span class="count">{counts[kind]}</span>', own)


def test_lobby_listing_with_year_and_institution_filters_as_pages(bundled_site, entries):
    meetings = [e for e in entries if e.kind == "audiencia"]
    first = read_page(bundled_site, "/transparencia/lobby/")
    assert "343 audiencias, de la más reciente a la más antigua" in first
    years = Counter(e.date[:4] for e in meetings)
    for year, n in years.items():
        html = read_page(bundled_site, f"/transparencia/lobby/{year}/")
        assert f"{n} audiencias" in html and f"/lobby/{year}/" in first
    # Newest first across every page of the listing.
    dates, url = [], "/transparencia/lobby/"
    while url:
        html = read_page(bundled_site, url)
        dates += re.findall(r'<li class="entry">\s*<a[^>]*>.*?</a>\s*<span class="meta">'
                            r'<time datetime="([\d-]+)"', html, re.DOTALL)
        nxt = re.search(r'href="([^"]*)" rel="next"', html)
        url = "/transparencia/lobby/" + nxt.group(1).split("lobby/", 1)[1] if nxt else None
    assert len(dates) == 343 and dates == sorted(dates, reverse=True)
    institutions = {e.institution for e in meetings}
    for iid in institutions:
        assert f"transparencia/{iid}/audiencia/" in first


def test_an_entity_page_joins_its_meetings_across_institutions(bundled_site, entries):
    meetings = defaultdict(list)
    for e in entries:
        for o in e.organizations:
            if o["tax_id"] == "81458500k":
                meetings[e.institution].append(e)
    assert len(meetings) == 2          # one entity, two institutions
    index = read_page(bundled_site, "/transparencia/entidades/")
    slug = re.search(r'href="[./]*transparencia/entidades/([^/"]+)/">Cámara CHilena de la '
                     r'Construcción A.G.</a>|href="[./]*transparencia/entidades/([^/"]+)/">'
                     r'Camara Chilena de la Construcción</a>', index)
    assert slug
    html = read_page(bundled_site, f"/transparencia/entidades/{slug.group(1) or slug.group(2)}/")
    assert "81458500k" in html and "También registrada como:" in html
    for es in meetings.values():
        for e in es:
            assert entry_url(e).lstrip("/") in html
    assert f"<dt>Instituciones</dt><dd>{len(meetings)}</dd>" in html


def test_the_directory_lists_bodies_with_records_and_the_others_apart(bundled_site, snapshot):
    listed = read_page(bundled_site, "/instituciones/")
    unlisted = read_page(bundled_site, "/instituciones/sin-informacion/")
    total = len(snapshot.institutions)
    shown = len(re.findall(r'class="item-title" href="[^"]*instituciones/[^/"]+/"', listed))
    rest = int(re.search(r"([\d.]+) organismos públicos están en el registro", unlisted)
               .group(1).replace(".", ""))
    assert 60 < shown < 150 and shown + rest == total > 850     # 908 bundled bodies
    assert f"{rest} organismos del registro</a> aún no tienen información" in listed
    # Every institution keeps its page, so kind, region and search links stay valid.
    for inst in snapshot.institutions:
        assert (bundled_site / "instituciones" / inst.id / "index.html").is_file()


def test_home_leads_with_chiles_register_and_foreign_records_say_their_country(bundled_site):
    home = read_page(bundled_site, "/")
    assert home.index('id="lobby"') < home.index('id="cierran"') < home.index('id="noticias"')
    assert "Las 343 audiencias de lobby" in home
    news = home[home.index('id="noticias"'):home.index('id="recientes"')]
    assert "(Reino Unido)" in news or "(Alemania)" in news or "(Portugal)" in news
    datasets = home[home.index('id="recientes"'):]
    assert re.search(r"\((Francia|Alemania|España|Estados Unidos|Reino Unido|Argentina|Suecia)\)",
                     datasets)
    nobel = read_page(bundled_site, "/datos/")
    assert "(Suecia)" in nobel or "(Francia)" in nobel


def test_entries_written_with_names_as_strings_still_build(tmp_path_factory):
    """The handmade snapshot writes persons and organizations as plain names, as
    snapshots did before they carried roles."""
    out = site_snapshot.build_once(tmp_path_factory, "handmade", site_snapshot.write)
    html = read_page(out, "/transparencia/ministerio-de-salud/audiencia/a1/")
    assert "<th scope=\"row\">Persona 1</th><td>Asistente</td>" in html
    assert "Asociación Gremial (ejemplo)" in html


REGISTER_PAGES = ["/transparencia/subsecretaria-de-energia/audiencia/597/",
                  "/transparencia/servicio-nacional-de-la-mujer/viaje/186/",
                  "/transparencia/subsecretaria-de-economia/donativo/686/",
                  "/transparencia/subsecretaria-de-energia/",
                  "/transparencia/subsecretaria-de-energia/audiencia/",
                  "/transparencia/lobby/", "/transparencia/lobby/2014/",
                  "/transparencia/entidades/",
                  "/transparencia/entidades/pattern-chile-development-holdings-spa/",
                  "/instituciones/sin-informacion/", "/instituciones/subsecretaria-de-energia/"]


@pytest.mark.browser
@pytest.mark.parametrize("path", REGISTER_PAGES)
def test_register_pages_in_chromium_with_axe(probe, site_url, path):
    probe.assert_page_ok(site_url + path)


@pytest.mark.browser
@pytest.mark.parametrize("path", REGISTER_PAGES[:3] + ["/transparencia/lobby/"])
def test_register_pages_fit_320px(narrow_nojs, site_url, path):
    assert_fits(narrow_nojs, site_url + path)
    assert narrow_nojs.locator("h1").is_visible()
