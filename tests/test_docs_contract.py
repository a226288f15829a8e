"""The documentation is a contract (as in Datasette's documentation tests): every
`make` target and variable, `python -m` command and flag, setting with its
default, and site address named in README.md and docs/*.md exists in the code,
with that default; and every make target, aggregator flag, sources.yaml setting
and adapter option of the code is documented. A new page in docs/ is read too.

Defaults of Pelican settings are checked against pelicanconf.py (where new
settings go); settings read elsewhere must at least exist in the code.
"""

from __future__ import annotations

import importlib
import os
import re
import shutil
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest
import site_snapshot
from conftest import BUILD_TODAY, ROOT, build_site
from docs_contract import (
    SETTING,
    Doc,
    code_assignments,
    default_matches,
    doc_files,
    expand,
    first_code,
    make_calls,
    python_calls,
    site_addresses,
    table_rows,
)

from aggregator.adapters import ADAPTERS
from aggregator.cli import build_parser
from aggregator.config import SETTINGS

DOCS = [Doc.read(p) for p in doc_files()]
CODE_FILES = [p for p in [*ROOT.glob("*.py"), *ROOT.glob("aggregator/**/*.py"),
                          *ROOT.glob("plugins/**/*.py"), *ROOT.glob("devtools/**/*.py"),
                          *ROOT.glob("bench/**/*.py"), ROOT / "Makefile"]]
# Make targets only other targets use (make test, make bench, the deploy targets).
INTERNAL_TARGETS = {"browser", "node", "deploy-tools", "rsync-tool"}


@cache
def code_text() -> str:
    return "\n".join(p.read_text("utf-8") for p in CODE_FILES)


@cache
def make_targets() -> set[str]:
    text = (ROOT / "Makefile").read_text()
    phony = set(" ".join(re.findall(r"^\.PHONY:((?:.*\\\n)*.*)$", text, re.MULTILINE))
                .replace("\\", " ").split())
    rules = set(re.findall(r"^([a-z][a-z0-9_-]*):", text, re.MULTILINE))
    return phony | rules


def test_every_documented_make_target_and_variable_exists():
    makefile = (ROOT / "Makefile").read_text()
    calls = [c for d in DOCS for c in make_calls(d)]
    assert len(calls) > 20                      # the parser still finds them
    for call in calls:
        for target in call.targets:
            assert target in make_targets(), f"no make target {target!r} ({call.where})"
        for var in call.variables:
            assert re.search(rf"\b{var}\b", makefile) or var in code_text(), \
                f"make variable {var} is used nowhere ({call.where})"


def test_every_make_target_is_documented_and_in_make_help():
    documented = {t for d in DOCS for c in make_calls(d) for t in c.targets}
    help_text = subprocess.run(["make", "--no-print-directory", "help"], cwd=ROOT,
                               capture_output=True, text=True, check=True).stdout
    for target in make_targets() - INTERNAL_TARGETS - {"help"}:
        assert target in documented, f"make {target} is documented nowhere"
        assert f"make {target} " in help_text, f"make help does not list {target}"


