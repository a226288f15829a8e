"""A full build of the index in two processes, on a machine with two CPUs.

A full (cold) build spends its time in three parts of about the same size:
making each document with its fingerprint, filter values, attributes and
result row (what the corpus keeps by document); counting and weighing each
document's words (indexer.impacts_of) and appending their postings; and
writing the files. Two of them run in a second process:

- `ScorerProcess` scores the words in a worker (a new interpreter running this
  module): this process sends each document down a pipe, in batches, and goes
  on with the next documents (their filter values and attributes); the worker
  weighs the words and makes the fingerprint and the result row. When the
  worker has two batches waiting, this process scores the next document itself
  instead of waiting. At the end the worker sends back the postings of every
  word and the rows, a few MB at a time (freeing them as it goes, so the two
  processes never hold two copies), and exits. Not a fork: a fork shares the
  loaded snapshot, and each page of it the build touches while the fork lives
  (making the documents reads every record) is copied: 330 MB at 100,000.
- `ForkedCall` runs one function in a fork and returns its result: the layout
  writes term shards there (layout.build_files) while this process writes the
  filters and the result chunks, then shards too: each process takes the next
  shard from a `WorkQueue`, so neither waits for the other.

The index is the same bytes either way (tests/test_search_parallel.py).
Rebuilds touch only what changed and stay in one process. Off with
PORTAL_SEARCH_PARALLEL=0 (or the setting), on a machine with one CPU and where
os.fork is missing.

The worker and the fork only compute, write files of the index and write to
their pipe: no logging, no output, no locks (Pelican may run a spinner thread
that holds the console's, which a fork copies); they end with os._exit,
whatever happens. Objects made before a fork are frozen out of garbage
collection in both processes while the fork runs, so neither copies the
memory they share by touching it.
"""

from __future__ import annotations

import gc
import marshal
import mmap
import os
import signal
import subprocess
import sys
import tempfile
from array import array
from dataclasses import fields

from .documents import SearchDocument
from .indexer import (
    FP,
    NARROW_IDS,
    add_postings,
    fingerprint,
    impact_scale,
    impacts_of,
    row_of,
    text_of,
)

try:
    import fcntl
except ImportError:   # no fcntl, no fork: one process
    fcntl = None

FIELDS = [f.name for f in fields(SearchDocument)]   # a document down the pipe

BATCH = 32                  # documents a message (a pipe holds two)
AHEAD = 2                   # batches the fork may have waiting
RETURN_BYTES = 8 << 20      # postings a message on the way back
_HEAD = 9                   # a message: 1-byte tag, 8-byte length, body


class ForkFailed(ValueError):
    """A fork failed or ended early; the message says why."""


def _fork(child) -> int:
    """Fork; the fork runs `child()` (which must end with os._exit). The objects
    made so far stay frozen out of the garbage collector, in both processes,
    until the fork ends: a collection writes to every object it visits, and
    each page written is copied, the build's whole memory at worst."""
    gc.freeze()
    try:
        pid = os.fork()
    except OSError:
        gc.unfreeze()
        raise
    if pid == 0:
        child()
        os._exit(1)   # child() returned: never expected
    return pid


def _end(pid: int) -> float:
    """Wait for a fork; its CPU seconds."""
    try:
        _, _, usage = os.wait4(pid, 0)
    finally:
        gc.unfreeze()
    return usage.ru_utime + usage.ru_stime


def _kill(pid: int | None) -> None:
    if pid is None:   # ended already
        return
    try:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    except (ProcessLookupError, ChildProcessError):
        pass
    finally:
        gc.unfreeze()


def wanted(settings: dict | None = None) -> bool:
    env = os.environ.get("PORTAL_SEARCH_PARALLEL")
    setting = (settings or {}).get("PORTAL_SEARCH_PARALLEL", True) if env is None else env
    if str(setting).strip().lower() in ("0", "false", "no", "off", ""):
        return False
    return hasattr(os, "fork") and ((os.cpu_count() or 1) >= 2 or env is not None)


def _send(f, tag: bytes, body: bytes) -> None:
    f.write(tag + len(body).to_bytes(8, "little"))
    f.write(body)


def _receive(f) -> tuple[bytes, bytes]:
    head = f.read(_HEAD)
    if len(head) < _HEAD:
        return b"", b""   # the other end closed
    n = int.from_bytes(head[1:], "little")
    body = f.read(n)
    if len(body) < n:
        return b"", b""
    return head[:1], body


