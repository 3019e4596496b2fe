# Orders API. `make test` and `make serve` need nothing installed beforehand but Python 3.11,
# Java 17 (for DynamoDB Local; `make serve` falls back to moto without it) and npm.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# CI and local builds use the local interpreter's runtime; deploys default to the template's.
RUNTIME ?= python3.11
export SAM_CLI_TELEMETRY := 0
# The region the caller chose (AWS_REGION, else AWS_DEFAULT_REGION), if any. `make api-key` and
# `make revoke-api-key` run in it; with none, no region is forced on them and local/api_keys.py takes
# the AWS profile's, and us-east-1 only when the profile names none. Other targets default to
# us-east-1 (local runs: DynamoDB Local ignores the region).
CALLER_REGION := $(or $(AWS_REGION),$(AWS_DEFAULT_REGION))
export AWS_DEFAULT_REGION ?= us-east-1
AWS_CLI_ENV := $(if $(CALLER_REGION),AWS_DEFAULT_REGION=$(CALLER_REGION),env -u AWS_DEFAULT_REGION)

.PHONY: help install test unit integration browser lint format typecheck cfn build serve openapi openapi-lint api-key revoke-api-key bench capacity fuzz reliability sam-local clean

help:
	@echo "make serve   run the API on http://127.0.0.1:$${ORDERS_PORT:-3000} (DynamoDB Local)"
	@echo "make test    install everything, lint, validate the template, build, run both test tiers"

$(BIN)/.installed: requirements-dev.txt layers/orders_domain/requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(BIN)/.installed node_modules/.installed

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(BIN)/.installed
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

typecheck: $(BIN)/.installed
	$(BIN)/mypy layers/orders_domain/orders_domain functions local harness tests

cfn: $(BIN)/.installed
	$(BIN)/cfn-lint template.yaml
	$(BIN)/sam validate --lint --template template.yaml --region $(AWS_DEFAULT_REGION)

build: $(BIN)/.installed
	LAYER_PYTHON_VERSION=$(subst python,,$(RUNTIME)) PATH="$(CURDIR)/$(BIN):$$PATH" \
		$(BIN)/sam build --template template.yaml --parameter-overrides PythonRuntime=$(RUNTIME)

