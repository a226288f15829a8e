"""`make snapshot`: regenerate the bundled snapshot from recorded real payloads.

The manifests in `devtools/snapshot/*.yaml` list sources exactly as in
sources.yaml (with the real portal's URL) plus the recorded payloads to serve:

    sources:
      - id: demo-ckan
        name: demo.ckan.org
        adapter: ckan
        url: https://demo.ckan.org
        routes:
          - path: /api/3/action/package_search    # path on the real portal
            file: ckan/ckan_package_search_demockan_2017.json   # under tests/fixtures/
            content_type: application/json
            query: {start: "0"}                    # optional: match these parameters
          - path: /api/3/action/package_list
            body: '{"success": true, "result": ["x"]}'  # inline: an answer that was not
                                                   # recorded (say why in a comment)

The payloads are served by the project's replay server on 127.0.0.1 and the
aggregator's HTTP layer sends each real portal's requests there, so every record
keeps the URL of its true origin. The run is the normal aggregator run loop.

A source may also declare an `earlier:` version, the same source as it was
served before (recorded earlier), so that the snapshot ships a real change
history (`changes/`, `tombstones/`):

        earlier:
          options: {api: list}       # optional: the options that version needs
          routes:                    # as above: the earlier payloads
            - path: /api/3/action/package_show
              file: ckan/ckan_package_show_demockan_2015.json

The build then runs in two phases: first the sources that have an earlier
version, from those payloads, with the clock at EARLIER; then every source from
its current payloads at STAMP, as any later harvest would.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from aggregator import yamlio
from aggregator.config import parse_config
from aggregator.http import Http
from aggregator.runner import Runner
from aggregator.score import Scorer
from aggregator.snapshot import ROOT

from .replay import ReplayServer

MANIFESTS = Path(__file__).resolve().parent / "snapshot"
FIXTURES = ROOT / "tests" / "fixtures"
# The bundled snapshot is stamped with a fixed time, so regenerating it from the
# same payloads gives the same bytes.
STAMP = datetime(2026, 11, 1, tzinfo=UTC)
# The harvest of the sources' earlier versions (the first phase), a month before.
EARLIER = datetime(2026, 10, 1, tzinfo=UTC)


@dataclass
class Phase:
    sources: list[dict] = field(default_factory=list)          # entries as in sources.yaml
    routes: list[tuple[str, dict]] = field(default_factory=list)  # (origin, route) to serve


def load_manifests(folder: Path = MANIFESTS) -> tuple[Phase, Phase]:
    """(the earlier versions of the sources that declare one, every source now)."""
    earlier, now = Phase(), Phase()
    for path in sorted(folder.glob("*.yaml")):
        doc = yamlio.load_file(path) or {}
        for entry in doc.get("sources") or []:
            entry = dict(entry)
            origin = "{0.scheme}://{0.netloc}".format(urlsplit(entry["url"]))
            before = entry.pop("earlier", None)
            now.routes.extend((origin, route) for route in entry.pop("routes", []) or [])
            now.sources.append(entry)
            if before:
                earlier.sources.append({**entry, "options": before.get("options",
                                                                       entry.get("options"))})
                earlier.routes.extend((origin, r) for r in before.get("routes") or [])
    return earlier, now


def demo_ids(folder: Path = MANIFESTS) -> set[str]:
    return {entry["id"] for entry in load_manifests(folder)[1].sources}


def foreign_sources(data_dir: Path, folder: Path = MANIFESTS) -> list[str]:
    """Sources in `data_dir` that are not the demo's (a real deployment's), from
    its source files and its status.yaml; empty for the demo or an empty folder."""
    demo = demo_ids(folder)
    found = {p.stem for p in Path(data_dir, "sources").glob("*.yaml")}
    status = Path(data_dir, "status.yaml")
    if status.exists():
        try:
            doc = yamlio.load_file(status) or {}
            found |= set((doc.get("sources") or {}) if isinstance(doc, dict) else ())
        except yamlio.YamlError:
            found.add("(an unreadable status.yaml)")
    return sorted(found - demo)


def _harvest(phase: Phase, data_dir: Path, cache: Path, when: datetime, out) -> int:
    """One aggregator run over the phase's payloads, with the clock at `when`."""
    config = parse_config({"sources": phase.sources}, MANIFESTS)
    with ReplayServer() as server:
        rewrite = {}
        for origin, route in phase.routes:
            host = urlsplit(origin).netloc
            rewrite[origin] = f"{server.url}/{host}"
            body = route["body"] if "body" in route else FIXTURES / route["file"]
            server.add(f"/{host}{route['path']}", body,
                       status=int(route.get("status", 200)),
                       content_type=route.get("content_type", "application/json"),
                       query=route.get("query"))
        http = Http(config.settings, None, rewrite=rewrite)
        runner = Runner(config, data_dir, cache_dir=cache, out=out, now=lambda: when,
                        http=http)
        return runner.run(full=True)


def build(data_dir: Path, out=sys.stderr, cache_dir: Path | None = None) -> int:
    earlier, now = load_manifests()
    config = parse_config({"sources": now.sources}, MANIFESTS)
    scorer = Scorer()           # pelicanconf.py's PORTAL_SCORECARD, checked first
    # Regenerate from scratch: the same payloads then give the same bytes, status,
    # change history and the scorecard's history included.
    for source in config.sources:
        (data_dir / "sources" / f"{source.id}.yaml").unlink(missing_ok=True)
    (data_dir / "status.yaml").unlink(missing_ok=True)
    for folder in ("changes", "tombstones", "history"):
        shutil.rmtree(data_dir / folder, ignore_errors=True)
    cache = cache_dir or data_dir.parent / ".snapshot-cache"
    if earlier.sources:
        code = _harvest(earlier, data_dir, cache, EARLIER, out)
        if code != 0:
            return code
        # Scored as any run is: the earlier day starts the scorecard's history.
        scorer.run(data_dir, cache, out=out)
    code = _harvest(now, data_dir, cache, STAMP, out)
    _zero_timings(data_dir / "status.yaml")
    scorer.run(data_dir, cache, out=out)
    return code


def _zero_timings(status: Path) -> None:
    """Seconds vary from run to run; the bundled snapshot must not (same payloads,
    same bytes), so its status shows 0."""
    doc = yamlio.load_file(status)
    doc["run"]["seconds"] = 0.0
    for entry in (doc.get("sources") or {}).values():
        if isinstance(entry, dict) and "seconds" in entry:
            entry["seconds"] = 0.0
    yamlio.write_atomic(status, yamlio.dumps(doc))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="Regenerate the bundled snapshot.")
    p.add_argument("--data", type=Path, default=ROOT / "content" / "data")
    p.add_argument("--force", action="store_true",
                   help="regenerate even when the folder holds other sources (a real portal)")
    args = p.parse_args(argv)
    real = foreign_sources(args.data)
    if real and not args.force:
        # The demo's files and status would replace a real deployment's.
        print(f"error: {args.data} is not the demo snapshot (it has source(s) "
              f"{', '.join(real[:5])}{' ...' if len(real) > 5 else ''}): `make snapshot` "
              "would bring the demo back over it and reset status.yaml. Use another "
              "DATA=dir, or FORCE=1 (--force) if that is really wanted.", file=sys.stderr)
        return 2
    return build(args.data, cache_dir=ROOT / ".cache" / "snapshot")


if __name__ == "__main__":
    sys.exit(main())
