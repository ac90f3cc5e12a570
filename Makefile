# Two commands for a fresh machine: `make serve` and `make test`. Both create .venv and install first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: serve test lint system-deps node-deps screenshots bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $(STAMP)

serve: $(STAMP)
	$(BIN)/pcsim serve $(ARGS)

test: $(STAMP) system-deps node-deps lint
	$(BIN)/python -m pytest -n auto $(ARGS)

# ruff (lint and format, the whole tree) and mypy (the domain, the application layer: pyproject.toml [tool.mypy]).
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# Debian packages that tests need, installed here and never from inside pytest (which skips, and says why, the
# tests whose package is missing): Chromium for the browser tests (tests/ui_browser_setup.py), PostgreSQL for
# the tests marked postgres (tests/postgres_setup.py). Checked first: nothing to do when both are in place.
CHROMIUM_BIN ?= $(or $(PCSIM_CHROMIUM),/usr/bin/chromium)
APT_GET = DEBIAN_FRONTEND=noninteractive $(if $(filter 0,$(shell id -u)),,sudo) apt-get
system-deps:
	@missing=""; \
	[ -x "$(CHROMIUM_BIN)" ] || missing="$$missing chromium"; \
	ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || missing="$$missing postgresql"; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	echo "installing Debian packages the tests need:$$missing"; \
	$(APT_GET) update -qq && \
	for package in $$missing; do \
		case $$package in \
			postgresql) $(APT_GET) install -y -qq --no-install-recommends postgresql >/dev/null ;; \
			*) $(APT_GET) install -y -qq $$package >/dev/null ;; \
		esac || { echo "apt-get install $$package failed: install it, or run pytest alone (it skips what" \
		               "needs a missing package)" >&2; exit 1; }; \
	done

# Microsoft's JavaScript clients for tests/test_js_clients.py, pinned in tests/js/package-lock.json: `npm ci` when
# node_modules is missing or older than the lock, never from inside pytest (which skips those tests, and says why,
# without node 20+ or node_modules). Without node or npm, nothing is installed: say so and go on.
JS_DIR := tests/js
node-deps:
	@if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then \
		echo "node-deps: no node/npm (Node.js 20 or later): tests/test_js_clients.py will skip"; \
	elif [ ! -f $(JS_DIR)/node_modules/.package-lock.json ] || \
	     [ $(JS_DIR)/package-lock.json -nt $(JS_DIR)/node_modules/.package-lock.json ]; then \
		echo "installing Microsoft's JavaScript clients for the tests (npm ci in $(JS_DIR))"; \
		cd $(JS_DIR) && npm ci --no-audit --no-fund --loglevel=error; \
	fi

# The README's pictures (docs/img/*.png), taken again by the browser tests; every other run writes them to a
# temporary folder and leaves the tracked files alone.
screenshots: $(STAMP) system-deps
	PCSIM_SCREENSHOTS=$(CURDIR)/docs/img $(BIN)/python -m pytest -p no:cacheprovider tests/test_ui_browser.py $(ARGS)

# Byte-compiled first, as an installed package is: with PYTHONDONTWRITEBYTECODE set, every start would
# compile pcsim's modules again (about 0.1 s of the cold start measured).
bench: $(STAMP)
	$(BIN)/python -m compileall -q simulator client_sdk benchmarks
	$(BIN)/python -m benchmarks $(ARGS)

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
