# One-command set-up: both targets create .venv on first use and install newsweave with its extras.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export HF_HUB_OFFLINE := 1

.PHONY: demo test lint bench fuzz clean

$(BIN)/python:
	$(PY) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev,ray]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/newsweave weave examples/sessions-2017

test: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[dev,bench]"
	$(BIN)/python benchmarks/mds.py

# Hostile inputs through every command: counts of inputs, exits, tracebacks, hangs, peak memory.
fuzz: $(STAMP)
	$(BIN)/python benchmarks/fuzz.py --per-category 20 --json benchmarks/fuzz-results.json
	$(BIN)/python benchmarks/fuzz_follow.py --per-category 100 --json benchmarks/fuzz-follow-results.json
	$(BIN)/python benchmarks/fuzz_forms.py --per-category 40 --json benchmarks/fuzz-forms-results.json

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info
