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

# The main job on embedded defaults: annotate the bundled example gene sets and write the report.
demo: data
	mkdir -p $(OUT)
	gener1 kb info
	gener1 annotate gener1_tool/data/examples/example_sets.gmt test-data/inputs/deseq2_results.csv -o $(OUT)/annotate
	@echo "Open $(OUT)/annotate/report.html in a browser."

test: data
	$(PYTHON) -m pytest -q

test-slow: data
	$(PYTHON) -m pytest -q -m slow

benchmarks: data
	$(PYTHON) benchmarks/kb_build.py
