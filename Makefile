# Two commands for a fresh machine: `make serve` and `make test`. Both create .venv and install first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: serve test bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $(STAMP)

serve: $(STAMP)
	$(BIN)/pcsim serve $(ARGS)

test: $(STAMP)
	$(BIN)/python -m pytest -n auto $(ARGS)

# Byte-compiled first, as an installed package is: with PYTHONDONTWRITEBYTECODE set, every start would
# compile pcsim's modules again (about 0.1 s of the cold start measured).
bench: $(STAMP)
	$(BIN)/python -m compileall -q simulator client_sdk benchmarks
	$(BIN)/python -m benchmarks $(ARGS)

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
