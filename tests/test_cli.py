"""`python -m aggregator`: exit codes 0/2/3, nothing written on exit 2, validate."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from harvest_helpers import fixture

from aggregator.cli import main
from aggregator.snapshot import ROOT


def write_sources(tmp_path, body: str):
    path = tmp_path / "sources.yaml"
    path.write_text("settings: {cache_dir: cache, retries: 0}\n" + body)
    return path


def tree(folder) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")) if folder.exists() \
        else []


def test_run_exit_0_then_3_when_a_source_fails(tmp_path, replay, capsys):
    replay.add("/data.json", fixture("datajson", "datajson_andino_demo2.json"))
    sources = write_sources(tmp_path, f"""sources:
  - id: andino
    name: Andino demo
    adapter: datajson
    url: {replay.url}/data.json
""")
    data = tmp_path / "data"
    assert main(["run", "--sources", str(sources), "--data", str(data)]) == 0
    err = capsys.readouterr().err
    assert "andino" in err and "1 source(s), 0 failed" in err
    assert (data / "sources" / "andino.yaml").exists() and (data / "status.yaml").exists()
    # The HTTP cache goes where sources.yaml says, not into the checkout.
    assert (tmp_path / "cache" / "http").is_dir()

    replay.add("/data.json", b"", status=500)
    assert main(["run", "--sources", str(sources), "--data", str(data)]) == 3
    assert "1 source(s), 1 failed" in capsys.readouterr().err
    assert main(["run", "--sources", str(sources), "--data", str(data), "--quiet"]) == 3
    assert capsys.readouterr().err == ""


BAD_SOURCES = {
    "unknown key": ("  - {id: a, adapter: ckan, url: 'https://a.cl', colour: red}\n",
                    "source 'a': unknown key(s): colour"),
    "unknown adapter": ("  - {id: a, adapter: socrata, url: 'https://a.cl'}\n",
                        "source 'a': unknown adapter 'socrata'"),
    "duplicate id": (("  - {id: a, adapter: ckan, url: 'https://a.cl'}\n"
                     "  - {id: a, adapter: dcat, url: 'https://b.cl'}\n"),
                     "source 'a': duplicate id"),
    "bad url": ("  - {id: a, adapter: ckan, url: 'ftp://a.cl'}\n",
                "url 'ftp://a.cl' is not an http(s) URL"),
    "bad id": ("  - {id: A_1, adapter: ckan, url: 'https://a.cl'}\n", "'id' must match"),
    "unknown option": ("  - {id: a, adapter: ckan, url: 'https://a.cl', options: {rowz: 5}}\n",
                       "unknown option(s) for adapter 'ckan': rowz"),
    "unknown institution": (("  - {id: a, adapter: ckan, url: 'https://a.cl', "
                            "institution: nadie}\n"), "institution 'nadie' is not in"),
}


@pytest.mark.parametrize("case", list(BAD_SOURCES))
def test_bad_configuration_exits_2_and_writes_nothing(tmp_path, capsys, case):
    body, message = BAD_SOURCES[case]
    sources = write_sources(tmp_path, "sources:\n" + body)
    data = tmp_path / "data"
    (data / "sources").mkdir(parents=True)
    (data / "sources" / "a.yaml").write_text("source: a\nrecords: []\n")
    before = tree(tmp_path)
    assert main(["run", "--sources", str(sources), "--data", str(data)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err
    assert tree(tmp_path) == before


def exit_code(argv: list[str]) -> int:
    """main()'s exit status, whether it returns it or argparse exits."""
    try:
        return main(argv)
    except SystemExit as exc:
        return exc.code


@pytest.mark.parametrize("argv, message", [
    (["run", "--only", "nadie"], "--only nadie: no such source"),
    (["run", "--bogus"], "unrecognized arguments: --bogus"),
    (["fetch"], "invalid choice: 'fetch'"),
])
def test_bad_usage_exits_2_and_writes_nothing(tmp_path, capsys, argv, message):
    sources = write_sources(tmp_path, "sources:\n  - {id: a, adapter: ckan, url: 'https://a.cl'}\n")
    before = tree(tmp_path)
    common = ["--sources", str(sources), "--data", str(tmp_path / "data")]
    assert exit_code(argv[:1] + common + argv[1:]) == 2
    assert message in capsys.readouterr().err
    assert tree(tmp_path) == before


def test_missing_or_broken_sources_file(tmp_path, capsys):
    assert main(["run", "--sources", str(tmp_path / "nope.yaml"),
                 "--data", str(tmp_path / "data")]) == 2
    assert "cannot read" in capsys.readouterr().err
    broken = tmp_path / "sources.yaml"
    broken.write_text("sources:\n  - {id: a, adapter: ckan\n")
    assert main(["run", "--sources", str(broken), "--data", str(tmp_path / "data")]) == 2
    assert f"{broken}:" in capsys.readouterr().err
    broken.write_text("settings: {timeout: soon}\nsources: []\n")
    assert main(["validate", "--sources", str(broken), "--data", str(tmp_path / "data")]) == 2
    assert "settings: 'timeout' must be a number, not 'soon'" in capsys.readouterr().err
    assert not (tmp_path / "data").exists()


def test_validate(tmp_path, replay, capsys):
    replay.add("/data.json", fixture("datajson", "datajson_andino_demo2.json"))
    sources = write_sources(tmp_path, f"sources:\n  - {{id: andino, adapter: datajson, "
                                      f"url: '{replay.url}/data.json'}}\n")
    data = tmp_path / "data"
    assert main(["run", "--sources", str(sources), "--data", str(data), "--quiet"]) == 0
    assert main(["validate", "--sources", str(sources), "--data", str(data)]) == 0
    assert "ok: 1 sources" in capsys.readouterr().out
    (data / "sources" / "andino.yaml").write_text("records:\n- {id: x, type: receta}\n")
    assert main(["validate", "--sources", str(sources), "--data", str(data)]) == 2
    assert "unknown record type 'receta'" in capsys.readouterr().err


def test_as_a_subprocess(tmp_path, replay):
    replay.add("/data.json", fixture("datajson", "datajson_andino_demo2.json"))
    sources = write_sources(tmp_path, f"sources:\n  - {{id: andino, adapter: datajson, "
                                      f"url: '{replay.url}/data.json'}}\n")
    cmd = [sys.executable, "-m", "aggregator", "run", "--sources", str(sources),
           "--data", str(tmp_path / "data")]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert "andino: harvesting" in done.stderr  # not a terminal: log lines
    bad = subprocess.run(cmd + ["--only", "otra"], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=120, check=False)
    assert bad.returncode == 2 and "no such source" in bad.stderr


def test_docs_cover_every_setting_and_adapter_option():
    """A setting or option nobody documented is a bug (as in Datasette's docs test)."""
    from aggregator.adapters import ADAPTERS
    from aggregator.config import SETTINGS_KEYS, SOURCE_KEYS
    aggregator_doc = (ROOT / "docs" / "aggregator.md").read_text()
    all_docs = "".join(p.read_text() for p in (ROOT / "docs").glob("*.md"))
    for key in sorted(SETTINGS_KEYS | SOURCE_KEYS):
        assert f"`{key}`" in aggregator_doc or f"{key}:" in aggregator_doc, key
    for name, adapter in ADAPTERS.items():
        assert f"adapter: {name}" in all_docs, name
        for option in adapter.OPTIONS:
            assert f"`{option}`" in all_docs, f"{name}.{option}"
    for exit_code in ("| 0 |", "| 2 |", "| 3 |"):
        assert exit_code in aggregator_doc
