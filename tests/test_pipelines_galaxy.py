"""The Galaxy tool wrappers, checked without Galaxy (`planemo test` needs a Galaxy clone; see shared NOTES).

- `planemo lint --skip BioToolsValid --fail_level warn` is clean for every tool (XSD, inputs, outputs, tests,
  help, citations, ...). bio.tools lookups need the network, hence the skip.
- Every <test> runs for real: galaxy-tool-util parses the tool (macros expanded), builds the test's tool
  state and fills in defaults, the <command> is filled by Galaxy's own Cheetah helper
  (galaxy.util.template.fill_template) with stand-ins for Galaxy's parameter wrappers, the command runs in a
  job directory the way Galaxy runs it (lines joined with spaces, `bash`, exit code decides), and every
  output is checked with galaxy.tool_util.verify against test-data/ (file diffs and assertions).
- A dataset name with quotes, spaces, `;` or `$(...)` cannot break or inject into the command.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from gener1_tool import __version__  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
TEST_DATA = ROOT / "test-data"


@pytest.fixture(scope="module", autouse=True)
def installed_tiny_model():
    """The `gener1_models` test data table points at test-data/galaxy/tiny_model: the committed tiny_model.zip
    unpacked (by make_test_data.py's own function), so the weights are in git once."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_test_data", TEST_DATA / "galaxy" / "make_test_data.py")
    make_test_data = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make_test_data)
    make_test_data.unpack_model(TEST_DATA / "galaxy" / "tiny_model.zip", TEST_DATA / "galaxy" / "tiny_model")
TOOLS = sorted(ROOT.glob("gener1_*.xml"))
EXPECTED_TOOLS = {"gener1_annotate.xml", "gener1_enrich.xml", "gener1_evaluate.xml"}

galaxy = pytest.importorskip("galaxy.tool_util", reason="galaxy-tool-util is in the dev extra: pip install -e '.[dev]'")


def tool_source(path: Path):
    from galaxy.tool_util.parser import get_tool_source

    return get_tool_source(str(path))


# ------------------------------------------------------------------------------------------------------
# Stand-ins for Galaxy's Cheetah wrappers (galaxy/tools/wrappers.py): what a command template can see
# ------------------------------------------------------------------------------------------------------
class DatasetWrapper:
    """`$input` prints its file path; `.ext`, `.element_identifier`, `.name` as in Galaxy."""

    def __init__(self, path: Path, ext: str, element_identifier: str):
        self.file_name = str(path)
        self.ext = ext
        self.element_identifier = element_identifier
        self.name = element_identifier

    def __str__(self):
        return self.file_name

    def __bool__(self):
        return True


class BooleanWrapper:
    def __init__(self, value: bool, truevalue: str, falsevalue: str):
        self.value, self.truevalue, self.falsevalue = value, truevalue, falsevalue

    def __str__(self):
        return self.truevalue if self.value else self.falsevalue

    def __bool__(self):
        return bool(self.value)


class ValueWrapper:
    """Select, text and number values; an unset optional value is falsy and prints empty."""

    def __init__(self, value):
        self.value = value

    def __str__(self):
        return "" if self.value is None else str(self.value)

    def __bool__(self):
        return self.value not in (None, "", [])

    def __eq__(self, other):
        return str(self) == str(other)

    def __hash__(self):
        return hash(str(self))

    def __getattr__(self, name):  # str methods (.strip(), .split()) as on Galaxy's InputValueWrapper
        return getattr(str(self), name)


class DataTableSelectWrapper(ValueWrapper):
    """A select from a data table: `$param` prints the value, `$param.fields.path` a column of its row (Galaxy's
    SelectToolParameterWrapper.fields)."""

    def __init__(self, value, row: dict):
        super().__init__(value)
        self.fields = Namespace(row)


