# 售后助手 — `make run` sets up and starts the assistant; `make test` sets up and runs every check.
SHELL := /bin/bash
.DEFAULT_GOAL := help
export RASA_TELEMETRY_ENABLED := false
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export TF_CPP_MIN_LOG_LEVEL := 2
PY := .venv/bin/python
RASA := $(PY) -m rasa
STAMP := .venv/.installed
TRAIN_DATA := bot/data/nlu bot/data/rules bot/data/stories

.PHONY: help setup run run-cluster train train-force shell lint format types validate test purge-photos \
        test-fast test-stories eval lock migrate clean new-fault inbox inbox-import bench-training \
        bench-nlu bench-intent-cv bench-analytics bench-dashboard bench-load bench-startup bench-validation bench-tracker bench-pipeline bench-fuzz \
        bench-report docs

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-14s %s\n", $$1, $$2}'

$(STAMP): requirements/lock.txt pyproject.toml
	test -x $(PY) || python3 -m venv .venv
	$(PY) -m pip install --quiet --upgrade "pip==24.3.1"
	$(PY) -m pip install --quiet --no-deps --ignore-requires-python -r requirements/lock.txt
	$(PY) -m pip install --quiet --no-deps -e .
	touch $(STAMP)

# From the npm registry, exact versions in their package-locks: the web widget's socket.io
# client and the console dashboard's Chart.js (scripts/web_setup.sh installs both).
WEB_STAMP := bot/channels/web/node_modules/.package-lock.json bot/console/node_modules/.package-lock.json
bot/channels/web/node_modules/.package-lock.json: bot/channels/web/package-lock.json
	./scripts/web_setup.sh
bot/console/node_modules/.package-lock.json: bot/console/package-lock.json
	./scripts/web_setup.sh

# HAProxy from Debian, the load balancer of make run-cluster (bot/cluster).
HAPROXY := /usr/sbin/haproxy
$(HAPROXY):
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq haproxy

# Headless Chromium and a CJK font from Debian, for the widget's browser tests.
CHROMIUM := /usr/bin/chromium
$(CHROMIUM):
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei fonts-noto-color-emoji

setup: $(STAMP) $(WEB_STAMP) ## Create .venv, install the pinned dependencies and the widget's client

train: $(STAMP) ## Train the model if config, domain or bot/data changed (about a minute)
	$(PY) -m bot.trainer.train

train-force: $(STAMP) ## Train the model even if it is current
	$(PY) -m bot.trainer.train --force

migrate: $(STAMP) ## Upgrade the ticket database to the latest schema
	$(PY) -m bot.tickets.cli migrate

purge-photos: $(STAMP) ## Delete fault photos older than PHOTO_RETENTION_DAYS (Rasa also does it every 6 h)
	$(PY) -m bot.channels.photos purge

run: train $(WEB_STAMP) ## Set up, train if needed, start the action server (5055) and Rasa (5005)
	./scripts/run.sh

run-cluster: train $(WEB_STAMP) $(HAPROXY) ## Two Rasa and two action servers behind HAProxy on CLUSTER_PORT (8080), production profile
	$(PY) -m bot.cluster run

shell: train migrate ## Talk to the bot in the terminal
	export ACTION_SERVER_TOKEN="$${ACTION_SERVER_TOKEN:-$$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')}"; \
	$(PY) -m bot.runtime.action_server --actions bot.actions --port 5055 & pid=$$!; \
	trap "kill $$pid" EXIT; \
	$(PY) -m bot.serve shell --model bot/models/shouhou.tar.gz --endpoints endpoints.yml

lint: $(STAMP) ## ruff (lint and format check) and mypy
	$(PY) -m ruff check bot tests bench scripts
	$(PY) -m ruff format --check bot tests bench scripts
	$(PY) -m mypy bot

format: $(STAMP) ## Format the code with ruff
	$(PY) -m ruff check --fix bot tests bench scripts
	$(PY) -m ruff format bot tests bench scripts

validate: $(STAMP) ## rasa data validate, then the project's own checks (catalogue, examples)
	$(RASA) data validate --config config.yml --domain domain.yml --data $(TRAIN_DATA)
	$(PY) -m bot.trainer.validate

# make new-fault ID=fingerprint NAME=指纹识别问题 EXAMPLES="指纹解锁失灵|指纹录不进去|..." \
#   [TIPS="..."] [QUESTIONS="..."] [KEYWORDS="指纹|指纹解锁"] [NOT_COVERED=1] \
#   [STEPS="擦干净指纹区域再试，能解锁了吗？|删除指纹重新录入后，能解锁了吗？"]
new-fault: $(STAMP) ## Add a fault type: catalogue, intent, examples, rule, conversation test
	$(PY) -m bot.trainer.new_fault --id "$(ID)" --name "$(NAME)" --examples "$(EXAMPLES)" \
	  $(if $(TIPS),--tips "$(TIPS)") $(if $(QUESTIONS),--questions "$(QUESTIONS)") \
	  $(if $(KEYWORDS),--keywords "$(KEYWORDS)") $(if $(NOT_COVERED),--not-covered) \
	  $(if $(STEPS),--steps "$(STEPS)")

