"""The one HTTP layer every adapter uses.

Timeouts, bounded retries with backoff on 429 and 5xx honouring Retry-After
(capped), conditional GET with validators and bodies kept in `.cache/http/`,
a body-size cap that also bounds decompressed bodies, a redirect limit, and a
User-Agent naming the portal. Every failure becomes a one-line `HttpError`.

Shared by the sources harvested at once (threads): a hard deadline per answer
(`max_seconds`, enforced by a watchdog, see aggregator.deadline), an optional
time budget per source (`bounded`), and at most `connections_per_host`
requests at once to one host.
"""

from __future__ import annotations

import copy
import hashlib
import json
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
from urllib3 import exceptions as urllib3_errors
from urllib3.util.retry import Retry

from .deadline import Budget, DeadlineReached, Guard, Watchdog, guarded
from .errors import OutOfTime, SourceError
from .http_pool import GuardedAdapter, HostSlots, KeyedLocks, retry_wait
from .yamlio import write_atomic

RETRY_STATUSES = (429, 500, 502, 503, 504)


class HttpError(SourceError):
    """A request that did not give a usable body."""


class _CappedRetry(Retry):
    """urllib3's Retry, but a server asking to wait an hour waits `max_wait`."""

    max_wait = 30.0

    def get_retry_after(self, response):
        value = super().get_retry_after(response)
        return None if value is None else min(value, self.max_wait)

    def new(self, **kw):
        new = super().new(**kw)
        new.max_wait = self.max_wait
        return new

    def sleep(self, response=None):
        """As urllib3 sleeps, but never past the current request's deadline."""
        wait = self.get_retry_after(response) if self.respect_retry_after_header \
            and response else None
        if wait:
            asked = Retry.get_retry_after(self, response)
            what = f"HTTP {response.status} asked to wait {asked:g} s (Retry-After)"
        else:
            wait = self.get_backoff_time()
            what = f"a retry {wait:g} s later"
        retry_wait(wait, what)