def data_tables(conf: Path = ROOT / "tool_data_table_conf.xml.test") -> dict[str, dict[str, dict]]:
    """{table: {value: {column: field}}} as Galaxy reads them: `${__HERE__}` in the <file path> is the folder of the
    conf file, and in a .loc line the folder of that .loc file."""
    import xml.etree.ElementTree as ET

    tables = {}
    for table in ET.parse(conf).getroot().findall("table"):
        columns = [c.strip() for c in table.find("columns").text.split(",")]
        loc = Path(table.find("file").get("path").replace("${__HERE__}", str(conf.parent)))
        rows = {}
        for line in loc.read_text().splitlines():
            if not line.strip() or line.startswith(table.get("comment_char", "#")):
                continue
            fields = line.replace("${__HERE__}", str(loc.parent)).split("\t")
            assert len(fields) == len(columns), f"{loc}: {line!r} has {len(fields)} fields, the table {len(columns)} columns"
            rows[fields[0]] = dict(zip(columns, fields))
        tables[table.get("name")] = rows
    return tables


def table_selects(source) -> dict[str, str]:
    """param name -> data table, for <param type="select"><options from_data_table=...> of a tool."""
    return {param.get("name"): param.find("options").get("from_data_table")
            for param in source.root.iter("param")
            if param.get("type") == "select" and param.find("options") is not None
            and param.find("options").get("from_data_table")}


class SelectMultipleWrapper(list):
    def __str__(self):
        return ",".join(str(v) for v in self)


class Namespace(dict):
    """Conditionals and sections: `$cond.param` in Cheetah resolves to a key here."""

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError as exc:
            raise AttributeError(name) from exc


@dataclass
class Job:
    workdir: Path
    command: str
    returncode: int
    stdout: str
    stderr: str


def _wrap(parameters, state: dict, job_inputs: Path, datasets: dict, tables: dict | None = None) -> Namespace:
    from galaxy.tool_util_models import parameters as models

    tables = tables or {}
    namespace = Namespace()
    for parameter in parameters:
        value = state.get(parameter.name)
        if isinstance(parameter, models.DataParameterModel):
            if value is None:
                namespace[parameter.name] = ValueWrapper(None)
                continue
            source = TEST_DATA / value["path"]
            staged = job_inputs / f"dataset_{len(datasets) + 1}.dat"
            shutil.copyfile(source, staged)
            identifier = value.get("name") or Path(value["path"]).name
            wrapper = DatasetWrapper(staged, value.get("filetype") or parameter.extensions[0], identifier)
            datasets[parameter.name] = wrapper
            namespace[parameter.name] = wrapper
        elif isinstance(parameter, models.BooleanParameterModel):
            truevalue = "true" if parameter.truevalue is None else parameter.truevalue
            falsevalue = "false" if parameter.falsevalue is None else parameter.falsevalue
            namespace[parameter.name] = BooleanWrapper(bool(value), truevalue, falsevalue)
        elif isinstance(parameter, models.SelectParameterModel) and parameter.multiple:
            namespace[parameter.name] = SelectMultipleWrapper(ValueWrapper(v) for v in (value or []))
        elif isinstance(parameter, models.SelectParameterModel) and parameter.name in tables:
            rows = tables[parameter.name]
            assert value in rows, f"{parameter.name}={value!r} is not in its data table ({sorted(rows)})"
            namespace[parameter.name] = DataTableSelectWrapper(value, rows[value])
        elif isinstance(parameter, models.ConditionalParameterModel):
            test_name = parameter.test_parameter.name
            discriminator = value.get(test_name)
            when = next(w for w in parameter.whens if str(w.discriminator) == str(discriminator))
            inner = _wrap(when.parameters, value, job_inputs, datasets, tables)
            inner[test_name] = ValueWrapper(discriminator)
            namespace[parameter.name] = inner
        elif isinstance(parameter, models.SectionParameterModel):
            namespace[parameter.name] = _wrap(parameter.parameters, value or {}, job_inputs, datasets, tables)
        elif isinstance(parameter, models.RepeatParameterModel):
            namespace[parameter.name] = [_wrap(parameter.parameters, item, job_inputs, datasets, tables) for item in value or []]
        else:
            namespace[parameter.name] = ValueWrapper(value)
    return namespace


