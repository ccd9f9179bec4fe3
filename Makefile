# One entry point for everything: `make demo` and `make test` do all set-up on a fresh machine.
SHELL := /bin/bash
PYTHON ?= python3
VENV := $(CURDIR)/.venv
BIN := $(VENV)/bin
# ansible-test and `ansible_collections.oceanbase.ocp` imports need the collection under a path
# ending in ansible_collections/oceanbase/ocp. It lives outside this checkout: inside it, ansible-test
# would ask this checkout's git which files exist, and git ignores the copy.
BUILD_CACHE ?= $(HOME)/.cache/oceanbase-ocp
COLLECTIONS_ROOT := $(BUILD_CACHE)/$(shell printf '%s' '$(CURDIR)' | md5sum | cut -c1-12)
COLLECTION := $(COLLECTIONS_ROOT)/ansible_collections/oceanbase/ocp
PYTEST_ENV := ANSIBLE_COLLECTIONS_PATH=$(COLLECTIONS_ROOT) ANSIBLE_PYTHON_INTERPRETER=$(BIN)/python \
	PATH=$(BIN):$$PATH PYTHONPATH=$(COLLECTIONS_ROOT)

.PHONY: help venv runtime-venv install collection sanity check lint units simulator-tests integration integration-every-run eda java test demo bench bench-quick clean docs docs-check matrix runner changelog changelog-check ee-context release-check galaxy-importer

help:
	@echo "make demo      run the example playbook against the OCP simulator"
	@echo "make install   install the collection into ~/.ansible/collections, for your own playbooks"
	@echo "make test      everything CI checks (see docs/development.md)"

# What running the collection needs, and no more: its runtime requirements, ansible-core and the
# simulator. `make demo` and `make install` stop there; the test targets add the test tools.
ANSIBLE_CORE := ansible-core>=2.16

runtime-venv: $(VENV)/.runtime

$(VENV)/.runtime: requirements.txt simulator/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt "$(ANSIBLE_CORE)" -e ./simulator
	touch $@

venv: $(VENV)/.installed

$(VENV)/.installed: $(VENV)/.runtime tests/requirements.txt
	$(BIN)/python -m pip install --quiet -r requirements.txt -r tests/requirements.txt -e ./simulator
	touch $@

# The collection, built from the files git knows, in Ansible's default collections path
# (~/.ansible/collections), where ansible-playbook and ansible-doc find it without any setting.
install: runtime-venv
	$(BIN)/python tests/utils/install_collection.py

# A copy of the files git knows (tracked or new, not ignored), where Ansible expects a collection.
collection:
	rm -rf $(COLLECTION) && mkdir -p $(COLLECTION)
	git ls-files -z --cached --others --exclude-standard | xargs -0 -I{} sh -c 'test -e "{}" && printf "%s\0" "{}"' \
		| tar --null -T - -cf - | tar -xf - -C $(COLLECTION)

# ansible-test sanity of the oldest and the newest supported core (SANITY_CORES), each from its
# `make matrix` environment: Galaxy's checks run the newest ansible-test.
SANITY_CORES ?= 2.16,2.21

sanity: venv collection
	$(BIN)/python tests/utils/sanity_cores.py --collection $(COLLECTION) --cores $(SANITY_CORES)

# The inner loop, about a minute on a warm venv: pyflakes and pycodestyle (ansible-test's pep8
# settings), the generated docs' freshness, and the unit tests, every module's main() in-process.
PEP8_IGNORE := E402,W503,W504,E741,E203,E701,E704
CHECKED := plugins tests extensions bench simulator/src simulator/tests

check: venv collection
	cd $(COLLECTION) && $(BIN)/python -m pyflakes $(CHECKED)
	cd $(COLLECTION) && $(BIN)/python -m pycodestyle --max-line-length 160 --ignore=$(PEP8_IGNORE) --exclude=output $(CHECKED)
	PYTHONPATH=$(COLLECTIONS_ROOT) $(BIN)/python tests/utils/task_filter_docs.py check
	cd $(COLLECTION) && $(PYTEST_ENV) $(BIN)/python -m pytest -q -x tests/unit

lint: venv collection
	cd $(COLLECTION) && ANSIBLE_COLLECTIONS_PATH=$(COLLECTIONS_ROOT) PATH=$(BIN):$$PATH $(BIN)/ansible-lint --profile production

units: venv collection
	cd $(COLLECTION) && $(PYTEST_ENV) $(BIN)/python -m pytest -q tests/unit

simulator-tests: venv
	cd simulator && $(BIN)/python -m pytest -q tests

# Two test files at a time (pytest-xdist): an ansible-playbook run keeps about one CPU busy, and each
# worker starts its own simulators, so the files do not see each other's requests.
INTEGRATION_WORKERS ?= 2
XDIST := -n $(INTEGRATION_WORKERS) --dist loadfile

integration: venv collection
	cd $(COLLECTION) && $(PYTEST_ENV) $(BIN)/python -m pytest -q $(XDIST) tests/integration

