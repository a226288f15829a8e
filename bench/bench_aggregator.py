"""Aggregator: records parsed and normalized per second against the local replay
server serving SYNTHETIC CKAN package_search pages (generated here, deterministic),
and a no-change run over 100 small sources (seconds, share of requests answered 304).
"""

from __future__ import annotations

import json
import random
import sys
import tempfile
import time
from pathlib import Path

from .common import Context, run_measured, say, table

TITLE = "Aggregator: harvest throughput and no-change runs"
ROWS = 1000


# -- synthetic CKAN pages ---------------------------------------------------------

def _package(i: int, rng: random.Random) -> dict:
    from devtools.synth import FORMATS, LICENSES, NOUNS, QUALIFIERS, TOPICS, WORDS
    topic, noun = TOPICS[i % len(TOPICS)], rng.choice(NOUNS)
    day = f"20{rng.randrange(15, 26)}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}"
    lic = LICENSES[i % len(LICENSES)]
    words = lambda n: " ".join(rng.choice(WORDS) for _ in range(n))
    org = i % 97
    return {
        "id": f"{i:08x}-5e17-4c0d-9a1b-{rng.getrandbits(48):012x}",
        "name": f"{noun.replace(' ', '-')}-{i:06d}",
        "title": f"{noun.capitalize()} de {topic} {rng.choice(QUALIFIERS)} {i}",
        "notes": f"**{words(4).capitalize()}.** {words(30)}.\n\n{words(25)}.\n\n"
                 f"* {words(5)}\n* {words(6)}\n\n[Más información](https://sintetico.invalid/{i})",
        "metadata_created": f"{day}T10:00:00.000000",
        "metadata_modified": f"{day}T12:{i % 60:02d}:00.000000",
        "license_id": lic.id, "license_title": lic.title, "license_url": lic.url,
        "organization": {"name": f"org-{org}", "title": f"Servicio sintético {org}"},
        "groups": [{"name": topic, "display_name": topic.capitalize()}],
        "tags": [{"name": w, "display_name": w} for w in {rng.choice(WORDS) for _ in range(4)}],
        "extras": [{"key": "frequency", "value": "R/P1M"}],
        "resources": [{"name": f"{noun} {k + 1}", "format": FORMATS[(i + k) % len(FORMATS)],
                       "url": f"https://sintetico.invalid/recurso/{i}/{k}.dat",
                       "size": str(rng.randrange(1000, 10**7)),
                       "last_modified": f"{day}T12:00:00"}
                      for k in range(1 + i % 4)],
    }


def ckan_pages(folder: Path, n: int) -> Path:
    """package_search pages of n synthetic packages, written once, reused."""
    marker = folder / ".complete"
    if marker.exists():
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(n)
    packages = [_package(i, rng) for i in range(n)]
    for page, start in enumerate(range(0, n, ROWS)):
        body = {"success": True, "result": {"count": n, "results": packages[start:start + ROWS]}}
        (folder / f"{page}.json").write_text(json.dumps(body, ensure_ascii=False))
    marker.write_text("ok\n")
    return folder


def _child_throughput(pages: str, n: str) -> None:
    """In a subprocess (for its peak RSS): fetch+parse+normalize, then a full run."""
    from aggregator.adapters.base import HarvestContext
    from aggregator.adapters.ckan import CkanAdapter
    from aggregator.config import parse_config
    from aggregator.http import Http
    from aggregator.runner import Runner
    from devtools.replay import ReplayServer, Reply

    folder = Path(pages)

    def page(request, raw):
        body = (folder / f"{int(request.query['start']) // ROWS}.json").read_bytes()
        return Reply(200, body, {"Content-Type": "application/json"})

    with ReplayServer() as server, tempfile.TemporaryDirectory() as tmp:
        server.handle("/api/3/action/package_search", page)
        config = parse_config({"sources": [{"id": "sintetico", "adapter": "ckan",
                                            "url": server.url,
                                            "options": {"rows": ROWS, "licenses": False}}]})
        source = config.sources[0]
        adapter = CkanAdapter(source, Http(config.settings), HarvestContext(config.settings))
        started = time.perf_counter()
        count = sum(1 for raw in adapter.list_items() if adapter.normalize(raw))
        normalize_s = time.perf_counter() - started
        runner = Runner(config, Path(tmp) / "data", cache_dir=Path(tmp) / "cache")
        started = time.perf_counter()
        result = runner.harvest(source, full=True)
        run_s = time.perf_counter() - started
        size = (Path(tmp) / "data" / "sources" / "sintetico.yaml").stat().st_size
    print(json.dumps({"count": count, "normalize_s": normalize_s, "run_s": run_s,
                      "state": result.state, "records": result.records, "bytes": size}))


