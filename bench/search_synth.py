"""The search index builder alone, on synthetic documents made in memory (no
snapshot, no site): for bench_search at scales where building the site is out
of reach (1M). Datasets as devtools/synth.py makes them, plus the institutions,
streamed into the index as `make html` streams them.

    python -m bench.search_synth --datasets 1000000 --output DIR [--retitle N]
"""

from __future__ import annotations

import argparse
import logging
import random
import resource
import sys
import time
from pathlib import Path

from devtools.synth import dataset, institutions


class SyntheticModel:
    """What DocumentBuilder reads from a SiteModel, for datasets and institutions."""

    def __init__(self, count: int, seed: int = 1, retitle: int | None = None):
        self.rng = random.Random(seed)
        insts = institutions(max(10, min(1000, count // 100)), self.rng)
        self.institutions = {i.id: i for i in insts}
        self._insts = insts
        self.count = count
        self.retitle = retitle
        self.consultations = self.news = self.transparency = []
        # Making the synthetic records is this bench's work, not the index's
        # (a real build has them from the snapshot): timed apart, subtracted.
        self.made_cpu = self.made_wall = 0.0

    @property
    def datasets(self):
        for n in range(self.count):
            cpu, wall = time.process_time(), time.perf_counter()
            inst = self._insts[self.rng.randrange(len(self._insts))]
            ds = dataset(n, f"sintetico-datos-{n // 10_000 + 1:02d}", inst, self.rng)
            if n == self.retitle:
                ds.title += " (corregido)"
            self.made_cpu += time.process_time() - cpu
            self.made_wall += time.perf_counter() - wall
            yield ds

    def institution_of(self, record):
        return self.institutions.get(record.institution)

    def slug(self, record) -> str:
        return record.remote_id


def synthetic_documents(count: int, model: SyntheticModel | None = None):
    """The search documents of `count` synthetic datasets and their
    institutions, one at a time."""
    from portal_search.documents import DocumentBuilder

    builder = DocumentBuilder(model or SyntheticModel(count))
    return (d for part in (builder.institutions(), builder.datasets()) for d in part)


def main(argv: list[str] | None = None) -> int:
    from portal_search.generator import build_index

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--datasets", type=int, required=True)
    p.add_argument("--output", type=Path, required=True)
    p.add_argument("--cache", type=Path, required=True)
    p.add_argument("--retitle", type=int, help="change this dataset's title")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    started = time.monotonic()
    model = SyntheticModel(args.datasets, retitle=args.retitle)
    build_index(synthetic_documents(args.datasets, model), args.output, cache=args.cache)
    print(f"synthetic records made in {model.made_wall:.1f}s (CPU {model.made_cpu:.1f}s), "
          "inside the index's figures", file=sys.stderr)
    print(f"total {time.monotonic() - started:.1f}s; peak RSS "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MB", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
