# Two commands set everything up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
CORES  ?= 2
SNAKEMAKE_ARGS ?=

.PHONY: run test report lint clean venv

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

venv: $(STAMP)

# --rerun-incomplete: after an interrupted run (Ctrl-C), the next `make run` redoes the jobs that
# were cut short instead of refusing to start.
SNAKEMAKE := $(BIN)/snakemake --cores $(CORES) --rerun-incomplete

run: $(STAMP)
	$(SNAKEMAKE) $(SNAKEMAKE_ARGS)

report: run
	$(SNAKEMAKE) --report results/report.html $(SNAKEMAKE_ARGS)

test: $(STAMP)
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy src
	$(BIN)/snakemake --lint

clean:
	rm -rf results logs .snakemake
