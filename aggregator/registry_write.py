"""Writing an import into `institutions.yaml` without losing what editors wrote.

The registry is curated by hand: comments, grouping, the order of entries. An
import therefore edits the text: a field it fills in becomes one more line at
the end of that institution's entry, and new institutions are appended to the
list under a comment naming the import. The result is parsed back and compared
with what it must hold; a file laid out in a way that defeats this (written by
another tool) is written whole instead, and the caller is told. Writes are
atomic, and the same input gives the same bytes.
"""

from __future__ import annotations

import re
from pathlib import Path

from . import yamlio
from .records import Institution
from .registry import institution_from_dict

_TOP_KEY = re.compile(r"^[A-Za-z_][\w-]*\s*:")


def entry_yaml(inst: Institution) -> str:
    """A new institution as the registry writes entries: set keys only."""
    d = {k: v for k, v in inst.to_dict().items() if v not in (None, [], "")}
    return yamlio.dumps([d]).decode("utf-8")


def registry_text(text: str, changes: dict[str, dict], added: list[Institution],
                  header: str) -> str:
    """`text` with fields set on existing entries ({id: {field: value}}) and new
    entries appended to the `institutions:` list."""
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    start = next((n for n, line in enumerate(lines) if line.startswith("institutions:")), None)
    if start is None:
        raise ValueError("no 'institutions:' key at the start of a line")
    end = next((n for n in range(start + 1, len(lines)) if _TOP_KEY.match(lines[n])),
               len(lines))
    inserts: dict[int, list[str]] = {}
    for iid, fields in changes.items():
        at = _entry_end(lines, start, end, iid)
        new = [f"  {yamlio.dumps({k: v}).decode('utf-8')}" for k, v in fields.items()]
        inserts.setdefault(at, []).extend(new)
    if added:
        at = end
        while at > start + 1 and not lines[at - 1].strip():
            at -= 1
        block = ["\n", f"# -- {header} --\n"]
        for inst in added:
            block += ["\n", entry_yaml(inst)]
        if end < len(lines):
            block.append("\n")
        inserts.setdefault(at, []).extend(block)
    out = []
    for n, line in enumerate(lines):
        out.extend(inserts.get(n, ()))
        out.append(line)
    out.extend(inserts.get(len(lines), ()))
    return "".join(out)


def _entry_end(lines: list[str], start: int, end: int, iid: str) -> int:
    """Index after the last key line of the entry `- id: <iid>`."""
    head = re.compile(rf"^- id:\s*['\"]?{re.escape(iid)}['\"]?\s*(#.*)?$")
    first = next((n for n in range(start + 1, end) if head.match(lines[n].rstrip("\n"))), None)
    if first is None:
        raise ValueError(f"entry {iid!r} is not laid out as '- id: {iid}'")
    last = first
    for n in range(first + 1, end):
        line = lines[n]
        if line.startswith("- ") or _TOP_KEY.match(line):
            break
        if line.startswith("  ") and line.strip() and not line.lstrip().startswith("#"):
            last = n
    return last + 1


def write_registry(path: Path, institutions: list[Institution], mappings: dict,
                   changes: dict[str, dict], added: list[Institution], header: str) -> bool:
    """Write the registry after an import. True when the editors' layout was kept,
    False when the file had to be written whole (its comments lost)."""
    path = Path(path)
    text = path.read_text("utf-8") if path.exists() else "institutions:\n"
    expected = {"institutions": [i.to_dict() for i in institutions], "mappings": mappings}
    try:
        new = registry_text(text, changes, added, header)
        kept = _same(yamlio.loads(new, path), expected)
    except (ValueError, yamlio.YamlError):      # RecordError is a ValueError
        kept = False
    if not kept:
        doc = {"institutions": [{k: v for k, v in i.to_dict().items()
                                 if v not in (None, [], "")} for i in institutions]}
        if mappings:
            doc["mappings"] = mappings
        new = yamlio.dumps(doc).decode("utf-8")
    yamlio.write_atomic(path, new.encode("utf-8"))
    return kept


def _same(doc, expected: dict) -> bool:
    if not isinstance(doc, dict):
        return False
    got = [institution_from_dict(d).to_dict() for d in doc.get("institutions") or []]
    return got == expected["institutions"] and (doc.get("mappings") or {}) == expected["mappings"]
