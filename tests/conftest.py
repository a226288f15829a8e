"""Shared fixtures: the replay server, a built site served on 127.0.0.1, and a
real headless Chromium driven by Playwright (Debian's /usr/bin/chromium)."""

from __future__ import annotations

import functools
import os
import subprocess
import sys
import threading
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
# The bundled site is built as of this day, so statuses and "days left" are stable.
BUILD_TODAY = "2026-11-26"

sys.path.insert(0, str(ROOT))
from devtools.replay import ReplayServer


@pytest.fixture
def replay():
    with ReplayServer() as server:
        yield server


def build_site(data: Path, out: Path, conf: Path = ROOT / "pelicanconf.py",
               content: Path = ROOT / "content", today: str = BUILD_TODAY,
               extra_env: dict | None = None) -> subprocess.CompletedProcess:
    """Run Pelican as `make html` does; return the finished process."""
    env = {**os.environ, "PORTAL_DATA": str(data), "PORTAL_TODAY": today,
           "PORTAL_CACHE": str(out.parent / "cache"), **(extra_env or {})}
    return subprocess.run([sys.executable, "-m", "pelican", str(content), "-o", str(out),
                           "-s", str(conf)], env=env, capture_output=True, text=True,
                          timeout=600, check=False)


@pytest.fixture(scope="session")
def bundled_site(tmp_path_factory) -> Path:
    """The site built from the committed snapshot in content/data/."""
    out = tmp_path_factory.mktemp("site") / "output"
    proc = build_site(ROOT / "content" / "data", out)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return out


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


class StaticServer:
    """Serves a built site on 127.0.0.1 (a free port); `with StaticServer(out) as url:`."""

    def __init__(self, directory: Path):
        handler = functools.partial(_QuietHandler, directory=str(directory))
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> str:
        return self.url

    def __exit__(self, *exc):
        self.close()


@pytest.fixture(scope="session")
def site_url(bundled_site):
    with StaticServer(bundled_site) as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright
    assert Path(CHROMIUM).exists(), f"Chromium not found at {CHROMIUM}: run `make test`"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


class PageProbe:
    """A page that records console errors and every request that leaves 127.0.0.1
    (those are blocked, so a test sees them instead of the network)."""

    def __init__(self, context):
        self.context = context
        self.page = context.new_page()
        self.console_errors: list[str] = []
        self.offsite: list[str] = []
        self.responses: list = []
        self.page.on("console", lambda m: m.type == "error" and self.console_errors.append(m.text))
        self.page.on("pageerror", lambda e: self.console_errors.append(str(e)))
        self.page.on("response", lambda r: self.responses.append(r))
        context.route("**/*", self._route)

    def _route(self, route):
        host = urlsplit(route.request.url).hostname
        if host in ("127.0.0.1", None) or route.request.url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            self.offsite.append(route.request.url)
            route.abort()

    def goto(self, url: str):
        self.console_errors.clear()
        self.offsite.clear()
        self.responses.clear()
        return self.page.goto(url, wait_until="load")

    def axe(self, page=None) -> list[dict]:
        """Run axe-core (WCAG 2.1 A/AA rules) in the page; return the violations."""
        page = page or self.page
        page.add_script_tag(path=str(AXE))
        result = page.evaluate("""async () => {
            const r = await axe.run(document, {runOnly: {type: 'tag',
                values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
        }""")
        return result

    def assert_page_ok(self, url: str):
        """Open `url` and assert what every page must do in Chromium: answer 200,
        have one h1, log no console error, request nothing from another host and
        give zero axe violations. Returns the response."""
        response = self.goto(url)
        assert response.status == 200, f"{url}: HTTP {response.status}"
        assert self.page.locator("h1").count() == 1, url
        assert self.console_errors == [] and self.offsite == [], \
            (url, self.console_errors, self.offsite)
        violations = self.axe()
        assert violations == [], (url, violations)
        return response


@pytest.fixture
def probe(browser):
    context = browser.new_context()
    yield PageProbe(context)
    context.close()


@pytest.fixture
def probe_nojs(browser):
    context = browser.new_context(java_script_enabled=False)
    yield PageProbe(context)
    context.close()


# The narrowest screen the portal supports: every page reads there without
# horizontal scrolling.
NARROW = {"width": 320, "height": 640}


@contextmanager
def narrow_page(browser, javascript: bool = True):
    """A fresh page in a 320 px wide window, its context closed afterwards."""
    context = browser.new_context(viewport=NARROW, java_script_enabled=javascript)
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture
def narrow(browser):
    with narrow_page(browser) as page:
        yield page


@pytest.fixture
def narrow_nojs(browser):
    with narrow_page(browser, javascript=False) as page:
        yield page


def assert_fits(page, url: str) -> None:
    """Open `url` in a narrow page and assert that nothing scrolls sideways."""
    page.goto(url)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= NARROW["width"], f"{url}: {width} px wide at {NARROW['width']} px"
