# RoboShop: `make run` brings the shop up on this machine, `make test` runs every test.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
CODE := functions scripts tests

.PHONY: help run test lint unit seed invoke bench images clean

help:
	@echo "make run     - the whole shop on http://localhost:8080 (Ctrl-C stops it)"
	@echo "make test    - lint, type checks and every test suite"
	@echo "make invoke  - call a running function, e.g. make invoke ARGS='catalogue /product/RMC'"
	@echo "make seed    - (re)seed the stores of a running stack"
	@echo "make bench   - benchmarks; figures go to bench-results/"
	@echo "make images  - build the container images (needs docker or podman)"

# The virtual environment is rebuilt whenever a requirements file changes.
$(VENV)/.installed: requirements.txt functions/requirements.txt
	@test -d $(VENV) || $(PYTHON) -m venv $(VENV) || \
		{ echo "!! cannot make a virtual environment: apt-get install python3-venv"; exit 1; }
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	@touch $@

run: $(VENV)/.installed
	$(PY) -m scripts.run

lint: $(VENV)/.installed
	$(PY) -m ruff check $(CODE)
	$(PY) -m ruff format --check $(CODE)
	$(PY) -m mypy functions scripts

unit: $(VENV)/.installed
	$(PY) -m pytest $(PYTEST_ARGS)

test: lint unit

seed: $(VENV)/.installed
	$(PY) -m scripts.seed

invoke: $(VENV)/.installed
	$(PY) -m scripts.invoke $(ARGS)

bench: $(VENV)/.installed
	$(PY) -m scripts.bench $(ARGS)

clean:
	rm -rf .state .pytest_cache .mypy_cache .ruff_cache test-artifacts
