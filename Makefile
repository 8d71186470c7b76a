# newsdesk: `make demo` starts the demo site, `make test` runs the whole test suite.
# Both set up their own virtual environment in .venv from pinned versions (constraints.txt).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8000
export NEWSDESK_DATA_DIR ?= $(CURDIR)/var

.PHONY: install demo serve test lint format bench clean

$(VENV)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	touch $@

install: $(VENV)/.installed

demo: install
	$(BIN)/newsdesk migrate --noinput
	$(BIN)/newsdesk demo
	$(BIN)/newsdesk search_index
	@echo "Serving the demo on http://127.0.0.1:$(PORT)/ (Ctrl+C stops it)"
	NEWSDESK_DEBUG=1 $(BIN)/newsdesk runserver --noreload 127.0.0.1:$(PORT)

test: install
	$(BIN)/pytest

lint: install
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy newsdesk

# Speed and memory against bare trafilatura, text accuracy, and the reader pages under wrk
# (Debian package wrk) beside a bare Django view: see docs/benchmarks.md.
bench: install
	$(BIN)/python benchmarks/ingest.py --pages realworld
	$(BIN)/python benchmarks/ingest.py --pages realworld-all --copies 1
	$(BIN)/python benchmarks/ingest.py --pages corpus --copies 4
	$(BIN)/python benchmarks/extract_accuracy.py
	$(BIN)/python benchmarks/ingest_parts.py
	$(BIN)/python benchmarks/enrich.py
	$(BIN)/python benchmarks/site.py

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
