"""The CI workflow (.github/workflows/portal.yml): actionlint finds nothing wrong,
its shape is what docs/deploy.md says, and its own harvest and commit steps, run
here with bash, go on after exit 3 and stop after exit 2."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
import yaml
from harvest_helpers import fixture

from aggregator.snapshot import ROOT

WORKFLOW = ROOT / ".github" / "workflows" / "portal.yml"
ACTIONLINT = ROOT / ".venv" / "bin" / "actionlint"


def workflow() -> dict:
    doc = yaml.safe_load(WORKFLOW.read_text())
    doc["on"] = doc.pop(True, None) or doc.get("on")  # YAML 1.1 reads the key `on` as true
    return doc


def step(job: str, ident: str) -> dict:
    return next(s for s in workflow()["jobs"][job]["steps"] if s.get("id") == ident)


def test_actionlint_finds_nothing(tmp_path):
    assert ACTIONLINT.exists(), "make install puts actionlint in .venv (Linux)"
    ok = subprocess.run([str(ACTIONLINT), "-no-color", str(WORKFLOW)], capture_output=True,
                        text=True, timeout=120, check=False)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    # And it does look: a job without runs-on, an unknown expression context.
    broken = tmp_path / ".github" / "workflows" / "broken.yml"
    broken.parent.mkdir(parents=True)
    text = WORKFLOW.read_text().replace("    runs-on: ubuntu-latest\n    timeout-minutes",
                                        "    timeout-minutes", 1)
    broken.write_text(text.replace("steps.pages.outputs.base_url", "stepz.pages.outputs.base_url"))
    bad = subprocess.run([str(ACTIONLINT), "-no-color", str(broken)], capture_output=True,
                         text=True, timeout=120, check=False)
    assert bad.returncode == 1 and "runs-on" in bad.stdout and "stepz" in bad.stdout


def test_triggers_permissions_and_steps():
    doc = workflow()
    crons = [c["cron"] for c in doc["on"]["schedule"]]
    assert len(crons) == 2                                   # nightly and weekly
    assert doc["on"]["workflow_dispatch"]["inputs"]["full"]["type"] == "boolean"
    assert doc["permissions"] == {"contents": "read"}
    assert doc["concurrency"]["cancel-in-progress"] is False
    build, deploy = doc["jobs"]["build"], doc["jobs"]["deploy"]
    assert build["permissions"] == {"contents": "write"}
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert deploy["needs"] == "build" and deploy["environment"]["name"] == "github-pages"
    uses = [s.get("uses", "").split("@")[0] for s in build["steps"] + deploy["steps"]]
    for action in ("actions/checkout", "actions/cache/restore", "actions/cache/save",
                   "actions/configure-pages", "actions/upload-pages-artifact",
                   "actions/deploy-pages"):
        assert action in uses, action
    runs = [s.get("run", "") for s in build["steps"]]
    order = [next(i for i, r in enumerate(runs) if what in r)
             for what in ("make install", "make aggregate", "git commit", "make publish")]
    assert order == sorted(order)
    cache = [s for s in build["steps"] if s.get("uses", "").startswith("actions/cache/")]
    assert {s["with"]["path"] for s in cache} == {".cache/http"}
    assert cache[1]["if"] == "always()"         # saved even when a later step fails
    # The weekly cron is the one the harvest step reads as "full".
    assert f"github.event.schedule == '{crons[1]}'" in step("build", "harvest")["env"]["FULL"]
    artifact = next(s for s in build["steps"]
                    if s.get("uses", "").startswith("actions/upload-pages-artifact"))
    assert artifact["with"]["path"] == "output"


def run_step(ident: str, cwd: Path, env: dict) -> subprocess.CompletedProcess:
    script = step("build", ident)["run"]
    return subprocess.run(["bash", "-eo", "pipefail", "-c", script], cwd=cwd,
                          env={**os.environ, **env}, capture_output=True, text=True,
                          timeout=300, check=False)


@pytest.fixture
def runner_env(tmp_path) -> dict:
    (tmp_path / "runner").mkdir()
    return {"RUNNER_TEMP": str(tmp_path / "runner"),
            "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"), "FULL": "false",
            "DATA": str(tmp_path / "data"), "SOURCES": str(tmp_path / "sources.yaml"),
            "PORTAL_CACHE": str(tmp_path / "cache")}


def test_harvest_step_goes_on_after_exit_3_and_stops_after_exit_2(tmp_path, replay,
                                                                    runner_env):
    replay.add("/data.json", fixture("datajson", "datajson_andino_demo2.json"))
    replay.add("/caido/data.json", b"down", status=503, content_type="text/plain")
    sources = tmp_path / "sources.yaml"
    sources.write_text(f"""settings: {{retries: 0}}
sources:
  - {{id: andino, adapter: datajson, url: '{replay.url}/data.json'}}
  - {{id: caido, adapter: datajson, url: '{replay.url}/caido/data.json'}}
""")
    message = tmp_path / "runner" / "commit-message.txt"
    done = run_step("harvest", ROOT, runner_env)       # exit 3: a source failed
    assert done.returncode == 0, done.stdout + done.stderr
    assert "exit 3: some source failed" in done.stderr
    text = message.read_text()
    assert text.startswith("Harvest ") and "caido: failed, last good data kept" in text
    assert (tmp_path / "summary.md").read_text() == text
    assert (tmp_path / "data" / "sources" / "andino.yaml").exists()
    sources.write_text("sources:\n  - {id: x, adapter: nope, url: 'http://x'}\n")
    done = run_step("harvest", ROOT, runner_env)       # exit 2: bad configuration
    assert done.returncode != 0
    assert "unknown adapter 'nope'" in done.stderr and "exit 2: bad configuration" in done.stderr
    assert message.read_text() == text          # the step stopped before the summary


def test_commit_step_commits_only_a_changed_snapshot(tmp_path, runner_env):
    def git(*args, cwd):
        return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True,
                              text=True).stdout
    remote, clone = tmp_path / "remote.git", tmp_path / "clone"
    git("init", "-q", "--bare", "-b", "main", str(remote), cwd=tmp_path)
    git("clone", "-q", str(remote), str(clone), cwd=tmp_path)
    (clone / "content" / "data").mkdir(parents=True)
    (clone / "content" / "data" / "status.yaml").write_text("run: {exit: 0}\n")
    git("add", ".", cwd=clone)
    git("-c", "user.name=x", "-c", "user.email=x@x", "commit", "-q", "-m", "inicio", cwd=clone)
    git("push", "-q", "origin", "HEAD:main", cwd=clone)
    (Path(runner_env["RUNNER_TEMP"]) / "commit-message.txt").write_text(
        "Harvest 2026-12-01: +3 ~0 -0 in 1 source\n\nandino: +3 ~0 -0\n")
    done = run_step("commit", clone, runner_env)
    assert done.returncode == 0 and "did not change" in done.stdout
    (clone / "content" / "data" / "status.yaml").write_text("run: {exit: 3}\n")
    done = run_step("commit", clone, runner_env)
    assert done.returncode == 0, done.stderr
    log = git("log", "-1", "--format=%an%n%B", "main", cwd=remote)
    assert log.startswith("github-actions[bot]\nHarvest 2026-12-01: +3 ~0 -0 in 1 source")
