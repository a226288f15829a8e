"""What the HTTP layer needs to be shared by sources harvested at once.

- `GuardedAdapter`: requests' adapter whose urllib3 connections register their
  sockets with the current request's guard (aggregator.deadline), the raw TCP
  socket included, so a stalled TLS handshake can be cut too; a connection may
  not start, nor a retry wait, past the guard's deadline.
- `HostSlots`: at most N requests at once to one host, whatever the port.
- `KeyedLocks`: one lock per conditional-cache entry, so two sources asking for
  the same URL at once never mix one answer's validators with the other's body.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from contextlib import contextmanager

from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from .deadline import DeadlineReached, current_guard


class _Registering:
    """Mixin for urllib3 connections: every socket they use joins the current guard."""

    def _new_conn(self):
        guard = current_guard()
        if guard is not None:
            left = guard.remaining()
            if left <= 0:
                raise DeadlineReached("no time left to connect")
            if not isinstance(self.timeout, (int, float)) or self.timeout > left:
                self.timeout = left
        sock = super()._new_conn()
        if guard is not None:
            guard.add(sock)
        return sock

    def request(self, *args, **kwargs):
        guard = current_guard()
        if guard is not None and self.sock is not None:  # a kept-alive connection
            guard.add(self.sock)
        return super().request(*args, **kwargs)


class _Conn(_Registering, HTTPConnection):
    pass


class _TlsConn(_Registering, HTTPSConnection):
    pass


class _Pool(HTTPConnectionPool):
    ConnectionCls = _Conn


class _TlsPool(HTTPSConnectionPool):
    ConnectionCls = _TlsConn


class GuardedAdapter(HTTPAdapter):
    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _Pool, "https": _TlsPool}


def retry_wait(wait: float, what: str) -> None:
    """Sleep before a retry, unless the wait would go past the current deadline."""
    guard = current_guard()
    if guard is not None and wait >= guard.remaining():
        raise DeadlineReached(what)
    if wait > 0:
        time.sleep(wait)


class HostSlots:
    def __init__(self, per_host: int):
        self.per_host = per_host
        self._busy: Counter = Counter()
        self.peak: Counter = Counter()   # most requests seen at once, per host
        self._cond = threading.Condition()

    @contextmanager
    def slot(self, host: str, deadline: float):
        """Hold one of the host's slots; DeadlineReached if none frees up in time."""
        host = host.lower()
        with self._cond:
            while self._busy[host] >= self.per_host:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise DeadlineReached(f"waited for a free connection to {host}")
                self._cond.wait(left)
            self._busy[host] += 1
            self.peak[host] = max(self.peak[host], self._busy[host])
        try:
            yield
        finally:
            with self._cond:
                self._busy[host] -= 1
                if not self._busy[host]:
                    del self._busy[host]
                self._cond.notify_all()


class KeyedLocks:
    def __init__(self) -> None:
        self._locks: dict[object, list] = {}   # key -> [lock, users]
        self._lock = threading.Lock()

    @contextmanager
    def hold(self, key, deadline: float):
        if key is None:
            yield
            return
        with self._lock:
            entry = self._locks.setdefault(key, [threading.Lock(), 0])
            entry[1] += 1
        try:
            if not entry[0].acquire(timeout=max(0.0, deadline - time.monotonic())):
                raise DeadlineReached("waited for another request to the same URL")
            try:
                yield
            finally:
                entry[0].release()
        finally:
            with self._lock:
                entry[1] -= 1
                if not entry[1]:
                    del self._locks[key]
