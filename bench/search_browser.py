"""What bench_search measures in the browser: a static server that gzips text as
hosts and CDNs do, copies of /buscar/ over Pagefind bundles, and 50 Spanish
queries, each typed into a fresh page (empty cache) of headless Chromium."""

from __future__ import annotations

import functools
import gzip
import os
import re
import shutil
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from io import BytesIO
from pathlib import Path
from typing import ClassVar

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from .common import median, percentile

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]

# Spanish queries over the synthetic snapshot's vocabulary: single words, plurals,
# words without accents, several words, years, institution names and acronyms.
QUERIES = [
    "salud", "presupuesto", "presupuestos", "educacion", "educación", "transporte",
    "medio ambiente", "vivienda", "seguridad publica", "energía", "agricultura", "pesca",
    "mineria", "trabajo", "cultura", "deportes", "turismo", "obras publicas", "justicia",
    "migracion", "licitaciones", "licitacion", "compras publicas", "contratos", "subsidios",
    "becas", "matricula", "hospitales", "consultorios", "listas de espera", "accidentes",
    "permisos", "remuneraciones", "dotacion", "funcionarios", "transferencias",
    "beneficiarios", "emisiones", "denuncias", "resoluciones", "indicadores por region",
    "estadisticas mensuales", "ejecucion presupuestaria 2020", "matrícula por comuna 2018",
    "hospitales por región", "consulta ciudadana", "audiencia", "Ministerio de Salud",
    "Municipalidad", "MS1",
]
assert len(QUERIES) == 50

_TEXT = (".html", ".css", ".js", ".json", ".svg", ".xml")
# Files a search downloads: the scripts and the index (not the page and its CSS).
SEARCH_FILES = r"/search/|/pagefind|search(-engine)?\.js|pagefind-page\.js"
_FIRST = """(pattern) => {
  const re = new RegExp(pattern);
  const submit = performance.getEntriesByName('search-submit').pop().startTime;
  const marks = performance.getEntriesByName('search-results');
  const r = marks[marks.length - 1].startTime;
  const first = performance.getEntriesByType('resource')
    .filter(e => e.startTime <= r && re.test(e.name));
  return {ms: r - submit, requests: first.length,
          bytes: first.reduce((t, e) => t + e.encodedBodySize, 0)};
}"""


class _GzipHandler(SimpleHTTPRequestHandler):
    cache: ClassVar[dict] = {}

    def log_message(self, *args):
        pass

    def handle_one_request(self):
        try:
            super().handle_one_request()
        except (BrokenPipeError, ConnectionResetError):
            pass   # the browser navigated away mid-download

    def send_head(self):
        path = self.translate_path(self.path)
        if os.path.isdir(path):
            path = os.path.join(path, "index.html")
        if not path.endswith(_TEXT) and "/search/" not in path.replace(os.sep, "/") \
                or "gzip" not in self.headers.get("Accept-Encoding", "") \
                or not os.path.isfile(path):
            return super().send_head()
        body = self.cache.get(path)
        if body is None:
            with open(path, "rb") as f:
                body = self.cache[path] = gzip.compress(f.read(), 6)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(path))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return BytesIO(body)


class GzipServer:
    """Text and our index's binary files gzipped (Pagefind's are compressed already)."""

    def __init__(self, directory: Path):
        handler = functools.partial(type("H", (_GzipHandler,), {"cache": {}}),
                                    directory=str(directory))
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def pagefind_page(site: Path, folder: str, bundles: list[str]) -> str:
    """/<folder>/: the search page driving Pagefind bundles with the script the
    portal used before it had its own index (bench/pagefind_page.js)."""
    page = (site / "buscar" / "index.html").read_text("utf-8")
    page = re.sub(r'data-index="[^"]*"',
                  'data-bundles="' + " ".join(f"../{b}/" for b in bundles) + '"', page)
    page = re.sub(r'src="[^"]*/search\.js"', 'src="../theme/js/pagefind-page.js"', page)
    shutil.copy(Path(__file__).with_name("pagefind_page.js"),
                site / "theme" / "js" / "pagefind-page.js")
    (site / folder).mkdir(exist_ok=True)
    (site / folder / "index.html").write_text(page, "utf-8")
    return f"/{folder}/"


