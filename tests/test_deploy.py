"""Deploy targets, each run through make against a real local target: rsync
over a remote shell to a folder, ghp-import into a git repository pushed to a
bare one, `aws s3 sync` against moto's S3 server started here on 127.0.0.1."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from aggregator.snapshot import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
from s3_upload import IMMUTABLE, content_type, is_hashed

DEPLOY_PY = ROOT / ".venv-deploy" / "bin" / "python"
AWS = ROOT / ".venv-deploy" / "bin" / "aws"


def make(*args: str, cwd: Path = ROOT, env: dict | None = None) -> subprocess.CompletedProcess:
    """make with the Makefile of the project; `-o publish`: the site is already built."""
    proc = subprocess.run(["make", "-f", str(ROOT / "Makefile"), "-o", "publish", *args,
                           f"VENV={ROOT / '.venv'}", f"DEPLOY_VENV={ROOT / '.venv-deploy'}"],
                          cwd=cwd, env={**os.environ, **(env or {})}, capture_output=True,
                          text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc


def files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*")
            if p.is_file()}


@pytest.fixture
def site(bundled_site, tmp_path) -> Path:
    """A copy of the built site that a test may change between two uploads."""
    out = tmp_path / "output"
    shutil.copytree(bundled_site, out)
    return out


def change(site: Path) -> None:
    shutil.rmtree(site / "acerca")
    (site / "nuevo").mkdir()
    (site / "nuevo" / "index.html").write_text("<!doctype html><title>Nuevo</title>")


def test_every_deploy_target_publishes_first():
    dry = subprocess.run(["make", "-n", "rsync_upload", "github", "s3_upload",
                          "SSH_HOST=h", "SSH_TARGET_DIR=/srv", "S3_BUCKET=b"],
                         cwd=ROOT, capture_output=True, text=True, timeout=60, check=False)
    assert dry.returncode == 0, dry.stderr
    lines = dry.stdout.splitlines()
    publish = next(i for i, line in enumerate(lines) if "publishconf.py" in line)
    for tool in ("rsync -e", "ghp-import", "s3_upload.py"):
        assert publish < next(i for i, line in enumerate(lines) if tool in line), tool


def test_rsync_upload_over_a_remote_shell(site, tmp_path):
    log, target = tmp_path / "ssh.log", tmp_path / "srv" / "portal"
    target.parent.mkdir()   # the server's web root exists; the site's folder need not
    fake_ssh = tmp_path / "fake-ssh"
    # Stands in for ssh: logs how rsync called it, then runs the remote command here.
    fake_ssh.write_text(f"""#!/bin/sh
