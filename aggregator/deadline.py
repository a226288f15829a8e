"""Hard deadlines for the HTTP layer and time budgets for sources and the run.

A per-read timeout cannot bound an answer: a server that drips one byte every
half second, stalls a TLS handshake or sends headers forever resets it with
every byte. So each request runs under a `Guard` with an absolute deadline, and
one watchdog thread shuts the sockets of a request whose time is up: whatever
the request was blocked on returns at once and the HTTP layer reports why.

A `Budget` is the deadline of a whole source (`source_max_seconds`) or run
(`run_max_seconds`), with the words to say when it runs out.
"""

from __future__ import annotations

import heapq
import itertools
import socket
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass

from .errors import OutOfTime


@dataclass(frozen=True)
class Budget:
    deadline: float   # time.monotonic()
    reason: str       # "the source's time budget of 60 s (source_max_seconds)"

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    def check(self, doing: str = "") -> None:
        if self.remaining() <= 0:
            raise OutOfTime(f"over {self.reason}{' ' + doing if doing else ''}")

    @staticmethod
    def earliest(*budgets: Budget | None) -> Budget | None:
        present = [b for b in budgets if b is not None]
        return min(present, key=lambda b: b.deadline) if present else None


class DeadlineReached(Exception):
    """Raised inside the HTTP stack when a guarded request may not go on (no time
    left to connect or to wait for a retry); the HTTP layer turns it into a
    one-line error. Deliberately not an OSError: urllib3 must not retry it."""


class Guard:
    """One request's deadline and the sockets it opened."""

    def __init__(self, deadline: float):
        self.deadline = deadline
        self.fired = False
        self.phase = "answer"   # "body" once the headers are in
        self.received = 0       # body bytes read so far
        self._done = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    def add(self, sock: socket.socket) -> None:
        with self._lock:
            if not self.fired:
                self._sockets.append(sock)
                return
        _shut(sock)

    def fire(self) -> None:
        with self._lock:
            if self._done or self.fired:
                return
            self.fired = True
            sockets, self._sockets = self._sockets, []
        for sock in sockets:
            _shut(sock)

    def finish(self) -> bool:
        """The request is over; False if the deadline fired first."""
        with self._lock:
            self._done = True
            self._sockets = []
            return not self.fired


def _shut(sock: socket.socket) -> None:
    # shutdown, not close: it wakes a thread blocked in recv() on this socket at
    # once, and the owner still closes the file descriptor itself.
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


class Watchdog:
    """One thread firing guards whose deadline passed; started on first use."""

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, Guard]] = []
        self._seq = itertools.count()
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None
        self._stopped = False

    def watch(self, guard: Guard) -> None:
        with self._cond:
            heapq.heappush(self._heap, (guard.deadline, next(self._seq), guard))
            if self._thread is None:
                self._stopped = False
                self._thread = threading.Thread(target=self._loop, name="http-watchdog",
                                                daemon=True)
                self._thread.start()
            self._cond.notify()

    def _loop(self) -> None:
        while True:
            due = []
            with self._cond:
                if self._stopped:
                    return
                now = time.monotonic()
                while self._heap and self._heap[0][0] <= now:
                    due.append(heapq.heappop(self._heap)[2])
                if not due:
                    wait = self._heap[0][0] - now if self._heap else None
                    self._cond.wait(wait)
                    continue
            for guard in due:
                guard.fire()

    def close(self) -> None:
        with self._cond:
            self._stopped = True
            self._heap.clear()
            self._cond.notify()
            thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout=5)


_local = threading.local()


def current_guard() -> Guard | None:
    """The guard of the request running on this thread (the HTTP stack is synchronous,
    so urllib3's connection code runs on the thread that made the request)."""
    return getattr(_local, "guard", None)


@contextmanager
def guarded(watchdog: Watchdog, deadline: float):
    guard = Guard(deadline)
    _local.guard = guard
    watchdog.watch(guard)
    try:
        yield guard
    finally:
        guard.finish()
        _local.guard = None