# -- no-change run over 100 sources ---------------------------------------------------

def _small_sources(server, count: int = 100, items: int = 20) -> list[dict]:
    rng = random.Random(3)
    sources = []
    for s in range(count):
        if s % 2 == 0:
            pkgs = [_package(s * 1000 + i, rng) for i in range(items)]
            server.add(f"/ckan{s}/api/3/action/package_search", json.dumps(
                {"success": True, "result": {"count": items, "results": pkgs}}))
            sources.append({"id": f"ckan-{s}", "adapter": "ckan",
                            "url": f"{server.url}/ckan{s}", "options": {"licenses": False}})
        else:
            datasets = [{"identifier": f"d{s}-{i}", "title": f"Conjunto {s}-{i}",
                         "description": "Datos sintéticos.", "modified": "2025-01-01",
                         "publisher": {"name": f"Servicio sintético {s}"},
                         "keyword": ["sintético"],
                         "distribution": [{"downloadURL": f"https://sintetico.invalid/{s}/{i}.csv",
                                           "mediaType": "text/csv"}]} for i in range(items)]
            server.add(f"/dj{s}/data.json", json.dumps({"dataset": datasets}))
            sources.append({"id": f"dj-{s}", "adapter": "datajson",
                            "url": f"{server.url}/dj{s}/data.json"})
    return sources


def no_change_runs() -> list[tuple]:
    from aggregator.config import parse_config
    from aggregator.runner import Runner
    from devtools.replay import ReplayServer

    rows = []
    with ReplayServer() as server, tempfile.TemporaryDirectory() as tmp:
        config = parse_config({"sources": _small_sources(server)})
        for label in ("1 first (full)", "2 first incremental", "3 no change", "4 no change"):
            sent = len(server.requests)
            runner = Runner(config, Path(tmp) / "data", cache_dir=Path(tmp) / "cache")
            started = time.perf_counter()
            code = runner.run()
            seconds = time.perf_counter() - started
            reqs = server.requests[sent:]
            stats = runner.http.stats
            rows.append((label, len(reqs), f"{sum(r.conditional for r in reqs) / len(reqs):.0%}",
                         f"{stats.not_modified / stats.requests:.0%}", f"{seconds:.2f}", code))
    return rows


def run(ctx: Context) -> None:
    say("  SYNTHETIC CKAN package_search pages (1,000 rows each), replayed on 127.0.0.1")
    rows = []
    for n in ctx.scales:
        pages = ckan_pages(ctx.out / "ckan-pages" / f"n{n}", n)
        m = run_measured([sys.executable, "-c", ("import sys; from bench.bench_aggregator import "
                          "_child_throughput as c; c(*sys.argv[1:])"), str(pages), str(n)])
        if m.returncode != 0:
            say(f"  {n:,}: failed: {m.stderr.strip()[-300:]}")
            continue
        r = json.loads(m.stdout.strip().splitlines()[-1])
        rows.append((f"{n:,}", f"{r['count']:,}", f"{r['normalize_s']:.1f}",
                     f"{r['count'] / r['normalize_s']:,.0f}", f"{r['run_s']:.1f}",
                     f"{r['records'] / r['run_s']:,.0f}", f"{r['bytes'] / 1e6:.0f}",
                     f"{m.peak_rss_mb:,.0f}"))
    table(rows, ("datasets", "records", "fetch+normalize s", "records/s", "full run s",
                 "records/s (run)", "YAML MB", "peak RSS MB"))
    say("\n  No-change runs over 100 sources (50 CKAN, 50 data.json, 20 items each)")
    table(no_change_runs(), ("run", "requests", "conditional", "answered 304", "seconds",
                             "exit"))
    say("  Goal: every request of a no-change run conditional, <= 5 s.")
