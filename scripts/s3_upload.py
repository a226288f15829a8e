"""`make s3_upload`: the built site to an S3 bucket with the AWS CLI's `s3 sync`,
each file with the right Content-Type and Cache-Control.

- Files whose name carries a content hash (`es_cabebd7.pf_fragment`,
  `portal.3f9a2c1d.css`) never change under that name: `immutable`, cached a year.
- Everything else (HTML first of all, and unhashed CSS, feeds, exports) may change
  at the next build: a short max-age.
- Types the CLI would guess wrong or without a charset are set here (HTML, CSS,
  feeds, JSON-LD, Turtle, CSV, iCalendar...); the rest it guesses itself.

`aws s3 sync` applies one Content-Type and one Cache-Control per call, so the
files are grouped, each group hard-linked into its own folder and synced from
there; hashed files go first (a new page never points at a file not uploaded
yet), and a last sync of the whole output with `--delete --size-only` only
removes objects of files that are gone (the others are up to date by then).

    python scripts/s3_upload.py OUTPUTDIR BUCKET [--aws aws] [-- extra aws options]
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

IMMUTABLE = "public, max-age=31536000, immutable"
SHORT = "public, max-age=300"
# Longest suffixes first: ".atom.xml" before ".xml".
TYPES = [
    (".atom.xml", "application/atom+xml; charset=utf-8"),
    (".html", "text/html; charset=utf-8"),
    (".css", "text/css; charset=utf-8"),
    (".js", "text/javascript; charset=utf-8"),
    (".json", "application/json"),
    (".jsonld", "application/ld+json"),
    (".geojson", "application/geo+json"),
    (".xml", "application/xml; charset=utf-8"),
    (".ttl", "text/turtle; charset=utf-8"),
    (".csv", "text/csv; charset=utf-8"),
    (".ics", "text/calendar; charset=utf-8"),
    (".txt", "text/plain; charset=utf-8"),
    (".svg", "image/svg+xml"),
    (".webmanifest", "application/manifest+json"),
]
# A run of 7+ hex digits with letters and digits both, set off by . _ - in the
# file name: a content hash, not a word ("decade") nor a date ("20241231").
_HEX_RUN = re.compile(r"(?:^|[._-])([0-9a-f]{7,64})(?=[._-]|$)")


def is_hashed(name: str) -> bool:
    if name.endswith(".html"):
        return False
    return any(re.search(r"[a-f]", run) and re.search(r"\d", run)
               for run in _HEX_RUN.findall(name))


def content_type(name: str) -> str | None:
    for suffix, ctype in TYPES:
        if name.endswith(suffix):
            return ctype
    return None


def groups(output: Path, short: str = SHORT) -> dict[tuple[str, str | None], list[Path]]:
    """(cache-control, content-type or None) -> files, hashed groups first."""
    found: dict[tuple[str, str | None], list[Path]] = {}
    for path in sorted(p for p in output.rglob("*") if p.is_file()):
        rel = path.relative_to(output)
        cache = IMMUTABLE if is_hashed(rel.name) else short
        found.setdefault((cache, content_type(rel.name)), []).append(rel)
    return dict(sorted(found.items(), key=lambda kv: (kv[0][0] != IMMUTABLE, kv[0][1] or "")))


def _link(src: Path, dst: Path) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(src, dst)
    except OSError:  # another file system: a copy keeps the time stamps too
        shutil.copy2(src, dst)


def upload(output: Path, bucket: str, aws: list[str], extra: list[str],
           short: str = SHORT, run=subprocess.run) -> None:
    target = f"s3://{bucket.strip('/')}/"
    common = ["--no-progress", "--only-show-errors", *extra]
    with tempfile.TemporaryDirectory(prefix=".s3-", dir=output.parent) as tmp:
        for n, ((cache, ctype), files) in enumerate(groups(output, short).items()):
            stage = Path(tmp) / str(n)
            for rel in files:
                _link(output / rel, stage / rel)
            cmd = [*aws, "s3", "sync", str(stage), target, "--cache-control", cache, *common]
            if ctype:
                cmd += ["--content-type", ctype]
            print(f"s3_upload: {len(files):,} file(s), {ctype or 'type guessed'}, {cache}",
                  flush=True)
            run(cmd, check=True)
    # Everything is up to date now: this only deletes objects whose file is gone
    # (--size-only: S3 keeps whole seconds, so a file built in the second of its
    # upload would look newer than its object and go again without its headers).
    run([*aws, "s3", "sync", str(output), target, "--delete", "--size-only", *common],
        check=True)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("output", type=Path)
    p.add_argument("bucket")
    p.add_argument("--aws", default="aws", help="the AWS CLI command (may carry options)")
    p.add_argument("--short", default=SHORT, help="Cache-Control of files without a hash")
    p.epilog = "Options after -- go to every aws s3 sync (e.g. --endpoint-url URL)."
    argv = sys.argv[1:] if argv is None else argv
    extra = argv[argv.index("--") + 1:] if "--" in argv else []
    args = p.parse_args(argv[:argv.index("--")] if "--" in argv else argv)
    if not args.bucket.strip("/"):
        print("s3_upload: set S3_BUCKET (make s3_upload S3_BUCKET=my-bucket)", file=sys.stderr)
        return 2
    if not args.output.is_dir():
        print(f"s3_upload: {args.output} is not a built site (make publish)", file=sys.stderr)
        return 2
    try:
        upload(args.output.resolve(), args.bucket, shlex.split(args.aws), extra, args.short)
    except subprocess.CalledProcessError as exc:
        print(f"s3_upload: {shlex.join(exc.cmd[:4])} ... failed (exit {exc.returncode})",
              file=sys.stderr)
        return 1
    except FileNotFoundError:
        print(f"s3_upload: AWS CLI not found ({args.aws}): run make deploy-tools, or "
              f"make s3_upload AWS=/path/to/aws", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
