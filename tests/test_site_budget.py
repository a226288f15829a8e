"""Every page <= 50 KB transferred before any search.

How it is measured: for each HTML page of a built site, the bytes of the page
plus every same-site stylesheet, script, image and icon it references (each
counted once, uncompressed: a host that compresses only makes it smaller).
The browser test checks that this static sum is what Chromium really loads.
Sites: the bundled snapshot, the handcrafted one, and a synthetic 2,000-dataset one.
"""

from __future__ import annotations

import pytest
import site_snapshot
from conftest import StaticServer
from site_pages import BUDGET, html_pages, parse, weight

from devtools.synth import generate


def _heaviest(out):
    worst = []
    pages = html_pages(out)
    assert pages
    for path in pages:
        page = parse(out, path)
        total, parts = weight(out, page)
        worst.append((total, page.url, parts))
    worst.sort(reverse=True)
    return worst, len(pages)


def _synthetic(data):
    from aggregator.score import Scorer
    generate(data, 2000, seed=5)
    Scorer().run(data, cache_dir=None, out=None)     # with its scorecard pages
    return data


@pytest.mark.parametrize("which", ["bundled", "handmade", "synthetic"])
def test_every_page_fits_the_budget(which, bundled_site, tmp_path_factory):
    if which == "bundled":
        out = bundled_site
    elif which == "handmade":
        out = site_snapshot.build_once(tmp_path_factory, "handmade", site_snapshot.write)
    else:
        out = site_snapshot.build_once(tmp_path_factory, "synthetic-2k", _synthetic)
    worst, count = _heaviest(out)
    over = [(total, url) for total, url, _ in worst if total > BUDGET]
    assert over == [], f"{len(over)} of {count} pages over {BUDGET} bytes: {over[:5]}"
    # The measure counts the stylesheet and icons, not just the HTML.
    _total, _url, parts = worst[0]
    assert any(p.endswith("portal.css") for p in parts) and len(parts) >= 3


@pytest.mark.browser
@pytest.mark.parametrize("path", ["/", "/datos/conjunto-3/", "/datos/", "/noticias/"])
def test_browser_transfer_matches_the_static_measure(probe, tmp_path_factory, path):
    out = site_snapshot.build_once(tmp_path_factory, "handmade", site_snapshot.write)
    server = StaticServer(out)
    try:
        probe.goto(server.url + path)
        probe.page.wait_for_load_state("networkidle")
        loaded = {r.url: len(r.body()) for r in probe.responses if r.status == 200}
    finally:
        server.close()
    file = out / path.lstrip("/") / "index.html"
    expected, parts = weight(out, parse(out, file))
    assert sum(loaded.values()) == expected, (loaded, parts)
    assert expected <= BUDGET
