"""The Nextflow pipeline, checked without Nextflow (no engine exists on this machine; see shared NOTES).

Static: every .nf file parses (reftrace) and passes the project's lint rules (tests/nextflow/reftrace_rules.py);
every module has its files, directives, sections and a meta.yml that matches its declarations; includes and
config selectors point at real processes; params and samplesheets validate against their JSON schemas, and
bad samplesheets fail with readable messages.

Script contract: each module's script: block is rendered by Groovy the way Nextflow would (task/meta binding,
staged inputs), run with `bash -ue` on test-data in its own work directory, chained like the pipeline
(KB build -> prepare -> annotate chunks -> report (gather), enrich, ...), and its declared outputs must exist and
hold what the command promises. Stub blocks are rendered and run too.
"""

from __future__ import annotations

import csv
import functools
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).parent / "nextflow"))

import nf_harness as nf  # noqa: E402
import nf_schema  # noqa: E402
import reftrace_rules  # noqa: E402

from gener1_tool import __version__  # noqa: E402

ROOT = nf.ROOT
MODULE_FILES = sorted((ROOT / "modules" / "local").glob("*/main.nf"))
WORKFLOW_FILES = [ROOT / "main.nf", *sorted((ROOT / "workflows").glob("*.nf"))]
SCHEMA = ROOT / "nextflow_schema.json"
INPUT_SCHEMA = ROOT / "assets" / "schema_input.json"
KB_SCHEMA = ROOT / "assets" / "schema_kb_sources.json"
SAMPLESHEET = ROOT / "test-data" / "pipelines" / "samplesheet.csv"
KB_SOURCES = ROOT / "test-data" / "pipelines" / "kb_sources.csv"
TRAIN_MODULES = {"corpus_reasoning", "train_warmup", "train_reason", "train_align"}

needs_groovy = pytest.mark.skipif(not nf.groovy_available(),
                                  reason="groovy not installed (make install-system, or apt-get install groovy)")


def module_id(path: Path) -> str:
    return path.parent.name


@functools.lru_cache(maxsize=None)  # reftrace takes ~0.5 s a file here; every test shares one parse
def parse(path: Path):
    from reftrace import Module, ParseError

    result = Module.from_file(str(path))
    assert not isinstance(result, ParseError), f"{path} does not parse: {result.error}"
    return result


# ------------------------------------------------------------------------------------------------------
# Static checks
# ------------------------------------------------------------------------------------------------------
def test_expected_modules_exist():
    names = {module_id(p) for p in MODULE_FILES}
    assert {"kb_build", "prepare_sets", "annotate", "report", "enrich", "benchmark_export", "baseline",
            "corpus_knowledge", "corpus_benchmark", "corpus_reasoning", "train_warmup", "train_reason",
            "train_align", "evaluate"} <= names


