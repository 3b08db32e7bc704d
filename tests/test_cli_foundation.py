"""The CLI shell: version, help, exit codes, one-line errors, kb build/info and corpus knowledge."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from gener1_tool import __version__
from gener1_tool.cli import cli

DATA = Path(__file__).parent.parent / "test-data" / "kb"


def run(*args):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_version_and_groups():
    assert run("--version").output.strip() == f"gener1, version {__version__}"
    out = run("--help").output
    for group in ("kb", "corpus", "train", "plugins", "benchmark", "baseline"):
        assert f"  {group} " in out


def test_usage_error_exits_2():
    result = CliRunner().invoke(cli, ["kb", "build", "--no-such-option"])
    assert result.exit_code == 2 and "No such option" in result.output


def test_failure_is_one_line_exit_1_and_debug_shows_traceback(tmp_path):
    result = CliRunner().invoke(cli, ["kb", "info", "--kb", str(tmp_path / "missing.sqlite")])
    assert result.exit_code == 1
    assert result.output.strip().startswith("Error: ") and len(result.output.strip().splitlines()) == 1
    assert "missing.sqlite" in result.output and "Traceback" not in result.output
    debug = CliRunner().invoke(cli, ["--debug", "kb", "info", "--kb", str(tmp_path / "missing.sqlite")])
    assert debug.exit_code == 1 and "Traceback" in debug.output


def test_kb_build_info_and_corpus_from_cli(tmp_path):
    kb = tmp_path / "kb.sqlite"
    result = run("kb", "build", "-o", str(kb), "--source", f"gene_info={DATA / 'Homo_sapiens.gene_info'}",
                 "--source", f"go_obo={DATA / 'go-mini.obo'}", "--source", f"gene2go={DATA / 'gene2go'}",
                 "--source", f"gmt:REACTOME={DATA / 'ReactomePathways.gmt'}", "--exclude-evidence", "ND")
    assert result.exit_code == 0, result.output
    assert "KB " in result.output and "6 genes" in result.output.replace(",", "")
    info = json.loads(run("kb", "info", "--kb", str(kb), "--json").output)
    assert {s["name"] for s in info["sources"]} == {"gene_info", "go_obo", "gene2go", "REACTOME"}
    assert info["libraries"]["REACTOME"] == 1 and info["meta"]["exclude_evidence"] == ["ND"]
    text = run("kb", "info", "--kb", str(kb)).output
    assert "go_obo [go_obo] version releases/2024-09-08" in text and "licence: CC BY 4.0" in text

    corpus = tmp_path / "corpus.jsonl"
    report = tmp_path / "report.json"
    result = run("corpus", "knowledge", "--kb", str(kb), "-o", str(corpus), "--report", str(report),
                 "--no-default-exclusions")
    assert result.exit_code == 0, result.output
    counts = json.loads(report.read_text())
    assert counts["sentences"] == sum(1 for _ in open(corpus)) > 0
    assert f"{counts['sentences']:,} sentences written" in result.output


def test_genes_check_reports_every_mapping(tmp_path, tiny_kb_path):
    sets = tmp_path / "sets.tsv"
    sets.write_text("set_id\tgenes\nexcel_mangled\t1-Mar SEPT7 tp53 NOTAGENE\nempty_set\t\n")
    out = tmp_path / "report.tsv"
    result = CliRunner().invoke(cli, ["genes", "check", str(sets), "--kb", str(tiny_kb_path), "-o", str(out)])
    assert result.exit_code == 0, result.output
    rows = [line.split("\t") for line in out.read_text().splitlines()[1:]]
    assert ["excel_mangled", "1-Mar", "MARCHF1", "excel_date"] in rows
    assert ["excel_mangled", "SEPT7", "SEPTIN7", "alias"] in rows
    assert ["excel_mangled", "NOTAGENE", "", "unknown"] in rows
    assert ["empty_set", "", "", "set_flag:empty"] in rows
