# gener1 — set-up, main job and tests. `make demo` and `make test` are the README's two commands.
PYTHON ?= python3
PIP := $(PYTHON) -m pip
GENER1_HOME ?= $(HOME)/.cache/gener1
KB := $(GENER1_HOME)/kb/default.sqlite
OUT ?= out

.PHONY: install data demo test test-slow benchmarks

install:
	$(PIP) install --quiet --disable-pip-version-check -e '.[dev]' -e ./plugins/gener1-hgnc-groups
	$(PIP) install --quiet --disable-pip-version-check --no-deps -r requirements-nodeps.txt

# Set-up data (Debian Bioconductor packages; the only download besides pip). Built once, then reused.
$(KB):
	gener1 kb fetch
	gener1 kb build --default

data: install $(KB)

demo: data
	mkdir -p $(OUT)
	gener1 kb info
	gener1 corpus knowledge -o $(OUT)/warmup_corpus.jsonl --report $(OUT)/warmup_corpus_report.json

test: data
	$(PYTHON) -m pytest -q

test-slow: data
	$(PYTHON) -m pytest -q -m slow

benchmarks: data
	$(PYTHON) benchmarks/kb_build.py
