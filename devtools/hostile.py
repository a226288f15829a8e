"""Servers that defeat per-read timeouts, for the deadline tests and benchmarks.

Handlers for the replay server (`server.handle(path, drip(body))`):
- `drip`: headers at once, then the body one byte every `every` seconds;
- `stall`: headers and part of the body, then nothing;
- `endless_headers`: a status line, then one header byte every `every` seconds;
- `delayed`: a normal answer after `seconds`.
And `SilentServer`: accepts connections and never answers (not even a TLS
handshake). Each stops on its own after `limit` seconds or when the client leaves.
"""

from __future__ import annotations

import socket
import threading
import time
from typing import Self

from .replay import Reply


def _sleep_writing(raw, chunks, every: float, limit: float) -> None:
    ended = time.monotonic() + limit
    try:
        for chunk in chunks:
            if time.monotonic() > ended:
                break
            raw.wfile.write(chunk)
            raw.wfile.flush()
            time.sleep(every)
    except OSError:  # the client gave up: that is the point
        pass
    raw.close_connection = True


def drip(body: bytes, every: float = 0.5, limit: float = 60.0):
    def handler(request, raw):
        raw.send_response(200)
        raw.send_header("Content-Type", "application/json")
        raw.send_header("Content-Length", str(len(body)))
        raw.end_headers()
        raw.wfile.flush()
        _sleep_writing(raw, (body[i:i + 1] for i in range(len(body))), every, limit)
    return handler


def stall(body: bytes, sent: int, limit: float = 60.0):
    def handler(request, raw):
        raw.send_response(200)
        raw.send_header("Content-Type", "application/json")
        raw.send_header("Content-Length", str(len(body)))
        raw.end_headers()
        _sleep_writing(raw, [body[:sent]], limit, limit)
    return handler


def endless_headers(every: float = 0.5, limit: float = 60.0):
    def handler(request, raw):
        raw.wfile.write(b"HTTP/1.1 200 OK\r\nX-Relleno: ")
        _sleep_writing(raw, iter(lambda: b"a", None), every, limit)
    return handler


def delayed(body: bytes, seconds: float, status: int = 200, headers: dict | None = None):
    def handler(request, raw):
        time.sleep(seconds)
        return Reply(status, body, {"Content-Type": "application/json", **(headers or {})})
    return handler


class SilentServer:
    """Accepts TCP connections on 127.0.0.1 and never sends a byte."""

    def __init__(self, limit: float = 60.0):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.sock.settimeout(0.2)
        self.limit = limit
        self.accepted: list[socket.socket] = []
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._accept, daemon=True)

    @property
    def port(self) -> int:
        return self.sock.getsockname()[1]

    def _accept(self) -> None:
        ended = time.monotonic() + self.limit
        while not self._stop.is_set() and time.monotonic() < ended:
            try:
                conn, _ = self.sock.accept()
            except (TimeoutError, OSError):
                continue
            self.accepted.append(conn)

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self.thread.join()
        for conn in self.accepted:
            conn.close()
        self.sock.close()
