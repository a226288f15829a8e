# Portal de Gobierno Abierto. `make help` lists the targets.
# Variables follow pelican-quickstart's Makefile, plus DATA (snapshot folder).

PY ?= python3
VENV ?= $(CURDIR)/.venv
PYTHON := $(VENV)/bin/python
PELICAN ?= $(VENV)/bin/pelican
PELICANOPTS ?=

BASEDIR := $(CURDIR)
INPUTDIR := $(BASEDIR)/content
OUTPUTDIR ?= $(BASEDIR)/output
CONFFILE := $(BASEDIR)/pelicanconf.py
PUBLISHCONF := $(BASEDIR)/publishconf.py
DATA ?= $(INPUTDIR)/data
SOURCES ?= $(BASEDIR)/sources.yaml
PORT ?= 8000
SCALE ?=
PYTEST_ARGS ?=
# make aggregate: the aggregator's own exit code (0, 2 or 3) is written here, since
# make itself exits 2 for any failure; FAILED_SOURCES=ok lets exit 3 (a source
# failed, its last good data kept) go on to the next target.
AGGREGATE_EXIT ?= $(BASEDIR)/.cache/aggregate.exit
FAILED_SOURCES ?=
# Extra options for `make aggregate`, e.g. AGGREGATE_ARGS=--full (the weekly run).
AGGREGATE_ARGS ?=
# make snapshot FORCE=1: regenerate the demo snapshot even over a real one.
FORCE ?=

# Deploy targets and their variables, as pelican-quickstart's Makefile names them.
SSH_HOST ?=
SSH_PORT ?= 22
SSH_USER ?= $(USER)
SSH_TARGET_DIR ?=
SSH ?= ssh
GITHUB_PAGES_BRANCH ?= gh-pages
GITHUB_PAGES_REMOTE ?= origin
GITHUB_PAGES_COMMIT_MESSAGE ?= Publicar el portal
GHP_IMPORT ?= $(VENV)/bin/ghp-import
S3_BUCKET ?=
S3_OPTS ?=
S3_CACHE_SHORT ?= public, max-age=300
# The AWS CLI (and moto, for its test) live in their own venv: see requirements-deploy.lock.
DEPLOY_VENV ?= $(CURDIR)/.venv-deploy
AWS ?= $(DEPLOY_VENV)/bin/aws
DEPLOY_STAMP := $(DEPLOY_VENV)/.installed

# Plugins read the snapshot folder from the environment.
export PORTAL_DATA := $(abspath $(DATA))

STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed

.DEFAULT_GOAL := help
.PHONY: help install html serve devserver aggregate snapshot new-portal publish test bench \
	clean distclean browser node
.PHONY: rsync_upload github s3_upload deploy-tools rsync-tool

help:
	@echo 'Portal de Gobierno Abierto'
	@echo ''
	@echo '  make serve       install, build from the bundled snapshot, serve on http://127.0.0.1:$(PORT)'
	@echo '  make test        ruff, then the tests (installs Python packages, Chromium, axe-core first)'
	@echo '  make install     create .venv from requirements.lock (does nothing if up to date)'
	@echo '  make aggregate   harvest sources.yaml into $(DATA); its exit code (0, 2 bad configuration,'
	@echo '                   3 some source failed) goes to $(AGGREGATE_EXIT); FAILED_SOURCES=ok: 3 goes on'
	@echo '  make html        build the site and its search index into $(OUTPUTDIR)'
	@echo '  make devserver   build, serve and rebuild on every change (live preview for editors)'
	@echo '  make publish     build with publishconf.py (absolute URLs) for a static host'
	@echo '  make rsync_upload  publish, then rsync to SSH_USER@SSH_HOST:SSH_TARGET_DIR (SSH_PORT)'
	@echo '  make github      publish, then ghp-import to the $(GITHUB_PAGES_BRANCH) branch and push it'
	@echo '  make s3_upload   publish, then aws s3 sync to S3_BUCKET (content types, cache headers)'
	@echo '  make snapshot    regenerate the demo snapshot from recorded payloads (refuses a real one; FORCE=1)'
	@echo '  make new-portal  start a real portal: remove the demo sources, news, apps, events, foreign institutions'
	@echo '  make bench       benchmarks on a synthetic snapshot (SCALE=100000 for 100k datasets)'
	@echo '  make clean       remove the output and the build caches (keeps the HTTP cache in .cache/http)'
	@echo '  make distclean   clean, and remove the HTTP cache, .venv and node_modules'
	@echo ''
	@echo 'Variables: DATA=dir (snapshot), OUTPUTDIR=dir, PORT=n, SOURCES=file, PY=python3.11,'
	@echo '  PORTAL_SITEURL=https://... (make publish), FAILED_SOURCES=ok, AGGREGATE_ARGS=--full,'
	@echo '  AGGREGATE_EXIT=file, FORCE=1 (make snapshot)'

install: $(STAMP)

