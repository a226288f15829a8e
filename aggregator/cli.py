"""Command line: `python -m aggregator run|validate|score|institutions [import]|summary`.

Exit codes (a contract, CI relies on them): 0 every source ok or unchanged;
3 some sources failed, their last good data kept; 2 bad configuration or
usage, nothing written.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path

from . import changes, tombstones
from .config import ConfigError, load_config
from .reconcile import Reconciler
from .runner import EXIT_OK, EXIT_USAGE, Runner
from .score import DEFAULT_SETTINGS, ScoreError, Scorer
from .snapshot import ROOT, SnapshotError, load_snapshot

DEFAULT_SOURCES = ROOT / "sources.yaml"
DEFAULT_DATA = ROOT / "content" / "data"


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # usage errors: one line, exit 2, as the contract says
        self.exit(EXIT_USAGE, f"error: {self.prog}: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="python -m aggregator",
                description="Harvest open-government sources into the YAML snapshot.")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    def common(sp):
        sp.add_argument("--sources", type=Path, default=DEFAULT_SOURCES,
                        help="sources file (default: sources.yaml)")
        sp.add_argument("--data", type=Path, default=DEFAULT_DATA,
                        help="snapshot folder (default: content/data)")

    run = sub.add_parser("run", help="harvest the sources into the snapshot")
    common(run)
    run.add_argument("--only", nargs="+", metavar="ID", help="harvest only these sources")
    run.add_argument("--full", action="store_true",
                     help="list everything again (detects deletions) instead of changes only")
    run.add_argument("--quiet", action="store_true", help="no progress or summary")
    run.add_argument("--settings", type=Path, default=DEFAULT_SETTINGS,
                     help="site settings with PORTAL_SCORECARD, for the scorecard written "
                          "after the harvest (default: pelicanconf.py)")

    score = sub.add_parser("score", help="write the scorecard (scores.yaml, history/)")
    score.add_argument("--data", type=Path, default=DEFAULT_DATA,
                       help="snapshot folder (default: content/data)")
    score.add_argument("--settings", type=Path, default=DEFAULT_SETTINGS,
                       help="site settings with PORTAL_SCORECARD (default: pelicanconf.py)")

    val = sub.add_parser("validate", help="check sources.yaml and the snapshot")
    common(val)

    inst = sub.add_parser("institutions", help="institution registry reports and imports")
    common(inst)
    inst.add_argument("--unmatched", action="store_true",
                      help="names in the snapshot that match no institution")
    actions = inst.add_subparsers(dest="action", parser_class=_Parser)
    imp = actions.add_parser("import", help="merge a list of public bodies into the registry")
    imp.add_argument("--from", dest="list_kind", required=True, choices=["chilecompra", "cplt"],
                     help="ChileCompra's buyers (BuscarComprador JSON) or CPLT's codes (CSV)")
    imp.add_argument("file", type=Path, help="the list to import")
    # SUPPRESS: `institutions --data DIR import ...` keeps the DIR given before.
    imp.add_argument("--data", type=Path, default=argparse.SUPPRESS,
                     help="snapshot folder (default: content/data)")

    summ = sub.add_parser("summary", help="the last run as a commit message (for CI)")
    summ.add_argument("--data", type=Path, default=DEFAULT_DATA,
                      help="snapshot folder (default: content/data)")
    summ.add_argument("--since", metavar="TIME",
                      help="exit 2 unless the last run started at or after this ISO time")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "run":
            return _run(args)
        if args.command == "validate":
            return _validate(args)
        if args.command == "score":
            Scorer(args.settings).run(args.data)
            return EXIT_OK
        if args.command == "summary":
            return _summary(args)
        return _institutions(args)
    except (ConfigError, SnapshotError, ScoreError) as exc:
        # One line naming the file and key, never a traceback (exit 2).
        print(f"error: {' '.join(str(exc).split())}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as exc:      # a --data or --sources folder that cannot be written
        print(f"error: {exc.filename or ''}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_USAGE


def _run(args) -> int:
    config = load_config(args.sources)
    scorer = Scorer(args.settings)      # checked before anything is harvested
    out = None if args.quiet else sys.stderr
    runner = Runner(config, args.data, out=out)
    runner.on_write = scorer.keeper(runner.cache_dir)
    code = runner.run(only=args.only, full=args.full)
    try:
        scorer.run(args.data, runner.cache_dir, out=out)
    except ScoreError as exc:
        print(f"error: the harvest was written, the scorecard not: {exc}", file=sys.stderr)
        return EXIT_USAGE
    return code


def _summary(args) -> int:
    from .summary import NoRun, commit_message, read_run
    since = None
    if args.since:
        try:
            since = datetime.fromisoformat(args.since)
        except ValueError:
            raise ConfigError(f"--since {args.since!r}: not an ISO 8601 time") from None
        since = since if since.tzinfo else since.replace(tzinfo=UTC)
    try:
        print(commit_message(read_run(args.data, since)), end="")
    except NoRun as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    return EXIT_OK


def _validate(args) -> int:
    config = load_config(args.sources)
    snap = load_snapshot(args.data)
    try:
        months, logged = changes.read_changes(args.data)
    except changes.ChangeLogError as exc:
        raise SnapshotError(str(exc)) from None
    gone = tombstones.read_tombstones(args.data)
    ids = {i.id for i in snap.institutions}
    problems = []
    for s in config.sources:
        if s.institution and s.institution not in ids:
            problems.append(f"{config.path}: source {s.id!r}: institution "
                            f"{s.institution!r} is not in {args.data / 'institutions.yaml'}")
    for inst in snap.institutions:
        if inst.parent and inst.parent not in ids:
            problems.append(f"institution {inst.id!r}: parent {inst.parent!r} is not registered")
    counts = {}
    for rec in snap.records():
        counts[rec.TYPE] = counts.get(rec.TYPE, 0) + 1
        if rec.institution and rec.institution not in ids:
            problems.append(f"{rec.id}: institution {rec.institution!r} is not registered")
    for p in problems[:50]:
        print(f"error: {p}", file=sys.stderr)
    if problems:
        return EXIT_USAGE
    summary = ", ".join(f"{n:,} {t}" for t, n in sorted(counts.items())) or "no records"
    print(f"ok: {len(config.sources)} sources, {len(snap.institutions)} institutions, {summary}; "
          f"{len(logged):,} changes in {len(months)} month(s), {len(gone):,} tombstone(s)")
    return EXIT_OK


def _institutions(args) -> int:
    if args.action == "import":
        from .registry_cli import import_list
        return import_list(args.list_kind, args.file, args.data)
    snap = load_snapshot(args.data)
    if not args.unmatched:
        for inst in sorted(snap.institutions, key=lambda i: i.id):
            print(f"{inst.id}\t{inst.acronym or ''}\t{inst.name}")
        return EXIT_OK
    # Counted from the records on disk (not the last run's status), so a run with
    # --only cannot hide the names of the sources it skipped.
    reconciler = Reconciler(snap.institutions, snap.mappings)
    for rec in snap.records():
        name = getattr(rec, "publisher", None)
        if rec.institution is None and name and name.strip():
            reconciler.unmatched[name.strip()][rec.source] += 1
    rows = reconciler.unmatched_report()
    if not rows:
        print("every named publisher matches an institution")
        return EXIT_OK
    width = max(len(str(r["count"])) for r in rows)
    for r in rows:
        extra = ""
        if r.get("candidates"):
            extra = f"  ambiguous: {', '.join(r['candidates'])}"
        elif reconciler.match(r["name"]):
            extra = f"  now matches {reconciler.match(r['name'])} (run the aggregator again)"
        print(f"{r['count']:>{width}}  {r['name']}  ({', '.join(r['sources'])}){extra}")
    total = sum(r["count"] for r in rows)
    print(f"{len(rows)} name(s) in {total} record(s) match no institution")
    return EXIT_OK