# ansible-rulebook (Event-Driven Ansible) needs a Java 17+ runtime for its rules engine: installed
# from Debian's packages where it is missing, nothing done where it is there.
java:
	@$(PYTHON) tests/utils/ensure_java.py

# The ocp_task_events source and the example rulebook with ansible-rulebook and the simulator (docs/eda.md).
# Some run the playbooks on the oldest and newest ansible-core too, in the checkout's .venvs/core-2.XX
# (`make matrix` makes the same ones; a test makes a missing one): OCP_CHECKOUT says where they are.
eda: venv collection java
	cd $(COLLECTION) && $(PYTEST_ENV) OCP_CHECKOUT=$(CURDIR) $(BIN)/python -m pytest -q tests/eda

# The tests that depend on how OCP counts runs, again against the older rule (every run adds 1 to
# runTime, a subtask retry included): the collection must be right on both.
integration-every-run: venv collection
	cd $(COLLECTION) && $(PYTEST_ENV) OCP_SIMULATOR_RUN_TIME_COUNTING=every_run $(BIN)/python -m pytest -q \
		$(XDIST) -m counting tests/integration

# AWX jobs under ansible-runner with the shipped credential types and survey (docs/awx.md), the jobs
# the EDA rulebook launches on the oldest and newest ansible-core too (as for `make eda`).
runner: venv collection
	cd $(COLLECTION) && $(PYTEST_ENV) OCP_CHECKOUT=$(CURDIR) $(BIN)/python -m pytest -q tests/runner

# Quick checks first, so that a broken change fails fast; the ansible-core matrix last (longest).
test: check lint changelog-check docs-check simulator-tests sanity integration integration-every-run eda runner ee-context \
	release-check galaxy-importer matrix

demo: runtime-venv collection
	cd $(COLLECTION) && $(PYTEST_ENV) $(BIN)/python tests/utils/run_demo.py

# The module and role reference in docs/reference/, generated from the plugins' own documentation.
docs: venv collection
	PYTHONPATH=$(COLLECTIONS_ROOT) $(BIN)/python tests/utils/task_filter_docs.py write
	$(MAKE) collection
	$(BIN)/python tests/utils/docs.py generate --collection $(COLLECTION)

# Fails when docs/reference/ is stale, or when antsibull-docs finds a problem in the plugin docs.
docs-check: venv collection
	$(BIN)/python tests/utils/docs.py check --collection $(COLLECTION)

# Unit and integration tests on ansible-core 2.16, 2.17, 2.18, 2.20 and 2.21, each in .venvs/core-2.XX
# (2.19 is .venv's). Options: MATRIX_OPTS="--cores 2.16,2.21 --full --refresh". Two cores at once
# take half the time of one on two CPUs: a playbook run keeps about one CPU busy.
MATRIX_JOBS ?= 2
matrix: venv collection
	$(BIN)/python tests/utils/matrix.py --collections-root $(COLLECTIONS_ROOT) --jobs $(MATRIX_JOBS) $(MATRIX_OPTS)

# Benchmarks measure, they do not gate: they rewrite docs/performance.md (about 10 minutes).
# `make bench-quick` runs each on a few calls and tasks, to check that they still work.
bench: venv collection
	cd $(COLLECTION) && $(PYTEST_ENV) $(BIN)/python bench/run_all.py --output $(CURDIR)/docs/performance.md

bench-quick: venv collection
	cd $(COLLECTION) && $(PYTEST_ENV) $(BIN)/python bench/run_all.py --quick

# Release checks (tests/release/README.md). changelog-check: fragments lint and CHANGELOG.rst is what
# releasing galaxy.yml's version writes (`make changelog` regenerates it); ee-context: ansible-builder
# makes a build context from docs/execution-environment.yml; release-check: build the tarball, install
# it into a clean path and run integration tests against that copy; galaxy-importer: Galaxy's import
# checks, offline, from a virtual environment of their own (galaxy-importer pins what .venv must not get).
IMPORTER_VENV := $(COLLECTIONS_ROOT)/galaxy-importer-venv

changelog: venv
	$(BIN)/python tests/release/check_changelog.py --write

changelog-check: venv
	$(BIN)/python tests/release/check_changelog.py

ee-context: venv
	$(BIN)/python tests/release/check_ee_context.py

release-check: venv
	$(BIN)/python tests/release/check_round_trip.py

$(IMPORTER_VENV)/.installed: tests/release/importer-requirements.txt
	$(PYTHON) -m venv $(IMPORTER_VENV)
	$(IMPORTER_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(IMPORTER_VENV)/bin/python -m pip install --quiet -r tests/release/importer-requirements.txt
	touch $@

galaxy-importer: venv $(IMPORTER_VENV)/.installed
	$(BIN)/python tests/release/check_galaxy_importer.py --importer-python $(IMPORTER_VENV)/bin/python

clean:
	rm -rf $(VENV) $(CURDIR)/.venvs $(COLLECTIONS_ROOT) tests/output
