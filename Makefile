# The two commands of the README: `make demo` and `make test`. Both set everything up first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
CHROMIUM ?= /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: demo test setup lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.run: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.test: pyproject.toml $(VENV)/.run
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@

# Debian's Chromium for the browser test; Playwright cannot download its own here.
$(CHROMIUM):
	$(SUDO) apt-get update -qq
	$(SUDO) apt-get install -y -qq chromium

setup: $(VENV)/.test $(CHROMIUM)

## Run the bot against the local sandbox (a fake Telegram) and print the page's URL.
demo: $(VENV)/.run
	$(BIN)/sspbot-sandbox demo

## Set up and run everything CI runs: lint, types and the whole test suite.
test: setup lint
	SSPBOT_CHROMIUM=$(CHROMIUM) $(BIN)/pytest

lint: $(VENV)/.test
	$(BIN)/ruff check bot flows sandbox tests benchmarks
	$(BIN)/mypy

bench: $(VENV)/.test
	$(BIN)/python -m benchmarks.load

clean:
	rm -rf $(VENV) data
