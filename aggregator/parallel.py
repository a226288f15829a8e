"""Sources harvested at once: at most `workers` at a time, at most `per_host`
of them on one host, started in the order given, results returned in that order
whatever order they finish in (so a parallel run writes what a sequential one
would).

Workers are daemon threads, not a ThreadPoolExecutor: if a source is still busy
when the run's time is up (an adapter stuck in its own code, where no socket
deadline reaches), the run stops waiting for it and the process can still exit.
`WriteGate` makes sure such a straggler never writes after the run's report.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Hashable, Sequence
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


class WriteGate:
    """Writes may start until the gate closes; closing waits for those under way."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._writing = 0
        self._closed = False

    def enter(self) -> bool:
        with self._cond:
            if self._closed:
                return False
            self._writing += 1
            return True

    def leave(self) -> None:
        with self._cond:
            self._writing -= 1
            self._cond.notify_all()

    def close(self) -> None:
        with self._cond:
            self._closed = True
            while self._writing:
                self._cond.wait()


def run_all(items: Sequence[T], work: Callable[[T], R], *, workers: int,
            key: Callable[[T], Hashable], per_key: int, stop_at: float | None = None,
            straggler: Callable[[T], R] | None = None,
            on_start: Callable[[T], None] | None = None) -> list[R]:
    """[work(item) for item in items], run by `workers` threads, at most `per_key`
    items with the same key at once. Items not finished by `stop_at`
    (time.monotonic()) get `straggler(item)` instead."""
    pending = list(range(len(items)))
    results: dict[int, R] = {}
    running: Counter = Counter()
    cond = threading.Condition()

    def take() -> int | None:
        with cond:
            while pending:
                for n, i in enumerate(pending):
                    if running[key(items[i])] < per_key:
                        del pending[n]
                        running[key(items[i])] += 1
                        return i
                cond.wait()
            return None

    def worker() -> None:
        while (i := take()) is not None:
            if on_start is not None:
                on_start(items[i])
            try:
                result = work(items[i])
            except BaseException as exc:  # noqa: BLE001 - re-raised by the caller's thread
                result = _Raised(exc)
            with cond:
                running[key(items[i])] -= 1
                results.setdefault(i, result)
                cond.notify_all()

    for n in range(max(1, min(workers, len(items)))):
        threading.Thread(target=worker, name=f"harvest-{n}", daemon=True).start()
    with cond:
        while len(results) < len(items):
            left = None if stop_at is None else stop_at - time.monotonic()
            if left is not None and left <= 0 and straggler is not None:
                break
            cond.wait(left)
        pending.clear()
        late = [i for i in range(len(items)) if i not in results]
        for i in late:  # a straggler finishing now changes nothing
            results[i] = None
    for i in late:
        results[i] = straggler(items[i])
    out = [results[i] for i in range(len(items))]
    for r in out:
        if isinstance(r, _Raised):
            raise r.exc
    return out


class _Raised:
    def __init__(self, exc: BaseException):
        self.exc = exc
