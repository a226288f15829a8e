"""The benchmark's reference (bench_search): Pagefind bundles written from the
portal's search documents, as the portal built its index before it had its own
(`pagefind[extended]` is pinned in requirements.lock for `make bench` only).
Through Pagefind's Python API (`pagefind.index.PagefindIndex`, whose binary
ships in the wheel and runs offline).

    python -m bench.pagefind_reference --data DIR --output SITE
    python -m bench.pagefind_reference --synthetic N --output SITE

`--synthetic N`: the documents bench.search_synth gives our builder alone (N
datasets and their institutions, the same seed), at scales with no site (1M).

How, and why so (figures in docs/search.md):
- Documents with a plain page URL are written as tiny HTML files into a scratch
  folder and indexed with one `add_directory` call: Pagefind's own crawler reads
  them in Rust, several times faster than one `add_html_file` message per
  document. The few whose URL has an anchor or is on another site (register
  entries, aggregated news) go as `add_html_file` messages with that URL.
- Pagefind holds every page of an index in memory while it writes the bundle
  (about 45 KB a page), so a large site is split into shards of at most
  SHARD_PAGES documents, each written by its own short-lived Pagefind process;
  the page merges them at query time. Shards are cut by date, newest first, so
  a date-sorted search reads them in order.
- Bundles are written beside the output's and swapped in when all are complete.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import logging
import os
import re
import shutil
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from pagefind.index import IndexConfig
from pagefind.service import PagefindService
from portal_search.documents import NO_DATE, SearchDocument

log = logging.getLogger(__name__)

# One index per bundle, stemmed in the portal's language (DEFAULT_LANG) whatever
# the page says.
CONFIG: IndexConfig = {"force_language": "es"}
SHARD_PAGES = 25_000
PRIMARY = "pagefind-docs"
# Requests in flight at once for the documents sent as messages.
BATCH = 500
# Written into the primary bundle: a later build with the same digest keeps it.
STAMP = "portal-search.json"
FORMAT = "2"
# Pagefind's ready-made interfaces: /buscar/ has its own, these are never loaded.
UNUSED = ("pagefind-ui.js", "pagefind-ui.css", "pagefind-modular-ui.js",
          "pagefind-modular-ui.css", "pagefind-component-ui.js", "pagefind-component-ui.css",
          "pagefind-highlight.js")
_FILE_URL = re.compile(r"^/(?:[A-Za-z0-9._~-]+/)*$")


class _Service(PagefindService):
    """Pagefind's service, reading replies as soon as they arrive.

    The wrapper's reader sleeps 100 ms before reading each reply, so it takes at
    most ten records a second (100,000 datasets: almost three hours). This reader
    awaits the pipe instead: same binary, same messages, same replies. If the
    binary dies, every waiting request fails instead of hanging."""

    async def _wait_for_responses(self) -> None:
        stdout = self._backend.stdout
        try:
            while True:
                raw = await stdout.readuntil(b",")
                reply = json.loads(base64.b64decode(raw[:-1]))
                if reply is None:
                    continue
                payload = reply.get("payload") or {}
                future = self._responses.pop(reply.get("message_id"), None)
                if future is None or future.done():
                    if payload.get("type") == "Error":
                        log.error("Pagefind: %s", payload.get("message"))
                    continue
                if payload.get("type") == "Error":
                    future.set_exception(RuntimeError(f"Pagefind: {payload.get('message')}"))
                else:
                    future.set_result(payload)
        except (asyncio.IncompleteReadError, ConnectionError, ValueError) as exc:
            for future in self._responses.values():
                if not future.done():
                    future.set_exception(RuntimeError(f"Pagefind stopped: {exc!r}"))
            self._responses.clear()


@dataclass
class IndexStats:
    documents: int
    shards: int
    seconds: float
    files: int
    bytes: int


def bundle_names(shards: int) -> list[str]:
    """Folder names of the bundles under the output: pagefind, pagefind-2, ..."""
    return [PRIMARY] + [f"{PRIMARY}-{n}" for n in range(2, shards + 1)]


def shard_count(documents: int, shard_pages: int = SHARD_PAGES) -> int:
    return max(1, -(-documents // max(1, shard_pages)))


def plan(documents: Iterable[SearchDocument],
         shard_pages: int = SHARD_PAGES) -> list[list[SearchDocument]]:
    """The documents in shards of about equal size, newest first (undated last)."""
    docs = sorted(documents, key=lambda d: d.date or NO_DATE, reverse=True)
    n = shard_count(len(docs), shard_pages)
    size = -(-len(docs) // n) if docs else 0
    return [docs[i * size:(i + 1) * size] for i in range(n)]


def digest(documents: Iterable[SearchDocument],
           shard_pages: int = SHARD_PAGES) -> tuple[str, int]:
    """A digest of everything the index would hold, and the number of documents."""
    h = hashlib.blake2b(digest_size=16)
    h.update(f"{FORMAT}|{shard_pages}|{json.dumps(CONFIG, sort_keys=True)}|".encode())
    n = 0
    for doc in documents:
        h.update(doc.url.encode("utf-8", "replace"))
        h.update(b"\0")
        h.update(doc.to_html().encode("utf-8", "replace"))
        h.update(b"\0")
        n += 1
    return h.hexdigest(), n


def read_stamp(output: Path) -> dict:
    try:
        return json.loads((output / PRIMARY / STAMP).read_text("utf-8"))
    except (OSError, ValueError):
        return {}


def _write_files(docs: Sequence[SearchDocument], scratch: Path) -> list[SearchDocument]:
    """Write the documents Pagefind can find by their path; return the others."""
    messages = []
    for doc in docs:
        if _FILE_URL.match(doc.url) and ".." not in doc.url:
            folder = scratch / doc.url.strip("/")
            folder.mkdir(parents=True, exist_ok=True)
            (folder / "index.html").write_text(doc.to_html(), "utf-8")
        else:
            messages.append(doc)
    return messages


async def _index_shard(docs: Sequence[SearchDocument], target: Path, scratch: Path,
                       config: IndexConfig = CONFIG) -> None:
    messages = _write_files(docs, scratch)
    service = await _Service().launch()
    try:
        index = await service.create_index(config)
        if any(scratch.iterdir()):
            await index.add_directory(str(scratch))
        for start in range(0, len(messages), BATCH):
            await asyncio.gather(*(index.add_html_file(content=d.to_html(), url=d.url)
                                   for d in messages[start:start + BATCH]))
        await index.write_files(str(target))
    finally:
        await service.close()
        shutil.rmtree(scratch, ignore_errors=True)
    for name in UNUSED:
        (target / name).unlink(missing_ok=True)


ATTEMPTS = 3


def _complete(bundle: Path) -> bool:
    """A bundle whose entry file names its languages (what the page reads first)."""
    try:
        entry = json.loads((bundle / "pagefind-entry.json").read_text("utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(entry, dict) and bool(entry.get("languages"))


def _size(folder: Path) -> tuple[int, int]:
    files = sizes = 0
    for dirpath, _dirs, names in os.walk(folder):
        for name in names:
            files += 1
            sizes += os.stat(os.path.join(dirpath, name)).st_size
    return files, sizes


def write_bundles(shards: list[list[SearchDocument]], output: Path, stamp: dict,
                  config: IndexConfig = CONFIG) -> IndexStats:
    """Index each shard into its bundle folder under `output`, replacing what was
    there (stale shards of a larger earlier build included)."""
    started = time.monotonic()
    work = output / ".pagefind-build"
    shutil.rmtree(work, ignore_errors=True)
    names = bundle_names(len(shards))
    for name, docs in zip(names, shards):
        # A fresh process per shard: its memory goes back to the system after.
        # Pagefind has once left an empty pagefind-entry.json (2026-12-01, one
        # bundle of five at 100,000): a bundle is checked, and made again.
        for attempt in range(1, ATTEMPTS + 1):
            asyncio.run(_index_shard(docs, work / name, work / f"{name}.src", config))
            if _complete(work / name):
                break
            log.warning("Pagefind wrote %s incomplete (attempt %d of %d)", name, attempt,
                        ATTEMPTS)
            shutil.rmtree(work / name, ignore_errors=True)
        else:
            raise RuntimeError(f"Pagefind did not write a complete {name} in {ATTEMPTS} tries")
    (work / PRIMARY / STAMP).write_text(json.dumps(stamp, sort_keys=True) + "\n", "utf-8")
    old = work / "old"
    old.mkdir()
    for stale in output.glob(f"{PRIMARY}*"):
        if stale.is_dir() and re.fullmatch(rf"{PRIMARY}(-\d+)?", stale.name):
            stale.rename(old / stale.name)
    for name in names:
        (work / name).rename(output / name)
    shutil.rmtree(work, ignore_errors=True)
    files = size = 0
    for name in names:
        f, s = _size(output / name)
        files, size = files + f, size + s
    return IndexStats(sum(len(s) for s in shards), len(shards), time.monotonic() - started,
                      files, size)


def main(argv: list[str] | None = None) -> int:
    import argparse

    from portal_search.generator import documents_of
    from portal_site.filters import today
    from portal_site.indexes import build_indexes
    from portal_site.model import SiteModel

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--data", type=Path, help="a snapshot folder")
    source.add_argument("--synthetic", type=int, metavar="N",
                        help="N synthetic datasets, as bench.search_synth makes them")
    p.add_argument("--output", type=Path, required=True)
    args = p.parse_args(argv)
    if args.synthetic is not None:
        from bench.search_synth import synthetic_documents
        documents = list(synthetic_documents(args.synthetic))
    else:
        model = SiteModel.load(args.data, today())
        model.idx = build_indexes(model)
        documents = list(documents_of({"portal": model}))
    key, count = digest(documents)
    stats = write_bundles(plan(documents), args.output,
                          {"digest": key, "documents": count})
    print(f"Pagefind: {stats.documents} documents in {stats.seconds:.1f}s, "
          f"{stats.shards} bundle(s), {stats.files} files, {stats.bytes / 1e6:.1f} MB")
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(main())