def cases_with_states(source) -> list[dict]:
    """Each <test> as a complete tool state (test values + the tool's defaults), as Galaxy would build it."""
    from galaxy.tool_util.parameters import input_models_for_tool_source
    from galaxy.tool_util.parameters.case import test_case_state
    from galaxy.tool_util.parameters.convert import fill_static_defaults

    bundle = input_models_for_tool_source(source)
    profile = source.parse_profile()
    states = []
    for test in source.parse_tests_to_dict()["tests"]:
        state = test_case_state(test, bundle.parameters, profile).tool_state.input_state
        states.append((test, fill_static_defaults(state, bundle, float(profile))))
    return states, bundle


def run_tool(source, state: dict, bundle, workdir: Path, env: dict | None = None,
             rename: dict[str, str] | None = None) -> tuple[Job, dict]:
    """Fill the <command> with `state` and run it as Galaxy would; returns the job and the output files."""
    from galaxy.util.template import fill_template

    job_inputs, job_outputs, working = workdir / "inputs", workdir / "outputs", workdir / "working"
    for folder in (job_inputs, job_outputs, working):
        folder.mkdir(parents=True, exist_ok=True)
    datasets: dict = {}
    all_tables = data_tables()
    tables = {param: all_tables[table] for param, table in table_selects(source).items()}
    namespace = _wrap(bundle.parameters, state, job_inputs, datasets, tables)
    for name, identifier in (rename or {}).items():
        datasets[name].element_identifier = datasets[name].name = identifier
    outputs, _ = source.parse_outputs(None)
    outputs = {name: o for name, o in outputs.items() if type(o).__name__ == "ToolOutput"}  # datasets, not collections
    for name in outputs:
        namespace[name] = DatasetWrapper(job_outputs / f"{name}.dat", outputs[name].format, name)
    namespace["__tool_directory__"] = str(ROOT)
    rendered = fill_template(source.parse_command(), context=namespace, python_template_version="3")
    # Galaxy joins the command's lines with spaces before running it: hence `&&` between commands.
    command = " ".join(line.strip() for line in rendered.splitlines() if line.strip())
    (working / "tool_script.sh").write_text("#!/bin/bash\n" + command + "\n")
    run_env = dict(os.environ if env is None else env)
    run_env.setdefault("GALAXY_SLOTS", "1")
    proc = subprocess.run(["bash", "tool_script.sh"], cwd=working, capture_output=True, text=True, env=run_env,
                          timeout=900)
    files = {}
    for name, output in outputs.items():
        files[name] = working / output.from_work_dir if output.from_work_dir else job_outputs / f"{name}.dat"
    for name, element in _discovered(source).items():
        directory, pattern = element
        found = sorted(p for p in (working / directory).glob("*") if re.fullmatch(pattern, p.name))
        files[name] = found
    return Job(working, command, proc.returncode, proc.stdout, proc.stderr), files


def _discovered(source) -> dict[str, tuple[str, str]]:
    """<collection><discover_datasets pattern= directory=> of each output collection (read from the XML)."""
    found = {}
    for collection in source.root.findall("./outputs/collection"):
        discover = collection.find("discover_datasets")
        if discover is not None:
            found[collection.get("name")] = (discover.get("directory", "."), discover.get("pattern"))
    return found


def verify_outputs(test: dict, files: dict, job: Job) -> None:
    from galaxy.tool_util.verify import verify

    assert job.returncode == 0, f"tool failed ({job.returncode}):\n{job.command}\n--- stderr ---\n{job.stderr[-3000:]}"
    for output in test["outputs"]:
        path = files[output["name"]]
        assert path.exists(), f"output {output['name']} was not written ({path})"
        verify(output["name"], path.read_bytes(), attributes=output["attributes"], filename=output["value"],
               get_filename=lambda name: str(TEST_DATA / name))
    for collection in test.get("output_collections", []):
        count = collection["attributes"].get("count")
        if count is not None:
            assert len(files[collection["name"]]) == int(count), f"collection {collection['name']}"


