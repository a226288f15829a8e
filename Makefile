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
# make aggregate FULL=1: list everything again (notices deletions at CKAN sources).
FULL ?=
# make snapshot FORCE=1: regenerate the demo snapshot even over a real one.
FORCE ?=

# Plugins read the snapshot folder from the environment.
export PORTAL_DATA := $(abspath $(DATA))

STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed

.DEFAULT_GOAL := help
.PHONY: help install html serve devserver aggregate snapshot new-portal publish test bench \
	clean distclean browser node

help:
	@echo 'Portal de Gobierno Abierto'
	@echo ''
	@echo '  make serve       install, build from the bundled snapshot, serve on http://127.0.0.1:$(PORT)'
	@echo '  make test        install what the tests need (Python packages, Chromium, axe-core) and run them'
	@echo '  make install     create .venv from requirements.lock (does nothing if up to date)'
	@echo '  make aggregate   harvest sources.yaml into $(DATA); its exit code (0, 2 bad configuration,'
	@echo '                   3 some source failed) goes to $(AGGREGATE_EXIT); FAILED_SOURCES=ok: 3 goes on'
	@echo '  make html        build the site and its search index into $(OUTPUTDIR)'
	@echo '  make devserver   build, serve and rebuild on every change (live preview for editors)'
	@echo '  make publish     build with publishconf.py (absolute URLs) for a static host'
	@echo '  make snapshot    regenerate the demo snapshot from recorded payloads (refuses a real one; FORCE=1)'
	@echo '  make new-portal  start a real portal: remove the demo sources, news, apps, events, foreign institutions'
	@echo '  make bench       benchmarks on a synthetic snapshot (SCALE=100000 for 100k datasets)'
	@echo '  make clean       remove the output and the build caches (keeps the HTTP cache in .cache/http)'
	@echo '  make distclean   clean, and remove the HTTP cache, .venv and node_modules'
	@echo ''
	@echo 'Variables: DATA=dir (snapshot), OUTPUTDIR=dir, PORT=n, SOURCES=file, PY=python3.11,'
	@echo '  PORTAL_SITEURL=https://... (make publish), FAILED_SOURCES=ok, FULL=1, AGGREGATE_EXIT=file,'
	@echo '  FORCE=1 (make snapshot)'

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
	@echo '$(PYTHON) -m aggregator run --sources "$(SOURCES)" --data "$(DATA)"$(if $(FULL), --full)'
	@$(PYTHON) -m aggregator run --sources "$(SOURCES)" --data "$(DATA)" $(if $(FULL),--full); \
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

test: install browser node
	$(PYTHON) -m pytest $(PYTEST_ARGS)

bench: install browser node
	$(PYTHON) -m bench $(if $(SCALE),--scale $(SCALE))

# The HTTP cache (.cache/http: validators for conditional requests) survives
# `make clean`: without it the next harvest downloads every source again.
clean:
	rm -rf "$(OUTPUTDIR)" .pytest_cache bench/out
	@if [ -d .cache ]; then find .cache -mindepth 1 -maxdepth 1 ! -name http -exec rm -rf {} +; fi

distclean: clean
	rm -rf .cache .venv node_modules
