"""The export sections (DCAT-AP, data.json, CSV, iCalendar) made by a second
process while the first one renders the pages.

The exports read the same model as the pages and write their own files, and
most of their cost is the kernel creating files (two per dataset, 200,000 at
100k: docs/exports.md, "Figures"), which Python cannot make cheaper; on a
machine with a second core it can run beside the pages. The process is a fork
made once the model is loaded, so it shares the model without loading it again.

What the exports leave behind in the build's bookkeeping (the build manifest's
entries and groups, the writer's list of who wrote which file, the exports
listed on /catalogo/, sitemap addresses, timings) is sent back and put where
a build in one process would have put it, so the output and the next build's
manifest are the same either way (tests/test_exports_process.py). The exports'
pieces kept between builds are their own store (`exportfragments-*.marshal`),
saved by the process that made them.

A fork copies only the calling thread, and Pelican runs another one during the
build (rich's "Generating..." spinner, which holds the console's lock while it
draws, and redirects sys.stdout and sys.stderr through that console). So the
second process writes through output streams and a log handler of its own, on
the same file descriptors, and never touches a lock that thread may have held.

Off with `PORTAL_PARALLEL_EXPORTS = False`, on a machine with one CPU, where
`os.fork` is missing, and under `make devserver`.
"""

from __future__ import annotations

import logging
import os
import pickle
import sys
import tempfile
import traceback
from itertools import islice


class ExportsFailed(Exception):
    """The exports' process failed: the message names the error and its line."""


def wanted(settings: dict, autoreload: bool) -> bool:
    """The setting (default on) forks on a machine with a second CPU; the
    environment variable, when set, decides alone (the tests force it on)."""
    forced = os.environ.get("PORTAL_PARALLEL_EXPORTS")
    setting = settings.get("PORTAL_PARALLEL_EXPORTS", True) if forced is None else forced
    if str(setting).lower() in ("0", "false", "no", "off", ""):
        return False
    one_cpu = (os.cpu_count() or 1) < 2 and forced is None
    return hasattr(os, "fork") and not one_cpu and not autoreload


class _Marks:
    """How long each list of the bookkeeping was when the process forked: what
    the export sections add comes after."""

    def __init__(self, gen):
        site, manifest, writer = gen.site, gen.manifest, gen.writer
        self.current = len(manifest.current)
        self.groups = len(manifest.current_groups)
        self.kept, self.rendered = manifest.kept, manifest.rendered
        self.origins = len(getattr(writer, "origins", {}))
        self.written = getattr(writer, "written", 0)
        self.unchanged = getattr(writer, "unchanged", 0)
        self.exports = len(site.exports.exports)
        self.urls = len(site.sink.urls)
        self.timings = len(gen.timings)


def _own_output() -> None:
    """New stdout, stderr and log handler on the same descriptors: the parent's go
    through a console whose lock a thread absent from this process may hold."""
    sys.stdout = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8", errors="replace")
    sys.stderr = os.fdopen(os.dup(2), "w", buffering=1, encoding="utf-8", errors="replace")
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
    root.addHandler(handler)


def _tail(d: dict, start: int) -> list:
    return list(islice(d.items(), start, None))


class ExportsProcess:
    def __init__(self, gen, sections: list):
        self.gen = gen
        self.sections = sections
        self.slot: _Marks | None = None         # where, in the parent's lists, they go
        fd, self.result_path = tempfile.mkstemp(prefix="portal-exports-", suffix=".pickle")
        os.close(fd)
        marks = _Marks(gen)
        sys.stdout.flush()
        sys.stderr.flush()
        self.pid = os.fork()
        if self.pid == 0:
            self._child(marks)          # never returns

    # -- in the child -------------------------------------------------------------

    def _child(self, marks: _Marks) -> None:
        gen, code = self.gen, 0
        _own_output()
        try:
            for section in self.sections:
                gen._run(section)
            gen.site.export_fragments.save(ds.id for ds in gen.model.datasets)
            result = self._collect(marks)
        except SystemExit as exc:       # stop_build: its message is printed already
            code = exc.code if isinstance(exc.code, int) else 1
            result = {"exit": code}
        except BaseException as exc:  # noqa: BLE001 - every failure goes back to the build
            code = 1
            traceback.print_exc()
            where = traceback.extract_tb(exc.__traceback__)[-1]
            result = {"error": f"{type(exc).__name__}: {exc} "
                               f"({os.path.basename(where.filename)}, line {where.lineno})"}
        try:
            with open(self.result_path, "wb") as f:
                pickle.dump(result, f, protocol=pickle.HIGHEST_PROTOCOL)
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)      # not Pelican's exit: the parent goes on with the build

    def _collect(self, m: _Marks) -> dict:
        gen = self.gen
        manifest, writer, site = gen.manifest, gen.writer, gen.site
        current = _tail(manifest.current, m.current)
        return {
            "current": current,
            "written_pages": [p for p, _ in current if p in manifest.written_pages],
            "groups": _tail(manifest.current_groups, m.groups),
            "kept": manifest.kept - m.kept, "rendered": manifest.rendered - m.rendered,
            "origins": _tail(getattr(writer, "origins", {}), m.origins),
            "written": getattr(writer, "written", 0) - m.written,
            "unchanged": getattr(writer, "unchanged", 0) - m.unchanged,
            "exports": site.exports.exports[m.exports:],
            "urls": site.sink.urls[m.urls:],
            "timings": gen.timings[m.timings:],
        }

    # -- in the parent ------------------------------------------------------------

    def mark_slot(self) -> None:
        """The parent reached the export sections' place in the build's order."""
        if self.slot is None:
            self.slot = _Marks(self.gen)

    def join(self) -> None:
        """Wait for the exports and merge what they did into this build's lists."""
        _, status = os.waitpid(self.pid, 0)
        try:
            with open(self.result_path, "rb") as f:
                result = pickle.load(f)
        except (OSError, EOFError, pickle.UnpicklingError):
            result = {"error": f"the exports' process ended with status {status} "
                               "and no result"}
        finally:
            try:
                os.unlink(self.result_path)
            except OSError:
                pass
        if "exit" in result:
            raise SystemExit(result["exit"])
        if "error" in result:
            raise ExportsFailed(f"making the exports failed: {result['error']}")
        self._merge(result)

    def _merge(self, r: dict) -> None:
        gen = self.gen
        manifest, writer, site = gen.manifest, gen.writer, gen.site
        slot = self.slot or _Marks(gen)
        manifest.current.update(r["current"])
        manifest.written_pages.update(r["written_pages"])
        manifest.current_groups.update(r["groups"])
        manifest.kept += r["kept"]
        manifest.rendered += r["rendered"]
        origins = getattr(writer, "origins", None)
        if origins is not None:
            for rel, claims in r["origins"]:
                origins.setdefault(rel, []).extend(claims)
            writer.written += r["written"]
            writer.unchanged += r["unchanged"]
        site.exports.exports[slot.exports:slot.exports] = r["exports"]
        site.sink.urls[slot.urls:slot.urls] = r["urls"]
        gen.timings[slot.timings:slot.timings] = [f"{t} [beside]" for t in r["timings"]]
