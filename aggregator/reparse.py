"""Re-reading a changed source file: only the records whose text changed.
Part of the snapshot reader (aggregator/snapshot.py), kept apart because it is
its own mechanism: per-path notes in the parse cache and record-by-record reuse.

The aggregator rewrites a whole source file when one record changes, and a
10,000-record file takes seconds to parse. The writer lays files out as
`records:` then one `- id: ...` item per record at column 0, so the text of
each record can be cut out and compared with the previous version's: the
records whose text is the same are taken from the previous parse, only the
others are parsed. Files laid out otherwise are parsed whole.
"""

from __future__ import annotations

import hashlib
import marshal
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from . import yamlio
from .records import record_from_dict

# Key of the validated records in a parse-cache entry (never a key of a YAML file).
VALIDATED = "__validated_records_v1__"

_RECORDS = b"\nrecords:\n- id: "
_ITEM = b"\n- id: "


def record_chunks(raw: bytes) -> list[bytes] | None:
    """The YAML text of each record (without its leading '- id: '), as the
    snapshot writer lays a file out; None when the file is laid out otherwise."""
    start = raw.find(_RECORDS)
    if start < 0:
        return None
    chunks = raw[start + len(_RECORDS):].split(_ITEM)
    if chunks[-1].endswith(b"\n"):     # the last one should not differ for that
        chunks[-1] = chunks[-1][:-1]
    return chunks


def chunk_key(chunk: bytes) -> bytes:
    return hashlib.blake2b(chunk, digest_size=12).digest()


# The code that turns a file into its cached, validated form (records'
# normalization, the reader's checks). An entry made by another version of it is
# not used: a record's shape may have changed (a register's organizations went
# from names to {name, tax_id...}; a cache from before crashed the build).
_MODEL_FILES = ("records.py", "records_base.py", "records_registers.py", "records_obras.py",
                "snapshot.py", "reparse.py", "registry.py")
MODEL = hashlib.blake2b(b"".join(Path(__file__).with_name(n).read_bytes()
                                 for n in _MODEL_FILES), digest_size=16).digest()


def pointer_path(path: Path) -> Path:
    return path.resolve()


def pointer(cache_dir: Path | None, path: Path) -> Path | None:
    if cache_dir is None:
        return None
    name = hashlib.blake2b(str(pointer_path(path)).encode(), digest_size=12).hexdigest()
    return Path(cache_dir) / "parse" / "by-path" / f"{name}.marshal"


def remember(pointer: Path | None, cached: Path | None, chunks: list[bytes] | None,
              doc: dict, stat: list, path: Path) -> None:
    """Note, for this path, the parse-cache entry that holds its records, the
    file's size and time (an untouched file is then not even read: the
    snapshot writer replaces files, so a new version has a new time), and each
    record's text key for the next version of the file."""
    if pointer is None or cached is None:
        return
    if time.time_ns() - stat[1] < RACY_NS:
        stat = None     # written just now: another write could keep size and time
    keys = None
    if chunks is not None and len(chunks) == len(doc[VALIDATED]):
        keys = [chunk_key(c) for c in chunks]
    try:
        # The file's path: the pruner keeps what existing files point at (cache_prune.py).
        yamlio.write_atomic(pointer, marshal.dumps(
            {"entry": cached.name, "keys": keys, "stat": stat,
             "path": str(pointer_path(path)), "model": MODEL}), durable=False)
    except OSError:
        pass


# A file modified less than this before it was read is not trusted by its size and
# time (file times are coarse: two quick writes of the same size can share one).
RACY_NS = 2_000_000_000


def pointed(pointer: Path | None) -> tuple[dict, Path] | None:
    if pointer is None:
        return None
    try:
        note = marshal.loads(pointer.read_bytes())
        if note.get("model") != MODEL:
            return None         # written by another version of the reader
        return note, pointer.parent.parent / note["entry"]
    except (OSError, EOFError, ValueError, TypeError, KeyError):
        return None


def unchanged_since_last_read(pointer: Path | None, stat: list) -> dict | None:
    found = pointed(pointer)
    if found is None or found[0].get("stat") != stat:
        return None
    try:
        doc = marshal.loads(found[1].read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        return None
    return doc if isinstance(doc, dict) and VALIDATED in doc else None


def parse_changed(path: Path, raw: bytes, chunks: list[bytes] | None, pointer: Path | None,
                  validate: Callable[[Path, Any], dict]) -> dict | None:
    """The validated document of a changed file, parsing only the records whose
    text changed since the version cached last; None when that is not possible
    (no earlier version, another layout, any surprise): parse the whole file.
    `validate(path, parsed header)`: the snapshot reader's check of a file."""
    found = pointed(pointer)
    if chunks is None or found is None or not found[0].get("keys"):
        return None
    try:
        keys = found[0]["keys"]
        previous = marshal.loads(found[1].read_bytes())[VALIDATED]
        if len(previous) != len(keys):
            return None
        known = dict(zip(keys, previous))
        head = raw[:raw.find(_RECORDS)] + b"\nrecords: []\n"
        doc = validate(path, yamlio.loads(head, path))
        records = doc[VALIDATED]
        for chunk in chunks:
            rec = known.get(chunk_key(chunk))
            if rec is None:
                item = yamlio.loads(b"- id: " + chunk, path)
                if not (isinstance(item, list) and len(item) == 1
                        and isinstance(item[0], dict)):
                    return None
                rec = record_from_dict(item[0]).to_dict()
            records.append(rec)
        return doc
    except Exception:  # noqa: BLE001 - the whole-file parse reports real errors
        return None
