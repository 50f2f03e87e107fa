# Two commands for a new machine: `make run` (the bundled example) and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
SHARED ?= $(or $(SECRET_HYGIENE_SHARED),$(firstword $(wildcard ../shared/cases/run /work/shared/cases/run)))

.PHONY: run test lint cases self-check ci clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.run-installed: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(VENV)/.test-installed: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@ $(VENV)/.run-installed

## run: build the example repository and check it (prints the planted findings)
run: $(VENV)/.run-installed
	$(BIN)/python examples/yosai/demo.py

## test: lint, type-check and run the test suite
test: $(VENV)/.test-installed
	$(BIN)/ruff check src tests examples bench
	$(BIN)/mypy
	$(BIN)/pytest -q

## cases: the acceptance cases in ../shared/cases against the installed tool
cases: $(VENV)/.test-installed
	@test -n "$(SHARED)" || { echo "cannot find ../shared; set SECRET_HYGIENE_SHARED"; exit 2; }
	PATH="$(CURDIR)/$(BIN):$$PATH" SECRET_HYGIENE="$(CURDIR)/$(BIN)/secret-hygiene" \
	  SECRET_HYGIENE_REPO="$(CURDIR)" $(PYTHON) "$(patsubst %/cases/run,%,$(SHARED))/cases/run"

## self-check: secret-hygiene on this repository (must be clean)
self-check: $(VENV)/.run-installed
	$(BIN)/secret-hygiene check

ci:
	bash .ci/run

clean:
	rm -rf $(VENV) build dist src/*.egg-info .mypy_cache .ruff_cache .pytest_cache
