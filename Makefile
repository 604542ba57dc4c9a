# The platform's commands. Each one installs what is missing first (cached between runs).
.DEFAULT_GOAL := help
PY := .venv/bin/python

.PHONY: help bootstrap up up-detached down status logs test test-fast lint fmt web-dev api-types analytics-rebuild

help: ## list the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

bootstrap: ## install the Python toolchain and dependencies (uv, .venv)
	@scripts/bootstrap.sh

up: bootstrap ## bring the whole platform up, print its URLs, follow logs (Ctrl-C stops)
	@$(PY) -m devstack up

up-detached: bootstrap ## bring the platform up in the background and return
	@$(PY) -m devstack up --detach

down: bootstrap ## stop every process (data is kept in .state/)
	@$(PY) -m devstack down

status: bootstrap ## each part's process state and a live readiness probe
	@$(PY) -m devstack status

logs: bootstrap ## follow the logs of every part (make logs S=kafka for one)
	@$(PY) -m devstack logs --follow $(S)

test: bootstrap ## run the test suite against the real local stack (starts it if needed)
	@$(PY) -m devstack up --detach --infra-only --test-tools
	@$(PY) -m devstack.web_build
	@cd web && npx vitest run
	@$(PY) -m pytest $(ARGS)

test-fast: bootstrap ## the fast tier: pure and time-skipping workflow tests, no services (< 60 s)
	@$(PY) -m devstack.test_server
	@$(PY) -m pytest -m fast --timeout=60 $(ARGS)

lint: bootstrap ## ruff and mypy; ESLint, tsc and a check that the web client's API types are current
	@.venv/bin/ruff check . && .venv/bin/ruff format --check . && .venv/bin/mypy .
	@$(PY) -m devstack.web_build --packages
	@cd web && npm run --silent lint

api-types: bootstrap ## regenerate the web app's API types from the API's OpenAPI document
	@$(PY) -m devstack.web_build --packages
	@cd web && npm run --silent gen:api

web-dev: bootstrap ## the web app with hot reload on :5173/app/, proxying the API of `make up`
	@$(PY) -m devstack.web_build --packages
	@cd web && SRA_API_URL=http://127.0.0.1:58000 npx vite

analytics-rebuild: bootstrap ## rebuild the analytics store: make analytics-rebuild SOURCE=kafka|postgres (after make down)
	@$(PY) -m devstack up --detach --infra-only
	@$(PY) -m bridges analytics-rebuild --from $(or $(SOURCE),kafka)

fmt: bootstrap ## format the code
	@.venv/bin/ruff format . && .venv/bin/ruff check --fix .
