"""What the operator sees: a progress bar per source on a terminal, plain log
lines elsewhere (CI), and a summary table at the end of the run.

With sources harvested at once, a `Board` shares the output between them: log
lines as before (whole lines, never interleaved); on a terminal, each source's
final bar when it ends and one line for the whole run under them."""

from __future__ import annotations

import threading
import time
from typing import TextIO

LOG_EVERY = 10.0  # seconds between progress lines when not on a terminal


class Progress:
    def __init__(self, source_id: str, out: TextIO | None, board: Board | None = None):
        self.source_id = source_id
        self.out = out
        self.board = board
        self.tty = bool(out is not None and getattr(out, "isatty", lambda: False)())
        # Several sources at once on a terminal: no bar each, the board's line instead.
        self.bars = self.tty and (board is None or board.bars)
        self.count = 0
        self.total: int | None = None
        self.started = self.last = time.monotonic()
        if out is not None and not self.tty:
            self._write(f"{source_id}: harvesting\n")

    def _write(self, text: str) -> None:
        if self.board is not None:
            self.board.write(text)
        else:
            self.out.write(text)
            self.out.flush()

    def update(self, count: int, total: int | None = None) -> None:
        self.count, self.total = count, total
        if self.out is None:
            return
        now = time.monotonic()
        if self.bars and now - self.last > 0.1:
            self._write("\r" + self._bar())
            self.last = now
        elif not self.tty and now - self.last > LOG_EVERY:
            self._write(f"{self.source_id}: {self._counts()}\n")
            self.last = now

    def _counts(self) -> str:
        items = "item" if (self.total or self.count) == 1 else "items"
        return f"{self.count:,}/{self.total:,} {items}" if self.total \
            else f"{self.count:,} {items}"

    def _bar(self, width: int = 30) -> str:
        if self.total:
            filled = int(width * min(self.count, self.total) / self.total)
            bar = "#" * filled + "-" * (width - filled)
        else:
            pos = self.count % width
            bar = "-" * pos + "#" + "-" * (width - pos - 1)
        return f"{self.source_id:<24.24} [{bar}] {self._counts()}"

    def done(self) -> None:
        if self.out is None:
            return
        elapsed = time.monotonic() - self.started
        if self.tty:
            self._write("\r" + self._bar() + f" {elapsed:.1f}s\n")
        else:
            self._write(f"{self.source_id}: {self._counts()} in {elapsed:.1f}s\n")
        if self.board is not None:
            self.board.done(self.source_id)


class Board:
    """The output of a run whose sources may be harvested at once."""

    def __init__(self, out: TextIO, total: int, bars: bool):
        self.out = out
        self.total = total
        self.bars = bars          # one source at a time: a live bar per source
        self.tty = bool(getattr(out, "isatty", lambda: False)())
        self.finished = 0
        self.running: list[str] = []
        self._lock = threading.Lock()

    def progress(self, source_id: str) -> Progress:
        with self._lock:
            self.running.append(source_id)
        return Progress(source_id, self.out, self)

    def write(self, text: str) -> None:
        with self._lock:
            if self.tty and not self.bars:   # over the run's line, which goes under it
                text = "\r\x1b[K" + text.lstrip("\r") + self._line()
            self.out.write(text)
            self.out.flush()

    def done(self, source_id: str) -> None:
        with self._lock:
            self.finished += 1
            if source_id in self.running:
                self.running.remove(source_id)
        if self.tty and not self.bars:
            self.write("")

    def _line(self) -> str:
        width = 30
        filled = int(width * self.finished / self.total) if self.total else width
        return (f"run [{'#' * filled}{'-' * (width - filled)}] {self.finished:,}/"
                f"{self.total:,} sources, {len(self.running)} running")

    def finish(self) -> None:
        if self.tty and not self.bars:
            with self._lock:
                self.out.write("\r\x1b[K")
                self.out.flush()


def summary_table(results: dict, wall: float | None = None) -> str:
    """source | state | records | +added ~updated -removed | warnings | seconds | error,
    then (given the run's wall time) the slowest sources, then the count of failures."""
    head = ("source", "state", "records", "changes", "warn", "secs", "error")
    rows = [head]
    for sid, r in results.items():
        rows.append((sid, r.state, f"{r.records:,}",
                     f"+{r.added} ~{r.updated} -{r.removed}",
                     str(r.warnings + r.failed_items), f"{r.seconds:.1f}",
                     (r.error or "")[:100]))
    widths = [max(len(row[i]) for row in rows) for i in range(len(head) - 1)]
    lines = []
    for row in rows:
        cells = [c.ljust(w) for c, w in zip(row[:-1], widths)]
        lines.append("  ".join(cells + [row[-1]]).rstrip())
    lines.insert(1, "  ".join("-" * w for w in widths) + "  -----")
    if wall is not None:
        lines.append(slowest_line(results, wall))
    failed = sum(1 for r in results.values() if r.state == "failed")
    lines.append(f"{len(results)} source(s), {failed} failed")
    return "\n".join(lines)


def slowest_line(results: dict, wall: float, count: int = 5) -> str:
    """The run's wall time beside the sum of its sources' times, and the slowest ones."""
    total = sum(r.seconds for r in results.values())
    slow = sorted(results.items(), key=lambda kv: (-kv[1].seconds, kv[0]))[:count]
    names = ", ".join(f"{sid} {r.seconds:.1f}s" for sid, r in slow)
    return f"wall time {wall:.1f}s (sources {total:.1f}s in all); slowest: {names or '-'}"
