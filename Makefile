# Two commands for a fresh machine with Python 3.11 and pip:
#   make demo   -- set up .venv and open the TUI on the bundled demo data
#   make test   -- set up .venv, lint (ruff), type-check (mypy) and run the whole test suite
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed

.PHONY: demo test lint bench screenshots clean corpora

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/crm-tui --demo

test: lint corpora
	$(BIN)/python -m pytest -q

# Public test corpora (feedparser's feeds, khard's and vobject's cards and calendars) from
# their sdists on PyPI into .corpora/, never committed; offline, their tests skip.
corpora: $(STAMP)
	$(BIN)/python scripts/corpora.py

lint: $(STAMP)
	$(BIN)/ruff check crm_tui tests bench scripts
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python bench/gen.py --home .bench-home
	$(BIN)/python bench/store.py --home .bench-home

screenshots: $(STAMP)
	$(BIN)/python scripts/screenshots.py

clean:
	rm -rf $(VENV) .bench-home .pytest_cache .corpora
