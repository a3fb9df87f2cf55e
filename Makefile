# Wholesync: `make demo` runs the product against the bundled Shopify simulator,
# `make test` runs the test suite. Both create .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench soak simulator format clean assets

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/wholesync demo

test: $(STAMP)
	$(BIN)/python -m pytest -q --durations=20

lint: $(STAMP)
	$(BIN)/ruff check wholesync tests bench
	$(BIN)/ruff format --check wholesync tests bench
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python -m bench

# The fault soak (tests/soak) at full length, on PostgreSQL and Redis (both required); its
# counts go to bench/results/soak.json. CI runs it for 150 s as part of `make test`.
SOAK_SECONDS ?= 600
soak: $(STAMP)
	WHOLESYNC_SOAK_SECONDS=$(SOAK_SECONDS) WHOLESYNC_SOAK_REPORT=bench/results/soak.json \
	WHOLESYNC_REQUIRE_SERVICES=1 $(BIN)/python -m pytest -q -p no:logging tests/soak
	@echo "Soak report: bench/results/soak.json"

simulator: $(STAMP)
	$(BIN)/wholesync simulator --allow-http-callbacks

# Re-vendor the web UI's htmx and Pico CSS from the npm registry (pinned in package-lock.json).
assets:
	bash wholesync/web/ui/assets/build.sh

format: $(STAMP)
	$(BIN)/ruff check --fix wholesync tests bench
	$(BIN)/ruff format wholesync tests bench

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
