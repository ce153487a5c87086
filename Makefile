# Set-up-and-go targets. Each one installs what it needs first, so they work on a fresh machine.
PY ?= python3
# uv installs the dependencies: downloads and unpacks in parallel, and byte-compiles on both
# cores (a fresh venv: 64 s against pip's 160 s, measured here). Byte-compiling matters: without
# it every Ray worker and kernel compiled torch and Ray again, and the suite ran 8 minutes
# longer. pip installs torch's CPU build (uv does not see the file on this machine's disk) and
# uv itself, and takes over if uv fails.
PIP = $(PY) -m pip install --disable-pip-version-check --quiet
UV = $(PY) -m uv pip install --quiet --compile-bytecode --python "$(PY)"

# Steps that do not depend on each other run side by side on the two cores: the Python
# install beside npm's install and build, mypy beside pytest.
MAKEFLAGS += --jobs=2

.PHONY: setup js browser demo lab test pytest lint check bench gallery FORCE

# torch first, pinned to the CPU build that lies on this machine's disk: otherwise
# sentence-transformers pulls a multi-GB CUDA build. pip runs again only when pyproject.toml
# changed since it last ran for this interpreter: the stamp lives in the interpreter's own
# environment, so a new venv (or a fresh machine) always installs.
PREFIX := $(or $(shell $(PY) -c "import sys; print(sys.prefix)" 2>/dev/null),.no-python)
SETUP_STAMP = $(PREFIX)/.vecstore-lab-setup

$(SETUP_STAMP): pyproject.toml
	$(PIP) torch==2.13.0 uv
	$(UV) -e ".[dev]" || $(PIP) -e ".[dev]"
	@touch "$@"


# The widgets' front end: esbuild bundles js/src into vecstore_lab/static, @jupyterlab/builder
# the lab extension into vecstore_lab/labextension (lockfile-pinned). npm ci runs again only
# when the lockfile changed, the build only when a source did (the stamps live in
# node_modules, so a fresh clone does everything).
JS_INSTALLED := js/node_modules/.package-lock.json
JS_BUILT := js/node_modules/.vecstore-lab-built
JS_SOURCES := $(shell find js/src -type f 2>/dev/null) js/build.mjs js/tsconfig.json js/package.json
js: $(JS_BUILT)

$(JS_INSTALLED): js/package-lock.json
	npm --prefix js ci --no-audit --no-fund

$(JS_BUILT): js/package-lock.json $(JS_SOURCES) $(if $(wildcard vecstore_lab/static/search.js),,FORCE) | $(JS_INSTALLED)
	npm --prefix js run typecheck
	npm --prefix js run build
	@touch "$@"

FORCE:

# pip copies the lab extension into the environment once; an editable install does not follow
# later builds. A rebuilt extension is copied again (install.json, pip's, stays).
LABEXT_DIR = $(PREFIX)/share/jupyter/labextensions/vecstore-lab
LABEXT_SYNCED = $(LABEXT_DIR)/.vecstore-lab-synced
$(LABEXT_SYNCED): $(JS_BUILT) $(SETUP_STAMP)
	@mkdir -p "$(LABEXT_DIR)"
	cp -R vecstore_lab/labextension/. "$(LABEXT_DIR)/"
	@touch "$@"

setup: js $(SETUP_STAMP) $(LABEXT_SYNCED)

# Headless Chromium for the browser tests (Debian's package; Playwright cannot download one).
browser:
	@command -v chromium >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

# Jupyter refuses to start as root without --allow-root, and root is what a container or a
# fresh machine gives you: pass it then (and only then). LAB_ARGS adds server options.
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root,)
LAB_ARGS ?=
lab: setup
	$(PY) -m jupyter lab $(ALLOW_ROOT) $(LAB_ARGS) notebooks/

# Every widget and the VecStore panel as PNGs, in JupyterLab light and dark, a narrow page and
# Notebook 7, with hostile and long text, side by side in build/gallery/index.html: look at
# it before calling a visual change done.
GALLERY_DIR ?= build/gallery
gallery: setup browser
	$(PY) tools/gallery.py --out $(GALLERY_DIR)

demo: setup
	$(PY) -m vecstore_lab demo

lint: setup
	$(PY) -m ruff check vecstore_lab tests bench tools conftest.py
	$(PY) -m ruff format --check vecstore_lab tests bench tools conftest.py
	$(PY) -m mypy

# lint (mypy, about 40 s on one core) runs beside pytest. Two workers: the browser tests (one
# JupyterLab, one Chromium) on one, everything else on the other (the browser group goes
# first: it has the most tests); see pytest_xdist_make_scheduler in conftest.py.
test: lint pytest

pytest: setup browser
	npm --prefix js test --silent
	env -u MAKEFLAGS -u MAKELEVEL $(PY) -m pytest -n 2 --durations=25

# The fast loop (about a minute, nothing installed): lint, types, and the tests that need no
# model, server, subprocess, browser or notebook (tests/unit and the doctests), on two workers.
# `make test` is the real thing.
check:
	$(PY) -m ruff check vecstore_lab tests bench tools conftest.py
	$(PY) -m ruff format --check vecstore_lab tests bench tools conftest.py
	$(PY) -m mypy
	$(if $(wildcard js/node_modules/esbuild),npm --prefix js test --silent,@echo "js unit tests need make setup")
	$(PY) -m pytest -q -n 2 -m "not slow and not ui and not integration" tests/unit vecstore_lab

bench: setup
	$(PY) bench/bench_query.py
	$(PY) bench/bench_ingest.py
	$(PY) bench/bench_rerank.py
	$(PY) bench/bench_telemetry.py
	$(PY) bench/bench_widgets.py --scale
	$(PY) bench/bench_distributed.py
	$(PY) bench/bench_server.py
	$(PY) bench/bench_checksums.py
	$(PIP) -e ".[dev,bench]"  # one resolution with the dev extras: pip check stays clean
	$(PY) bench/bench_engine.py
	$(PY) bench/bench_ann.py