class ScorerProcess:
    """The worker that scores words. `send` each document to score, then `finish`
    for the postings of every word; `stop` if the build fails before."""

    def __init__(self):
        down_r, down_w = os.pipe()
        up_r, up_w = os.pipe()
        # Batches the worker has scored, in a file both map: the build scores a
        # document itself rather than wait for the worker (`ready`).
        self.counter = tempfile.TemporaryFile()  # noqa: SIM115 - closed in finish/stop
        self.counter.write(bytes(8))
        self.counter.flush()
        self.progress = mmap.mmap(self.counter.fileno(), 8)
        self.sent = 0
        try:   # room for the batches waiting (Linux; 64 KB elsewhere)
            fcntl.fcntl(down_w, fcntl.F_SETPIPE_SZ, 1 << 20)
        except (AttributeError, OSError):
            pass
        # A new interpreter, not a fork: a fork would share the build's memory
        # (the loaded snapshot), and every page of it the build then touches
        # (making the documents reads every record) would be copied.
        # Pelican imports plugins from PLUGIN_PATHS without putting them on
        # sys.path: the worker gets this package's folder first.
        here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        paths = [here, *(os.path.abspath(p or os.getcwd()) for p in sys.path)]
        fds = (down_r, up_w, self.counter.fileno())
        # Not `python -m portal_search.processes`: runpy warns when the package
        # imports the module it runs.
        self.proc = subprocess.Popen(
            [sys.executable, "-c", "from portal_search.processes import main; main()",
             *map(str, fds)],
            pass_fds=fds, stdin=subprocess.DEVNULL,
            env={**os.environ, "PYTHONPATH": os.pathsep.join(paths)})
        self.pid = self.proc.pid
        os.close(down_r)
        os.close(up_w)
        self.down = os.fdopen(down_w, "wb", buffering=1 << 16)
        self.up = os.fdopen(up_r, "rb", buffering=1 << 16)
        self.batch: list = []
        self.cpu = 0.0   # the worker's CPU seconds, once finished

    def ready(self) -> bool:
        """Whether the fork can take more documents now (it has less than AHEAD
        batches waiting); if not, the build scores the next one itself."""
        return self.sent - int.from_bytes(self.progress[:8], "little") < AHEAD

    def send(self, doc_id: int, doc: SearchDocument) -> None:
        self.batch.append((doc_id, [getattr(doc, f) for f in FIELDS]))
        if len(self.batch) >= BATCH:
            self._flush()

    def _flush(self) -> None:
        if self.batch:
            try:
                _send(self.down, b"B", marshal.dumps(self.batch))
                self.down.flush()
            except BrokenPipeError:
                self._failed()
            self.batch = []
            self.sent += 1

    def finish(self, corpus) -> None:
        """Into `corpus` (indexer.Corpus): the postings of every word the worker
        scored, and the fingerprint and result row of its documents, merged as
        they come (a few MB a message), so neither process holds all of them
        twice."""
        self._flush()
        try:
            _send(self.down, b"D", b"")
            self.down.close()
        except BrokenPipeError:
            self._failed()
        while True:
            tag, body = _receive(self.up)
            if tag == b"P":
                terms = {}
                for word, code, raw in marshal.loads(body):
                    p = terms[word] = array(code)
                    p.frombytes(raw)
                corpus.add_scored(terms)
            elif tag == b"R":
                code, ids, fps, rows = marshal.loads(body)
                corpus.add_rows(array(code, ids), fps, rows)
            elif tag == b"D":
                break
            else:
                self._failed(body.decode("utf-8", "replace") if tag == b"E" else "")
        self.up.close()
        _, status, usage = os.wait4(self.pid, 0)
        self.proc.returncode = os.waitstatus_to_exitcode(status)
        self.cpu, self.pid = usage.ru_utime + usage.ru_stime, None
        self.counter.close()

    def _failed(self, why: str = "") -> None:
        self.stop()
        raise ForkFailed("the process scoring the words " +
                         (f"failed: {why}" if why else "ended before its work was done"))

    def stop(self) -> None:
        """End the fork (a failed build)."""
        for f in (self.down, self.up):
            try:
                f.close()
            except OSError:
                pass
        if self.pid is not None:
            self.proc.kill()
            self.proc.wait()
            self.pid = None
        self.counter.close()


class ForkedCall:
    """`fn()` run in a fork; `result()` is what it returned (marshal-able)."""

    def __init__(self, fn, what: str):
        self.what = what
        up_r, up_w = os.pipe()

        def child():
            os.close(up_r)
            out = os.fdopen(up_w, "wb", buffering=1 << 16)
            code = 1
            try:
                _send(out, b"R", marshal.dumps(fn()))
                code = 0
            except BaseException as exc:  # noqa: BLE001 - every failure goes back
                _report(out, exc)
            finally:
                _close(out)
                os._exit(code)

        self.pid = _fork(child)
        os.close(up_w)
        self.up = os.fdopen(up_r, "rb", buffering=1 << 16)
        self.cpu = 0.0

    def result(self):
        try:
            tag, body = _receive(self.up)
        finally:
            self.up.close()
            self.cpu, self.pid = _end(self.pid), None
        if tag != b"R":
            why = body.decode("utf-8", "replace") if tag == b"E" else "it ended early"
            raise ForkFailed(f"the process {self.what} failed: {why}")
        return marshal.loads(body)

    def stop(self) -> None:
        self.up.close()
        _kill(self.pid)
        self.pid = None


