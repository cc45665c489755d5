# Two commands for a fresh machine: `make demo` (the main job on embedded defaults) and `make test`.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test bench package lint lint-check lint-format clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/inspector2backlog render examples/ --pretty

test: $(STAMP)
	$(BIN)/python -m pytest -q -p no:cacheprovider

bench: $(STAMP)
	$(BIN)/python bench/run_all.py

package: $(STAMP)
	$(BIN)/python deploy/package.py
	$(BIN)/python bench/lambda_package.py --reuse

LINT_PATHS := src tests bench deploy

# `make lint` = lint-check (ruff, mypy, cfn-lint) + lint-format (the tree is as `ruff format` writes it).
lint: lint-check lint-format

lint-check: $(STAMP)
	$(BIN)/ruff check $(LINT_PATHS)
	$(BIN)/mypy src
	$(BIN)/cfn-lint deploy/template.yaml

lint-format: $(STAMP)
	$(BIN)/ruff format --check $(LINT_PATHS)

clean:
	rm -rf $(VENV) build dist .pytest_cache
