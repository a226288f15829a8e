"""Search: the index the portal builds (compact documents from the snapshot, fed
to Pagefind through its Python API, in date shards) beside Pagefind's default
HTML crawl of the same built site, at each scale.

For each: index build seconds, peak RSS (the largest process, and the whole
process tree sampled every 0.2 s: Python plus Pagefind), bundle size on disk;
then in headless Chromium on localhost, for 50 Spanish queries, each on a fresh
page (empty cache), typed at once and submitted: the bytes transferred for the
first results (from focusing the box, when search.js starts loading Pagefind,
to the first results shown), the time from Enter to the first results (marks
set by search.js), the bytes the filter counts load afterwards (every response,
the worker's included), and the time of a second query on the same page.
Both bundles are queried through the same /buscar/ page and script (a copy of
the page points at the crawl's bundle), with no web worker.

The pages are served by a small server that gzips text (HTML, CSS, JS, JSON), as
static hosts and CDNs do; Pagefind's own files are already compressed. "KB raw"
is the same bytes uncompressed.

    python -m bench --only bench_search --scale 10000 --scale 100000
"""

from __future__ import annotations

import functools
import gzip
import os
import re
import shutil
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from .common import PY, ROOT, median, percentile, say, table

TITLE = "Search index: build, size, first-query bytes and time (ours vs Pagefind's default crawl)"
TODAY = "2026-06-15"
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
_RESOURCES = """(name) => {
  // From the first of: focusing the box (search.js starts loading Pagefind) or Enter.
  const start = [...performance.getEntriesByName('search-preload'),
                 ...performance.getEntriesByName('search-submit')].map(m => m.startTime);
  const s = Math.min(...start);
  const submit = performance.getEntriesByName('search-submit').pop().startTime;
  const marks = performance.getEntriesByName('search-results');
  const r = marks[marks.length - 1].startTime;
  const all = performance.getEntriesByType('resource');
  const sum = (list, k) => list.reduce((t, e) => t + e[k], 0);
  const first = all.filter(e => e.startTime >= s && e.startTime <= r);
  return {ms: r - submit, requests: first.length, bytes: sum(first, 'encodedBodySize'),
          raw: sum(first, 'decodedBodySize'), marks: marks.length};
}"""


# -- a static server that compresses text, as hosts do -------------------------------

class _GzipHandler(SimpleHTTPRequestHandler):
    cache: dict = {}

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
        if not path.endswith(_TEXT) or "gzip" not in self.headers.get("Accept-Encoding", "") \
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
        from io import BytesIO  # noqa: PLC0415
        return BytesIO(body)


class GzipServer:
    def __init__(self, directory: Path):
        handler = functools.partial(type("H", (_GzipHandler,), {"cache": {}}),
                                    directory=str(directory))
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


# -- a process tree's peak memory ----------------------------------------------------

def _tree_rss(root: int) -> int:
    """Sum of the resident memory (bytes) of a process and its descendants."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    page = os.sysconf("SC_PAGE_SIZE")
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid, ppid = int(entry), int(fields[1])
        children.setdefault(ppid, []).append(pid)
        rss[pid] = int(fields[21]) * page
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo.extend(children.get(pid, []))
    return total


def run_tree(cmd: list, env: dict) -> tuple[float, float, float, str]:
    """Wall seconds, peak RSS of the largest process (wait4), peak RSS of the
    whole tree (sampled), in MB, and the output. Fails loudly if the command fails."""
    import subprocess  # noqa: PLC0415
    import tempfile  # noqa: PLC0415
    with tempfile.TemporaryFile("w+") as out:
        started = time.perf_counter()
        proc = subprocess.Popen([str(c) for c in cmd], env={**os.environ, **env}, cwd=ROOT,
                                stdout=out, stderr=subprocess.STDOUT, text=True)
        peak = 0
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            peak = max(peak, _tree_rss(proc.pid))
            time.sleep(0.2)
        seconds = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read()
    if proc.returncode:
        raise RuntimeError(f"{cmd[:4]} failed:\n{text[-3000:]}")
    return seconds, usage.ru_maxrss / 1024, peak / 2**20, text


def _size_mb(folders) -> tuple[float, int]:
    size = files = 0
    for folder in folders:
        for dirpath, _dirs, names in os.walk(folder):
            for name in names:
                files += 1
                size += os.stat(os.path.join(dirpath, name)).st_size
    return size / 1e6, files


# -- the site, ours and the crawl -----------------------------------------------------

def _env(data: Path, cache: Path) -> dict:
    return {"PORTAL_DATA": str(data), "PORTAL_CACHE": str(cache), "PORTAL_TODAY": TODAY,
            "PYTHONPATH": str(ROOT / "plugins")}


def _site(ctx, data: Path, scale: int) -> Path:
    """The built site without a search index (its /buscar/ page included)."""
    out = ctx.out / "search" / f"site-{scale}"
    shutil.rmtree(out, ignore_errors=True)
    env = {**_env(data, ctx.out / "cache-search"), "PORTAL_SEARCH_INDEX": "0"}
    seconds, _, _, _ = run_tree([PY, "-m", "pelican", ROOT / "content", "-o", out,
                                 "-s", ROOT / "pelicanconf.py"], env)
    say(f"  (site of {scale:,} datasets built without an index in {seconds:.0f}s)")
    return out


def _crawl_page(site: Path) -> None:
    """/buscar-crawl/: the search page over the crawl's bundle."""
    page = (site / "buscar" / "index.html").read_text("utf-8")
    page = re.sub(r'data-bundles="[^"]*"', 'data-bundles="../pagefind-crawl/"', page)
    (site / "buscar-crawl").mkdir(exist_ok=True)
    (site / "buscar-crawl" / "index.html").write_text(page, "utf-8")


