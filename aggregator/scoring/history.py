"""`history/scores.csv`: one line per evaluated institution per snapshot day, so
trends survive in git.

Append-only: the lines of earlier days are never rewritten (the file is written
atomically, their bytes kept as they were). Scoring the same day again replaces
only that day's block, and only while it is the file's last day: the same
snapshot gives the same file (idempotent), a second harvest the same day leaves
that day's final figures. A snapshot older than the file's last day adds nothing.
"""

from __future__ import annotations

from pathlib import Path

from .. import yamlio
from .base import DIMENSIONS

HEADER = ["fecha", "institucion", "total", *DIMENSIONS, "metodo"]


class HistoryError(ValueError):
    """A history file this code did not write; the message names file and line."""


def _cell(value) -> str:
    return "" if value is None else (f"{value:g}" if isinstance(value, float) else str(value))


def lines_for(doc: dict) -> list[str]:
    day, method = doc["reference"]["day"], doc["method"]["digest"]
    out = []
    for e in doc["institutions"]:           # in id order
        if e["total"] is None:
            continue
        cells = [day, e["id"], _cell(e["total"]),
                 *(_cell(e["dimensions"].get(k)) for k in DIMENSIONS), method]
        out.append(",".join(cells) + "\n")
    return out


def read(path: Path) -> list[tuple[str, str, float, dict, str]]:
    """(day, institution id, total, {dimension: value or None}, method) per line."""
    if not path.exists():
        return []
    rows = []
    text = path.read_text("utf-8")
    lines = text.splitlines()
    _check_header(path, lines)
    for n, line in enumerate(lines[1:], 2):
        cells = line.split(",")
        if len(cells) != len(HEADER):
            raise HistoryError(f"{path}:{n}: expected {len(HEADER)} columns")
        try:
            rows.append((cells[0], cells[1], float(cells[2]),
                         {k: float(v) if v else None for k, v in zip(DIMENSIONS, cells[3:-1])},
                         cells[-1]))
        except ValueError:
            raise HistoryError(f"{path}:{n}: a total that is not a number") from None
    return rows


def _check_header(path: Path, lines: list[str]) -> None:
    if lines and lines[0] != ",".join(HEADER):
        raise HistoryError(f"{path}:1: unexpected header (expected {','.join(HEADER)})")


def append(path: Path, doc: dict) -> str:
    """Add the document's day to the history; return what happened, in words."""
    day = doc["reference"]["day"]
    new = lines_for(doc)
    old = path.read_bytes().decode("utf-8") if path.exists() else ""
    lines = old.splitlines(keepends=True)
    _check_header(path, [ln.rstrip("\n") for ln in lines[:1]])
    if not lines:
        lines = [",".join(HEADER) + "\n"]
    elif not lines[-1].endswith("\n"):
        raise HistoryError(f"{path}:{len(lines)}: last line is incomplete")
    body = lines[1:]
    last = body[-1].split(",", 1)[0] if body else None
    if last is not None and day < last:
        return f"history: not added, it already holds a later day ({last})"
    keep = len(body)
    if last == day:
        while keep and body[keep - 1].split(",", 1)[0] == day:
            keep -= 1
    text = "".join([lines[0], *body[:keep], *new])
    if text == old:
        return f"history: {day} already recorded"
    yamlio.write_atomic(path, text.encode("utf-8"))
    verb = "replaced" if keep < len(body) else "added"
    return f"history: {len(new)} line(s) for {day} {verb}"
