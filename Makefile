# QualBridge — the two commands a newcomer needs are `make demo` and `make test`.
# Everything the project needs is installed by this file into ./.tools (uv) and ./.venv (the project).

PYTHON ?= python3
UV      := .tools/bin/uv
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed

.PHONY: help install demo test lint typecheck unit bench lock messages clean

help:
	@echo "make demo   install, generate demo evidence, load demo data and serve it on 127.0.0.1:8000"
	@echo "make test   install, then ruff + mypy + pytest"
	@echo "make bench  run every benchmark in bench/ (see docs/benchmarks.md)"
	@echo "make lint   ruff and mypy only"
	@echo "make lock   re-resolve requirements.lock from pyproject.toml"
	@echo "make messages  extract user-facing strings into the catalogs (src/qualbridge/locale)"

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv==0.13.8

$(STAMP): $(UV) requirements.lock pyproject.toml scripts/system-deps $(wildcard src/qualbridge/*/*/*/*.c)
	scripts/system-deps
	$(UV) venv --quiet --allow-existing --python $(PYTHON) $(VENV)
	$(UV) pip sync --quiet --require-hashes --python $(BIN)/python requirements.lock
	$(UV) pip install --quiet --no-deps --python $(BIN)/python -e .
	@touch $(STAMP)

install: $(STAMP)

lock: $(UV)
	$(UV) pip compile pyproject.toml --extra dev --generate-hashes --no-emit-index-url \
		--no-header --python-version 3.11 -o requirements.lock

# The message catalogs: strings extracted from code and templates, merged into each language's .po file.
LOCALE_DIR := src/qualbridge/locale
messages: install
	@for domain in reports web; do \
		$(BIN)/pybabel extract --sort-output --no-wrap --project QualBridge --copyright-holder QualBridge \
			--header-comment "# QualBridge message catalog ($$domain)." -F $(LOCALE_DIR)/$$domain.cfg \
			-k _ -k gettext -k ngettext:1,2 -k pgettext:1c,2 -o $(LOCALE_DIR)/$$domain.pot src; \
		if [ -f $(LOCALE_DIR)/zh_Hans/LC_MESSAGES/$$domain.po ]; then \
			$(BIN)/pybabel update --no-wrap -D $$domain -i $(LOCALE_DIR)/$$domain.pot -d $(LOCALE_DIR) -l zh_Hans; \
		else \
			$(BIN)/pybabel init --no-wrap -D $$domain -i $(LOCALE_DIR)/$$domain.pot -d $(LOCALE_DIR) -l zh_Hans; \
		fi; \
	done

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

typecheck: install
	$(BIN)/mypy

unit: install
	$(BIN)/pytest -q

test: lint unit

# The demo service: SQLite and blobs under ./var/, demo data loaded (again: nothing changes), then served.
DEMO_ENV := QUALBRIDGE_DATABASE_URL=sqlite:///./var/qualbridge.db QUALBRIDGE_BLOB_DIR=./var/blobs

demo: install
	$(BIN)/qualbridge demo --out var/demo
	$(DEMO_ENV) $(BIN)/qualbridge db upgrade
	$(DEMO_ENV) $(BIN)/qualbridge demo seed
	@echo "Open http://127.0.0.1:8000/ and sign in, e.g. admin@shanghai.example / demo-shanghai-admin (vendor)"
	@echo "  or admin@dresden.example / demo-dresden-admin (fab). The API, with a token:"
	@echo "Sign in: curl -s -X POST http://127.0.0.1:8000/api/v1/auth/tokens -H 'Content-Type: application/json' \\"
	@echo "  -d '{\"email\": \"admin@shanghai.example\", \"password\": \"demo-shanghai-admin\", \"name\": \"demo\", \"scope\": \"write\"}'"
	$(DEMO_ENV) $(BIN)/qualbridge serve --host 127.0.0.1 --port 8000

bench: install
	$(BIN)/python -m bench.classify
	$(BIN)/python -m bench.log
	$(BIN)/python -m bench.api_load
	$(BIN)/python -m bench.api_instructions

clean:
	rm -rf $(VENV) .tools var .pytest_cache .mypy_cache .ruff_cache .hypothesis test-artifacts