def _queries(browser, base: str, path: str) -> dict:
    first_ms, warm_ms, first_kb, first_raw, after_kb, requests, found = [], [], [], [], [], [], 0
    for i, q in enumerate(QUERIES):
        context = browser.new_context()
        context.add_init_script("performance.setResourceTimingBufferSize(5000)")
        page = context.new_page()
        # Bytes of every response, the counting worker's included (the page's
        # resource timing does not see a worker's requests).
        received: list = []
        context.on("requestfinished", lambda request: received.append(request))
        page.goto(base + path, wait_until="load")
        page.wait_for_load_state("networkidle")
        page.fill("#q", q)
        page.press("#q", "Enter")
        page.wait_for_selector("form[data-search=done]", timeout=120_000)
        before_counts = len(received)
        page.wait_for_selector("form[data-counts=done]", timeout=300_000)
        m = page.evaluate(_RESOURCES)
        first_ms.append(m["ms"])
        first_kb.append(m["bytes"] / 1024)
        first_raw.append(m["raw"] / 1024)
        after_kb.append(sum(max(0, r.sizes()["responseBodySize"])
                            for r in received[before_counts:]) / 1024)
        requests.append(m["requests"])
        found += page.locator("#lista > li").count() > 0
        # A second query on the same page: Pagefind and the index are loaded.
        page.fill("#q", QUERIES[(i + 7) % len(QUERIES)])
        page.press("#q", "Enter")
        page.wait_for_function("performance.getEntriesByName('search-results').length >= 2",
                               timeout=120_000)
        warm_ms.append(page.evaluate(_RESOURCES)["ms"])
        context.close()
    return {"first_ms": first_ms, "warm_ms": warm_ms, "kb": first_kb, "raw": first_raw,
            "after": after_kb, "requests": requests, "found": found}


def _row(label, scale, build, size, q) -> tuple:
    seconds, largest, tree = build
    return (f"{scale:,}", label, f"{seconds:.1f}", f"{largest:,.0f}", f"{tree:,.0f}",
            f"{size[0]:,.1f}", f"{size[1]:,}", f"{median(q['kb']):,.0f}",
            f"{max(q['kb']):,.0f}", f"{median(q['raw']):,.0f}", f"{median(q['requests']):.0f}",
            f"{median(q['first_ms']):,.0f}", f"{percentile(q['first_ms'], 95):,.0f}",
            f"{max(0.0, median(q['after'])):,.0f}", f"{median(q['warm_ms']):,.0f}",
            f"{percentile(q['warm_ms'], 95):,.0f}", f"{q['found']}/50")


def run(ctx) -> None:
    from playwright.sync_api import sync_playwright  # noqa: PLC0415
    rows = []
    for scale in ctx.scales:
        data = ctx.synth(scale)
        env = _env(data, ctx.out / "cache-search")
        site = _site(ctx, data, scale)
        ours = run_tree([PY, "-m", "portal_search", "--data", data, "--output", site,
                         "--force"], env)
        say("  " + " ".join(line for line in ours[3].splitlines() if "Search:" in line))
        ours_size = _size_mb(site.glob("pagefind*"))
        crawl = run_tree([PY, "-m", "pagefind", "--site", site, "--output-subdir",
                          "pagefind-crawl", "--quiet"], env)
        crawl_size = _size_mb([site / "pagefind-crawl"])
        _crawl_page(site)
        server = GzipServer(site)
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                q_ours = _queries(browser, server.url, "/buscar/")
                q_crawl = _queries(browser, server.url, "/buscar-crawl/")
                browser.close()
        finally:
            server.close()
        rows.append(_row("ours: snapshot records", scale, ours[:3], ours_size, q_ours))
        rows.append(_row("Pagefind default crawl", scale, crawl[:3], crawl_size, q_crawl))
        load = os.getloadavg()
        say(f"  ({scale:,}: load average {load[0]:.1f} on {os.cpu_count()} CPUs at the end)")
    table(rows, ("datasets", "index", "build s", "RSS MB max", "RSS MB tree", "bundle MB",
                 "files", "1st query KB", "max KB", "KB raw", "requests", "1st ms median",
                 "1st ms p95", "counts KB", "next ms median", "next ms p95", "found"))
    say("  (goals at 100,000: first query <= 150 KB, p95 <= 300 ms; build <= 60 s, "
        "<= 2,048 MB)")