def job_env(tmp_path: Path) -> dict:
    # No default KB may be found by accident: tests give the KB as a history dataset.
    return dict(os.environ, OMP_NUM_THREADS="1", HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1",
                GENER1_HOME=str(tmp_path / "gener1_home"))


# ------------------------------------------------------------------------------------------------------
# Lint
# ------------------------------------------------------------------------------------------------------
def test_expected_tools_and_shared_macros():
    assert {p.name for p in TOOLS} == EXPECTED_TOOLS
    macros = (ROOT / "macros.xml").read_text()
    assert "10.48550/arXiv.2509.10575" in macros and "eprint = {2509.10575}" in macros
    for path in TOOLS:
        text = path.read_text()
        assert "<import>macros.xml</import>" in text and 'profile="@PROFILE@"' in text
        assert 'detect_errors="exit_code"' in text and '<expand macro="citations"/>' in text
        source = tool_source(path)
        assert source.parse_profile() == "23.0" and source.parse_version() == f"{__version__}+galaxy0"
        requirements, containers = source.parse_requirements()[:2]
        assert {(r.name, r.version) for r in requirements} == {("gener1", __version__)}
        # the container carries gener1, the default KB and the base model (containers/Dockerfile, build.sh tag)
        assert [(c.type, c.identifier) for c in containers] == [("docker", f"ghcr.io/gener1/gener1:{__version__}")]
        assert [(x["type"], x["value"]) for x in source.parse_xrefs()] == [("bio.tools", "gener1")]
        assert source.parse_edam_operations() and source.parse_edam_topics()


def _planemo_lint(paths: list[Path]) -> subprocess.CompletedProcess:
    return subprocess.run(["planemo", "lint", "--skip", "BioToolsValid", "--fail_level", "warn", *map(str, paths)],
                          capture_output=True, text=True, timeout=300)


@pytest.mark.skipif(shutil.which("planemo") is None, reason="planemo is in the dev extra: pip install -e '.[dev]'")
def test_planemo_lint_is_clean():
    result = _planemo_lint(TOOLS)
    problems = [line for line in result.stdout.splitlines() if re.search(r"\b(WARNING|ERROR)\b", line)]
    assert result.returncode == 0 and not problems, result.stdout[-4000:] + result.stderr[-2000:]


@pytest.mark.skipif(shutil.which("planemo") is None, reason="planemo is in the dev extra: pip install -e '.[dev]'")
def test_planemo_lint_catches_a_broken_tool(tmp_path):
    shutil.copy(ROOT / "macros.xml", tmp_path)
    broken = tmp_path / "gener1_enrich.xml"
    broken.write_text((ROOT / "gener1_enrich.xml").read_text().replace('detect_errors="exit_code"', 'detect_errors="exit_kode"'))
    result = _planemo_lint([broken])
    assert result.returncode != 0 and "exit_kode" in result.stdout


# ------------------------------------------------------------------------------------------------------
# Every <test>, run for real
# ------------------------------------------------------------------------------------------------------
def _cases():
    cases = []
    for path in TOOLS:
        states, _ = cases_with_states(tool_source(path))
        cases += [pytest.param(path, i, id=f"{path.stem}-test{i + 1}") for i in range(len(states))]
    return cases


@pytest.mark.parametrize("path, index", _cases())
def test_tool_tests_run_and_match_test_data(path, index, tmp_path):
    source = tool_source(path)
    states, bundle = cases_with_states(source)
    test, state = states[index]
    job, files = run_tool(source, state, bundle, tmp_path, env=job_env(tmp_path))
    verify_outputs(test, files, job)


def test_verify_rejects_wrong_output(tmp_path):
    """The comparison is not vacuous: a changed expected file fails verification."""
    from galaxy.tool_util.verify import verify

    expected = (TEST_DATA / "galaxy" / "evaluate_table.md").read_text()
    with pytest.raises(AssertionError):
        verify("table", expected.replace("tuned", "other").replace("1.000", "0.500").encode() + b"x\n",
               attributes={"compare": "diff", "lines_diff": 0}, filename="galaxy/evaluate_table.md",
               get_filename=lambda name: str(TEST_DATA / name))


