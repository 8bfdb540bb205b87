# The two commands of the README: `make demo` and `make test`. Both set everything up first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
CHROMIUM ?= /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: demo test setup lint bench booklet clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.run: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.test: pyproject.toml $(VENV)/.run
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@

DOT ?= /usr/bin/dot

# Debian's Chromium for the browser tests (Playwright cannot download its own here), and
# Graphviz, which draws the flow diagrams in the reviewers' booklet.
$(CHROMIUM):
	$(SUDO) apt-get update -qq
	$(SUDO) apt-get install -y -qq chromium

$(DOT):
	$(SUDO) apt-get update -qq
	$(SUDO) apt-get install -y -qq graphviz

setup: $(VENV)/.test $(CHROMIUM) $(DOT)

## Run the bot against the local sandbox (a fake Telegram) and print the page's URL.
demo: $(VENV)/.run
	$(BIN)/sspbot-sandbox demo

## Set up and run everything CI runs: lint, types and the whole test suite.
test: setup lint
	SSPBOT_CHROMIUM=$(CHROMIUM) $(BIN)/pytest

lint: $(VENV)/.test
	$(BIN)/ruff check bot flows sandbox tests benchmarks
	$(BIN)/mypy

## Write the reviewers' booklet: every message, for every audience, with diagrams.
booklet: $(VENV)/.run $(DOT)
	$(BIN)/sspbot content booklet

bench: $(VENV)/.test
	$(BIN)/python -m benchmarks.load

clean:
	rm -rf $(VENV) data