@dataclass(slots=True)
class Response:
    url: str
    status: int
    headers: dict[str, str]
    body: bytes
    not_modified: bool = False

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    def looks_like_html(self) -> bool:
        head = self.body[:512].lstrip().lower()
        return (self.content_type in ("text/html", "application/xhtml+xml")
                or head.startswith((b"<!doctype html", b"<html")))

    def json(self) -> Any:
        if not self.body.strip():
            raise HttpError(f"empty response from {self.url}")
        if self.looks_like_html():
            raise HttpError(f"HTML page where JSON was expected at {self.url}")
        try:
            return json.loads(self.body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise HttpError(f"invalid JSON from {self.url}: {exc}") from None


@dataclass
class Stats:
    requests: int = 0
    conditional: int = 0
    not_modified: int = 0
    retries: int = 0
    bytes: int = 0
    by_status: dict[int, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add(self, status: int | None = None, **counts: int) -> None:
        with self._lock:
            for name, n in counts.items():
                setattr(self, name, getattr(self, name) + n)
            if status is not None:
                self.by_status[status] = self.by_status.get(status, 0) + 1


class Http:
    def __init__(self, settings: dict | None = None, cache_dir: Path | str | None = None,
                 rewrite: dict[str, str] | None = None):
        """`rewrite` maps URL prefixes to others (public portal -> local replay server):
        requests go to the replacement, responses report the original URL."""
        from .config import DEFAULT_SETTINGS
        self.rewrite = dict(rewrite or {})
        s = {**DEFAULT_SETTINGS, **(settings or {})}
        self.timeout = (float(s["timeout"]), float(s["read_timeout"]))
        self.max_body = int(s["max_body_bytes"])
        self.max_seconds = float(s["max_seconds"])
        self.cache_dir = Path(cache_dir) / "http" if cache_dir else None
        self.stats = Stats()
        # Shared by every bounded copy (one per source harvested).
        self.budget: Budget | None = None
        self.watchdog = Watchdog()
        per_host = int(s["connections_per_host"])
        self.hosts = HostSlots(per_host)
        self._entries = KeyedLocks()
        retry = _CappedRetry(total=int(s["retries"]), backoff_factor=0.5,
                             status_forcelist=RETRY_STATUSES, allowed_methods=None,
                             respect_retry_after_header=True, raise_on_status=False,
                             raise_on_redirect=True)
        retry.max_wait = float(s.get("max_retry_wait", 30))
        self.retries_total = int(s["retries"])
        self.session = requests.Session()
        self.session.max_redirects = int(s["max_redirects"])
        self.session.headers["User-Agent"] = s["user_agent"]
        self.session.headers["Accept-Encoding"] = "gzip, deflate"
        # One pool per host and port, as many kept-alive connections as the host
        # may have at once; pools for many hosts, one per source at most.
        adapter = GuardedAdapter(max_retries=retry, pool_maxsize=per_host,
                                 pool_connections=max(10, int(s["parallel_sources"]) * 2))
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)

    def bounded(self, budget: Budget | None) -> Http:
        """This client (same session, cache, stats and limits) for one source: no
        request goes past `budget`, and one that would fails with OutOfTime."""
        view = copy.copy(self)
        view.budget = budget
        return view

    def close(self) -> None:
        self.watchdog.close()
        self.session.close()

    # -- conditional-request cache ------------------------------------------
    def _key(self, method: str, url: str, body: bytes | None) -> Path | None:
        if self.cache_dir is None:
            return None
        h = hashlib.sha256(f"{method} {url}\n".encode() + (body or b"")).hexdigest()
        return self.cache_dir / h[:2] / h

    @staticmethod
    def _load_validators(key: Path | None) -> dict:
        if key is None:
            return {}
        try:
            meta = json.loads(key.with_suffix(".json").read_text())
            if key.with_suffix(".body").exists():
                return meta
        except (OSError, ValueError):
            pass
        return {}

    @staticmethod
    def _save(key: Path | None, resp: Response) -> None:
        if key is None:
            return
        meta = {k: resp.headers[h] for k, h in (("etag", "etag"),
                                                ("last_modified", "last-modified"))
                if resp.headers.get(h)}
        if not meta:
            return
        meta["content_type"] = resp.headers.get("content-type", "")
        meta["url"] = resp.url
        write_atomic(key.with_suffix(".body"), resp.body)
        write_atomic(key.with_suffix(".json"), json.dumps(meta).encode())

    # -- requests -------------------------------------------------------------
    def get(self, url: str, params: dict | None = None, accept: str | None = None,
            conditional: bool = True) -> Response:
        return self.request("GET", url, params=params, accept=accept, conditional=conditional)

    def post_json(self, url: str, payload: Any, accept: str = "application/json") -> Response:
        body = json.dumps(payload, sort_keys=True).encode()
        return self.request("POST", url, data=body, accept=accept, conditional=False,
                            content_type="application/json")

    def request(self, method: str, url: str, params: dict | None = None,
                data: bytes | None = None, accept: str | None = None,
                conditional: bool = True, content_type: str | None = None) -> Response:
        prepared = requests.Request(method, url, params=params, data=data).prepare()
        public_url = prepared.url
        for prefix, target in self.rewrite.items():
            if public_url.startswith(prefix):
                prepared.url = target + public_url[len(prefix):]
                break
        key = self._key(method, public_url, data) if conditional else None
        # The whole answer, retries included, within max_seconds and the budget.
        deadline, budget = time.monotonic() + self.max_seconds, None
        if self.budget is not None and self.budget.deadline <= deadline:
            deadline, budget = self.budget.deadline, self.budget
            budget.check(f"before requesting {url}")
        host = urlsplit(prepared.url).hostname or ""
        guard = Guard(deadline)
        try:
            with self.hosts.slot(host, deadline), self._entries.hold(key, deadline), \
                    guarded(self.watchdog, deadline) as guard:
                resp = self._exchange(method, url, prepared.url, data, accept, content_type,
                                      key, guard)
                if not guard.finish():
                    raise DeadlineReached("")
                return resp
        except Exception as exc:
            if guard.fired or isinstance(exc, DeadlineReached):
                # A deadline that fired says what it cut; else what could not fit in.
                what = "" if guard.fired else str(exc)
                raise self._too_late(url, budget, guard, what) from None
            raise

    def _too_late(self, url: str, budget: Budget | None, guard: Guard,
                  what: str) -> Exception:
        if what:
            subject = f"{url}: {what}"
        elif guard.phase == "body":
            subject = f"{url} was still sending its body ({guard.received:,} bytes received)"
        else:
            subject = f"no answer from {url}"
        if budget is None:
            return HttpError(f"{subject}, over the {self.max_seconds:g} s an answer may "
                             f"take (max_seconds)")
        return OutOfTime(f"{subject}, over {budget.reason}")

    def _exchange(self, method: str, url: str, target: str, data: bytes | None,
                  accept: str | None, content_type: str | None, key: Path | None,
                  guard: Guard) -> Response:
        validators = self._load_validators(key)
        headers = {}
        if accept:
            headers["Accept"] = accept
        if content_type:
            headers["Content-Type"] = content_type
        if validators.get("etag"):
            headers["If-None-Match"] = validators["etag"]
        if validators.get("last_modified"):
            headers["If-Modified-Since"] = validators["last_modified"]
        self.stats.add(requests=1, conditional=int(bool(validators)))
        # The connect timeout cannot outlast the deadline (a socket being connected
        # is not woken by the watchdog); reads are cut by the watchdog.
        connect = min(self.timeout[0], max(0.001, guard.remaining()))
        try:
            r = self.session.request(method, target, data=data, headers=headers,
                                     timeout=(connect, self.timeout[1]), stream=True)
        except requests.TooManyRedirects:
            raise HttpError(f"too many redirects (more than {self.session.max_redirects}) "
                            f"from {url}") from None
        except requests.exceptions.RetryError as exc:
            raise HttpError(f"gave up after retries on {url}: {_reason(exc)}") from None
        except requests.Timeout:
            raise HttpError(f"timed out after {self.timeout[1]:g}s waiting for {url}") from None
        except requests.ConnectionError as exc:
            reason = _reason(exc)
            if "timed out" in reason.lower():  # read timeouts that exhausted the retries
                raise HttpError(f"timed out after {self.timeout[1]:g}s waiting for {url}"
                                f"{_tries(self.retries_total)}") from None
            raise HttpError(f"connection failed to {url}: {reason}"
                            f"{_tries(self.retries_total)}") from None
        except requests.RequestException as exc:
            raise HttpError(f"request to {url} failed: {_reason(exc)}") from None
        if not guard.fired:  # headers cut short by the deadline are no headers
            guard.phase = "body"
        with r:
            retries = r.raw.retries
            self.stats.add(r.status_code, retries=len(retries.history)
                           if retries is not None and retries.history else 0)
            resp_headers = {k.lower(): v for k, v in r.headers.items()}
            if r.status_code == 304 and validators:
                self.stats.add(not_modified=1)
                body = key.with_suffix(".body").read_bytes()
                if validators.get("content_type"):
                    resp_headers.setdefault("content-type", validators["content_type"])
                return Response(self._public(r.url), 304, resp_headers, body,
                                not_modified=True)
            body = self._read_body(r, url, guard)
        resp = Response(self._public(r.url), r.status_code, resp_headers, body)
        if r.status_code >= 400:
            tried = _tries(len(retries.history)) if r.status_code in RETRY_STATUSES \
                and retries is not None and retries.history else ""
            raise HttpError(f"HTTP {r.status_code} from {url}{_error_detail(resp)}{tried}")
        self._save(key, resp)
        return resp

    def _public(self, url: str) -> str:
        for prefix, target in self.rewrite.items():
            if url.startswith(target):
                return prefix + url[len(target):]
        return url

    def _read_body(self, r: requests.Response, url: str, guard: Guard) -> bytes:
        declared = r.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > self.max_body \
                and "content-encoding" not in r.headers:
            raise HttpError(f"body of {url} is {int(declared):,} bytes, over the cap "
                            f"of {self.max_body:,}")
        chunks, size = [], 0
        try:
            # The watchdog ends a body that arrives too slowly (the read fails or ends
            # early and the guard says why); this loop only counts and caps. read1
            # returns what has arrived, so the count is right when the deadline cuts.
            while chunk := r.raw.read1(65536, decode_content=True):
                size += len(chunk)
                guard.received = size
                if size > self.max_body:
                    raise HttpError(f"body of {url} is over the cap of {self.max_body:,} bytes")
                chunks.append(chunk)
        except urllib3_errors.ReadTimeoutError:
            raise HttpError(f"timed out reading the body of {url}") from None
        except urllib3_errors.ProtocolError:
            raise HttpError(f"truncated body from {url} (connection closed early)") from None
        except urllib3_errors.DecodeError:
            raise HttpError(f"undecodable compressed body from {url}") from None
        except (urllib3_errors.HTTPError, OSError) as exc:
            raise HttpError(f"connection lost reading {url}: {_reason(exc)}") from None
        self.stats.add(bytes=size)
        return b"".join(chunks)


def _tries(retries: int) -> str:
    return f" (after {retries} {'retry' if retries == 1 else 'retries'})" if retries else ""


def _reason(exc: BaseException) -> str:
    """The innermost cause of a requests/urllib3 error, on one line."""
    seen = exc
    while True:
        nxt = getattr(seen, "reason", None)
        if not isinstance(nxt, BaseException):
            nxt = next((a for a in seen.args if isinstance(a, BaseException)), None)
        if not isinstance(nxt, BaseException) or nxt is seen:
            break
        seen = nxt
    text = str(seen).strip().splitlines()[0] if str(seen).strip() else type(seen).__name__
    if "Max retries exceeded" in text and "too many" in text:
        return "too many error responses"
    return text[:200]


def _error_detail(resp: Response) -> str:
    """CKAN and friends wrap errors in JSON: add their message when there is one."""
    try:
        doc = json.loads(resp.body[:65536])
    except (ValueError, UnicodeDecodeError):
        return ""
    err = doc.get("error") if isinstance(doc, dict) else None
    if isinstance(err, dict):
        msg = err.get("message") or err.get("__type")
        return f": {str(msg)[:200]}" if msg else ""
    return ""