# The console's browser tier (tests/browser) drives Debian's Chromium with Playwright (its own browser
# download is not used). As root a missing Chromium is installed; otherwise the tier says how, and
# `make test` skips it (CI sets CONSOLE_BROWSER_REQUIRED=1: a missing browser fails there).
browser:
	@if [ -x /usr/bin/chromium ]; then /usr/bin/chromium --version 2>/dev/null || echo "chromium: /usr/bin/chromium"; \
	elif [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null && /usr/bin/chromium --version; \
	else echo "no /usr/bin/chromium: sudo apt-get install chromium (the console's browser tier is skipped without it)"; fi

unit: $(BIN)/.installed
	$(BIN)/pytest tests/unit -q

integration: install build
	$(BIN)/pytest tests/integration -q

openapi: $(BIN)/.installed
	PYTHONPATH=layers/orders_domain:. POWERTOOLS_TRACE_DISABLED=true $(BIN)/python -m local.openapi > docs/openapi.json

# docs/openapi.json through openapi-spec-validator, Spectral, Redocly and openapi-python-client (a
# client generated into a temporary directory): any error or warning fails (harness/openapi_lint.py).
openapi-lint: $(BIN)/.installed node_modules/.installed
	$(BIN)/python -m harness.openapi_lint docs/openapi.json

# The suite runs on TEST_WORKERS processes (pytest-xdist; each its own DynamoDB Local): one per core.
TEST_WORKERS ?= auto
test: install lint typecheck cfn build openapi-lint
	$(BIN)/pytest -q -n $(TEST_WORKERS) --dist loadgroup

serve: install
	$(BIN)/python -m local.serve

# What a request costs (bench-results.json); QUICK=1 for a short run (CI checks the JSON, not the figures).
bench: install build
	PYTHONPATH=layers/orders_domain:. $(BIN)/python -m harness.bench $(if $(QUICK),--quick)

# Whether one tenant's on-sale burst fits (capacity-results.json): the load model (every partition key,
# index, table, the order-number counter, the stream, the gateway against its limit) and concurrent
# creates on DynamoDB Local; exit 1 names what is over. QUICK=1 for a short run; ARGS="--shards party=1"
# (or --max-block 1, --rate, --instances: `python -m harness.capacity_model --help`) to change it.
capacity: install
	PYTHONPATH=layers/orders_domain:. $(BIN)/python -m harness.capacity_model $(if $(QUICK),--quick) $(ARGS)

# Whether an attacker's tools break it (security-results.json): schemathesis and the tenant sweep.
fuzz: install
	PYTHONPATH=layers/orders_domain:. $(BIN)/python -m harness.fuzz $(if $(QUICK),--quick)

# Whether a retry, a race or a fault can lose or double an order (reliability-results.json).
reliability: install
	PYTHONPATH=layers/orders_domain:. $(BIN)/python -m harness.reliability $(if $(QUICK),--quick)

# Every function through SAM's own emulator (sam local invoke: every events/*.json; sam local start-api
# through the authorizer) in a Lambda-like image built here, on DynamoDB Local; as root, installs and
# starts Docker when missing. QUICK=1: one event per function. ARGS=--break-layer: the layer's
# self-check; ARGS=--serve: DynamoDB Local seeded for local/sam-env.json (README "Run with SAM").
sam-local: install
	PYTHONPATH=layers/orders_domain:. $(BIN)/python -m local.sam_local $(if $(QUICK),--quick) $(ARGS)

# API keys for a tenant: printed once, stored as a hash (ORDERS_TABLE_NAME + DYNAMODB_ENDPOINT_URL, or the stack's table).
api-key: $(BIN)/.installed
	@test -n "$(TENANT)" || { echo 'usage: make api-key TENANT=<tenant> [SCOPES="orders:read orders:write"] (default: orders:read) [PLAN=standard|large] (default: standard) [PORTAL_CONTACT=<id> | PORTAL_ORGANIZATION=<id>]'; exit 2; }
	@$(AWS_CLI_ENV) PYTHONPATH=layers/orders_domain:. $(BIN)/python -m local.api_keys create --tenant "$(TENANT)" --scopes "$(SCOPES)" --plan "$(PLAN)" --portal-contact "$(PORTAL_CONTACT)" --portal-organization "$(PORTAL_ORGANIZATION)"

revoke-api-key: $(BIN)/.installed
	@test -n "$(KEY_ID)" || { echo 'usage: make revoke-api-key KEY_ID=key_...'; exit 2; }
	@$(AWS_CLI_ENV) PYTHONPATH=layers/orders_domain:. $(BIN)/python -m local.api_keys revoke --key-id "$(KEY_ID)"

# Project again what the order stream gave up on (its on-failure queue), idempotently; a message goes
# once its whole range projected. DRY_RUN=1 reads and lists only. QUEUE_URL (else
# ORDERS_STREAM_FAILURES_QUEUE_URL, else the stack's OrderStreamFailuresQueueUrl output, STACK as for api-key).
.PHONY: replay-failures
replay-failures: $(BIN)/.installed
	@$(AWS_CLI_ENV) PYTHONPATH=layers/orders_domain:. $(BIN)/python -m local.replay_failures $(if $(DRY_RUN),--dry-run) $(if $(QUEUE_URL),--queue-url "$(QUEUE_URL)")

# Put the busy marker of every party whose rows earlier builds spread without one (storage.party_keys);
# idempotent. DRY_RUN=1 lists only. The table as for api-key (ORDERS_TABLE_NAME, else the stack's).
.PHONY: mark-busy-parties
mark-busy-parties: $(BIN)/.installed
	@$(AWS_CLI_ENV) PYTHONPATH=layers/orders_domain:. $(BIN)/python -m local.mark_busy_parties $(if $(DRY_RUN),--dry-run)

clean:
	rm -rf .aws-sam .sam-local .pytest_cache .mypy_cache .ruff_cache
