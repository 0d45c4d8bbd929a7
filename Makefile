# Two commands matter: `make demo` and `make test`. Both create .venv on first use.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install lock browser demo test lint dev bench clean

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

# constraints.txt: the newest versions pyproject.toml allows, resolved in a scratch venv. Run it
# after changing a dependency, then `make test` and the 1M benchmark before committing both.
LOCK_VENV := .venv-lock
lock:
	rm -rf $(LOCK_VENV) && $(PYTHON) -m venv $(LOCK_VENV)
	$(LOCK_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(LOCK_VENV)/bin/python -m pip install --quiet -e '.[dev]'
	{ sed -n '/^#/p' constraints.txt; $(LOCK_VENV)/bin/python -m pip freeze --exclude-editable \
		| grep -v '^setuptools==\|^wheel=='; } > constraints.txt.new
	mv constraints.txt.new constraints.txt && rm -rf $(LOCK_VENV)

demo: $(STAMP)
	$(BIN)/grading demo

# Headless Chromium and a CJK font for the dashboard test (tests/test_dashboard.py): Debian's
# packages, no browser download. Skipped when both are there already.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
browser:
	@if command -v chromium >/dev/null 2>&1 && fc-list 2>/dev/null | grep -qi 'Noto Sans CJK'; then \
		echo "browser: chromium and Noto Sans CJK present"; \
	else \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends \
			chromium fonts-noto-cjk; \
	fi

test: $(STAMP) browser
	$(BIN)/ruff check dagster_project tests benchmarks
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check dagster_project tests benchmarks
	$(BIN)/ruff format --check dagster_project tests benchmarks

bench: $(STAMP)
	$(BIN)/python -m benchmarks.run --out docs/benchmarks.md $(BENCH_ARGS)

dev: $(STAMP)
	DAGSTER_HOME=$${DAGSTER_HOME:-$(CURDIR)/dagster_home} $(BIN)/dagster dev -w workspace.yaml

clean:
	rm -rf warehouse demo_data dbt_project/target dbt_project/logs
