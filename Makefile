# gener1 — set-up, main job and tests. `make demo` and `make test` are the README's two commands.
PYTHON ?= python3
PIP := $(PYTHON) -m pip
GENER1_HOME ?= $(HOME)/.cache/gener1
KB := $(GENER1_HOME)/kb/default.sqlite
OUT ?= out

.PHONY: install install-system data demo test test-slow check-ecosystem benchmarks default-model evaluate-default-model ablations

install: install-system
	$(PIP) install --quiet --disable-pip-version-check -e '.[dev]' -e ./plugins/gener1-hgnc-groups
	$(PIP) install --quiet --disable-pip-version-check --no-deps -r requirements-nodeps.txt

# System tools the offline pipeline tests use: Debian's groovy renders Nextflow script blocks
# (tests/test_pipelines_nextflow.py); antlr4 compiles Nextflow's strict-syntax grammar
# (tests/test_ecosystem_strict_syntax.py); default-jre-headless gives both a Java.
# Not fatal where apt-get is missing or not root: those tests then skip and say why.
install-system:
	@{ command -v groovy >/dev/null 2>&1 && command -v antlr4 >/dev/null 2>&1; } || { \
	  if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	    apt-get update -q && apt-get install -y --no-install-recommends groovy antlr4 default-jre-headless; \
	  else echo "note: groovy/antlr4 not installed (apt-get install groovy antlr4); Nextflow checks will skip"; fi; }

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

# The offline ecosystem checks CI runs (no Nextflow, Galaxy, container engine or GPU, no `make data` needed):
# Nextflow strict syntax (Nextflow's own grammar) and lint rules, schemas, every module's script and stub
# rendered and run, nf-test files parsed; planemo lint + shed_lint and every Galaxy <test> run and verified;
# hadolint on both Dockerfiles; `gener1 setup`; help text on every CLI option. `make test` runs them too.
check-ecosystem: install-system
	$(PYTHON) -m pytest -q tests/test_ecosystem_strict_syntax.py tests/test_pipelines_nextflow.py \
	  tests/test_pipelines_galaxy.py tests/test_containers.py tests/test_ecosystem_setup.py tests/test_ecosystem_cli_help.py

benchmarks: data
	$(PYTHON) benchmarks/kb_build.py

# The shipped default model: train it again (~1.5 h on 2 cores; SHIP=1 copies it into the package),
# score it on the paper's five benchmarks with the baselines, and run the paper's ablations.
default-model: data
	scripts/gener1-train-default-model runs/default-model

evaluate-default-model: data
	PER_SET=40 STAGES_PER_SET=20 SUBSET_MODES=model-only BATCH=32 WARMUP=runs/default-model/warmup \
	  ABLATIONS="sft=runs/default-model/reason" \
	  scripts/gener1-evaluate-default-model runs/default-model-eval

ablations: data
	scripts/gener1-train-ablations runs/default-model runs/default-model-eval