INBOX ?= reports/inbox.csv
inbox: $(STAMP) ## Export fallbacks, low-confidence and handed-over messages to reports/inbox.csv
	$(PY) -m bot.trainer.inbox export --out "$(INBOX)"

inbox-import: $(STAMP) ## Add the examples annotated in reports/inbox.csv to the NLU files
	$(PY) -m bot.trainer.inbox import "$(INBOX)"

# make bench-training CONFIGS=project ARGS=--skip-eval: see bench/training_speed.py --help.
bench-training: $(STAMP) ## Full training, and the wait from an added example to an answer: project vs before (bench/)
	$(PY) bench/training_speed.py $(if $(CONFIGS),--configs $(CONFIGS)) $(ARGS)

# make bench-pipeline VARIANTS=project,no-crf: see bench/pipeline_dev.py --help.
bench-pipeline: $(STAMP) ## Pipeline variants on a dev split of the training data: project vs before (bench/)
	$(PY) bench/pipeline_dev.py $(if $(VARIANTS),--variants $(VARIANTS))

# make bench-nlu EVAL=develop CONFIGS=project,bench/smp2017/ngram14_c100.yml: choose on develop.
bench-nlu: $(STAMP) ## Intent benchmark SMP2017-ECDT: project vs stock Rasa on the test split (bench/)
	$(PY) bench/nlu_benchmark.py $(if $(EVAL),--eval $(EVAL)) $(if $(CONFIGS),--configs $(CONFIGS))

# make bench-intent-cv ARGS="--datasets product": see bench/intent_cv.py --help.
bench-intent-cv: $(STAMP) ## Intent model settings by 5-fold CV (SMP2017 train+develop, product data); test scored too (bench/)
	$(PY) bench/intent_cv.py $(ARGS)

# make bench-load CONFIGS=project ARGS="--owners 16 --duration 120": see bench/load.py --help.
# make bench-load TARGET=cluster: the cluster against one server, then the soak with kills.
bench-load: train $(HAPROXY) ## Simulated owners doing intakes over REST: project vs stock Rasa, or TARGET=cluster (bench/)
	$(PY) bench/load.py $(if $(TARGET),--target $(TARGET)) $(if $(CONFIGS),--configs $(CONFIGS)) $(ARGS)

bench-startup: train ## First REST answer after start, Rasa RSS after 1,000 turns: project vs stock (bench/)
	$(PY) bench/startup.py $(if $(CONFIGS),--configs $(CONFIGS)) $(ARGS)

bench-analytics: $(STAMP) ## The analytics consumer's CPU per event, with and without its linger (bench/)
	$(PY) bench/analytics_consumer.py $(ARGS)

bench-dashboard: train ## One dashboard answer: the analytics store vs folding the tracker store (bench/)
	$(PY) bench/dashboard.py $(ARGS)

bench-validation: $(STAMP) ## Action-response validation: Rasa's per-call schema check vs built once (bench/)
	$(PY) bench/action_validation.py

bench-tracker: train ## Turn 5 vs turn 200 of one conversation, then after a new session (bench/)
	$(PY) bench/tracker_growth.py

# make bench-fuzz EXAMPLES=500 TARGETS=rest,upload: see `python -m bench.fuzz --help`.
bench-fuzz: $(STAMP) ## 10,000 generated inputs per parser and inbound surface: crashes, 5xx, errors (bench/)
	$(PY) -m bench.fuzz --examples $(or $(EXAMPLES),10000) $(if $(TARGETS),--targets $(TARGETS)) $(ARGS)

bench-report: $(STAMP) ## Render docs/benchmarks.md from the JSON the benchmarks wrote in bench/results/
	$(PY) bench/report.py

docs: bench-report ## Regenerate the generated parts of docs/ (benchmarks, ticket schema, settings)
	$(PY) scripts/docs.py

test: $(CHROMIUM) $(HAPROXY) $(WEB_STAMP) lint validate train ## Everything CI runs: lint, types, data validation, training, pytest
	$(PY) -m pytest

test-fast: $(STAMP) ## pytest without the tests that need a model or servers
	$(PY) -m pytest -m "not model and not slow"

eval: train ## Held-out scores; HTML report compared with the last one: reports/heldout/report.html
	$(PY) -m bot.trainer.evaluate

lock: ## Regenerate requirements/lock.txt in a scratch venv (see docs/architecture.md#dependencies)
	./scripts/lock.sh

clean: ## Remove models, reports and local databases (keeps .venv)
	rm -rf bot/models/*.tar.gz bot/models/*.fingerprint reports results var .rasa