@cache
def command_help(module: str, words: tuple[str, ...]) -> tuple[str, ...] | None:
    """(valid words, their --help text) of the longest valid command prefix."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "plugins")])}
    for n in range(len(words), -1, -1):
        done = subprocess.run([sys.executable, "-m", module, *words[:n], "--help"], cwd=ROOT,
                              env=env, capture_output=True, text=True, timeout=120,
                              check=False)
        if done.returncode == 0:
            return words[:n], done.stdout
    return None


def test_every_documented_command_and_flag_exists():
    calls = [c for d in DOCS for c in python_calls(d)]
    modules = {c.module for c in calls}
    assert {"aggregator", "bench", "portal_search"} <= modules
    for call in calls:
        found = command_help(call.module, call.words)
        assert found is not None, f"python -m {call.module} does not run ({call.where})"
        words, help_text = found
        assert words == call.words, \
            f"python -m {call.module} has no command {' '.join(call.words)!r} ({call.where})"
        for flag in call.flags:
            assert re.search(rf"(?<![\w-]){re.escape(flag)}(?![\w-])", help_text), \
                f"python -m {call.module} {' '.join(words)}: no flag {flag} ({call.where})"


def test_every_aggregator_command_and_flag_is_documented():
    text = "".join(d.text for d in DOCS)
    subparsers = build_parser()._subparsers._group_actions[0].choices
    for name, parser in subparsers.items():
        assert f"python -m aggregator {name}" in text, name
        for action in parser._actions:
            for flag in action.option_strings:
                if flag.startswith("--") and flag != "--help":
                    assert flag in text, f"python -m aggregator {name} {flag} is undocumented"


# -- settings ------------------------------------------------------------------------

def _pelicanconf() -> dict:
    sys.path.insert(0, str(ROOT))
    module = importlib.import_module("pelicanconf")
    return {k: getattr(module, k) for k in dir(module) if k.isupper()}


def _setting_rows():
    return [(d, r) for d in DOCS for r in table_rows(d)
            if r.cell("setting", "option") is not None and r.cell("default") is not None]


def test_every_documented_setting_exists_with_its_default():
    conf = _pelicanconf()
    checked = 0
    for doc, row in _setting_rows():
        name = first_code(row.cell("setting", "option"))
        default = row.cell("default")
        if not name or name.startswith("-"):
            continue
        adapter = re.search(r"adapter: ([\w-]+)", row.heading)
        if name.isupper():          # a Pelican setting (pelicanconf.py)
            assert name in conf or name in code_text(), f"setting {name} is in no code " \
                                                        f"({row.where})"
            value = conf.get(name)
        elif adapter:
            options = ADAPTERS[adapter[1]].OPTIONS
            assert name in options, f"adapter {adapter[1]} has no option {name} ({row.where})"
            value = options[name].default
        else:
            assert name in SETTINGS, f"sources.yaml has no setting {name} ({row.where})"
            value = SETTINGS[name].default
        assert default_matches(default, value, code_assignments(doc).get(name, "<not shown>")), \
            f"{name}: the code's default is {value!r}, the docs say {default} ({row.where})"
        # A default the table shows as a URL pattern is written so in the code.
        for literal in re.findall(r"`(https?://[^`]*\{[^`]*)`", default):
            assert literal in code_text(), f"{name}: default {literal} is not in the code"
        checked += 1
    assert checked > 40


def test_every_setting_and_option_of_the_aggregator_has_a_row_with_its_default():
    rows = _setting_rows()
    names = {first_code(r.cell("setting", "option")) for _, r in rows
             if not re.search(r"adapter: ", r.heading)}
    for key in SETTINGS:
        assert key in names, f"sources.yaml setting {key} has no row in a settings table"
    for adapter_name, adapter in ADAPTERS.items():
        documented = {first_code(r.cell("setting", "option")) for _, r in rows
                      if re.search(rf"adapter: {re.escape(adapter_name)}\b", r.heading)}
        for option in adapter.OPTIONS:
            assert option in documented, f"option {option} of adapter {adapter_name} has " \
                                         "no row under its adapter's heading"


def test_every_setting_name_in_the_docs_exists():
    """The portal's settings and variables (PORTAL_*, Pelican's) named in the docs
    exist; other tools' variables (AWS_*, a CI example's own `$VARIABLE`) are theirs."""
    from pelican.settings import DEFAULT_CONFIG
    conf = _pelicanconf()
    for doc in DOCS:
        blocks = "\n".join(doc.blocks)
        for span in doc.spans:
            name = span.split("=")[0].strip()
            if not (name.startswith("PORTAL_") and SETTING.match(name)
                    or name in DEFAULT_CONFIG or name in conf):
                continue
            if f"${name}" in blocks or f"${{{name}}}" in blocks:
                continue        # read by the page's own example (a CI secret, say)
            assert name in conf or name in code_text(), \
                f"{name} is neither a setting nor in the code ({doc.name})"


# -- addresses -----------------------------------------------------------------------

@pytest.fixture(scope="module")
def everything_on(tmp_path_factory) -> Path:
    """A production build with every optional output on, of the bundled snapshot
    plus the handmade one's sources (every kind of record, enough to paginate),
    and the editors' example content."""
    root = tmp_path_factory.mktemp("contract")
    conf = root / "conf.py"
    conf.write_text(f"import sys\nsys.path.insert(0, {str(ROOT)!r})\nfrom publishconf import *\n"
                    "PORTAL_EXPORT_DATA_JSON = True\n")
    data = root / "data"
    shutil.copytree(ROOT / "content" / "data", data)
    handmade = site_snapshot.write(root / "handmade")
    for path in (handmade / "sources").glob("*.yaml"):
        shutil.copy(path, data / "sources" / path.name)
    proc = build_site(data, root / "out", conf=conf,
                      today=BUILD_TODAY, extra_env={"PORTAL_SITEURL": "https://portal.example"})
    assert proc.returncode == 0, proc.stderr
    return root / "out"


