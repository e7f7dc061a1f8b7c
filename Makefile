# make demo: create .venv, install simcomm, run the default comparison.
# make test: create .venv (and .venv312 when Python 3.12 is present), lint (ruff, and import-linter for
# the package's floors), build the API reference (make docs: Sphinx, warnings as errors), check that both
# Pythons give the same model outputs (make same-outputs), run the suite on each (after putting the
# dashboard's browser assets into solara's cache with npm, for the browser tests); under Python 3.12
# without the tests marked "seeds" (model claims over many seeds, identical on both) or "once" (a whole
# command at a costly size; a smaller test runs the same command under 3.12).
PYTHON ?= python3
VENV ?= .venv
VENV312 ?= .venv312
PY312 := $(shell for p in python3.12 $$HOME/.pyenv/versions/3.12*/bin/python3.12; do \
	"$$p" -c 'import sys; assert sys.version_info[:2] == (3, 12)' >/dev/null 2>&1 && { echo "$$p"; break; }; done)
# --no-loadscope-reorder: files go to the workers in collection order, which tests/conftest.py starts
# with the longest files, so no worker is left alone on a long file at the end.
PYTEST_ARGS ?= -n 2 --dist loadfile --no-loadscope-reorder
PYTEST_ARGS_311 ?= -n 3
# Installs go through uv (pip installs it into the new environment first): it resolves the same
# versions as pip (pyproject's lifelines>=0.30.3 keeps pandas below 3, as pip's order does) and puts
# the environment in place in 7-10 s where pip took 35 s (measured 2026-12-07, sequentially, same
# index). Like pip --no-compile it writes no bytecode at install: Python compiles only what is
# imported, on first import, and keeps it, which needs bytecode writing on (a machine that sets
# PYTHONDONTWRITEBYTECODE, as this project's does, made every test process compile its imports
# again: the 3.11 suite took 715 s instead of 530).
unexport PYTHONDONTWRITEBYTECODE

.PHONY: demo test test-default test-312 venv-312 same-outputs assets lint docs screenshots bench clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install -q uv
	$(VENV)/bin/uv pip install -q --python $(VENV)/bin/python -e ".[test,docs]"
	touch $@

$(VENV312)/.installed: pyproject.toml
	$(PY312) -m venv $(VENV312)
	$(VENV312)/bin/python -m pip install -q uv
	$(VENV312)/bin/uv pip install -q --python $(VENV312)/bin/python -e ".[test]"
	touch $@

demo: $(VENV)/.installed
	$(VENV)/bin/simcomm compare organic vendor-imposed --replicates 10

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports --no-cache

# The API reference from the docstrings: build/api/index.html. -W: a docstring Sphinx cannot read
# fails the build; the generated pages are rebuilt from scratch each time.
docs: $(VENV)/.installed
	rm -rf build/api docs/api/_generated
	$(VENV)/bin/sphinx-build -W --keep-going -q -b html docs/api build/api
	@echo "API reference: build/api/index.html"

test-default: $(VENV)/.installed
	$(VENV)/bin/python -c 'import sys, mesa; print("Python", sys.version.split()[0], "mesa", mesa.__version__)'
	$(VENV)/bin/simcomm dashboard --prepare-offline
	$(VENV)/bin/python -m pytest $(PYTEST_ARGS) $(PYTEST_ARGS_311)

test-312: venv-312
ifneq ($(PY312),)
	$(VENV312)/bin/python -c 'import sys, mesa; print("Python", sys.version.split()[0], "mesa", mesa.__version__)'
	$(VENV312)/bin/simcomm dashboard --prepare-offline
	$(VENV312)/bin/python -m pytest $(PYTEST_ARGS) -m "not seeds and not once"
else
	@echo "Python 3.12 not found: testing on $(PYTHON) only"
endif

# Both environments install side by side; then the 3.12 suite runs beside lint, the API reference and
# the check that both Pythons give the same model outputs, and the 3.11 suite after it, alone. The
# two suites side by side (seven test processes, a browser and their servers on two cores) made every
# test slower: on fresh clones, one after the other took 748 and 709 s (1,101 and 1,037 user CPU s)
# against 814 and 863 s (1,234 and 1,335) side by side, alternately, 2026-12-08. The 3.11 suite
# also runs the tests marked seeds and once; its three workers keep both cores busy while a test
# waits on a process it started. Each suite's browser assets are put in place by its own target;
# each target's output is printed whole when it ends. A failing first stage does not stop the
# second: both suites report, and make fails if either did.
test:
	$(MAKE) --no-print-directory -j 2 --output-sync=target $(VENV)/.installed venv-312
	status=0; \
	$(MAKE) --no-print-directory -j 4 --output-sync=target lint docs same-outputs test-312 || status=$$?; \
	$(MAKE) --no-print-directory test-default || status=$$?; \
	exit $$status

venv-312:
ifneq ($(PY312),)
	$(MAKE) --no-print-directory $(VENV312)/.installed
endif

# The dashboard's browser assets (npm) in each environment's solara cache, for the browser tests.
assets: $(VENV)/.installed venv-312
	$(VENV)/bin/simcomm dashboard --prepare-offline
ifneq ($(PY312),)
	$(VENV312)/bin/simcomm dashboard --prepare-offline
endif

# The tests marked "seeds" (model claims over many seeded runs) run under Python 3.11 only because
# both Pythons give byte-identical model outputs: this checks it, every library scenario at two seeds.
same-outputs: $(VENV)/.installed venv-312
ifneq ($(PY312),)
	mkdir -p build
	$(VENV)/bin/python benchmarks/fingerprint.py --quick --save build/fingerprint-3.11.json
	$(VENV312)/bin/python benchmarks/fingerprint.py --quick --check build/fingerprint-3.11.json
endif

# The README's pictures from the real pages in headless chromium, with each page's structure recorded
# beside them (tests fail when a page changes and its picture does not): run after changing a page.
screenshots: $(VENV)/.installed
	$(VENV)/bin/simcomm dashboard --prepare-offline
	$(VENV)/bin/python benchmarks/screenshots.py

bench: $(VENV)/.installed
	$(VENV)/bin/python benchmarks/benchmark.py

clean:
	rm -rf $(VENV) $(VENV312) .pytest_cache build docs/api/_generated *.egg-info
