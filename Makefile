# QualBridge — the two commands a newcomer needs are `make demo` and `make test`.
# Everything the project needs is installed by this file into ./.tools (uv) and ./.venv (the project).

PYTHON ?= python3
UV      := .tools/bin/uv
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed

.PHONY: help install demo test lint typecheck unit bench lock clean

help:
	@echo "make demo   install, generate demo evidence and evaluate it"
	@echo "make test   install, then ruff + mypy + pytest"
	@echo "make bench  run every benchmark in bench/ (see docs/benchmarks.md)"
	@echo "make lint   ruff and mypy only"
	@echo "make lock   re-resolve requirements.lock from pyproject.toml"

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv==0.13.8

$(STAMP): $(UV) requirements.lock pyproject.toml
	$(UV) venv --quiet --allow-existing --python $(PYTHON) $(VENV)
	$(UV) pip sync --quiet --require-hashes --python $(BIN)/python requirements.lock
	$(UV) pip install --quiet --no-deps --python $(BIN)/python -e .
	@touch $(STAMP)

install: $(STAMP)

lock: $(UV)
	$(UV) pip compile pyproject.toml --extra dev --generate-hashes --no-emit-index-url \
		--no-header --python-version 3.11 -o requirements.lock

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

typecheck: install
	$(BIN)/mypy

unit: install
	$(BIN)/pytest -q

test: lint unit

demo: install
	$(BIN)/qualbridge demo --out var/demo

bench: install
	$(BIN)/python -m bench.classify
	$(BIN)/python -m bench.log

clean:
	rm -rf $(VENV) .tools var .pytest_cache .mypy_cache .ruff_cache .hypothesis