class WorkQueue:
    """The numbers 0..n-1, taken one at a time by whichever process is free: a
    pipe filled before the fork and read 4 bytes at a time (a read that small
    from a pipe is atomic), so neither process waits while the other works."""

    def __init__(self, n: int):
        if n * 4 > 1 << 15:
            raise ValueError("a work queue holds at most 8,192 items")
        self.fd, w = os.pipe()
        os.write(w, b"".join(i.to_bytes(4, "little") for i in range(n)))
        os.close(w)

    def __iter__(self):
        while len(item := os.read(self.fd, 4)) == 4:
            yield int.from_bytes(item, "little")

    def close(self) -> None:
        os.close(self.fd)


def _report(out, exc: BaseException) -> None:
    try:
        _send(out, b"E", f"{type(exc).__name__}: {exc}".encode("utf-8", "replace"))
    except OSError:
        pass


def _close(out) -> None:
    try:
        out.flush()
    except OSError:
        pass


class _Done:
    """What the worker made for each document it scored, in three columns
    (no object per document): ids, fingerprints (FP bytes each), rows."""

    def __init__(self):
        self.ids, self.fps, self.rows = array("I"), bytearray(), []

    def add(self, doc_id: int, fp: bytes, row: bytes) -> None:
        if doc_id >= NARROW_IDS and self.ids.typecode == "I":
            self.ids = array("Q", self.ids)
        self.ids.append(doc_id)
        self.fps += fp
        self.rows.append(row)

    def messages(self):
        """(typecode, ids, fingerprints, rows) of about RETURN_BYTES each,
        freeing the rows as they go."""
        start, size = 0, 0
        for i, row in enumerate(self.rows):
            size += len(row) + 40
            if size >= RETURN_BYTES or i == len(self.rows) - 1:
                yield (self.ids.typecode, self.ids[start:i + 1].tobytes(),
                       bytes(self.fps[start * FP:(i + 1) * FP]), self.rows[start:i + 1])
                self.rows[start:i + 1] = [b""] * (i + 1 - start)
                start, size = i + 1, 0


def _work(down_r: int, up_w: int, progress: mmap.mmap) -> None:
    """In the worker: score what comes down, send the postings, fingerprints
    and rows up, exit."""
    code = 1
    out = os.fdopen(up_w, "wb", buffering=1 << 16)
    try:
        src = os.fdopen(down_r, "rb", buffering=1 << 16)
        terms: dict[str, array] = {}
        typecode = "I"
        done = _Done()
        batches = 0
        while True:
            tag, body = _receive(src)
            if tag == b"D":
                break
            if tag != b"B":
                raise ForkFailed("the build stopped sending documents")
            for doc_id, fields in marshal.loads(body):
                doc = SearchDocument(*fields)
                if doc_id >= NARROW_IDS and typecode == "I":   # as Corpus.widen
                    typecode = "Q"
                    terms = {w: array("Q", p) for w, p in terms.items()}
                found, impacts = impacts_of(text_of(doc), impact_scale(doc))
                add_postings(terms, typecode, doc_id, found, impacts)
                done.add(doc_id, fingerprint(doc), row_of(doc))
            batches += 1
            progress[:8] = batches.to_bytes(8, "little")
        _send_back(out, b"P", ((w, p.typecode, p.tobytes()) for w, p in _drain(terms)))
        for message in done.messages():
            _send(out, b"R", marshal.dumps(message))
        _send(out, b"D", b"")
        code = 0
    except BaseException as exc:  # noqa: BLE001 - every failure goes back to the build
        _report(out, exc)
    finally:
        _close(out)
        os._exit(code)


def _drain(d: dict):
    """A dict's items, each removed as it is given: memory goes back as it goes."""
    for key in list(d):
        yield key, d.pop(key)


def _send_back(out, tag: bytes, items) -> None:
    """Items in messages of about RETURN_BYTES."""
    chunk, size = [], 0
    for item in items:
        chunk.append(item)
        size += sum(len(x) for x in item if isinstance(x, (bytes, str))) + 40
        if size >= RETURN_BYTES:
            _send(out, tag, marshal.dumps(chunk))
            chunk, size = [], 0
    if chunk:
        _send(out, tag, marshal.dumps(chunk))


def main() -> None:
    """The scoring worker (ScorerProcess): its pipes and counter are its arguments."""
    _work(int(sys.argv[1]), int(sys.argv[2]), mmap.mmap(int(sys.argv[3]), 8))
