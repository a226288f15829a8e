"""`make aggregate` under cron or CI: make exits 2 for any failure, so the
aggregator's own code (3: a source failed and kept its last good data; 2: bad
configuration) is printed and written to AGGREGATE_EXIT; FAILED_SOURCES=ok lets
exit 3 go on to the next target, never exit 2."""

from __future__ import annotations

import os
import subprocess

from conftest import ROOT
from harvest_helpers import fixture


def _make(tmp_path, sources, *targets, **variables):
    exit_file = tmp_path / "aggregate.exit"
    args = ["make", "--no-print-directory", *targets, f"SOURCES={sources}",
            f"DATA={tmp_path / 'data'}", f"AGGREGATE_EXIT={exit_file}",
            *(f"{k}={v}" for k, v in variables.items())]
    done = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=300,
                          check=False, env={**os.environ, "PORTAL_CACHE": str(tmp_path / "c")})
    return done, exit_file.read_text().strip() if exit_file.exists() else None


def _sources(tmp_path, url: str):
    path = tmp_path / "sources.yaml"
    path.write_text("settings: {cache_dir: cache, retries: 0}\nsources:\n"
                    f"  - {{id: andino, adapter: datajson, url: '{url}'}}\n")
    return path


def test_exit_codes_under_make(tmp_path, replay):
    replay.add("/data.json", fixture("datajson", "datajson_andino_demo2.json"))
    sources = _sources(tmp_path, f"{replay.url}/data.json")
    done, code = _make(tmp_path, sources, "aggregate")
    assert done.returncode == 0 and code == "0", done.stderr

    replay.add("/data.json", b"", status=500)           # the source fails: exit 3
    done, code = _make(tmp_path, sources, "aggregate", "help")
    assert done.returncode == 2 and code == "3"
    assert "make aggregate: exit 3: some source failed and kept its last good data" \
        in done.stderr
    assert "Portal de Gobierno Abierto" not in done.stdout       # make stopped there
    done, code = _make(tmp_path, sources, "aggregate", "help", FAILED_SOURCES="ok")
    assert done.returncode == 0 and code == "3"
    assert "Portal de Gobierno Abierto" in done.stdout           # the next target ran
    assert (tmp_path / "data" / "sources" / "andino.yaml").exists()   # last good data

    bad = tmp_path / "bad.yaml"
    bad.write_text("sources:\n  - {id: andino, adapter: datajson, url: 'ftp://x'}\n")
    done, code = _make(tmp_path, bad, "aggregate", "help", FAILED_SOURCES="ok")
    assert done.returncode == 2 and code == "2"
    assert "make aggregate: exit 2: bad configuration or usage, nothing was written" \
        in done.stderr
    assert "Portal de Gobierno Abierto" not in done.stdout


def test_clean_keeps_the_http_cache_distclean_does_not(tmp_path):
    for rel in (".cache/http/ab/x", ".cache/parse/y.marshal", ".cache/build/z.marshal",
                ".cache/jinja/t", "output/index.html"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x")

    def make(target):
        done = subprocess.run(["make", "--no-print-directory", "-C", str(tmp_path), "-f",
                               str(ROOT / "Makefile"), target], capture_output=True,
                              text=True, timeout=60, check=False)
        assert done.returncode == 0, done.stderr
        return sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")
                      if p.is_file())

    assert make("clean") == [".cache/http/ab/x"]
    assert make("distclean") == []
