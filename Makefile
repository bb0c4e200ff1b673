# Two commands: `make run` serves the demo campaign, `make test` runs the whole suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: install install-test run test bench lint check-campaign clean

# The catalogs are compiled at set-up, so that every command (run, test, bench, letter render)
# finds each language's messages.mo.
install: $(VENV)/.installed
	@scripts/system-packages.sh run
	@$(BIN)/campaign db upgrade
	@$(BIN)/campaign i18n compile --quiet

install-test: $(VENV)/.installed-test
	@scripts/system-packages.sh test
	@$(BIN)/campaign db upgrade
	@$(BIN)/campaign i18n compile --quiet

$(VENV)/bin/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Python 3.11 or newer is needed (found $$($(PYTHON) --version))"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Re-installed only when the project's dependencies change, so a second `make run` starts in seconds.
$(VENV)/.installed: pyproject.toml | $(VENV)/bin/python
	$(BIN)/pip install --quiet -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml | $(VENV)/bin/python
	$(BIN)/pip install --quiet -e '.[test,bench]'
	@touch $(VENV)/.installed $@

run: install
	CAMPAIGN_PREVIEW_OPEN=$${CAMPAIGN_PREVIEW_OPEN:-true} $(BIN)/campaign run --host $(HOST) --port $(PORT)

test: install-test
	$(BIN)/ruff check campaign tests bench
	$(BIN)/pytest -n 2 -p no:cacheprovider

bench: install-test
	$(BIN)/python bench/run_all.py

lint: install-test
	$(BIN)/ruff check campaign tests bench

check-campaign: install
	$(BIN)/campaign check

clean:
	rm -rf $(VENV) instance .pytest_cache
