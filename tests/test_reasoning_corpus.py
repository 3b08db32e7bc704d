"""`gener1 corpus reasoning`: teacher → similarity filter → prompt/completion JSONL, with counted drops."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from gener1_tool.cli import cli
from gener1_tool.errors import Gener1Error
from gener1_tool.reasoning import answer
from gener1_tool.corpora.reasoning import ReasoningCorpusConfig, build_reasoning_corpus, read_task_sets
from gener1_tool.reasoning.prompts import build_prompt

TASK_ROWS = [
    {"id": "A", "genes": ["PEX1", "PEX2", "PEX3"], "gold_name": "peroxisome organization", "split": "train"},
    {"id": "B", "genes": ["TP53", "MDM2"], "gold_name": "p53 signaling pathway", "split": "train"},
    {"id": "C", "genes": ["ATP5F1A", "ATP5F1B"], "gold_name": "oxidative phosphorylation", "split": "train"},
    {"id": "D", "genes": "NDUFS1, ATP5F1B", "gold_name": "mitochondrial respiratory chain", "split": "train"},
    {"id": "E", "genes": ["CDKN1A"], "gold_name": "", "split": "train"},
    {"id": "F", "genes": ["PEX5"], "gold_name": "peroxisome", "split": "test"},
    {"id": "G", "genes": ["MARCHF1"], "gold_name": "protein ubiquitination", "split": "train"},  # no trace
]
TRACES = [
    {"id": "A", "completion": "Process: peroxisome organisation (0.9)\nReasoning:\n<think>PEX genes build peroxisomes.</think>"},
    {"id": "B", "completion": "Process: T cell receptor signaling (0.6)\nReasoning:\n<think>Wrong guess.</think>"},
    {"id": "D", "completion": "The genes are mitochondrial."},  # no Process line: garbage for the format
    {"id": "C", "completion": "Process: oxidative phosphorylation (0.8)"},  # right, but no reasoning
]


@pytest.fixture
def task_file(tmp_path):
    path = tmp_path / "task.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in TASK_ROWS))
    return path


@pytest.fixture
def traces_file(tmp_path):
    path = tmp_path / "traces.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in TRACES))
    return path


def test_read_task_sets_filters_the_split_and_splits_gene_strings(task_file):
    sets, counts = read_task_sets(task_file, split="train")
    assert [gs.id for gs in sets] == ["A", "B", "C", "D", "E", "G"]
    assert counts["other_split"] == 1
    assert sets[3].genes == ["NDUFS1", "ATP5F1B"]
    assert sets[4].gold_name is None
    assert len(read_task_sets(task_file, split=None)[0]) == 7


def test_corpus_keeps_only_close_names_and_counts_every_drop(task_file, traces_file, tmp_path):
    out = tmp_path / "reasoning.jsonl"
    report = build_reasoning_corpus(ReasoningCorpusConfig(
        input=str(task_file), output=str(out), teacher="import", teacher_options={"path": str(traces_file)}))
    d = report.to_dict()
    assert d["total"] == 6 and d["other_split"] == 1
    assert d["kept"] == 1
    assert d["dropped"] == {"below_threshold": 1, "no_answer": 1, "no_gold_name": 1, "no_reasoning": 1,
                            "no_trace": 1}
    assert d["kept"] + d["dropped_total"] == d["total"]
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["id"] for r in rows] == ["A"]
    row = rows[0]
    assert row["prompt"] == build_prompt(TASK_ROWS[0]["genes"])
    assert row["completion"][0]["role"] == "assistant"
    assert answer.parse(row["completion"][0]["content"]).name == "peroxisome organisation"
    assert row["similarity"] > 0.7 and row["teacher"] == "import" and row["gold_name"] == "peroxisome organization"
    written = json.loads((tmp_path / "reasoning.jsonl.report.json").read_text())
    assert written["kept"] == 1
    # the settings that made the corpus travel with it (a model card can cite them)
    assert written["settings"]["teacher"] == "import" and written["settings"]["threshold"] == 0.7
    assert written["settings"]["teacher_options"] == {"path": str(traces_file)}
    assert written["settings"]["prompt_mode"] == "model-only" and written["settings"]["encoders"] == ["minilm"]


def test_report_never_writes_a_teacher_secret(task_file, traces_file, tmp_path):
    config = ReasoningCorpusConfig(input=str(task_file), output=str(tmp_path / "r.jsonl"), teacher="openai",
                                   teacher_options={"base_url": "http://localhost:1/v1", "api_key": "sk-secret"})
    assert config.settings()["teacher_options"] == {"base_url": "http://localhost:1/v1", "api_key": "<redacted>"}


def test_threshold_is_configurable(task_file, traces_file, tmp_path):
    report = build_reasoning_corpus(ReasoningCorpusConfig(
        input=str(task_file), output=str(tmp_path / "all.jsonl"), teacher="import",
        teacher_options={"path": str(traces_file)}, threshold=-1.0, require_reasoning=False))
    assert report.kept == 3 and "below_threshold" not in report.dropped


def test_grounded_teacher_corpus_from_the_kb_holds_out_each_gold_term(tiny_kb_path, tmp_path):
    task = tmp_path / "task.jsonl"
    task.write_text(json.dumps({"id": "GO:0007031", "genes": ["PEX1", "PEX2", "PEX3", "PEX5"],
                                "gold_name": "peroxisome organization", "split": "train"}) + "\n")
    kept_gold = build_reasoning_corpus(ReasoningCorpusConfig(
        input=str(task), output=str(tmp_path / "with_gold.jsonl"), kb=str(tiny_kb_path), hold_out_gold=False,
        prompt_mode="grounded"))
    assert kept_gold.kept == 1
    row = json.loads((tmp_path / "with_gold.jsonl").read_text())
    assert row["teacher_name"] == "peroxisome organization" and row["similarity"] > 0.99
    assert "Evidence:" in row["prompt"][1]["content"]

    held = build_reasoning_corpus(ReasoningCorpusConfig(
        input=str(task), output=str(tmp_path / "held.jsonl"), kb=str(tiny_kb_path), threshold=-1.0))
    row = json.loads((tmp_path / "held.jsonl").read_text())
    assert row["teacher_name"] != "peroxisome organization"
    assert "peroxisome organization" not in row["completion"][0]["content"]
    assert held.kept == 1


def test_cli_reports_counts(task_file, traces_file, tmp_path):
    out = tmp_path / "cli.jsonl"
    result = CliRunner().invoke(cli, ["corpus", "reasoning", str(task_file), "-o", str(out), "-t", "import",
                                      "-O", f"path={traces_file}"])
    assert result.exit_code == 0, result.output
    assert "kept\t1 of 6" in result.output and "dropped.no_reasoning\t1" in result.output
    bad = CliRunner().invoke(cli, ["corpus", "reasoning", str(task_file), "-o", str(out), "-t", "import", "-O", "path"])
    assert bad.exit_code == 1 and "KEY=VALUE" in bad.output


def test_unknown_teacher_is_a_clear_error(task_file, tmp_path):
    with pytest.raises(Gener1Error, match="no teacher named 'oracle'"):
        build_reasoning_corpus(ReasoningCorpusConfig(input=str(task_file), output=str(tmp_path / "x.jsonl"),
                                                     teacher="oracle"))


def test_max_per_kind_caps_each_name_kind_in_input_order(tmp_path):
    """Three process sets and one pathway set all pass the filter; a cap of 2 keeps the first two processes
    and the pathway, counts the third process as over_kind_quota, and tells the kinds apart in the report."""
    rows = [{"id": f"P{i}", "genes": ["PEX1", "PEX2"], "gold_name": "peroxisome organization", "library": "GO_BP",
             "split": "train"} for i in range(3)]
    rows.append({"id": "K", "genes": ["PEX5", "PEX6"], "gold_name": "peroxisome organization",
                 "library": "KEGG_2021_HUMAN", "split": "train"})
    task = tmp_path / "task.jsonl"
    task.write_text("".join(json.dumps(r) + "\n" for r in rows))
    traces = tmp_path / "traces.jsonl"
    traces.write_text("".join(json.dumps({"id": r["id"], "completion": "Process: peroxisome organization (0.9)\n"
                                          "Reasoning:\n<think>PEX genes.</think>"}) + "\n" for r in rows))
    out = tmp_path / "capped.jsonl"
    report = build_reasoning_corpus(ReasoningCorpusConfig(
        input=str(task), output=str(out), teacher="import", teacher_options={"path": str(traces)}, max_per_kind=2))
    kept = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["id"] for r in kept] == ["P0", "P1", "K"]
    assert [r["library"] for r in kept] == ["GO_BP", "GO_BP", "KEGG_2021_HUMAN"]
    d = report.to_dict()
    assert d["dropped"] == {"over_kind_quota": 1} and d["kept_by_kind"] == {"GO_BP": 2, "pathway": 1}
    assert d["kept"] + d["dropped_total"] == d["total"] == 4
    result = CliRunner().invoke(cli, ["corpus", "reasoning", str(task), "-o", str(tmp_path / "cli.jsonl"), "-t", "import",
                                      "-O", f"path={traces}", "--max-per-kind", "1"])
    assert result.exit_code == 0, result.output
    assert "kept.GO_BP\t1" in result.output and "kept.pathway\t1" in result.output
    assert "dropped.over_kind_quota\t2" in result.output
