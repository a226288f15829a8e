"""Aggregator at national scale: 1,000 SYNTHETIC sources (data.json and CKAN, 5-20
records each) on 100 loopback hosts (127.0.1.1-100, 10 sources each), every answer
50-300 ms late, 5% hostile: slow drip (headers, then a byte every 0.5 s), HTTP 500
every time, HTTP 429 with `Retry-After: 3600`. The aggregator runs in a subprocess
(its peak RSS), parallel with the default limits, then the same sources one at a
time (`parallel_sources: 1`) for the ratio. Both runs are full first harvests.

Settings of both runs: max_seconds 10, source_max_seconds 20, retries 3,
max_retry_wait 30 (the rest default: 16 sources at once, 2 connections per host).
`BENCH_HARVEST_SOURCES=N` runs N sources instead (say so when quoting figures).
"""

from __future__ import annotations

import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

from .common import Context, run_measured, say, table

TITLE = "Aggregator: 1,000 sources at once, 5% hostile, hard deadlines"
HOSTS = 100
SETTINGS = {"max_seconds": 10, "source_max_seconds": 20, "retries": 3, "max_retry_wait": 30}
# What each kind of hostile source must fail with.
REASONS = {"drip": "was still sending its body", "500": "HTTP 500 from",
           "429": "HTTP 429 asked to wait 3600 s (Retry-After)"}


def _datasets(n: int, rng: random.Random, tag: str) -> bytes:
    from devtools.synth import NOUNS, TOPICS
    items = [{"identifier": f"{tag}-{i}",
              "title": f"{rng.choice(NOUNS).capitalize()} de {rng.choice(TOPICS)} {i}",
              "description": "Datos sintéticos para el benchmark.",
              "modified": f"2025-{rng.randrange(1, 13):02d}-01",
              "publisher": {"name": f"Servicio sintético {tag}"}, "keyword": ["sintético"],
              "distribution": [{"downloadURL": f"https://sintetico.invalid/{tag}/{i}.csv",
                                "mediaType": "text/csv"}]} for i in range(n)]
    return json.dumps({"dataset": items}, ensure_ascii=False).encode()


def _ckan(n: int, rng: random.Random, start: int) -> bytes:
    from .bench_aggregator import _package
    packages = [_package(start + i, rng) for i in range(n)]
    return json.dumps({"success": True, "result": {"count": n, "results": packages}},
                      ensure_ascii=False).encode()


def serve(count: int, seed: int = 16):
    """Start the hosts; return (servers, sources for sources.yaml, {source id: kind})."""
    from devtools.hostile import delayed, drip
    from devtools.replay import ReplayServer, Reply

    rng = random.Random(seed)
    hosts = max(1, min(HOSTS, count // 10))
    servers = [ReplayServer(host=f"127.0.1.{h + 1}").start() for h in range(hosts)]
    hostile = rng.sample(range(count), k=count // 20)
    kinds = {n: ("drip", "500", "429")[i % 3] for i, n in enumerate(sorted(hostile))}
    sources, expected = [], {}
    for n in range(count):
        server = servers[n % hosts]
        latency = rng.uniform(0.05, 0.3)
        records = rng.randrange(5, 21)
        ckan = n % 5 < 2
        sid = f"fuente-{n:04d}"
        base = f"/s{n}"
        path = f"{base}/api/3/action/package_search" if ckan else f"{base}/data.json"
        body = _ckan(records, rng, n * 100) if ckan else _datasets(records, rng, sid)
        kind = kinds.get(n, "ok")
        if kind == "drip":
            server.handle(path, drip(body, every=0.5, limit=60))
        elif kind == "500":
            server.handle(path, delayed(b"Internal Server Error", latency, status=500))
        elif kind == "429":
            server.handle(path, lambda req, raw: Reply(429, b"", {"Retry-After": "3600"}))
        else:
            server.handle(path, delayed(body, latency))
        entry = {"id": sid, "adapter": "ckan" if ckan else "datajson",
                 "url": server.url + (base if ckan else path)}
        if ckan:
            entry["options"] = {"licenses": False}
        sources.append(entry)
        expected[sid] = kind
    return servers, sources, expected


def harvest(servers, sources: list[dict], expected: dict, parallel: int | None,
            tmp: Path) -> dict:
    import yaml
    settings = {**SETTINGS, "cache_dir": "cache"}
    if parallel is not None:
        settings["parallel_sources"] = parallel
    (tmp / "sources.yaml").write_text(yaml.safe_dump({"settings": settings,
                                                      "sources": sources}))
    sent = sum(len(s.requests) for s in servers)
    for s in servers:
        s.log.clear()
    m = run_measured([sys.executable, "-m", "aggregator", "run", "--quiet",
                      "--sources", str(tmp / "sources.yaml"), "--data", str(tmp / "data")])
    status = yaml.safe_load((tmp / "data" / "status.yaml").read_text()) \
        if (tmp / "data" / "status.yaml").exists() else {"sources": {}}
    ok = right = 0
    for sid, kind in expected.items():
        entry = status["sources"].get(sid) or {}
        if kind == "ok":
            ok += entry.get("state") == "ok"
            good = entry.get("state") == "ok"
        else:
            good = entry.get("state") == "failed" and REASONS[kind] in (entry.get("error") or "")
            right += good
        if not good:
            say(f"    {sid} ({kind}): {entry.get('state')}: {entry.get('error')}")
    return {"seconds": m.seconds, "rss": m.peak_rss_mb, "exit": m.returncode, "cpu": m.cpu_seconds,
            "requests": sum(len(s.requests) for s in servers) - sent, "ok": ok,
            "hostile_right": right, "peak_per_host": max(s.peak("request") for s in servers),
            "run_seconds": (status.get("run") or {}).get("seconds")}


def run(ctx: Context) -> None:
    count = int(os.environ.get("BENCH_HARVEST_SOURCES", "1000"))
    servers, sources, expected = serve(count)
    hostile = {k: sum(1 for v in expected.values() if v == k) for k in REASONS}
    say(f"  {count:,} SYNTHETIC sources on {len(servers)} loopback hosts, "
        f"{sum(hostile.values())} hostile ({', '.join(f'{n} {k}' for k, n in hostile.items())})")
    rows, results = [], {}
    try:
        for label, parallel in (("parallel (16 at once, 2 per host)", None),
                                ("sequential (parallel_sources: 1)", 1)):
            with tempfile.TemporaryDirectory() as tmp:
                started = time.perf_counter()
                r = harvest(servers, sources, expected, parallel, Path(tmp))
                results[label] = r
                say(f"  {label}: {time.perf_counter() - started:.0f}s")
            rows.append((label, f"{r['seconds']:.1f}", f"{r['cpu']:.1f}", f"{r['rss']:.0f}",
                         f"{r['requests']:,}",
                         f"{r['ok']:,}/{count - sum(hostile.values()):,}",
                         f"{r['hostile_right']}/{sum(hostile.values())}",
                         r["peak_per_host"], r["exit"]))
    finally:
        for s in servers:
            s.stop()
    table(rows, ("run", "wall s", "CPU s", "peak RSS MB", "requests", "good ok",
                 "hostile failed with reason", "peak req/host", "exit"))
    par, seq = results.values()
    say(f"  sequential / parallel wall time: {seq['seconds'] / par['seconds']:.1f}x")
    say("  Goal (parallel): <= 60 s, <= 1 GB, every hostile source failed with its reason, "
        "every good one ok.")
