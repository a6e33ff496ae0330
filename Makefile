# RoboShop: `make run` brings the shop up on this machine, `make test` runs every test.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
CODE := functions scripts tests knative
# Debian keeps the servers (nginx, mariadbd, rabbitmq-server) in sbin, which a normal
# user's PATH lacks.
export PATH := $(PATH):/usr/local/sbin:/usr/sbin:/sbin
# Steps run in the order written: the machine's set-up comes before everything else.
.NOTPARALLEL:

.PHONY: help run test check setup-run setup-test setup-bench lint unit coverage fuzz chaos seed stock invoke load bench docs backup restore images kind-images clean

help:
	@echo "make run     - the whole shop on http://localhost:8080 (Ctrl-C stops it)"
	@echo "make test    - lint, type checks and every test suite"
	@echo "make check   - lint and the tests that start no server: the inner loop, under 2 minutes"
	@echo "make backup  - archive the running stack's data into .state/backups/"
	@echo "make restore FILE=... - check an archive whole, then restore it (FILE=latest: the newest)"
	@echo "make invoke  - call a running function, e.g. make invoke ARGS='catalogue /product/RMC'"
	@echo "make chaos   - failure scenarios on a running make run, e.g. make chaos ARGS='payment-failure on'"
	@echo "make seed    - (re)seed the stores of a running stack (stock already there is kept)"
	@echo "make stock   - every robot's stock; make stock ARGS='EPE 3' sets one (--kubectl: a cluster's)"
	@echo "make coverage - the tests with a line-coverage report"
	@echo "make fuzz    - schemathesis against the whole shop with a large budget (FUZZ_EXAMPLES, FUZZ_JOURNEYS)"
	@echo "make load    - shopper journeys with Locust (HOST, USERS, SPAWN_RATE, DURATION; ARGS='--ui')"
	@echo "make bench   - benchmarks; figures go to bench-results/, a whole run's to docs/benchmarks/"
	@echo "make docs    - write the docs pages that are data (configuration, versions, bench targets)"
	@echo "make images  - build the container images (needs docker or podman)"
	@echo "make kind-images - build them for the dev overlay and load them into kind"

# The virtual environment is rebuilt whenever a requirements file or the project's metadata
# changes. The project goes in editable: kit, the functions' packages and scripts import
# from this checkout, also in the subprocesses the runner and the tests start.
$(VENV)/.installed: requirements.txt functions/requirements.txt functions/requirements-tracing.txt pyproject.toml
	@test -d $(VENV) || $(PYTHON) -m venv $(VENV) || \
		{ echo "!! cannot make a virtual environment: apt-get install python3-venv"; exit 1; }
	$(PY) -m pip install --quiet --upgrade pip
	@# setuptools warns at each editable install of packages from two folders that a folder
	@# of the working directory named like one of them would shadow it: none does here.
	PYTHONWARNINGS="ignore:Editable installation" $(PY) -m pip install --quiet -r requirements.txt -e .
	@touch $@

# What the machine lacks (Debian packages, the servers the tests use) is installed
# first when this runs as root or with passwordless sudo; otherwise nothing is
# changed and the one command to run is printed.
setup-run setup-test setup-bench:
	@$(PYTHON) -m scripts.stack.setup $(@:setup-%=%)

run: setup-run $(VENV)/.installed
	$(PY) -m scripts.stack.run

# The storefront's linter (Biome) and the browser suite's accessibility checker (axe-core),
# pinned by web/package-lock.json, are reinstalled whenever the lock changes, as the venv is
# for its requirements.
WEB_TOOLS := web/node_modules/.installed
$(WEB_TOOLS): web/package.json web/package-lock.json
	@command -v npm >/dev/null 2>&1 || \
		{ echo "!! npm is missing: make setup-test installs it (Debian: nodejs npm)"; exit 1; }
	npm ci --prefix web --no-audit --no-fund --loglevel=error
	@touch $@

lint: $(VENV)/.installed $(WEB_TOOLS)
	$(PY) -m ruff check $(CODE)
	$(PY) -m ruff format --check $(CODE)
	$(PY) -m mypy functions scripts knative/rollout.py knative/checks knative/components/load/locustfile.py tests
	cd web && node_modules/.bin/biome lint --error-on-warnings

# Test processes at once: the suites wait on servers as much as they compute, so even a
# 2-core machine finishes sooner with two. Each works under a data namespace of its own.
TEST_WORKERS ?= 2
PYTEST := $(PY) -m pytest -n $(TEST_WORKERS) --dist loadgroup

unit: $(VENV)/.installed $(WEB_TOOLS)
	$(PYTEST) $(PYTEST_ARGS)

test: setup-test lint unit

# The inner loop: lint and every test that starts no server of its own (tests/support/tiers.py).
check: lint
	$(PYTEST) -m "not served" $(PYTEST_ARGS)

# Line coverage of functions/ and scripts/ (code run in subprocesses is not counted).
coverage: $(VENV)/.installed
	$(PY) -m pytest --cov=functions --cov=scripts --cov-report=term-missing:skip-covered $(PYTEST_ARGS)

# The fuzz suite alone with a large budget (make test runs it with a small one).
FUZZ_EXAMPLES ?= 300
FUZZ_JOURNEYS ?= 300
fuzz: setup-test $(VENV)/.installed
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) FUZZ_JOURNEYS=$(FUZZ_JOURNEYS) $(PY) -m pytest tests/fuzz $(PYTEST_ARGS)

seed: $(VENV)/.installed
	$(PY) -m scripts.jobs.seed

# The operator's restock on the running stack; no ARGS lists every robot's stock.
stock: $(VENV)/.installed
	$(PY) -m scripts.ops.stock $(ARGS)

