"""A local HTTP server that replays recorded payloads of real portals.

Tests, `make snapshot` and the benchmarks point the aggregator at it: real
HTTP on 127.0.0.1 with a port the OS picks, no mocks of requests. A route
answers a recorded body (with ETag and Last-Modified, so conditional requests
get 304) or runs a handler, which can also misbehave on the socket (reset,
truncate, stall) to reproduce the faults of real servers.

    with ReplayServer() as server:
        server.add("/api/3/action/package_search", body, query={"start": "0"})
        server.url  # http://127.0.0.1:PORT

`ReplayServer(host="127.0.0.2")` listens on another loopback address (another
host for the aggregator's per-host limit); `server.log` records when each
connection opened and closed and each request began and ended, for tests and
benchmarks that check how many the client had at once (`server.peak("request")`).
"""

from __future__ import annotations

import email.utils
import hashlib
import socket
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Self
from urllib.parse import parse_qsl, urlsplit

FIXED_DATE = email.utils.formatdate(1_600_000_000, usegmt=True)


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    @property
    def conditional(self) -> bool:
        return "if-none-match" in self.headers or "if-modified-since" in self.headers


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[[Request, "_Handler"], "Reply | None"]


@dataclass
class Route:
    reply: Reply | None = None
    handler: Handler | None = None
    query: dict[str, str] | None = None
    validators: bool = True


class ReplayServer:
    def __init__(self, host: str = "127.0.0.1") -> None:
        self.routes: dict[str, list[Route]] = {}
        self.requests: list[Request] = []
        # (event, time.monotonic(), connection number): open/close, begin/end.
        self.log: list[tuple[str, float, int]] = []
        self._lock = threading.Lock()
        server = self

        class H(_Handler):
            replay = server

        self.host = host
        self.httpd = ThreadingHTTPServer((host, 0), H)
        self.httpd.daemon_threads = True
        self.httpd.request_queue_size = 128
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.httpd.server_address[1]}"

    def note(self, event: str, conn: int) -> None:
        with self._lock:
            self.log.append((event, time.monotonic(), conn))

    def peak(self, kind: str = "request") -> int:
        """Most connections ("connection") or requests ("request") open at once."""
        start, end = ("open", "close") if kind == "connection" else ("begin", "end")
        now = most = 0
        for event, _, _ in sorted(self.log, key=lambda e: (e[1], e[0] != end)):  # ends first
            if event == start:
                now += 1
                most = max(most, now)
            elif event == end:
                now -= 1
        return most

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    start = __enter__

    def stop(self) -> None:
        self.__exit__()

    # -- routes ---------------------------------------------------------------
    def add(self, path: str, body: bytes | str | Path, status: int = 200,
            content_type: str = "application/json", headers: dict | None = None,
            query: dict | None = None, validators: bool = True) -> None:
        """Serve a body at path (optionally only for these query parameters)."""
        if isinstance(body, Path):
            body = body.read_bytes()
        if isinstance(body, str):
            body = body.encode("utf-8")
        hdrs = {"Content-Type": content_type, **(headers or {})}
        self._add(path, Route(reply=Reply(status, body, hdrs), query=query,
                              validators=validators))

    def handle(self, path: str, handler: Handler, query: dict | None = None) -> None:
        """Answer path with handler(request, raw_handler) -> Reply (None: it wrote itself)."""
        self._add(path, Route(handler=handler, query=query))

    def _add(self, path: str, route: Route) -> None:
        with self._lock:
            self.routes.setdefault(path, []).insert(0, route)

    def requests_to(self, path: str) -> list[Request]:
        return [r for r in self.requests if r.path == path]

    def _find(self, req: Request) -> Route | None:
        for route in self.routes.get(req.path, []):
            if route.query is None or all(req.query.get(k) == str(v)
                                          for k, v in route.query.items()):
                return route
        return None


class _Handler(BaseHTTPRequestHandler):
    replay: ReplayServer
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:  # quiet: tests read .requests instead
        pass

    def setup(self) -> None:
        super().setup()
        self.number = id(self)
        self.replay.note("open", self.number)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.replay.note("close", self.number)

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def do_HEAD(self) -> None:
        self._serve()

    def _serve(self) -> None:
        self.replay.note("begin", self.number)
        try:
            self._answer()
        finally:
            self.replay.note("end", self.number)

    def _answer(self) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        req = Request(self.command, parts.path, dict(parse_qsl(parts.query)),
                      {k.lower(): v for k, v in self.headers.items()}, body)
        with self.replay._lock:
            self.replay.requests.append(req)
        route = self.replay._find(req)
        if route is None:
            self.send_reply(Reply(404, b'{"error": "not recorded"}',
                                  {"Content-Type": "application/json"}))
            return
        if route.handler is not None:
            reply = route.handler(req, self)
            if reply is not None:
                self.send_reply(reply)
            return
        reply = route.reply
        if route.validators and reply.status == 200:
            etag = '"' + hashlib.sha1(reply.body).hexdigest()[:16] + '"'
            headers = {**reply.headers, "ETag": etag, "Last-Modified": FIXED_DATE}
            if req.headers.get("if-none-match") == etag:
                self.send_reply(Reply(304, b"", {"ETag": etag}))
                return
            reply = Reply(reply.status, reply.body, headers)
        self.send_reply(reply)

    def send_reply(self, reply: Reply) -> None:
        self.send_response(reply.status)
        for k, v in reply.headers.items():
            self.send_header(k, v)
        if "content-length" not in {k.lower() for k in reply.headers}:
            self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        if self.command != "HEAD" and reply.status != 304:
            self.wfile.write(reply.body)

    # -- misbehaviour ---------------------------------------------------------
    def reset(self) -> None:
        """Close the connection with a TCP reset instead of an answer."""
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                   struct.pack("ii", 1, 0))
        self.connection.close()
        self.close_connection = True

    def truncate(self, body: bytes, declared: int, content_type="application/json") -> None:
        """Announce `declared` bytes, send fewer, close."""
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(declared))
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()
        self.close_connection = True
        self.connection.shutdown(socket.SHUT_RDWR)
