"""What the operator sees: a progress bar per source on a terminal, plain log
lines elsewhere (CI), and a summary table at the end of the run."""

from __future__ import annotations

import time
from typing import TextIO

LOG_EVERY = 10.0  # seconds between progress lines when not on a terminal


class Progress:
    def __init__(self, source_id: str, out: TextIO | None):
        self.source_id = source_id
        self.out = out
        self.tty = bool(out is not None and getattr(out, "isatty", lambda: False)())
        self.count = 0
        self.total: int | None = None
        self.started = self.last = time.monotonic()
        if out is not None and not self.tty:
            out.write(f"{source_id}: harvesting\n")
            out.flush()

    def update(self, count: int, total: int | None = None) -> None:
        self.count, self.total = count, total
        if self.out is None:
            return
        now = time.monotonic()
        if self.tty and now - self.last > 0.1:
            self.out.write("\r" + self._bar())
            self.out.flush()
            self.last = now
        elif not self.tty and now - self.last > LOG_EVERY:
            self.out.write(f"{self.source_id}: {self._counts()}\n")
            self.out.flush()
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
            self.out.write("\r" + self._bar() + f" {elapsed:.1f}s\n")
        else:
            self.out.write(f"{self.source_id}: {self._counts()} in {elapsed:.1f}s\n")
        self.out.flush()


def summary_table(results: dict) -> str:
    """source | state | records | +added ~updated -removed | warnings | seconds | error"""
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
    failed = sum(1 for r in results.values() if r.state == "failed")
    lines.append(f"{len(results)} source(s), {failed} failed")
    return "\n".join(lines)