# Switch a failure scenario on or off in the running shop (no restart); no ARGS lists them.
chaos: $(VENV)/.installed
	$(PY) -m scripts.ops.chaos $(ARGS)

invoke: $(VENV)/.installed
	$(PY) -m scripts.ops.invoke $(ARGS)

# Locust's shopper journeys against a running shop (make run), headless unless ARGS='--ui'.
load: $(VENV)/.installed
	$(PY) -m scripts.bench.load $(ARGS)

bench: setup-bench $(VENV)/.installed
	$(PY) -m scripts.bench $(ARGS)

# The pages of docs/ printed from code and data; a test fails when one is stale.
docs: $(VENV)/.installed
	$(PY) -m scripts.docs

# The stores `make run` uses (or MONGO_URL, REDIS_URL, MYSQL_* ...), into BACKUP_DIR.
backup: $(VENV)/.installed
	$(PY) -m scripts.jobs.backup create $(ARGS)

restore: $(VENV)/.installed
	@test -n "$(FILE)" || { echo "!! which backup? make restore FILE=.state/backups/roboshop-<time>.tar.gz (or FILE=latest)"; exit 1; }
	$(PY) -m scripts.jobs.backup restore "$(FILE)"

# Every function that has a main.py, the seed image and the web image, tagged
# $(IMAGE_PREFIX)/<name>:$(IMAGE_VERSION) as the manifests expect. CONTAINER_ENGINE
# picks one; otherwise the first of docker, podman, buildah that answers.
IMAGE_PREFIX ?= roboshop
IMAGE_VERSION ?= 0.1.0
# TRACING=otel adds OpenTelemetry (functions/requirements-tracing.txt) to the images.
TRACING ?=
IMAGE_FUNCTIONS = $(patsubst functions/%/main.py,%,$(wildcard functions/*/main.py))

# Sets $$engine, in the recipe's shell, to the engine `make images` builds with.
FIND_ENGINE = engine="$(CONTAINER_ENGINE)"; \
	if [ -z "$$engine" ]; then \
		for candidate in docker podman buildah; do \
			if command -v $$candidate >/dev/null 2>&1 && $$candidate info >/dev/null 2>&1; then \
				engine=$$candidate; break; \
			fi; \
		done; \
	fi; \
	if [ -z "$$engine" ]; then \
		echo "!! no working container engine (docker, podman or buildah): images not built."; \
		echo "   Install one and start it (e.g. apt-get install podman), or set CONTAINER_ENGINE."; \
		exit 1; \
	fi

images:
	@$(FIND_ENGINE); \
	build="$$engine build"; [ "$$engine" = buildah ] && build="buildah bud"; \
	set -e; \
	for fn in $(IMAGE_FUNCTIONS); do \
		echo "== $(IMAGE_PREFIX)/$$fn:$(IMAGE_VERSION)"; \
		$$build --build-arg FUNCTION=$$fn --build-arg TRACING=$(TRACING) -t $(IMAGE_PREFIX)/$$fn:$(IMAGE_VERSION) .; \
	done; \
	echo "== $(IMAGE_PREFIX)/seed:$(IMAGE_VERSION)"; \
	$$build --target seed --build-arg VERSION=$(IMAGE_VERSION) -t $(IMAGE_PREFIX)/seed:$(IMAGE_VERSION) .; \
	echo "== $(IMAGE_PREFIX)/web:$(IMAGE_VERSION)"; \
	$$build -t $(IMAGE_PREFIX)/web:$(IMAGE_VERSION) web

# For the dev overlay on kind: the images under dev.local, a prefix Knative runs without
# resolving it through a registry, loaded into the kind cluster $(KIND_CLUSTER). kind's
# `load docker-image` runs `docker save` whatever the engine, so podman and buildah write
# one archive of them all (podman save -m; buildah push, one image an archive) for
# `kind load image-archive`. The names start with dev.local/, so no engine prefixes them.
KIND_CLUSTER ?= roboshop
DEV_PREFIX := dev.local/roboshop
DEV_IMAGES = $(foreach image,$(IMAGE_FUNCTIONS) seed web,$(DEV_PREFIX)/$(image):$(IMAGE_VERSION))

kind-images:
	@command -v kind >/dev/null 2>&1 || { echo "!! kind is not installed: https://kind.sigs.k8s.io/docs/user/quick-start/"; exit 1; }
	@$(MAKE) --no-print-directory images IMAGE_PREFIX=$(DEV_PREFIX)
	@$(FIND_ENGINE); set -e; \
	if [ "$$engine" = docker ]; then \
		for image in $(DEV_IMAGES); do \
			echo "== kind load docker-image $$image"; \
			kind load docker-image --name $(KIND_CLUSTER) $$image; \
		done; \
		exit 0; \
	fi; \
	archives=$$(mktemp -d); trap 'rm -rf "$$archives"' EXIT; \
	if [ "$$engine" = podman ]; then \
		echo "== podman save -m -o $$archives/images.tar (every image above)"; \
		podman save -m --format docker-archive -o "$$archives/images.tar" $(DEV_IMAGES); \
	else \
		for image in $(DEV_IMAGES); do \
			echo "== buildah push $$image"; \
			buildah push "$$image" "docker-archive:$$archives/$$(echo $$image | tr /: __).tar:$$image"; \
		done; \
	fi; \
	echo "== kind load image-archive --name $(KIND_CLUSTER) $$archives/*.tar"; \
	kind load image-archive --name $(KIND_CLUSTER) "$$archives"/*.tar

clean:
	rm -rf .state .pytest_cache .mypy_cache .ruff_cache test-artifacts
