"""Lighthouse 12 on the built site: performance and accessibility scores for the
home page and a dataset page, and the bytes each page transfers.

The site is built from the bundled snapshot (content/data, real records) when
it has datasets, else from the 1,000-dataset synthetic snapshot, and served on
127.0.0.1 by Python's static server (no compression: the byte counts are the
uncompressed worst case). Lighthouse runs with its defaults (mobile, simulated
slow 4G and 4x CPU slowdown) through Debian's Chromium.

    python -m bench --only bench_lighthouse
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from .common import PY, ROOT, run_measured, say, table

TITLE = "Lighthouse 12: performance, accessibility, bytes per page"
LIGHTHOUSE = ROOT / "node_modules" / ".bin" / "lighthouse"
CHROME = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROME_FLAGS = ("--headless --no-sandbox --disable-gpu --disable-quic --no-first-run "
                "--disable-background-networking --disable-component-update --disable-sync")


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def _serve(directory: Path) -> tuple[ThreadingHTTPServer, str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0),
                                functools.partial(_Quiet, directory=str(directory)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, f"http://127.0.0.1:{httpd.server_address[1]}"


def _build(ctx) -> tuple[Path, str]:
    bundled = ROOT / "content" / "data"
    has_data = any("type: dataset" in p.read_text("utf-8", "replace")
                   for p in (bundled / "sources").glob("*.yaml"))
    data, label = (bundled, "bundled snapshot") if has_data else (ctx.synth(1000),
                                                                   "synthetic 1,000")
    out = ctx.out / "lighthouse-site"
    shutil.rmtree(out, ignore_errors=True)
    m = run_measured([PY, "-m", "pelican", str(ROOT / "content"), "-o", str(out), "-s",
                      str(ROOT / "pelicanconf.py")],
                     {"PORTAL_DATA": str(data), "PORTAL_CACHE": str(ctx.out / "cache-lh"),
                      "PORTAL_TODAY": "2026-11-26"})
    if m.returncode != 0:
        raise RuntimeError(m.stderr[-2000:])
    return out, label


def _dataset_page(out: Path) -> str:
    reserved = {"pagina", "tema", "temas", "etiqueta", "etiquetas", "formato", "formatos",
                "licencia", "licencias", "institucion", "instituciones"}
    pages = sorted(p.parent.name for p in (out / "datos").glob("*/index.html")
                   if p.parent.name not in reserved)
    return f"/datos/{pages[0]}/"


def _lighthouse(url: str, report: Path) -> dict:
    proc = subprocess.run(
        [str(LIGHTHOUSE), url, "--quiet", "--output=json", f"--output-path={report}",
         "--only-categories=performance,accessibility", f"--chrome-flags={CHROME_FLAGS}"],
        env={**os.environ, "CHROME_PATH": CHROME}, capture_output=True, text=True, timeout=300, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"lighthouse failed on {url}: {proc.stderr[-1500:]}")
    data = json.loads(report.read_text())
    audits = data["audits"]
    return {"performance": data["categories"]["performance"]["score"],
            "accessibility": data["categories"]["accessibility"]["score"],
            "bytes": audits["total-byte-weight"]["numericValue"],
            "requests": len(audits["network-requests"]["details"]["items"]),
            "fcp": audits["first-contentful-paint"]["numericValue"],
            "lcp": audits["largest-contentful-paint"]["numericValue"],
            "failed_a11y": [k for k, a in audits.items()
                            if a.get("score") == 0 and k in _a11y_ids(data)]}


def _a11y_ids(data: dict) -> set[str]:
    return {ref["id"] for ref in data["categories"]["accessibility"]["auditRefs"]}


def run(ctx) -> None:
    if not LIGHTHOUSE.exists():
        say("  Lighthouse is not installed (make node); skipped")
        return
    out, label = _build(ctx)
    httpd, base = _serve(out)
    rows, notes = [], []
    try:
        for name, path in (("home", "/"), ("dataset", _dataset_page(out)),
                           ("catalog", "/datos/"), ("institution", "/instituciones/")):
            r = _lighthouse(base + path, ctx.out / f"lighthouse-{name}.json")
            rows.append((name, path, f"{r['performance']:.2f}", f"{r['accessibility']:.2f}",
                         f"{r['bytes'] / 1024:.1f} KB", str(r["requests"]),
                         f"{r['fcp']:.0f} ms", f"{r['lcp']:.0f} ms"))
            if r["failed_a11y"]:
                notes.append(f"  {name}: failed accessibility audits {r['failed_a11y']}")
    finally:
        httpd.shutdown()
        httpd.server_close()
    say(f"  Site built from the {label}; Lighthouse defaults (mobile, simulated throttling).")
    table(rows, ("page", "path", "performance", "accessibility", "transferred", "requests",
                 "FCP", "LCP"))
    for note in notes:
        say(note)
    say("  (goals: performance >= 0.98, accessibility 1.00, <= 50 KB per page; full reports "
        f"in {ctx.out}/lighthouse-*.json)")
