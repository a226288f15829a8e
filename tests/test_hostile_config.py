"""Hostile and mistaken configuration: sources.yaml and the institution registry.

Each case of the tables gives exit 2 (or a failed build) with one line naming the
file and the key, never a traceback, and nothing written; a hostile registry URL
never reaches a page. Editors' collisions are in test_editor_collisions.py.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import site_snapshot
from conftest import ROOT, build_site

from aggregator import yamlio
from aggregator.cli import main

GOOD_SOURCE = {"id": "a", "adapter": "ckan", "url": "https://a.example"}


def _source(**changes) -> dict:
    entry = {**GOOD_SOURCE, **changes}
    return {k: v for k, v in entry.items() if v is not ...}


# case -> (sources.yaml document, what the one-line error must say)
SOURCES = {
    "cache_dir a number": ({"settings": {"cache_dir": 5}, "sources": [GOOD_SOURCE]},
                           "settings: 'cache_dir' must be text, not 5"),
    "timeout true": ({"settings": {"timeout": True}, "sources": [GOOD_SOURCE]},
                     "settings: 'timeout' must be a number, not True"),
    "retries fractional": ({"settings": {"retries": 1.5}, "sources": [GOOD_SOURCE]},
                           "'retries' must be a whole number, not 1.5"),
    "negative timeout": ({"settings": {"read_timeout": -1}, "sources": [GOOD_SOURCE]},
                         "'read_timeout' must be a number >= 0"),
    "user_agent a list": ({"settings": {"user_agent": ["a"]}, "sources": [GOOD_SOURCE]},
                          "'user_agent' must be text"),
    "empty setting": ({"settings": {"max_seconds": None}, "sources": [GOOD_SOURCE]},
                      "'max_seconds' must be a number, not empty"),
    "misspelt setting": ({"settings": {"timout": 5}, "sources": [GOOD_SOURCE]},
                         "settings: unknown key(s): timout ('timout': did you mean 'timeout'?)"),
    "settings a list": ({"settings": [1], "sources": [GOOD_SOURCE]},
                        "'settings' must be a mapping"),
    "misspelt top key": ({"setting": {}, "sources": [GOOD_SOURCE]},
                         "top level: unknown key(s): setting"),
    "no sources list": ({"source": [GOOD_SOURCE]}, "expected a mapping with a 'sources:' list"),
    "enabled as text": ({"sources": [_source(enabled="false")]},
                        "source 'a': 'enabled' must be true or false, not 'false'"),
    "enabled as number": ({"sources": [_source(enabled=0)]},
                          "'enabled' must be true or false, not 0"),
    "name a number": ({"sources": [_source(name=2024)]}, "'name' must be text, not 2024"),
    "institution not an id": ({"sources": [_source(institution="Ministerio de Salud")]},
                              "'institution' must be a registry id"),
    "options a list": ({"sources": [_source(options=["rows"])]},
                       "'options' must be a mapping"),
    "option true for a number": ({"sources": [_source(options={"rows": True})]},
                                 "option 'rows' must be a whole number, not True"),
    "option text for a number": ({"sources": [_source(options={"rows": "500"})]},
                                 "option 'rows' must be a whole number, not '500'"),
    "option text for a bool": ({"sources": [_source(options={"licenses": "yes"})]},
                               "option 'licenses' must be true or false, not 'yes'"),
    "option empty": ({"sources": [_source(options={"rows": None})]},
                     "option 'rows' must be a whole number, not empty"),
    "unknown option": ({"sources": [_source(options={"rowz": 5})]},
                       "unknown option(s) for adapter 'ckan': rowz"),
    "misspelt source key": ({"sources": [_source(adaptor="ckan")]},
                            ("source 'a': unknown key(s): adaptor ('adaptor': did you mean "
                             "'adapter'?)")),
    "adapter a number": ({"sources": [_source(adapter=5)]}, "unknown adapter 5"),
    "id not a slug": ({"sources": [_source(id="Datos Gob")]}, "'id' must match [a-z0-9-]+"),
    "id a number": ({"sources": [_source(id=5)]}, "'id' must match [a-z0-9-]+, not 5"),
    "duplicate id": ({"sources": [GOOD_SOURCE, _source(adapter="dcat")]},
                     "source 'a': duplicate id"),
    "javascript url": ({"sources": [_source(url="javascript:alert(1)")]},
                       "url 'javascript:alert(1)' is not an http(s) URL"),
    "data url": ({"sources": [_source(url="data:text/html,<script>x</script>")]},
                 "is not an http(s) URL"),
    "no url": ({"sources": [_source(url=...)]}, "source 'a': 'url' is required"),
    "entry not a mapping": ({"sources": ["datos-gob-cl"]}, "source 1: expected a mapping"),
    "unknown institution": ({"sources": [_source(institution="nadie")]},
                            "institution 'nadie' is not in"),
}


def _one_line_error(err: str, *fragments: str) -> None:
    assert "Traceback" not in err, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    for fragment in fragments:
        assert fragment in lines[0], (fragment, err)


def _tree(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


@pytest.mark.parametrize("case", list(SOURCES))
def test_hostile_sources_yaml_exits_2_naming_file_and_key(tmp_path, capsys, case):
    doc, message = SOURCES[case]
    sources = tmp_path / "sources.yaml"
    sources.write_bytes(yamlio.dumps(doc))
    data = site_snapshot.write(tmp_path / "data")
    before = _tree(tmp_path)
    for command in ("validate", "run"):
        assert main([command, "--sources", str(sources), "--data", str(data)]) == 2, command
        _one_line_error(capsys.readouterr().err, str(sources), message)
    assert _tree(tmp_path) == before


# -- the registry -------------------------------------------------------------------

URL_KEYS = ("website", "transparency_url", "request_url", "participation")
HOSTILE_URLS = {"javascript": "javascript:alert('registro')",
                "data": "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=="}


def _with_url(key: str, url: str) -> dict:
    if key == "participation":
        return {"participation": [{"title": "Consulta", "url": url}]}
    return {key: url}


def _registry_cases() -> dict:
    cases = {f"{key} {scheme}": (_with_url(key, url), f"'{key}" if key != "participation"
                                 else "'participation[1].url'")
             for key in URL_KEYS for scheme, url in HOSTILE_URLS.items()}
    cases.update({
        "participation relative url": ({"participation": [{"url": "/consultas"}]},
                                       "'participation[1].url' must be an http"),
        "participation misspelt key": ({"participation": [{"titel": "x", "url": "https://e.cl"}]},
                                       "participation 1: unknown key(s): titel"),
        "misspelt parent": ({"parnet": "ministerio-de-salud"},
                            "unknown key(s): parnet ('parnet': did you mean 'parent'?)"),
        "spanish key": ({"acronimo": "MS"}, ("unknown key(s): acronimo ('acronimo': did you "
                                             "mean 'acronym'?)")),
        "id with capitals": ({"id": "Ministerio_Salud"}, "'id' must be a slug"),
        "id with a slash": ({"id": "salud/../../x"}, "'id' must be a slug"),
        "id not text": ({"id": True}, "'id' must be text, not bool"),
        "reserved id tipo": ({"id": "tipo"}, "'id' 'tipo' is the address of a directory page"),
        "reserved id region": ({"id": "region"}, "'id' 'region' is the address"),
        "reserved id pagina": ({"id": "pagina"}, "'id' 'pagina' is the address"),
        "reserved id lobby": ({"id": "lobby"}, "'id' 'lobby' is the address"),
        "duplicate id": ({"id": "ministerio-de-salud"},
                         "id 'ministerio-de-salud' appears twice (first as institution 1)"),
        "no name": ({"name": None}, "missing 'name'"),
        "aliases a mapping": ({"aliases": {"a": 1}}, "'aliases' must be a list"),
        "unknown parent": ({"parent": "nadie"}, "'parent' 'nadie' is not registered"),
        "own parent": ({"parent": "otra"}, "'parent' names the institution itself"),
    })
    return cases


REGISTRY = _registry_cases()


def _registry(tmp_path: Path, changes: dict) -> Path:
    data = site_snapshot.write(tmp_path / "data")
    entries = [i.to_dict() for i in site_snapshot.INSTITUTIONS]
    entries.append({"id": "otra", "name": "Otra institución", **changes})
    yamlio.write_atomic(data / "institutions.yaml",
                        yamlio.dumps({"institutions": [
                            {k: v for k, v in e.items() if v is not None} for e in entries]}))
    return data


@pytest.mark.parametrize("case", list(REGISTRY))
def test_hostile_registry_exits_2_naming_file_and_key(tmp_path, capsys, case):
    changes, message = REGISTRY[case]
    data = _registry(tmp_path, changes)
    sources = tmp_path / "sources.yaml"
    sources.write_text("settings: {cache_dir: cache}\nsources: []\n")
    before = _tree(data)
    for argv in (["validate"], ["run"], ["institutions"], ["institutions", "--unmatched"]):
        code = main([*argv[:1], "--sources", str(sources), "--data", str(data), *argv[1:]])
        assert code == 2, argv
        _one_line_error(capsys.readouterr().err, f"{data / 'institutions.yaml'}:", message)
    assert _tree(data) == before      # the snapshot untouched (caches may be written)


def test_institutions_command_as_a_process_gives_no_traceback(tmp_path):
    data = _registry(tmp_path, {"id": "ministerio-de-salud"})
    done = subprocess.run([sys.executable, "-m", "aggregator", "institutions", "--data",
                           str(data)], cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
                          env={**os.environ, "PORTAL_CACHE": str(tmp_path / "cache")})
    assert done.returncode == 2 and done.stdout == ""
    _one_line_error(done.stderr, "institutions.yaml", "appears twice")


@pytest.fixture(scope="module")
def good_site(tmp_path_factory) -> Path:
    """A site built from a good registry: the hostile builds go over a copy of it."""
    root = tmp_path_factory.mktemp("good")
    out = root / "output"
    proc = build_site(site_snapshot.write(root / "data"), out)
    assert proc.returncode == 0, proc.stderr
    return out


@pytest.mark.parametrize("case", [f"{key} {scheme}" for key in URL_KEYS
                                  for scheme in HOSTILE_URLS])
def test_hostile_registry_url_never_reaches_a_page(tmp_path, good_site, case):
    changes, message = REGISTRY[case]
    data = _registry(tmp_path, changes)
    out = tmp_path / "output"
    shutil.copytree(good_site, out)
    proc = build_site(data, out)
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr, proc.stderr
    assert "institutions.yaml" in proc.stderr and message in proc.stderr, proc.stderr
    hostile = HOSTILE_URLS[case.split()[1]][:12]      # "javascript:a", "data:text/ht"
    for page in out.rglob("*"):
        if page.is_file() and page.suffix in (".html", ".xml", ".json", ".csv", ".txt"):
            assert hostile not in page.read_text(errors="replace"), page


@pytest.mark.parametrize("argv, message", [
    (["run", "--bogus"], "unrecognized arguments: --bogus"),
    (["fetch"], "invalid choice: 'fetch'"),
    ([], "the following arguments are required: command"),
])
def test_usage_errors_are_one_line(capsys, argv, message):
    with pytest.raises(SystemExit) as stop:
        main(argv)
    assert stop.value.code == 2
    _one_line_error(capsys.readouterr().err, "python -m aggregator", message, "--help")


def test_a_snapshot_folder_that_cannot_be_written_is_one_line(tmp_path, capsys):
    sources = tmp_path / "sources.yaml"
    sources.write_text("settings: {cache_dir: cache}\nsources: []\n")
    data = tmp_path / "data"
    data.write_text("a file, not a folder")
    assert main(["run", "--sources", str(sources), "--data", str(data)]) == 2
    _one_line_error(capsys.readouterr().err, str(data))


def test_a_setting_can_carry_its_own_check(monkeypatch):
    """How a structured setting (per-host limits) is declared: a type and a check."""
    from aggregator import config

    def hosts(value, what):
        for host, limit in value.items():
            if not isinstance(limit, (int, float)) or isinstance(limit, bool) or limit <= 0:
                raise config.ConfigError(f"{what}: {host}: must be a number of seconds > 0")
        return value

    monkeypatch.setitem(config.SETTINGS, "host_delay", config.Option(dict, None, check=hosts))
    ok = config.parse_config({"settings": {"host_delay": {"datos.gob.cl": 0.5}}, "sources": []})
    assert ok.settings["host_delay"] == {"datos.gob.cl": 0.5}
    with pytest.raises(config.ConfigError, match=r"sources.yaml: settings: 'host_delay': "
                                                 r"datos.gob.cl: must be a number"):
        config.parse_config({"settings": {"host_delay": {"datos.gob.cl": "x"}}, "sources": []})