echo "$@" >> {log}
while [ $# -gt 0 ]; do case "$1" in -p|-l) shift 2;; -*) shift;; *) break;; esac; done
shift
exec sh -c "$*"
""")
    fake_ssh.chmod(0o755)
    args = [f"OUTPUTDIR={site}", f"SSH={fake_ssh}", "SSH_HOST=portal.example", "SSH_PORT=2222",
            "SSH_USER=despliegue", f"SSH_TARGET_DIR={target}"]
    make("rsync_upload", *args)
    assert files(target) == files(site)
    call = log.read_text().splitlines()[0]
    assert call.startswith("-p 2222 -l despliegue portal.example rsync --server")
    change(site)
    make("rsync_upload", *args)
    assert files(target) == files(site) and not (target / "acerca").exists()


def test_targets_say_what_is_missing(site):
    proc = subprocess.run(["make", "-o", "publish", "rsync_upload", f"OUTPUTDIR={site}"],
                          cwd=ROOT, capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode != 0 and "set SSH_HOST and SSH_TARGET_DIR" in proc.stdout
    proc = subprocess.run(["make", "-o", "publish", "s3_upload", f"OUTPUTDIR={site}"],
                          cwd=ROOT, capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode != 0 and "set S3_BUCKET" in proc.stderr


def git(*args: str, cwd: Path) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True,
                          text=True).stdout


def test_github_pushes_the_site_to_gh_pages(site, tmp_path):
    remote, checkout = tmp_path / "remote.git", tmp_path / "portal"
    git("init", "--bare", "-q", str(remote), cwd=tmp_path)
    git("init", "-q", str(checkout), cwd=tmp_path)
    git("remote", "add", "origin", str(remote), cwd=checkout)
    env = {"GIT_AUTHOR_NAME": "Portal", "GIT_AUTHOR_EMAIL": "portal@example.org",
           "GIT_COMMITTER_NAME": "Portal", "GIT_COMMITTER_EMAIL": "portal@example.org"}
    make("github", f"OUTPUTDIR={site}", "GITHUB_PAGES_COMMIT_MESSAGE=Publicar prueba",
         cwd=checkout, env=env)
    listed = git("ls-tree", "-r", "--name-only", "gh-pages", cwd=remote).split()
    assert sorted(listed) == sorted([*files(site), ".nojekyll"])
    assert git("show", "gh-pages:index.html", cwd=remote).encode() == \
        (site / "index.html").read_bytes()
    assert git("log", "-1", "--format=%s", "gh-pages", cwd=remote).strip() == "Publicar prueba"
    change(site)
    make("github", f"OUTPUTDIR={site}", cwd=checkout, env=env)
    listed = git("ls-tree", "-r", "--name-only", "gh-pages", cwd=remote).split()
    assert "nuevo/index.html" in listed and "acerca/index.html" not in listed
    assert git("rev-list", "--count", "gh-pages", cwd=remote).strip() == "2"  # history kept


# -- S3 ------------------------------------------------------------------------------

MOTO = """
import sys
from moto.server import ThreadedMotoServer
server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
server.start()
print(server.get_host_and_port()[1], flush=True)
sys.stdin.read()
server.stop()
"""
BUCKET = "portal-prueba"


@pytest.fixture
def s3(tmp_path):
    """moto's S3 server on 127.0.0.1, port chosen by the OS; ends with the test."""
    assert DEPLOY_PY.exists(), "run `make deploy-tools` (make test does)"
    proc = subprocess.Popen([str(DEPLOY_PY), "-c", MOTO], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    endpoint = f"http://127.0.0.1:{proc.stdout.readline().strip()}"
    env = {"AWS_ACCESS_KEY_ID": "prueba", "AWS_SECRET_ACCESS_KEY": "prueba",
           "AWS_DEFAULT_REGION": "us-east-1", "AWS_CONFIG_FILE": str(tmp_path / "none"),
           "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none")}
    subprocess.run([str(AWS), "--endpoint-url", endpoint, "s3", "mb", f"s3://{BUCKET}"],
                   env={**os.environ, **env}, check=True, capture_output=True, timeout=60)
    yield endpoint, env
    proc.stdin.close()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


# Every object of the bucket with its headers, read with boto3 in the deploy venv.
INSPECT = """
import json, sys
import boto3
s3 = boto3.client("s3", endpoint_url=sys.argv[1])
out = {}
for page in s3.get_paginator("list_objects_v2").paginate(Bucket=sys.argv[2]):
    for obj in page.get("Contents", []):
        h = s3.head_object(Bucket=sys.argv[2], Key=obj["Key"])
        out[obj["Key"]] = [h.get("ContentType"), h.get("CacheControl"),
                           h["LastModified"].isoformat()]
print(json.dumps(out))
"""


def bucket(endpoint: str, env: dict) -> dict[str, list]:
    """key -> [Content-Type, Cache-Control, Last-Modified]"""
    out = subprocess.run([str(DEPLOY_PY), "-c", INSPECT, endpoint, BUCKET],
                         env={**os.environ, **env}, check=True, capture_output=True, text=True,
                         timeout=120).stdout
    return json.loads(out)


@pytest.fixture
def small_site(site) -> Path:
    """Part of the built site (moto is slow with a thousand files): every top-level
    file and folder but the search index, plus a few of its hashed files."""
    index = next(p for p in site.iterdir() if p.is_dir() and
                 any(is_hashed(f.name) for f in p.rglob("*")))
    hashed = sorted(f for f in index.rglob("*") if f.is_file() and is_hashed(f.name))[:6]
    keep = {f.relative_to(site) for f in hashed}
    for f in index.rglob("*"):
        if f.is_file() and f.relative_to(site) not in keep:
            f.unlink()
    for folder in ("datos", "instituciones", "transparencia"):   # most of the pages
        shutil.rmtree(site / folder, ignore_errors=True)
    return site


def test_s3_upload_with_content_types_and_cache_headers(small_site, s3):
    site = small_site
    endpoint, env = s3
    args = [f"OUTPUTDIR={site}", f"S3_BUCKET={BUCKET}", f"S3_OPTS=--endpoint-url {endpoint}"]
    make("s3_upload", *args, env=env)
    objects = bucket(endpoint, env)
    assert set(objects) == set(files(site))
    short = "public, max-age=300"
    assert objects["index.html"][:2] == ["text/html; charset=utf-8", short]
    # No hash in its name: it may change at the next build.
    assert objects["theme/css/portal.css"][:2] == ["text/css; charset=utf-8", short]
    assert objects["feeds/noticias.atom.xml"][:2] == ["application/atom+xml; charset=utf-8",
                                                      short]
    hashed = [k for k in objects if is_hashed(Path(k).name)]
    assert len(hashed) == 6
    assert {objects[k][1] for k in hashed} == {IMMUTABLE}
    assert {objects[k][1] for k in objects if k not in hashed} == {short}
    time.sleep(1.1)   # S3 times are whole seconds
    change(site)
    make("s3_upload", *args, env=env)
    again = bucket(endpoint, env)
    assert set(again) == set(files(site))      # the removed page is gone
    assert again["nuevo/index.html"][:2] == ["text/html; charset=utf-8", short]
    assert again["index.html"] == objects["index.html"]  # unchanged: not sent again


def test_which_names_are_content_hashed():
    for name in ("es_cabebd7.pf_fragment", "pagefind.es_af3ee56cc2.pf_meta",
                 "portal.3f9a2c1d.css", "shard-0a1b2c3d4e.json"):
        assert is_hashed(name), name
    for name in ("index.html", "portal.css", "data.json", "decadeface.txt", "20241231.csv",
                 "abc1234.html", "consultas.ics", "noticias.atom.xml"):
        assert not is_hashed(name), name
    assert content_type("feeds/noticias.atom.xml") == "application/atom+xml; charset=utf-8"
    assert content_type("catalogo/dcat.ttl") == "text/turtle; charset=utf-8"
    assert content_type("search/x.bin") is None   # left to the AWS CLI's guess
