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

.PHONY: help venv collection sanity lint units simulator-tests integration test demo bench clean

help:
	@echo "make demo   run the example playbook against the OCP simulator"
	@echo "make test   everything CI checks: sanity, lint, unit, simulator and integration tests"

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.txt tests/requirements.txt simulator/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt -r tests/requirements.txt -e ./simulator
	touch $@

# A copy of the files git knows (tracked or new, not ignored), where Ansible expects a collection.
collection:
	rm -rf $(COLLECTION) && mkdir -p $(COLLECTION)
	git ls-files -z --cached --others --exclude-standard | xargs -0 -I{} sh -c 'test -e "{}" && printf "%s\0" "{}"' \
		| tar --null -T - -cf - | tar -xf - -C $(COLLECTION)

sanity: venv collection
	$(BIN)/python tests/utils/install_get_pip_standin.py
	cd $(COLLECTION) && $(BIN)/ansible-test sanity --venv --python 3.11 --color no

lint: venv collection
	cd $(COLLECTION) && ANSIBLE_COLLECTIONS_PATH=$(COLLECTIONS_ROOT) PATH=$(BIN):$$PATH $(BIN)/ansible-lint --profile production

units: venv collection
	cd $(COLLECTION) && $(PYTEST_ENV) $(BIN)/python -m pytest -q tests/unit

simulator-tests: venv
	cd simulator && $(BIN)/python -m pytest -q tests

integration: venv collection
	cd $(COLLECTION) && $(PYTEST_ENV) $(BIN)/python -m pytest -q tests/integration

test: sanity lint units simulator-tests integration

demo: venv collection
	cd $(COLLECTION) && $(PYTEST_ENV) $(BIN)/python tests/utils/run_demo.py

# Benchmarks measure, they do not gate: see docs/performance.md for the latest numbers.
bench: venv
	$(BIN)/python bench/simulator_throughput.py

clean:
	rm -rf $(VENV) $(COLLECTIONS_ROOT) tests/output
