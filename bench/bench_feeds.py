"""Feed parsing speed on the large recorded feed, and reconciliation of 100k
records against 1,000 institutions. Figures only: nothing here asserts a time."""

from __future__ import annotations

import random
import tempfile
import time
from pathlib import Path

from aggregator.adapters.base import HarvestContext
from aggregator.adapters.feed import FeedAdapter
from aggregator.config import SourceConfig, parse_config
from aggregator.http import Http
from aggregator.reconcile import Reconciler
from aggregator.records import NewsItem
from aggregator.runner import Runner
from aggregator.snapshot import ROOT
from devtools.replay import ReplayServer
from devtools.synth import institutions

from .common import median, say, table

TITLE = "Feeds and reconciliation"
LARGE_FEED = ROOT / "tests" / "fixtures" / "feeds" / "feed_rss2_nshipster_large_from_gzip.xml"
ROUNDS = 20


def _parse_rounds(body: bytes) -> tuple[list[float], int]:
    """Seconds per round of the adapter's own parse + normalize of every item."""
    source = SourceConfig(id="bench", adapter="feed", url="https://bench.invalid/feed")
    adapter = FeedAdapter(source, Http({}), HarvestContext(settings={}))
    headers = {"content-type": "application/rss+xml; charset=utf-8"}
    times, items = [], 0
    for _ in range(ROUNDS):
        started = time.perf_counter()
        _, entries = adapter.parse(body, headers, source.url)
        adapter.base = source.url
        adapter.publisher = "bench"
        items = len([adapter.normalize(e) for e in entries])
        times.append(time.perf_counter() - started)
    return times, items


def _harvest_over_http(body: bytes) -> tuple[float, int]:
    """One whole run (HTTP, parse, normalize, write) against the replay server."""
    with ReplayServer() as server, tempfile.TemporaryDirectory() as tmp:
        server.add("/feed", body, content_type="application/rss+xml")
        config = parse_config({"sources": [{"id": "bench", "adapter": "feed",
                                             "url": server.url + "/feed"}]})
        runner = Runner(config, Path(tmp) / "data", cache_dir=Path(tmp) / "cache")
        started = time.perf_counter()
        runner.run(full=True)
        return time.perf_counter() - started, runner.reconciler.total


def _records(insts, n: int, rng: random.Random, distinct: bool) -> list[NewsItem]:
    """Publisher names as sources write them: exact, upper-case without accents,
    acronyms, codes, and names that match nothing (1 in 5)."""
    out = []
    for i in range(n):
        inst = insts[rng.randrange(len(insts))]
        pick = i % 5
        if pick == 0:
            name = inst.name
        elif pick == 1:
            name = inst.name.upper().replace("Í", "I").replace("Ó", "O").replace("Ú", "U")
        elif pick == 2:
            name = inst.acronym
        elif pick == 3:
            name = inst.cplt_code
        else:
            name = f"Organismo desconocido {i if distinct else i % 500}"
        out.append(NewsItem(id=f"b:{i}", source=f"b{i % 7}", remote_id=str(i), publisher=name))
    return out


def _reconcile(n_records: int, n_insts: int, distinct: bool) -> tuple[float, float, int, int]:
    rng = random.Random(7)
    insts = institutions(n_insts, rng)
    recs = _records(insts, n_records, rng, distinct)
    started = time.perf_counter()
    reconciler = Reconciler(insts)
    built = time.perf_counter() - started
    started = time.perf_counter()
    for rec in recs:
        reconciler.assign(rec)
    return built, time.perf_counter() - started, reconciler.matched, len(reconciler.unmatched)


def run(ctx) -> None:
    body = LARGE_FEED.read_bytes()
    times, items = _parse_rounds(body)
    per_round = median(times)
    say(f"  large feed: {LARGE_FEED.name}, {len(body) / 1e6:.2f} MB, {items} items "
        f"(median of {ROUNDS} rounds)")
    http_seconds, harvested = _harvest_over_http(body)
    table([("parse + normalize (in process)", f"{per_round * 1000:.1f}",
            f"{items / per_round:,.0f}", f"{len(body) / per_round / 1e6:.1f}"),
           ("whole run over HTTP (replay server)", f"{http_seconds * 1000:.1f}",
            f"{harvested / http_seconds:,.0f}", f"{len(body) / http_seconds / 1e6:.1f}")],
          ("feed", "ms", "items/s", "MB/s"))
    say("")
    rows = []
    for distinct in (False, True):
        built, seconds, matched, unmatched = _reconcile(100_000, 1_000, distinct)
        label = "20k distinct unknown names" if distinct else "names repeat (100 unknown)"
        rows.append((label, f"{built:.3f}", f"{seconds:.2f}", f"{100_000 / seconds:,.0f}",
                     f"{matched:,}", f"{unmatched:,}"))
    table(rows, ("100k records vs 1,000 institutions", "index s", "assign s", "records/s",
                 "matched", "unmatched names"))
