# Two commands from a clean clone:  make demo  and  make test.
# Both bootstrap .venv/ on first use (idempotent, a no-op afterwards).

VENV := .venv
# The reference stack's development secrets (environments/development/secrets.enc.yaml) are
# SOPS-encrypted for a committed TEST KEY ONLY; unideploy and sops read it from SOPS_AGE_KEY_FILE.
# A key of your own set in the environment takes its place (docs/secrets.md).
SOPS_AGE_KEY_FILE ?= $(CURDIR)/environments/development/age-key.TEST-KEY-ONLY.txt
export SOPS_AGE_KEY_FILE
BIN := $(VENV)/bin
ENV ?= development

.PHONY: demo test lint typecheck imports pytest bootstrap schema clean help

help:
	@echo "make demo   run the main job on the reference stack (environment $(ENV))"
	@echo "make test   lint, type-check, import contracts and the whole test suite"

bootstrap:
	@bash scripts/lib/bootstrap.sh

# The reference stack deployed to the local sandbox control plane (tools built once, cached).
demo: bootstrap
	bash scripts/setup/install-tools.sh
	$(BIN)/unideploy sandbox up
	$(BIN)/unideploy plan -e $(ENV)
	$(BIN)/unideploy deploy -e $(ENV)

lint: bootstrap
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/ruff format --check src tests bench scripts

typecheck: bootstrap
	$(BIN)/mypy --strict

imports: bootstrap
	$(BIN)/lint-imports

pytest: bootstrap
	bash scripts/lib/loopback-only.sh $(BIN)/pytest $(PYTEST_ARGS)

test: lint typecheck imports pytest

schema: bootstrap
	$(BIN)/unideploy schema --from-model > schema/stack.schema.json
	cp schema/stack.schema.json src/unideploy/data/stack.schema.json

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache src/*.egg-info
