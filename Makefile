# The README's two set-up commands: `make run ADDRESS=you@company.com` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
ADDRESS ?=
ARGS   ?=

.PHONY: run test lint bench fuzz install dev clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# setuptools tells, as a warning, that an editable install maps the package through an import hook (our
# providers/ is shipped as mailprobe.providers): nothing to act on, so it is not shown. Real warnings still are.
QUIET_EDITABLE := PYTHONWARNINGS="ignore:Editable installation:UserWarning"

# An editable install has no bytecode of its own, and with PYTHONDONTWRITEBYTECODE set Python would compile
# every module again on each run (some 50 ms of start-up): compile once here; a changed file is recompiled.
$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(QUIET_EDITABLE) $(BIN)/python -m pip install --quiet -e .
	$(BIN)/python -m compileall -q mailprobe providers >/dev/null
	touch $@

$(VENV)/.installed-dev: $(BIN)/python pyproject.toml
	$(QUIET_EDITABLE) $(BIN)/python -m pip install --quiet -e '.[dev]'
	$(BIN)/python -m compileall -q mailprobe providers >/dev/null
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed

dev: $(VENV)/.installed-dev

run: $(VENV)/.installed
	@if [ -z "$(ADDRESS)" ]; then echo "usage: make run ADDRESS=you@company.com [ARGS='--lang zh-Hant']" >&2; exit 3; fi
	@$(BIN)/python -m compileall -q mailprobe >/dev/null
	$(BIN)/mailprobe check "$(ADDRESS)" $(ARGS)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check mailprobe tests bench
	$(BIN)/mypy

test: lint
	$(BIN)/pytest

bench: $(VENV)/.installed-dev
	@$(BIN)/python -m compileall -q mailprobe >/dev/null
	$(BIN)/python bench/run.py

# A bounded fuzz run of the mail reply parsers (FUZZ_SECONDS, default 60; FUZZ_SEED to replay); not in `make test`.
fuzz: $(VENV)/.installed-dev
	$(BIN)/python bench/fuzz_replies.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