def test_every_documented_address_is_built(everything_on):
    addresses = [a for d in DOCS for a in site_addresses(d)]
    assert len(addresses) > 30
    for address, where in addresses:
        for pattern in expand(address):
            rel = pattern.lstrip("/")
            candidates = [rel, f"{rel}index.html"] if rel.endswith("/") or not rel else [rel]
            found = any(any(everything_on.glob(c)) if "*" in c
                        else (everything_on / c).is_file() for c in candidates if c) \
                or not rel
            assert found, f"{pattern} is not in the built site ({where})"


# -- the examples --------------------------------------------------------------------

EDITOR_EXAMPLE = re.compile(r"`content/(\w+)/([\w.-]+)`[^\n]*\n+```markdown\n(.*?)```", re.DOTALL)


def test_editors_examples_are_valid_files_of_this_portal(tmp_path):
    """Every Markdown example after its file name (`content/<kind>/<file>`) is a
    valid file: fields, dates, images that exist, institutions of the registry
    and datasets of the bundled snapshot."""
    from datetime import date

    from aggregator.snapshot import read_registry
    from plugins.editor_content.frontmatter import split
    from plugins.editor_content.schema import validate
    from plugins.portal_site.model import SiteModel

    registry = {i.id for i in read_registry(ROOT / "content" / "data" / "institutions.yaml")[0]}
    model = SiteModel.load(ROOT / "content" / "data", date(2026, 11, 26))
    refs = set(model.slugs.values()) | {d.id for d in model.datasets}
    examples = 0
    for doc in DOCS:
        for folder, name, text in EDITOR_EXAMPLE.findall(doc.prose if False else doc.text):
            shown = f"{doc.name}: content/{folder}/{name}"
            values, errors = validate(split(text, shown), f"{folder}/{name}", shown,
                                      ROOT / "content")
            assert not errors, [str(e) for e in errors]
            inst = values.get("institution")
            assert inst is None or inst in registry, f"{shown}: no institution {inst}"
            if doc.name == "docs/editors.md":        # README shows the demo files as they are
                for ref in values.get("datasets") or []:
                    assert ref in refs, f"{shown}: no dataset {ref} in the bundled snapshot"
            examples += 1
    assert examples >= 8


def test_the_adapter_guide_example_harvests(tmp_path, replay, monkeypatch):
    """docs/adapters.md's example adapter, as written, through the real run loop."""
    guide = (ROOT / "docs" / "adapters.md").read_text()
    source = re.search(r"```python\n(# aggregator/adapters/json_list\.py\n.*?)```", guide,
                       re.DOTALL)[1]
    module = type(sys)("aggregator.adapters.json_list")
    module.__package__ = "aggregator.adapters"
    exec(compile(source, "docs/adapters.md", "exec"), module.__dict__)  # noqa: S102 - our own docs
    monkeypatch.setitem(ADAPTERS, "json-list", module.ADAPTER)
    replay.add("/datasets.json", '[{"id": "1", "title": "Presupuesto 2026", '
                                 '"url": "javascript:alert(1)", "updated": "2026-03-01"}, '
                                 '{"title": "sin identificador"}]')
    from harvest_helpers import harvest, records
    code, status = harvest(tmp_path, [{"id": "pe", "adapter": "json-list",
                                       "url": replay.url + "/datasets.json",
                                       "options": {"max_items": 5}}])
    assert code == 0 and status["sources"]["pe"]["failed_items"] == 1
    rec = records(tmp_path, "pe")["1"]
    assert rec.title == "Presupuesto 2026" and rec.url is None and rec.modified == "2026-03-01"