TIMEOUT_MS = 120_000   # a query not answered by then is counted as timed out


def queries(browser, base: str, path: str) -> dict:
    """Each query on a fresh page: bytes and time to the first results, bytes
    until the filter counts show, time to the next page of results."""
    out = {"ms": [], "kb": [], "counts_kb": [], "more_ms": [], "requests": [], "found": 0}
    for q in QUERIES:
        context = browser.new_context()
        context.add_init_script("performance.setResourceTimingBufferSize(10000)")
        page = context.new_page()
        # Every response, a worker's included (a page's resource timing misses those).
        received: list = []

        def keep(request, into=received):   # a function: Playwright tags its handlers
            into.append(request)
        context.on("requestfinished", keep)
        page.goto(base + path, wait_until="load")
        page.wait_for_load_state("networkidle")
        page.fill("#q", q)
        page.press("#q", "Enter")
        try:
            page.wait_for_selector("form[data-search=done], form[data-search=error]",
                                   timeout=TIMEOUT_MS)
        except PlaywrightTimeout:   # counted, with the timeout as its time (a lower bound)
            out["ms"].append(TIMEOUT_MS)
            out["timeouts"] = out.get("timeouts", 0) + 1
            out.setdefault("by_query", []).append((0.0, TIMEOUT_MS, f"{q} (timed out)"))
            context.close()
            continue
        seen = len(received)
        try:
            first = page.evaluate(_FIRST, SEARCH_FILES)
        except PlaywrightError:   # the page ended in an error without marking its results
            out["failed"] = out.get("failed", 0) + 1
            out.setdefault("by_query", []).append((0.0, 0.0, f"{q} (failed)"))
            context.close()
            continue
        page.wait_for_selector("form[data-counts=done], form[data-counts=error]",
                               timeout=600_000)
        later = sum(max(0, r.sizes()["responseBodySize"]) for r in received[seen:]
                    if re.search(SEARCH_FILES, r.url))
        out["ms"].append(first["ms"])
        out["kb"].append(first["bytes"] / 1024)
        out.setdefault("by_query", []).append((first["bytes"] / 1024, first["ms"], q))
        out["counts_kb"].append((first["bytes"] + later) / 1024)
        out["requests"].append(first["requests"])
        shown = page.locator("#lista > li").count()
        out["found"] += shown > 0
        if page.is_visible("#mas"):
            started = time.perf_counter()
            page.click("#mas")
            try:
                page.wait_for_function(
                    f"document.querySelectorAll('#lista > li').length > {shown} || "
                    "document.getElementById('mas').hidden", timeout=TIMEOUT_MS)
                out["more_ms"].append((time.perf_counter() - started) * 1000)
            except PlaywrightTimeout:   # counted with the timeout as its time, as above
                out["more_ms"].append(TIMEOUT_MS)
                out["more_timeouts"] = out.get("more_timeouts", 0) + 1
        context.close()
    return out


def summary(q: dict) -> dict:
    return {"kb": median(q["kb"]), "kb_max": max(q["kb"]), "counts_kb": median(q["counts_kb"]),
            "counts_kb_max": max(q["counts_kb"]), "ms": median(q["ms"]),
            "ms_p95": percentile(q["ms"], 95), "more_ms": median(q["more_ms"]),
            "requests": median(q["requests"]), "found": q["found"],
            # queries with no answer within TIMEOUT_MS: their bytes are not in the KB figures
            "timeouts": q.get("timeouts", 0),
            # "Mostrar más" clicks with no answer within TIMEOUT_MS (in more_ms as that)
            "more_timeouts": q.get("more_timeouts", 0),
            # queries whose page ended in an error with no results marked
            "failed": q.get("failed", 0),
            # the three heaviest first queries: (KB, ms, query)
            "heaviest": sorted(q.get("by_query", []), reverse=True)[:3]}