# ------------------------------------------------------------------------------------------------------
# Hostile dataset names
# ------------------------------------------------------------------------------------------------------
HOSTILE_NAMES = [
    "it's a \"quoted\" name; touch INJECTED_SEMICOLON && touch INJECTED_AND | tee INJECTED_PIPE.tsv",
    "$(touch INJECTED_SUBSHELL) `touch INJECTED_BACKTICK` ${HOME}.csv",
    "'; touch INJECTED_QUOTE; echo '../../../etc/passwd",
]


@pytest.mark.parametrize("hostile", HOSTILE_NAMES)
def test_hostile_dataset_names_cannot_break_or_inject(hostile, tmp_path):
    source = tool_source(ROOT / "gener1_enrich.xml")
    states, bundle = cases_with_states(source)
    test, state = states[0]
    job, files = run_tool(source, state, bundle, tmp_path, env=job_env(tmp_path), rename={"input": hostile})
    assert job.returncode == 0, f"{job.command}\n{job.stderr[-2000:]}"
    leftovers = [p.name for p in tmp_path.rglob("INJECTED*")] + [p.name for p in Path.cwd().glob("INJECTED*")]
    assert not leftovers, f"the dataset name ran a command: {leftovers}"
    link = next(p for p in job.workdir.iterdir() if p.is_symlink())
    assert re.fullmatch(r"[A-Za-z0-9_.-]+", link.name) and link.parent == job.workdir
    # Same results as the clean test; only the set IDs carry the (sanitised) dataset name.
    stem = link.name.rsplit(".", 1)[0]
    expected = (TEST_DATA / "galaxy" / "enrich_summary.tsv").read_text().replace("deseq2_results", stem)
    assert files["summary"].read_text() == expected


def test_hostile_name_in_evaluate_label(tmp_path):
    source = tool_source(ROOT / "gener1_evaluate.xml")
    states, bundle = cases_with_states(source)
    test, state = states[1]
    job, files = run_tool(source, state, bundle, tmp_path, env=job_env(tmp_path),
                          rename={"predictions": "run=1; $(touch INJECTED) 'x'.tsv"})
    assert job.returncode == 0, job.stderr[-2000:]
    assert not list(tmp_path.rglob("INJECTED*"))
    rows = files["per_set"].read_text().splitlines()
    assert rows[1].split("\t")[0] == "run_1____touch_INJECTED___x_"  # the method label: sanitised, extension dropped


def test_the_hostile_name_check_detects_an_unsafe_template(tmp_path):
    """Proof the checks above can fail: the same hostile name in an unquoted, unsanitised template injects."""
    from galaxy.util.template import fill_template

    hostile = "x; touch INJECTED_UNSAFE"
    command = fill_template("echo $input.element_identifier", context={"input": DatasetWrapper(tmp_path / "d", "tabular", hostile)},
                            python_template_version="3")
    subprocess.run(["bash", "-c", command], cwd=tmp_path, check=True, capture_output=True)
    assert (tmp_path / "INJECTED_UNSAFE").exists()


def test_committed_test_kb_is_readable_by_this_version(tmp_path):
    """test-data/galaxy/test_kb.sqlite is a build of test-data/kb; rebuild it when the KB format changes:
    python test-data/galaxy/make_test_data.py"""
    from gener1_tool.knowledge.store import KnowledgeBase

    kb = KnowledgeBase(TEST_DATA / "galaxy" / "test_kb.sqlite")
    try:
        assert kb.gene_by_symbol("PEX1") is not None and "GO_BP" in kb.libraries()
    finally:
        kb.close()


