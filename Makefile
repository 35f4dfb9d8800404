# The two commands a new user needs: `make run` and `make test`. Everything else is for developers.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# uv drives the workspace. Use the one on PATH, else bootstrap a pinned copy into .tools/.
UV_BOOTSTRAP_VERSION := 0.13.9
UV ?= $(shell command -v uv 2>/dev/null)
ifeq ($(strip $(UV)),)
UV := .tools/bin/uv
UV_DEP := .tools/bin/uv
endif
PYTHON ?= python3
SYNC := $(UV) sync --frozen --quiet

.PHONY: help run test lint fmt bench schemas clean cluster chaos

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

.tools/bin/uv:
	@echo "uv not found: installing uv $(UV_BOOTSTRAP_VERSION) into .tools/"
	@$(PYTHON) -m venv .tools
	@.tools/bin/python -m pip install --quiet --disable-pip-version-check "uv==$(UV_BOOTSTRAP_VERSION)"

.venv/.synced: uv.lock pyproject.toml $(wildcard libs/*/pyproject.toml services/*/pyproject.toml) | $(UV_DEP)
	$(SYNC)
	@touch $@

run: .venv/.synced ## Start the whole system: NATS, SMTP sink, every service, gateway on :8000
	$(UV) run --frozen python -m devstack run

cluster: .venv/.synced ## Scale-out on this machine: 3 NATS nodes, PostgreSQL, 2 processes a service
	$(UV) run --frozen python -m devstack cluster

chaos: .venv/.synced ## Kill storm, outages, conflicts, ordering on the cluster topology; a table
	$(UV) run --frozen python -m chaos $(CHAOS_ARGS)

test: .venv/.synced ## Run every test tier (PostgreSQL tests skip, saying why, without a server)
	$(UV) run --frozen pytest

lint: .venv/.synced ## ruff, mypy on the sources, import-linter
	$(UV) run --frozen ruff check .
	$(UV) run --frozen ruff format --check .
	$(UV) run --frozen mypy libs/*/src services/*/src
	$(UV) run --frozen lint-imports

fmt: .venv/.synced ## Format and autofix
	$(UV) run --frozen ruff format .
	$(UV) run --frozen ruff check --fix .

bench: .venv/.synced ## Run the benchmarks and print their figures (figures also in var/bench/)
	$(UV) run --frozen python -m bench.pipeline
	$(UV) run --frozen python -m bench.identity
	$(UV) run --frozen python -m bench.validation
	$(UV) run --frozen python -m bench.organisation
	$(UV) run --frozen python -m bench.invoicing
	$(UV) run --frozen python -m bench.notifications
	$(UV) run --frozen python -m bench.rebuild
	$(UV) run --frozen python -m bench.partners

schemas: .venv/.synced ## Regenerate the committed JSON Schemas of the event contracts
	$(UV) run --frozen python -m contracts.schemas.generate

clean: ## Remove local data (var/) and caches; the next `make run` starts empty
	@if [ -x .venv/bin/python ]; then .venv/bin/python -m devstack clean --var-dir var; fi
	rm -rf var .pytest_cache .mypy_cache .ruff_cache .hypothesis .import_linter_cache test-artifacts
	find . -name __pycache__ -type d -prune -not -path './.venv/*' -exec rm -rf {} +
