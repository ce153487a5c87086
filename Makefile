# Set-up-and-go targets. Each one installs what it needs first, so they work on a fresh machine.
PY ?= python3
PIP = $(PY) -m pip install --disable-pip-version-check --quiet

.PHONY: setup demo test lint bench

# torch first, pinned to the CPU build that lies on this machine's disk: otherwise
# sentence-transformers pulls a multi-GB CUDA build.
setup:
	$(PIP) torch==2.13.0
	$(PIP) -e ".[dev]"

demo: setup
	$(PY) -m vecstore_lab demo

lint: setup
	$(PY) -m ruff check vecstore_lab tests bench conftest.py
	$(PY) -m ruff format --check vecstore_lab tests bench conftest.py
	$(PY) -m mypy

test: lint
	$(PY) -m pytest

bench: setup
	$(PY) bench/bench_query.py
	$(PY) bench/bench_ingest.py
	$(PY) bench/bench_rerank.py
	$(PY) bench/bench_telemetry.py