# ------------------------------------------------------------------------------------------------------
# Tool Shed packaging: data tables, .loc samples, .shed.yml; the report under Galaxy's HTML sanitiser
# ------------------------------------------------------------------------------------------------------
def test_data_tables_sample_and_test_agree():
    sample = (ROOT / "tool_data_table_conf.xml.sample").read_text()
    test = (ROOT / "tool_data_table_conf.xml.test").read_text()
    assert test == sample.replace('<file path="tool-data/', '<file path="${__HERE__}/test-data/')
    used = {table for path in TOOLS for table in table_selects(tool_source(path)).values()}
    assert used == {"gener1_kb", "gener1_models"}
    tables = data_tables()
    assert set(tables) == used
    for name in used:  # what an admin copies: every line a comment, with a commented example of 3 columns
        loc_sample = (ROOT / "tool-data" / f"{name}.loc.sample").read_text().splitlines()
        assert loc_sample and all(line.startswith("#") or not line.strip() for line in loc_sample)
        assert any(line.startswith("#") and line.count("\t") == 2 for line in loc_sample), name
        for value, row in tables[name].items():  # the test tables point at real test data
            assert Path(row["path"]).exists(), f"{name}: {value} -> {row['path']}"
    assert "/opt/gener1/kb/default.sqlite" in (ROOT / "tool-data" / "gener1_kb.loc.sample").read_text()


def test_data_table_tests_exist():
    """Both tables are exercised by a <test> (annotate: installed KB and model; enrich: installed KB)."""
    annotate = (ROOT / "gener1_annotate.xml").read_text()
    assert '<param name="model_select" value="cached"/>' in annotate and '<param name="kb_select" value="cached"/>' in annotate
    assert '<param name="kb_select" value="cached"/>' in (ROOT / "gener1_enrich.xml").read_text()


def test_shed_yml():
    import yaml

    shed = yaml.safe_load((ROOT / ".shed.yml").read_text())
    assert shed["name"] == "gener1" and shed["owner"] == "iuc" and shed["type"] == "unrestricted"
    assert shed["categories"] and shed["description"] and shed["long_description"]
    assert shed["homepage_url"].startswith("https://") and shed["remote_repository_url"].startswith("https://")
    for entry in shed["include"]:
        assert (ROOT / entry).exists(), entry
    assert {p.name for p in TOOLS} | {"macros.xml", "tool_data_table_conf.xml.sample"} <= set(shed["include"])


@pytest.mark.skipif(shutil.which("planemo") is None, reason="planemo is in the dev extra: pip install -e '.[dev]'")
def test_planemo_shed_lint_offline():
    """`planemo shed_lint --tools` without its two network checks (the Tool Shed's version lookup, bio.tools).
    Error level: its remote_repository_url warning compares the URL with this checkout's folder name."""
    result = subprocess.run(["planemo", "shed_lint", "--tools", "--skip", "version_bumped,BioToolsValid",
                             "--fail_level", "error", str(ROOT)], capture_output=True, text=True, timeout=300)
    problems = [line for line in result.stdout.splitlines() if "ERROR" in line]
    assert result.returncode == 0 and not problems, result.stdout[-4000:] + result.stderr[-2000:]


def test_report_displays_after_galaxy_sanitises_it(tmp_path):
    """Galaxy sanitises HTML datasets of tools not on its allowlist: no script may be needed, and the names and
    tables must survive (figures and styling are dropped then; the plots collection keeps the figures)."""
    from galaxy.util.sanitize_html import sanitize_html

    source = tool_source(ROOT / "gener1_annotate.xml")
    states, bundle = cases_with_states(source)
    test, state = states[0]
    job, files = run_tool(source, state, bundle, tmp_path, env=job_env(tmp_path))
    assert job.returncode == 0, job.stderr[-2000:]
    raw = files["report"].read_text()
    assert "<script" not in raw.lower() and "javascript:" not in raw.lower()
    clean = sanitize_html(raw)
    for needle in ("gener1 annotation report", "PEROXISOME_IMPORT", "OXPHOS_CORE", "P53_TARGETS", "<table"):
        assert needle in clean, f"{needle!r} lost by Galaxy's sanitiser"
    assert len(files["plots"]) == 3 and all(p.read_bytes()[:4] == b"\x89PNG" for p in files["plots"])
    assert "sanitize_allowlist" in (ROOT / "macros.xml").read_text()
