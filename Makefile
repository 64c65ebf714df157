# The two commands a new user needs: `make demo` and `make test`.
# Both create .venv when it is missing and install what they need into it.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
TOOLS := $(VENV)/.dev-tools
HYPOTHESIS_PROFILE ?= ci

.PHONY: demo test lint typecheck imports unit engines docs bench install dev clean mutation

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# Dev tools once per change of pyproject.toml; the package itself on every run (see install).
$(TOOLS): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet hatchling '.[dev,testing]'
	touch $(TOOLS)

# Tests run against the installed package (a real wheel install), never against src/ directly.
install: $(TOOLS)
	$(PY) -m pip install --quiet --no-deps --no-build-isolation --force-reinstall .

# The whole story on synthetic data: the funnel report, the SLA, three leads explained; the
# files and the one-page report (report.html) go to $(DEMO_OUT).
DEMO_OUT ?= demo-output
demo: install
	$(BIN)/smarketing demo --out $(DEMO_OUT)

dev: $(TOOLS)
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .

lint: $(TOOLS)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

typecheck: $(TOOLS)
	$(BIN)/mypy --strict src tests/test_typing.py

imports: install
	$(BIN)/lint-imports

# Two workers: one per core of the 2-core machines this runs on (keeps make test under 10 min).
unit: install
	SMARKETING_EXPECT_INSTALLED=1 $(BIN)/pytest -q -p no:cacheprovider -n 2 --dist loadgroup \
		--hypothesis-profile=$(HYPOTHESIS_PROFILE) -m "not engines" \
		--cov=smarketing --cov-branch --cov-report=term-missing:skip-covered

# The Spark and Dask tests (marked `engines` by tests/conftest.py), without coverage's tracer,
# which doubles their Python-side planning time. One worker starts the one Spark session.
engines: install
	SMARKETING_EXPECT_INSTALLED=1 $(BIN)/pytest -q -p no:cacheprovider -n 2 --dist loadgroup \
		--hypothesis-profile=$(HYPOTHESIS_PROFILE) -m engines

docs: $(TOOLS)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet --site-dir $(VENV)/site

test: lint typecheck imports unit engines docs

bench: install
	for b in benchmarks/bench_*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

# Mutation testing of the core modules (slow: not part of `make test`); prints the score per
# module. Its configuration is pyproject's [tool.mutmut].
mutation: $(TOOLS)
	$(PY) -m pip install --quiet '.[mutation]'
	$(BIN)/mutmut run
	$(PY) scripts/mutation_score.py

clean:
	rm -rf $(VENV) mutants .pytest_cache .mypy_cache .ruff_cache .coverage .hypothesis site