@pytest.mark.parametrize("path", WORKFLOW_FILES + MODULE_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_nf_file_parses_and_passes_lint_rules(path):
    module = parse(path)
    rules = [reftrace_rules.one_process_per_module, reftrace_rules.process_directives]
    errors = [f"line {e.line}: {e.error}" for rule in rules for e in rule(module).errors]
    assert not errors, f"{path.relative_to(ROOT)}:\n" + "\n".join(errors)


def test_lint_rules_catch_bad_modules(tmp_path):
    """The rules are not vacuous: two processes, a missing container and an unknown label are reported."""
    bad = tmp_path / "modules" / "local" / "bad" / "main.nf"
    bad.parent.mkdir(parents=True)
    bad.write_text("process GENER1_A {\n    tag 'x'\n    label 'process_huge'\n    conda 'env.yml'\n"
                   "    script:\n    '''\n    echo a\n    '''\n}\n"
                   "process B {\n    script:\n    '''\n    echo b\n    '''\n}\n")
    module = parse(bad)
    errors = " | ".join(e.error for rule in (reftrace_rules.one_process_per_module, reftrace_rules.process_directives)
                        for e in rule(module).errors)
    assert "exactly one process, found 2" in errors
    assert "unknown labels ['process_huge']" in errors
    assert "exactly one container directive" in errors
    assert "B: process names start with GENER1_" in errors and "B: no tag directive" in errors


def test_unparseable_nf_is_reported(tmp_path):
    from reftrace import Module, ParseError

    broken = tmp_path / "broken.nf"
    broken.write_text("process X {\n    script:\n    def a = [1, 2\n    '''\n    echo\n    '''\n}\n")
    assert isinstance(Module.from_file(str(broken)), ParseError)


@pytest.mark.parametrize("path", MODULE_FILES, ids=module_id)
def test_module_shape_and_meta_yml(path):
    module = nf.NfModule.load(path)
    folder = path.parent
    assert (folder / "environment.yml").exists() and (folder / "meta.yml").exists()
    for section in ("input", "output", "when", "script", "stub"):
        assert section in module.sections, f"{module.process}: no {section}: block"
    script, stub = module.sections["script"], module.sections["stub"]
    assert "task.ext.args" in script and "task.ext.prefix" in script
    assert "task.ext.prefix" in stub
    # versions through the `versions` topic channel (nf-core since 2025), not versions.yml files
    assert module.topics() == {"versions_gener1": "versions"}, module.topics()
    assert module.evals()["versions_gener1"] == 'gener1 --version | sed "s/^gener1, version //"'
    assert 'tuple val("${task.process}"), val(\'gener1\'), eval(' in module.sections["output"]
    for block in (script, stub):
        assert "versions.yml" not in block
    assert re.search(r"\bgener1(-prepare-sets| [a-z]+)", script), "a module wraps one gener1 command"
    assert "task.ext.when == null || task.ext.when" in module.sections["when"]

    meta = yaml.safe_load((folder / "meta.yml").read_text())
    assert meta["name"] == module.process.lower()
    declared_inputs = []
    for channel in meta["input"]:
        elements = channel if isinstance(channel, list) else [channel]
        declared_inputs.append([next(iter(e)) for e in elements])
    assert declared_inputs == module.inputs(), f"{module.process}: meta.yml inputs differ from the process"
    assert list(meta["output"]) == module.emits(), f"{module.process}: meta.yml outputs differ from the emits"
    assert list(meta["topics"]) == ["versions"] and meta["topics"]["versions"] == meta["output"]["versions_gener1"]
    assert len(meta["keywords"]) >= 3, f"{module.process}: meta.yml needs at least 3 keywords"
    for name, spec in _meta_entries(meta["input"]) + _meta_entries(meta["output"]):
        if spec.get("type") == "file":
            terms = [t["edam"] for t in spec.get("ontologies", [])]
            assert terms and all(re.fullmatch(r"http://edamontology\.org/format_\d{4}", t) for t in terms), \
                f"{module.process}: meta.yml entry {name} has no EDAM format term"
    env = yaml.safe_load((folder / "environment.yml").read_text())
    assert env["channels"] == ["conda-forge"]
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    # published packages only; gener1 from the checkout (../../.. from the module folder), pinned like the images
    assert "torch==2.13.0" in pip and "../../.." in pip and "-c ../../../containers/constraints.txt" in pip
    assert not any(line.startswith("gener1-tool") for line in pip)
    assert (folder / "../../..").resolve() == ROOT and (ROOT / "containers" / "constraints.txt").exists()


def _meta_entries(channels) -> list[tuple[str, dict]]:
    """Every (name, spec) of a meta.yml input list or output map, tuples flattened."""
    found = []
    items = channels.values() if isinstance(channels, dict) else channels
    for channel in items:
        elements = channel if isinstance(channel, list) else [channel]
        for element in elements:
            for entry in (element if isinstance(element, list) else [element]):
                found.extend(entry.items())
    return found


def _processes() -> dict[str, Path]:
    return {nf.NfModule.load(p).process: p for p in MODULE_FILES}


def test_includes_resolve_and_every_module_is_used():
    processes = _processes()
    used = set()
    for path in WORKFLOW_FILES:
        for include in parse(path).includes:
            if include.from_module.startswith("plugin/"):
                continue
            target = (path.parent / include.from_module).resolve()
            target = target if target.suffix == ".nf" else target.with_suffix(".nf")
            assert target.exists(), f"{path.name}: include from {include.from_module} does not exist"
            defined = {p.name for p in parse(target).processes} | {w.name for w in parse(target).workflows}
            for item in include.items:
                assert item.name in defined, f"{path.name}: {item.name} is not defined in {include.from_module}"
                used.add(item.name)
    assert set(processes) <= used, f"modules no workflow uses: {set(processes) - used}"


def test_config_selectors_name_real_processes():
    names = set(_processes()) | {"GENER1_ANNOTATE_BENCHMARK"}  # alias in workflows/train.nf
    train_text = (ROOT / "workflows" / "train.nf").read_text()
    assert "GENER1_ANNOTATE as GENER1_ANNOTATE_BENCHMARK" in train_text
    for config in [ROOT / "nextflow.config", *sorted((ROOT / "conf").glob("*.config"))]:
        for selector in re.findall(r"withName:\s*'([^']+)'", config.read_text()):
            assert any(re.fullmatch(selector, n) for n in names), f"{config.name}: withName '{selector}' matches nothing"
        for label in re.findall(r"withLabel:\s*'([^']+)'", config.read_text()):
            assert label in reftrace_rules.ALLOWED_LABELS, f"{config.name}: unknown label {label}"


CONFIG_FILES = [ROOT / "nextflow.config", *sorted((ROOT / "conf").glob("*.config")), ROOT / "tests/nextflow/nextflow.config"]


@pytest.mark.parametrize("path", CONFIG_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_config_files_parse(path):
    from reftrace import ConfigFile

    assert ConfigFile.from_file(str(path)).error is None


def test_config_parse_check_bites(tmp_path):
    from reftrace import ConfigFile

    bad = tmp_path / "bad.config"
    bad.write_text("process {\n    withName: 'GENER1_ENRICH' {\n        cpus =\n    }\n")
    assert ConfigFile.from_file(str(bad)).error is not None


def test_profiles_exist():
    text = (ROOT / "nextflow.config").read_text()
    for profile in ("test", "test_full", "test_train", "docker", "podman", "singularity", "apptainer", "conda", "gpu"):
        assert re.search(rf"^\s*{profile}\s*\{{", text, re.M), f"profile {profile} missing"
    for config in ("conf/base.config", "conf/modules.config", "conf/test.config", "conf/test_full.config",
                   "conf/test_train.config"):
        assert (ROOT / config).exists()
    assert "id 'nf-schema@" in text and "validateParameters()" in (ROOT / "main.nf").read_text()


def test_gpu_label_is_wired_to_accelerator_and_container_options():
    """ext.use_gpu (true under -profile gpu) selects the CUDA image (module container directive), and the same
    condition asks for an accelerator and passes the GPU into the container (--gpus all / --nv)."""
    base = (ROOT / "conf" / "base.config").read_text()
    block = base[base.index("withLabel: 'process_gpu'"):]
    assert "ext.use_gpu      = { workflow.profile.contains('gpu') }" in block
    assert "accelerator      = { workflow.profile.contains('gpu') ? 1 : null }" in block
    assert "'--nv'" in block and "'--gpus all'" in block
    gpu_modules = [p for p in MODULE_FILES if "process_gpu" in p.read_text()]
    assert {module_id(p) for p in gpu_modules} == {"train_warmup", "train_reason", "train_align"}
    for path in gpu_modules:
        assert "task.ext.use_gpu ?" in path.read_text()


def _closure(config: str, selector: str, key: str) -> str:
    """The `{ ... }` of `key = { ... }` inside `withName: 'selector' {` / `withLabel:` (brace-matched)."""
    text = (ROOT / config).read_text()
    block = text.index(f"'{selector}'")
    start = text.index("{", text.index(f"{key}", block) + len(key))
    depth = 0
    for end in range(start, len(text)):
        depth += {"{": 1, "}": -1}.get(text[end], 0)
        if depth == 0:
            return text[start:end + 1]
    raise AssertionError(f"unbalanced closure for {selector} {key}")


def _evaluate_closures(jobs: list[dict], tmp_path: Path) -> dict[str, str]:
    jobs_file, out = tmp_path / "closures.json", tmp_path / "values.json"
    jobs_file.write_text(json.dumps(jobs))
    proc = subprocess.run(["groovy", str(ROOT / "tests" / "nextflow" / "eval_closures.groovy"), str(jobs_file), str(out)],
                          capture_output=True, text=True, env=nf.groovy_env(), timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    results = {r["id"]: r for r in json.loads(out.read_text())}
    errors = {k: r["error"] for k, r in results.items() if r["error"]}
    assert not errors, errors
    return {k: r["value"] for k, r in results.items()}


@needs_groovy
def test_config_closures_evaluate_to_the_intended_options(tmp_path):
    """The ext.args closures (strict syntax: inline, no helper functions) and the GPU directives, evaluated by
    Groovy with params and workflow stand-ins, give the command-line options and directives intended."""
    params = {**nf_schema.config_params(ROOT / "nextflow.config", ROOT), "outdir": "results"}
    libraries = {**params, "libraries": "GO_BP, KEGG_2021_HUMAN"}
    jobs = [
        {"id": "annotate", "closure": _closure("conf/modules.config", "GENER1_ANNOTATE", "ext.args"), "params": libraries},
        {"id": "annotate_nolib", "closure": _closure("conf/modules.config", "GENER1_ANNOTATE", "ext.args"), "params": params},
        {"id": "enrich", "closure": _closure("conf/modules.config", "GENER1_ENRICH", "ext.args"), "params": libraries},
        {"id": "tasks", "closure": _closure("conf/modules.config", "GENER1_CORPUS_BENCHMARK", "ext.args"), "params": params},
        {"id": "eval_all", "closure": _closure("conf/modules.config", "GENER1_EVALUATE", "ext.args"), "params": params},
        {"id": "eval_limit", "closure": _closure("conf/modules.config", "GENER1_EVALUATE", "ext.args"),
         "params": {**params, "eval_limit": 20, "eval_encoders": "minilm,mpnet"}},
    ]
    for profile, engine in (("docker,gpu", "docker"), ("apptainer,gpu", "apptainer"), ("docker", "docker"), ("conda,gpu", None)):
        for key in ("ext.use_gpu", "accelerator", "containerOptions"):
            jobs.append({"id": f"{profile}|{engine}|{key}", "closure": _closure("conf/base.config", "process_gpu", key),
                         "params": params, "workflow": {"profile": profile, "containerEngine": engine}})
    values = _evaluate_closures(jobs, tmp_path)
    assert values["annotate"] == "--mode grounded --batch-size 8 --max-new-tokens 256 --library GO_BP --library KEGG_2021_HUMAN"
    assert values["annotate_nolib"] == "--mode grounded --batch-size 8 --max-new-tokens 256"
    assert values["enrich"] == "--fdr 0.05 --library GO_BP --library KEGG_2021_HUMAN"
    assert values["tasks"] == "--library GO_BP"
    assert values["eval_all"] == "--encoder minilm"
    assert values["eval_limit"] == "--encoder minilm --encoder mpnet --shared-only"
    assert [values[f"docker,gpu|docker|{k}"] for k in ("ext.use_gpu", "accelerator", "containerOptions")] == ["true", "1", "--gpus all"]
    assert values["apptainer,gpu|apptainer|containerOptions"] == "--nv"
    assert [values[f"docker|docker|{k}"] for k in ("ext.use_gpu", "accelerator", "containerOptions")] == ["false", None, ""]
    assert values["conda,gpu|None|containerOptions"] == "" and values["conda,gpu|None|accelerator"] == "1"


def test_eval_limit_scores_every_method_on_the_same_sets():
    modules_config = (ROOT / "conf" / "modules.config").read_text()
    evaluate = modules_config[modules_config.index("withName: 'GENER1_EVALUATE'"):]
    closure = evaluate[evaluate.index("ext.args"):evaluate.index("ext.prefix")]
    assert "(params.eval_limit ? [ '--shared-only' ] : [])" in closure


# ------------------------------------------------------------------------------------------------------
# Schemas: params and samplesheets
# ------------------------------------------------------------------------------------------------------
def test_schemas_are_valid_draft_2020_12():
    from jsonschema import Draft202012Validator

    for path in (SCHEMA, INPUT_SCHEMA, KB_SCHEMA):
        schema = json.loads(path.read_text())
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        Draft202012Validator.check_schema(schema)


def test_config_params_match_schema_and_defaults():
    params = nf_schema.config_params(ROOT / "nextflow.config", ROOT)
    in_schema = nf_schema.schema_params(SCHEMA)
    assert set(params) <= in_schema, f"params missing from nextflow_schema.json: {set(params) - in_schema}"
    for name, default in nf_schema.schema_defaults(SCHEMA).items():
        assert params[name] == default, f"params.{name}: config {params[name]!r} != schema default {default!r}"
    nf_schema.validate_params({**params, "outdir": "results"}, SCHEMA, ROOT)


@pytest.mark.parametrize("profile", ["test", "test_full", "test_train"])
def test_test_profiles_validate(profile):
    params = {**nf_schema.config_params(ROOT / "nextflow.config", ROOT),
              **nf_schema.config_params(ROOT / "conf" / f"{profile}.config", ROOT)}
    assert set(params) <= nf_schema.schema_params(SCHEMA)
    nf_schema.validate_params(params, SCHEMA, ROOT)
    if profile != "test_full":  # test_full uses the image's default KB
        assert Path(params["kb_sources"]).is_file()
    if profile == "test":
        assert Path(params["input"]) == SAMPLESHEET
    if params.get("input"):
        rows = nf_schema.validate_samplesheet(params["input"], INPUT_SCHEMA, ROOT)
        assert all(Path(row["file"]).is_file() for row in rows)


def test_bad_params_fail_readably():
    params = {**nf_schema.config_params(ROOT / "nextflow.config", ROOT), "outdir": "results", "mode": "trian",
              "chunk_size": 0, "kb": "no/such/kb.sqlite"}
    with pytest.raises(nf_schema.SchemaError) as err:
        nf_schema.validate_params(params, SCHEMA, ROOT)
    text = str(err.value)
    assert "'mode'" in text and "trian" in text
    assert "chunk_size" in text and "file does not exist: no/such/kb.sqlite" in text
    with pytest.raises(nf_schema.SchemaError, match="outdir"):
        nf_schema.validate_params({"mode": "annotate"}, SCHEMA, ROOT)


def test_samplesheet_and_kb_sources_validate():
    rows = nf_schema.validate_samplesheet(SAMPLESHEET, INPUT_SCHEMA, ROOT)
    assert [r["sample"] for r in rows] == ["ko_vs_wt", "edger_contrast", "modules"]
    assert rows[1]["padj"] == 0.01 and rows[1]["lfc"] == 1.5 and "format" not in rows[1]
    sources = nf_schema.validate_samplesheet(KB_SOURCES, KB_SCHEMA, ROOT)
    assert {"go_obo", "gaf", "gene_info", "gmt:REACTOME"} <= {r["name"] for r in sources}


def test_test_sheets_resolve_from_any_launch_directory(tmp_path, monkeypatch):
    """Relative paths in a sheet resolve from the sheet's folder (main.nf fromSheet), so `-profile test` works
    wherever Nextflow is launched; paths relative to the launch directory still work when not found there."""
    monkeypatch.chdir(tmp_path)
    for sheet, schema in ((SAMPLESHEET, INPUT_SCHEMA), (KB_SOURCES, KB_SCHEMA)):
        rows = nf_schema.validate_samplesheet(sheet, schema, tmp_path)
        assert rows and all(Path(row.get("file") or row.get("path")).is_file() for row in rows)
        assert all(not (row.get("file") or row.get("path")).startswith(str(tmp_path)) for row in rows)
    legacy = tmp_path / "sheets" / "legacy.csv"
    legacy.parent.mkdir()
    legacy.write_text("sample,file\nko,test-data/inputs/deseq2_results.csv\n")
    rows = nf_schema.validate_samplesheet(legacy, INPUT_SCHEMA, ROOT)  # launched from the repository root
    assert Path(rows[0]["file"]) == ROOT / "test-data/inputs/deseq2_results.csv"
    main = (ROOT / "main.nf").read_text()
    assert "def fromSheet(value, sheet)" in main and "sheet.parent.resolve(text)" in main


def test_samplesheet_missing_column_fails_readably(tmp_path):
    sheet = tmp_path / "sheet.csv"
    sheet.write_text("sample,path\nko,test-data/inputs/deseq2_results.csv\n")
    with pytest.raises(nf_schema.SchemaError) as err:
        nf_schema.validate_samplesheet(sheet, INPUT_SCHEMA, ROOT)
    assert err.value.problems == ["header lacks required column(s) file; expected columns sample,file,format,padj,lfc "
                                  "(got sample,path)"]


def test_samplesheet_bad_values_fail_readably(tmp_path):
    sheet = tmp_path / "sheet.csv"
    sheet.write_text("sample,file,format,padj\n"
                     "ko,test-data/inputs/no_such_table.csv,de,0.05\n"
                     "my sample,test-data/inputs/sets.gmt,gmt,\n"
                     "ko,test-data/inputs/sets.gmt,excel,1.5\n")
    with pytest.raises(nf_schema.SchemaError) as err:
        nf_schema.validate_samplesheet(sheet, INPUT_SCHEMA, ROOT)
    problems = err.value.problems
    assert any("row 1 (line 2), column 'file': file does not exist: test-data/inputs/no_such_table.csv" in p
               for p in problems)
    assert any("row 2 (line 3), column 'sample': sample must be a name of letters" in p for p in problems)
    assert any("row 3 (line 4), column 'format': format must be one of auto, gmt, table, list, de" in p for p in problems)
    assert any("row 3 (line 4), column 'padj': padj must be a number in (0, 1]" in p for p in problems)
    assert any("row 3 repeats sample = ko of row 1" in p for p in problems)
    assert "samplesheet" in str(err.value) and "is not valid" in str(err.value)


# ------------------------------------------------------------------------------------------------------
# Script contracts: render with Groovy, run with bash -ue, check outputs
# ------------------------------------------------------------------------------------------------------
MODULES = {module_id(p): nf.NfModule.load(p) for p in MODULE_FILES}
FAST_ANNOTATE_ARGS = "--max-new-tokens 8 --retries 0 --batch-size 4"


def kb_source_rows():
    return list(csv.DictReader(KB_SOURCES.read_text().splitlines()))


def _runs(tiny_model_dir: Path) -> dict[str, tuple[nf.Run, dict]]:
    """Every task the tests run: (Run, {staged name: (task key, emit) for files made by earlier tasks})."""
    sources = kb_source_rows()
    staged_sources = [f"sources/{i}/{Path(r['path']).name}" for i, r in enumerate(sources, start=1)]
    kb = "test_kb.sqlite"
    runs = {
        "kb_build": (nf.Run(MODULES["kb_build"],
                            {"meta": {"id": "test_kb"}, "source_names": [r["name"] for r in sources],
                             "source_files": {"staged": staged_sources}},
                            stage={s: (KB_SOURCES.parent / r["path"]).resolve() for s, r in zip(staged_sources, sources)}), {}),
        "prepare_de": (nf.Run(MODULES["prepare_sets"],
                              {"meta": {"id": "ko_vs_wt", "format": "de", "padj": 0.01, "lfc": 1.0},
                               "input": "deseq2_results.csv"},
                              stage={"deseq2_results.csv": ROOT / "test-data/inputs/deseq2_results.csv"}), {}),
        "prepare_gmt": (nf.Run(MODULES["prepare_sets"], {"meta": {"id": "modules", "format": "gmt", "padj": [], "lfc": None},
                                                         "input": "sets.gmt"},
                               stage={"sets.gmt": ROOT / "test-data/inputs/sets.gmt"}), {}),
        "enrich": (nf.Run(MODULES["enrich"], {"meta": {"id": "ko_vs_wt"}, "sets": "ko_vs_wt.sets.gmt", "kb": kb},
                          ext={"args": "--fdr 0.25 --no-plots"}),
                   {"ko_vs_wt.sets.gmt": ("prepare_de", "sets"), kb: ("kb_build", "kb")}),
        "benchmark_export": (nf.Run(MODULES["benchmark_export"], {"meta": {"id": "GO_BP"}, "benchmark": "GO_BP"}), {}),
        "corpus_knowledge": (nf.Run(MODULES["corpus_knowledge"], {"meta": {"id": "test_run"}, "kb": kb}),
                             {kb: ("kb_build", "kb")}),
        "corpus_benchmark": (nf.Run(MODULES["corpus_benchmark"], {"meta": {"id": "test_run"}, "kb": kb},
                                    ext={"args": "--library GO_BP --min-size 1 --keep-evaluation --split 0.5,0.25,0.25"}),
                             {kb: ("kb_build", "kb")}),
        "baseline": (nf.Run(MODULES["baseline"], {"meta": {"id": "GO_BP.enrich-top1", "method": "enrich-top1"},
                                                  "method": "enrich-top1", "benchmark": "GO_BP", "kb": kb}),
                     {kb: ("kb_build", "kb")}),
        "evaluate": (nf.Run(MODULES["evaluate"], {"meta": {"id": "GO_BP"}, "labels": ["enrich-top1", "tuned"],
                                                  "predictions": {"staged": ["predictions/1/GO_BP.enrich-top1.tsv",
                                                                             "predictions/2/predictions.tsv"]},
                                                  "benchmark": "GO_BP"},
                            ext={"args": "--rouge-only"}),
                     {"predictions/1/GO_BP.enrich-top1.tsv": ("baseline", "predictions"),
                      "predictions/2/predictions.tsv": ("make_predictions", None)}),
        "evaluate_one": (nf.Run(MODULES["evaluate"], {"meta": {"id": "GO_BP"}, "labels": ["tuned"],
                                                      "predictions": {"path": "predictions/1/predictions.tsv"},
                                                      "benchmark": "GO_BP"}, ext={"args": "--rouge-only"}), {}),
    }
    for key, start, limit in (("annotate_all", 0, None), ("annotate_c0", 0, 2), ("annotate_c1", 2, 2)):
        runs[key] = (nf.Run(MODULES["annotate"], {"meta": {"id": "modules", "n_chunks": 2}, "sets": "modules.sets.gmt",
                                                  "start": start, "limit": limit, "kb": kb, "model": "tiny_model"},
                            stage={"tiny_model": tiny_model_dir}, ext={"args": FAST_ANNOTATE_ARGS}),
                     {"modules.sets.gmt": ("prepare_gmt", "sets"), kb: ("kb_build", "kb")})
    chunks = ["chunk000001/modules.chunk0", "chunk000002/modules.chunk2"]
    runs["report"] = (nf.Run(MODULES["report"], {"meta": {"id": "modules"}, "chunks": {"staged": chunks}}),
                      {chunks[0]: ("annotate_c0", "results"), chunks[1]: ("annotate_c1", "results")})
    runs["report_one"] = (nf.Run(MODULES["report"], {"meta": {"id": "modules"},
                                                     "chunks": {"staged": ["chunk000001/modules.chunk0"]}}),
                          {"chunk000001/modules.chunk0": ("annotate_all", "results")})
    # One source file: Nextflow passes a single staged file as a Path, not a list.
    runs["kb_build_single"] = (nf.Run(MODULES["kb_build"], {"meta": {"id": "go_only"}, "source_names": ["go_obo"],
                                                            "source_files": {"path": "sources/1/go-mini.obo"}}), {})
    # The training modules (their scripts run in the slow test): here for the stub and rendering checks.
    runs["corpus_reasoning"] = (nf.Run(MODULES["corpus_reasoning"], {"meta": {"id": "test_run"}, "sets": "sets.jsonl",
                                                                      "kb": kb}), {})
    for stage in ("warmup", "reason", "align"):
        data = "sets" if stage == "align" else "corpus"
        runs[f"train_{stage}"] = (nf.Run(MODULES[f"train_{stage}"], {"meta": {"id": "test_run"}, data: f"{stage}.jsonl",
                                                                     "model": []}), {})
    # Optional inputs given as [] (the nf-core idiom): the command must drop the option, not pass "--kb ''".
    runs["enrich_default_kb"] = (nf.Run(MODULES["enrich"], {"meta": {"id": "x"}, "sets": "sets.gmt", "kb": []}), {})
    return runs


@pytest.fixture(scope="module")
def tiny_model_dir(tmp_path_factory):
    from gener1_tool.model.load import tiny_model

    texts = ["Process: protein import into peroxisome matrix (0.8)\nReasoning:\n<think>The gene PEX1 has function "
             "for peroxisome organization.</think>", "PEX1 PEX2 PEX3 PEX5 TP53 MDM2 CDKN1A ATP5F1A"] * 3
    return tiny_model(tmp_path_factory.mktemp("model") / "tiny", texts, seed=0)


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory, tiny_model_dir):
    """Renders every task's script and stub in one Groovy run; `pipeline.run(key)` executes a task (and the
    tasks it needs) once, in its own work directory, like Nextflow's work/xx/hash folders."""
    if not nf.groovy_available():
        pytest.skip("groovy not installed (make install-system, or apt-get install groovy)")
    root = tmp_path_factory.mktemp("nf")
    runs = _runs(tiny_model_dir)
    jobs = [run.job(block, f"{key}:{block}") for key, (run, _) in runs.items() for block in ("script", "stub")]
    rendered = nf.render(jobs, root / "render")
    env = dict(os.environ, OMP_NUM_THREADS="1", HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1",
               GENER1_HOME=str(root / "gener1_home"))  # nothing may fall back to the user's default KB

    class Pipeline:
        results: dict[str, nf.TaskResult] = {}

        def rendered(self, key, block="script"):
            return rendered[f"{key}:{block}"]

        def run(self, key, block="script") -> nf.TaskResult:
            cache_key = f"{key}:{block}"
            if cache_key not in self.results:
                run, needs = runs[key]
                for staged, (task, emit) in needs.items():
                    if task == "make_predictions":
                        source = make_predictions(self.run("benchmark_export").outputs["sets"][0], root / "pred")
                    else:
                        produced = self.run(task).outputs[emit]
                        assert produced, f"{task} made no {emit} output"
                        source = produced[0]
                    run.stage[staged] = source
                self.results[cache_key] = nf.execute(run, rendered[cache_key], root / "work" / key / block, env=env)
            return self.results[cache_key]

    return Pipeline()


def make_predictions(benchmark_tsv: Path, folder: Path) -> Path:
    """Three exact gold names: the evaluation must score them 1.0 and count 997 missing."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = list(csv.DictReader(benchmark_tsv.read_text().splitlines(), delimiter="\t"))[:3]
    out = folder / "predictions.tsv"
    out.write_text("ID\tname\n" + "".join(f"{r['ID']}\t{r['Term_Description']}\n" for r in rows))
    return out


def assert_ok(result: nf.TaskResult):
    assert result.returncode == 0, f"command failed ({result.returncode}) in {result.workdir}:\n{result.command}\n" \
                                   f"--- stderr ---\n{result.stderr[-3000:]}"
    assert not result.missing, f"declared outputs missing in {result.workdir}: {result.missing}"
    # the `versions` topic: (task.process, 'gener1', eval(gener1 --version | sed ...)) -> the bare version
    assert result.evals == {"versions_gener1": __version__}, result.evals


@needs_groovy
def test_kb_build_script(pipeline):
    result = pipeline.run("kb_build")
    assert_ok(result)
    assert "--source 'go_obo=sources/1/go-mini.obo' --source 'gene_info=sources/2/Homo_sapiens.gene_info'" in result.command
    from gener1_tool.knowledge.store import KnowledgeBase

    kb = KnowledgeBase(result.outputs["kb"][0])
    try:
        assert {s["name"] for s in kb.sources()} == {r["name"].split(":")[-1] for r in kb_source_rows()}
        assert kb.gene_by_symbol("PEX1") is not None and "GO_BP" in kb.libraries()
    finally:
        kb.close()


NF_TEST_FILES = sorted(ROOT.glob("modules/local/*/tests/main.nf.test")) + sorted((ROOT / "tests" / "nextflow").glob("*.nf.test"))


@needs_groovy
def test_nf_test_files_exist_and_parse(tmp_path):
    """nf-test cannot run here; its files are Groovy, so at least they must parse (and the check must bite)."""
    tested = {p.parent.parent.name for p in NF_TEST_FILES if "modules" in p.parts}
    assert tested == set(MODULES), f"modules without nf-test: {set(MODULES) - tested}"
    for path in NF_TEST_FILES:  # a stub test for every module and for both modes of the pipeline
        text = path.read_text()
        assert 'options "-stub"' in text or "-stub\"" in text, f"{path}: no stub test"
        assert "versions_gener1" in text or "software_versions.yml" in text or "nextflow_pipeline" in text
    pipeline_tests = (ROOT / "tests" / "nextflow" / "main.nf.test").read_text()
    assert 'options "-profile test -stub"' in pipeline_tests and 'options "-profile test_train -stub"' in pipeline_tests
    assert (ROOT / "tests" / "nextflow" / "main.nf.test") in NF_TEST_FILES
    parse = ["groovy", str(ROOT / "tests" / "nextflow" / "parse_only.groovy")]
    files = NF_TEST_FILES + [ROOT / "tests" / "nextflow" / "nf-test.config"]
    result = subprocess.run(parse + [str(p) for p in files], capture_output=True, text=True,
                            env=nf.groovy_env(), timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    broken = tmp_path / "broken.nf.test"
    broken.write_text('nextflow_process {\n    test("x") {\n        when { process { """ a """ }\n    }\n}\n')
    result = subprocess.run(parse + [str(broken)], capture_output=True, text=True, env=nf.groovy_env(), timeout=300)
    assert result.returncode == 1 and "broken.nf.test" in result.stdout


@needs_groovy
def test_kb_build_script_with_a_single_source_file(pipeline):
    command = pipeline.rendered("kb_build_single")["command"]
    assert "--source 'go_obo=sources/1/go-mini.obo'" in command and command.count("--source") == 1


@needs_groovy
def test_prepare_sets_script_applies_sample_thresholds(pipeline):
    result = pipeline.run("prepare_de")
    assert_ok(result)
    assert "--format de --padj 0.01 --lfc 1.0" in result.command
    gmt = result.outputs["sets"][0]
    assert gmt.name == "ko_vs_wt.sets.gmt"
    sets = {line.split("\t")[0]: line.rstrip("\n").split("\t")[2:] for line in gmt.read_text().splitlines()}
    assert sets == {"deseq2_results_up": ["TP53", "CDKN1A", "MDM2"], "deseq2_results_down": ["PEX5", "PEX1"]}
    assert result.outputs["n_sets"][0].read_text().strip() == "2"
    empty_cells = pipeline.run("prepare_gmt")  # padj [] and lfc null: no option passed
    assert_ok(empty_cells)
    assert "--padj" not in empty_cells.command and "--lfc" not in empty_cells.command
    assert empty_cells.outputs["n_sets"][0].read_text().strip() == "3"


def _ids(tsv: Path) -> list[str]:
    return [row["id"] for row in csv.DictReader(tsv.read_text().splitlines(), delimiter="\t")]


def _assert_gathered(gathered: nf.TaskResult, n_chunks: int):
    assert_ok(gathered)
    assert _ids(gathered.outputs["tsv"][0]) == ["PEROXISOME_IMPORT", "OXPHOS_CORE", "P53_TARGETS"]
    records = [json.loads(line) for line in gathered.outputs["jsonl"][0].read_text().splitlines()]
    assert sorted(r["index"] for r in records) == [0, 1, 2]
    assert f"3 gene sets from {n_chunks} inputs gathered" in gathered.stdout
    assert len(list(gathered.workdir.glob("chunk??????/*/annotations.jsonl"))) == n_chunks
    report = gathered.outputs["report"][0].read_text()
    assert "PEROXISOME_IMPORT" in report and "P53_TARGETS" in report and "data:image/png;base64" in report


@needs_groovy
def test_annotate_and_report_scripts(pipeline):
    """One chunk holding every set, then the gather step (gener1 report): the contract of both commands."""
    chunk = pipeline.run("annotate_all")
    assert_ok(chunk)
    assert "--model 'tiny_model'" in chunk.command and "--kb 'test_kb.sqlite'" in chunk.command
    assert "--start 0" in chunk.command and "--limit" not in chunk.command
    assert _ids(chunk.outputs["tsv"][0]) == ["PEROXISOME_IMPORT", "OXPHOS_CORE", "P53_TARGETS"]
    _assert_gathered(pipeline.run("report_one"), 1)


@pytest.mark.slow
@needs_groovy
def test_annotate_scatter_in_two_chunks_then_report(pipeline):
    """The pipeline's scatter: --start/--limit chunks keep global indices; the gather restores input order."""
    first, second = pipeline.run("annotate_c0"), pipeline.run("annotate_c1")
    for result in (first, second):
        assert_ok(result)
    assert "--start 0 --limit 2" in first.command and "--start 2 --limit 2" in second.command
    assert _ids(first.outputs["tsv"][0]) == ["PEROXISOME_IMPORT", "OXPHOS_CORE"]
    assert _ids(second.outputs["tsv"][0]) == ["P53_TARGETS"]
    _assert_gathered(pipeline.run("report"), 2)


@needs_groovy
def test_enrich_script(pipeline):
    result = pipeline.run("enrich")
    assert_ok(result)
    rows = list(csv.DictReader(result.outputs["summary"][0].read_text().splitlines(), delimiter="\t"))
    assert len(rows) == 2
    assert (result.outputs["results"][0] / "run.json").exists()


@needs_groovy
def test_optional_inputs_given_as_empty_lists_drop_their_option(pipeline):
    command = pipeline.rendered("enrich_default_kb")["command"]
    assert "--kb" not in command and "gener1 enrich" in command and "'sets.gmt'" in command


@needs_groovy
def test_benchmark_export_and_evaluate_scripts(pipeline):
    exported = pipeline.run("benchmark_export")
    assert_ok(exported)
    assert len(exported.outputs["sets"][0].read_text().splitlines()) == 1001  # header + 1,000 GO:BP sets
    baseline = pipeline.run("baseline")
    assert_ok(baseline)
    rows = list(csv.DictReader(baseline.outputs["predictions"][0].read_text().splitlines(), delimiter="\t"))
    assert len(rows) == 1000 and {"id", "name", "status"} <= set(rows[0])
    result = pipeline.run("evaluate")
    assert_ok(result)
    assert ("-p 'enrich-top1=predictions/1/GO_BP.enrich-top1.tsv' -p 'tuned=predictions/2/predictions.tsv'"
            in result.command)
    summary = json.loads(result.outputs["summary"][0].read_text())
    assert list(summary["methods"]) == ["enrich-top1", "tuned"]  # the baseline first: the t-tests' reference
    assert summary["methods"]["tuned"]["counts"]["ok"] == 3
    assert summary["methods"]["tuned"]["datasets"]["GO_BP"]["rougeL"]["mean_ok"] == 1.0
    single = pipeline.rendered("evaluate_one")["command"]  # one file: Nextflow passes a Path, not a list
    assert "-p 'tuned=predictions/1/predictions.tsv'" in single and single.count(" -p ") == 1


@needs_groovy
def test_corpus_scripts(pipeline):
    knowledge = pipeline.run("corpus_knowledge")
    assert_ok(knowledge)
    sentences = [json.loads(line) for line in knowledge.outputs["corpus"][0].read_text().splitlines()]
    assert sentences and all(s["text"] for s in sentences)
    tasks = pipeline.run("corpus_benchmark")
    assert_ok(tasks)
    rows = [json.loads(line) for line in tasks.outputs["sets"][0].read_text().splitlines()]
    assert rows and all(r["gold_name"] and r["genes"] for r in rows)


STUB_KEYS = ["kb_build", "prepare_gmt", "annotate_c0", "report", "enrich", "benchmark_export", "baseline",
             "corpus_knowledge", "corpus_benchmark", "corpus_reasoning", "train_warmup", "train_reason", "train_align",
             "evaluate"]


def test_every_module_has_a_stub_run():
    assert {MODULES_BY_PROCESS[_runs(Path("unused"))[key][0].module.process] for key in STUB_KEYS} == set(MODULES)


MODULES_BY_PROCESS = {m.process: name for name, m in MODULES.items()}


@needs_groovy
@pytest.mark.parametrize("key", STUB_KEYS)
def test_stub_blocks_make_every_declared_output(pipeline, key, tmp_path):
    """`nextflow run -stub` / nf-test stub tests: each stub makes every declared output (and the versions
    topic's eval) without running the tool; all 14 modules."""
    run, _ = _runs(tmp_path / "unused_model")[key]
    run.stage = {name: source for name, source in run.stage.items() if Path(source).exists()}
    result = nf.execute(run, pipeline.rendered(key, "stub"), tmp_path / "work")
    assert_ok(result)


# ------------------------------------------------------------------------------------------------------
# Training modules (slow: real, tiny training runs)
# ------------------------------------------------------------------------------------------------------
@pytest.mark.slow
@needs_groovy
def test_training_chain_scripts(tmp_path_factory, pipeline):
    """corpus reasoning -> warm-up -> SFT -> GRPO, one optimizer step each, on the built-in base model with
    LoRA (a tiny character-level model cannot hold the paper's prompts, so the real 135M base is used)."""
    root = tmp_path_factory.mktemp("train")
    kb = pipeline.run("kb_build").outputs["kb"][0]
    corpus = pipeline.run("corpus_knowledge").outputs["corpus"][0]
    tasks = pipeline.run("corpus_benchmark").outputs["sets"][0]
    steps = "--lora --max-steps 1 --batch-size 2 --max-length 64 --logging-steps 1 --save-steps 100"
    runs = {
        "corpus_reasoning": nf.Run(MODULES["corpus_reasoning"], {"meta": {"id": "test_run"}, "sets": tasks.name, "kb": kb.name},
                                   stage={tasks.name: tasks, kb.name: kb},
                                   ext={"args": "--teacher grounded --threshold 0 --split all --encoder minilm"}),
        # model [] = the built-in base (the nf-core idiom for an optional input)
        "train_warmup": nf.Run(MODULES["train_warmup"], {"meta": {"id": "test_run"}, "corpus": corpus.name, "model": []},
                               stage={corpus.name: corpus}, ext={"args": steps}),
    }
    rendered = nf.render([r.job("script", k) for k, r in runs.items()], root / "render")
    env = dict(os.environ, OMP_NUM_THREADS="1", HF_HUB_OFFLINE="1", GENER1_HOME=str(root / "home"))
    reasoning = nf.execute(runs["corpus_reasoning"], rendered["corpus_reasoning"], root / "reasoning", env=env)
    assert_ok(reasoning)
    warmup = nf.execute(runs["train_warmup"], rendered["train_warmup"], root / "warmup", env=env)
    assert_ok(warmup)

    reasoning_corpus = reasoning.outputs["corpus"][0]
    later = {
        "train_reason": nf.Run(MODULES["train_reason"], {"meta": {"id": "test_run"}, "corpus": reasoning_corpus.name,
                                                         "model": "warmup_model"},
                               stage={reasoning_corpus.name: reasoning_corpus, "warmup_model": warmup.outputs["model"][0]},
                               ext={"args": "--max-steps 1 --batch-size 1 --max-length 1024 --on-long truncate "
                                                    "--logging-steps 1 --save-steps 100"}),
    }
    rendered.update(nf.render([r.job("script", k) for k, r in later.items()], root / "render2"))
    reason = nf.execute(later["train_reason"], rendered["train_reason"], root / "reason", env=env)
    assert_ok(reason)
    align_run = nf.Run(MODULES["train_align"], {"meta": {"id": "test_run"}, "sets": tasks.name, "model": "reason_model"},
                       stage={tasks.name: tasks, "reason_model": reason.outputs["model"][0]},
                       ext={"args": "--max-steps 1 --batch-size 2 --num-generations 2 --max-completion-length 8 "
                                    "--max-length 1024 --split all --encoder minilm"})
    align_rendered = nf.render([align_run.job("script", "train_align")], root / "render3")["train_align"]
    align = nf.execute(align_run, align_rendered, root / "align", env=env)
    assert_ok(align)
    assert "--model" not in warmup.command  # [] dropped the option: the built-in base
    assert (warmup.outputs["model"][0] / "adapter_config.json").exists()  # --lora: a LoRA adapter
    for stage in (warmup, reason, align):
        assert json.loads(stage.outputs["run_config"][0].read_text())
        model_dir = stage.outputs["model"][0]
        assert (model_dir / "adapter_config.json").exists() or (model_dir / "config.json").exists()
        assert stage.outputs["log"][0].read_text().strip()
