"""The exports made by a second process beside the pages (exports_process.py):
the same site, the same build manifest and the same next build as in one
process; a failure there stops the build with its cause."""

from __future__ import annotations

import filecmp
import marshal
import os
import re
import threading
from pathlib import Path

from conftest import BUILD_TODAY, ROOT, build_site

DATA = ROOT / "content" / "data"


def _files(out: Path) -> dict[str, int]:
    return {str(p.relative_to(out)): p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}


def _manifest(cache: Path) -> dict:
    found = [p for p in (cache / "build").glob("*.marshal")
             if not p.name.startswith(("fragments-", "exportfragments-", "records"))]
    assert len(found) == 1, found
    return marshal.loads(found[0].read_bytes())


def _build(tmp: Path, name: str, parallel: str, extra: dict | None = None):
    out = tmp / name / "output"
    out.parent.mkdir(exist_ok=True)
    proc = build_site(DATA, out, extra_env={"PORTAL_PARALLEL_EXPORTS": parallel,
                                            "PORTAL_BUILD_TIMINGS": "1", **(extra or {})})
    return proc, out


def test_exports_beside_the_pages_build_the_same_site(tmp_path):
    one, out1 = _build(tmp_path, "one", "0")
    two, out2 = _build(tmp_path, "two", "1")
    assert one.returncode == 0, one.stderr
    assert two.returncode == 0, two.stderr
    # The second process ran the exports (its timings are marked), the first did not.
    assert "dcat_files" in two.stderr and "[beside]" in two.stderr
    assert "[beside]" not in one.stderr
    files1, files2 = _files(out1), _files(out2)
    assert files1.keys() == files2.keys()
    assert any(p.endswith("dataset.ttl") for p in files2)
    _, mismatch, errors = filecmp.cmpfiles(out1, out2, sorted(files1), shallow=False)
    assert mismatch == [] and errors == []
    # The same bookkeeping for the next build: every page and group, same digests.
    m1, m2 = _manifest(out1.parent / "cache"), _manifest(out2.parent / "cache")
    assert m1["pages"] == m2["pages"]
    assert m1["groups"] == m2["groups"]
    assert "catalogo/dcat.ttl" in m2["pages"]

    # Built again beside the pages with nothing changed: no file rewritten, the
    # exports' pieces read back from their own store.
    again, _ = _build(tmp_path, "two", "1")
    assert again.returncode == 0, again.stderr
    assert _files(out2) == files2
    for section in ("exports", "dcat", "csv_exports", "calendars"):
        assert re.search(rf"; {section} 0 in [^;]*\[beside\]", again.stderr), section


def test_a_failure_in_the_exports_process_stops_the_build(tmp_path):
    conf = tmp_path / "conf.py"
    conf.write_text(f"import sys\nsys.path.insert(0, {str(ROOT)!r})\n"
                    "from pelicanconf import *  # noqa\n"
                    "PORTAL_DCAT_PAGE_SIZE = 'mil'\n")
    out = tmp_path / "output"
    env = {"PORTAL_PARALLEL_EXPORTS": "1"}
    proc = build_site(DATA, out, conf=conf, extra_env=env)
    assert proc.returncode != 0
    assert "making the exports failed" in proc.stderr
    assert "invalid literal for int()" in proc.stderr and "dcat.py, line" in proc.stderr
    # Nothing vouches for the half-made output: the next build makes everything.
    assert not [p for p in (tmp_path / "cache" / "build").glob("*.marshal")
                if not p.name.startswith(("fragments-", "exportfragments-", "records"))]


def test_one_cpu_or_the_setting_keeps_one_process(monkeypatch):
    from plugins.portal_site.exports_process import wanted
    monkeypatch.delenv("PORTAL_PARALLEL_EXPORTS", raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 4)
    assert wanted({}, autoreload=False)
    assert not wanted({"PORTAL_PARALLEL_EXPORTS": False}, autoreload=False)
    assert not wanted({}, autoreload=True)                 # make devserver
    monkeypatch.setattr(os, "cpu_count", lambda: 1)
    assert not wanted({}, autoreload=False)
    monkeypatch.setenv("PORTAL_PARALLEL_EXPORTS", "1")      # asked for: even on one CPU
    assert wanted({}, autoreload=False)
    assert not wanted({}, autoreload=True)
    monkeypatch.setattr(os, "cpu_count", lambda: 4)
    monkeypatch.setenv("PORTAL_PARALLEL_EXPORTS", "0")
    assert not wanted({"PORTAL_PARALLEL_EXPORTS": True}, autoreload=False)


def test_exports_beside_the_pages_on_a_terminal(tmp_path):
    """On a terminal Pelican draws a spinner from another thread, through the
    console that sys.stdout and sys.stderr are redirected to: the second process
    must not need that thread's locks (it would wait forever for one)."""
    import subprocess
    import sys

    master, slave = os.openpty()
    env = {**os.environ, "PORTAL_DATA": str(DATA), "PORTAL_TODAY": BUILD_TODAY,
           "PORTAL_CACHE": str(tmp_path / "cache"), "PORTAL_PARALLEL_EXPORTS": "1",
           "PORTAL_BUILD_TIMINGS": "1", "TERM": "xterm-256color", "COLUMNS": "100"}
    proc = subprocess.Popen([sys.executable, "-m", "pelican", str(ROOT / "content"), "-o",
                             str(tmp_path / "output"), "-s", str(ROOT / "pelicanconf.py")],
                            stdin=slave, stdout=slave, stderr=slave, env=env, close_fds=True)
    os.close(slave)
    # A build waiting forever for a lock would never close the terminal: killed
    # after 10 minutes, it fails here instead of hanging the suite.
    watchdog = threading.Timer(600, proc.kill)
    watchdog.start()
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:                 # the terminal closed: the build ended
            break
        if not data:
            break
        chunks.append(data)
    watchdog.cancel()
    assert proc.wait(timeout=60) == 0, b"".join(chunks)[-3000:]
    os.close(master)
    text = b"".join(chunks).decode("utf-8", "replace")
    assert "[beside]" in text
    assert (tmp_path / "output" / "catalogo" / "dcat.ttl").is_file()