$(STAMP): requirements.lock
	@test -x $(PYTHON) || $(PY) -m venv $(VENV) || { \
	  echo 'Could not create .venv: install Python 3.11+ with venv (Debian: apt install python3-venv)'; exit 1; }
	$(PYTHON) -m pip install --quiet --disable-pip-version-check --no-deps -r requirements.lock
	@touch $@

html: install
	$(PELICAN) "$(INPUTDIR)" -o "$(OUTPUTDIR)" -s "$(CONFFILE)" $(PELICANOPTS)

serve: html
	@echo 'Serving $(OUTPUTDIR) on http://127.0.0.1:$(PORT)/ (Ctrl-C to stop)'
	$(PYTHON) -m http.server $(PORT) --bind 127.0.0.1 --directory "$(OUTPUTDIR)"

devserver: install
	$(PELICAN) -lr "$(INPUTDIR)" -o "$(OUTPUTDIR)" -s "$(CONFFILE)" -p $(PORT) -b 127.0.0.1 $(PELICANOPTS)

aggregate: install
	@mkdir -p "$(dir $(AGGREGATE_EXIT))"
	@echo '$(PYTHON) -m aggregator run --sources "$(SOURCES)" --data "$(DATA)" $(AGGREGATE_ARGS)'
	@$(PYTHON) -m aggregator run --sources "$(SOURCES)" --data "$(DATA)" $(AGGREGATE_ARGS); \
	code=$$?; \
	echo $$code > "$(AGGREGATE_EXIT)"; \
	case $$code in \
	  0) ;; \
	  3) echo 'make aggregate: exit 3: some source failed and kept its last good data (see $(DATA)/status.yaml)' >&2; \
	     test "$(FAILED_SOURCES)" = ok || exit 3 ;; \
	  2) echo 'make aggregate: exit 2: bad configuration or usage, nothing was written' >&2; exit 2 ;; \
	  *) echo "make aggregate: exit $$code: the aggregator stopped" >&2; exit $$code ;; \
	esac

snapshot: install
	$(PYTHON) -m devtools.snapshot --data "$(DATA)" $(if $(FORCE),--force)

new-portal: install
	$(PYTHON) -m devtools.new_portal --content "$(INPUTDIR)" --data "$(DATA)"

publish: install
	$(PELICAN) "$(INPUTDIR)" -o "$(OUTPUTDIR)" -s "$(PUBLISHCONF)" $(PELICANOPTS)

browser:
	@sh scripts/ensure-chromium.sh

node: $(NODE_STAMP)

$(NODE_STAMP): package-lock.json
	@command -v npm >/dev/null || { echo 'npm is needed for axe-core (Debian: apt install npm)'; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

test: install browser node deploy-tools rsync-tool
	$(PYTHON) -m ruff check .
	$(PYTHON) -m pytest $(PYTEST_ARGS)

bench: install browser node
	$(PYTHON) -m bench $(if $(SCALE),--scale $(SCALE))

rsync_upload: publish rsync-tool
	@test -n "$(SSH_HOST)" && test -n "$(SSH_TARGET_DIR)" || { \
	  echo 'rsync_upload: set SSH_HOST and SSH_TARGET_DIR (and SSH_USER, SSH_PORT)'; exit 2; }
	rsync -e "$(SSH) -p $(SSH_PORT)" -rzc --delete --delay-updates --stats \
	  "$(OUTPUTDIR)"/ "$(SSH_USER)@$(SSH_HOST):$(SSH_TARGET_DIR)"

github: publish
	$(GHP_IMPORT) --no-jekyll --push --remote "$(GITHUB_PAGES_REMOTE)" \
	  --branch "$(GITHUB_PAGES_BRANCH)" --message "$(GITHUB_PAGES_COMMIT_MESSAGE)" "$(OUTPUTDIR)"

s3_upload: publish $(if $(filter $(DEPLOY_VENV)/bin/aws,$(AWS)),deploy-tools)
	$(PYTHON) scripts/s3_upload.py "$(OUTPUTDIR)" "$(S3_BUCKET)" --aws "$(AWS)" \
	  --short "$(S3_CACHE_SHORT)" -- $(S3_OPTS)

deploy-tools: $(DEPLOY_STAMP)

$(DEPLOY_STAMP): requirements-deploy.lock
	@test -x $(DEPLOY_VENV)/bin/python || $(PY) -m venv $(DEPLOY_VENV)
	$(DEPLOY_VENV)/bin/python -m pip install --quiet --disable-pip-version-check --no-deps \
	  -r requirements-deploy.lock
	@touch $@

rsync-tool:
	@sh scripts/ensure-rsync.sh

# The HTTP cache (.cache/http: validators for conditional requests) survives
# `make clean`: without it the next harvest downloads every source again.
clean:
	rm -rf "$(OUTPUTDIR)" .pytest_cache bench/out
	@if [ -d .cache ]; then find .cache -mindepth 1 -maxdepth 1 ! -name http -exec rm -rf {} +; fi

distclean: clean
	rm -rf .cache .venv .venv-deploy node_modules
