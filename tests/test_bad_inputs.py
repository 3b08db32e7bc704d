"""Bad input gets a clear error before anything is written, and a command never overwrites its own input.

Each case runs the real CLI, asserts the exit code and the words of the message, and that the input files are
byte for byte what they were.
"""

from __future__ import annotations

import hashlib
import json
import os

import pytest
from click.testing import CliRunner

from gener1_tool.cli import cli

GMT = "perox\tperoxisome\tPEX1\tPEX2\tPEX3\tPEX5\np53\tp53 signalling\tTP53\tMDM2\tCDKN1A\n"


@pytest.fixture
def inputs(tmp_path, tiny_kb_path):
    gmt = tmp_path / "in.gmt"
    gmt.write_text(GMT)
    preds = tmp_path / "preds.tsv"
    preds.write_text("id\tname\nperox\tperoxisome organization\np53\tp53 signalling\n")
    gene_info = tmp_path / "gene_info.tsv"
    gene_info.write_text("#tax_id\tGeneID\tSymbol\n9606\t1\tPEX1\n")
    return {"gmt": gmt, "preds": preds, "gene_info": gene_info, "kb": tiny_kb_path, "dir": tmp_path}


def _jsonl(i, *rows, name="preds.jsonl"):
    path = i["dir"] / name
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def _raw(i, text, name="preds.jsonl"):
    path = i["dir"] / name
    path.write_bytes(text.encode("latin-1"))
    return path


def _records(i, *, torn=False, confidence=0.5, set_id="perox"):
    run = i["dir"] / "run"
    run.mkdir(exist_ok=True)
    rec = {"index": 0, "id": set_id, "source": "in.gmt", "mode": "grounded", "n_genes": 4, "n_known": 4,
           "genes": ["PEX1", "PEX2"], "gold_name": None, "flags": [], "name": "peroxisome organization",
           "confidence": confidence, "status": "ok", "raw": "Process: peroxisome organization", "attempts": 1}
    text = json.dumps(rec) + "\n"
    if torn:
        text += json.dumps({**rec, "index": 1})[:30]
    (run / "annotations.jsonl").write_text(text)
    return run


def _digest(paths):
    return {p: hashlib.sha256(open(p, "rb").read()).hexdigest() for p in paths}


def _run(args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


# (name, argv builder, expected words in the message). Every case must exit 1 or 2 and leave its inputs as they were.
CASES = [
    ("baseline -o its own input",
     lambda i: ["baseline", "enrich-top1", i["gmt"], "-o", i["gmt"], "--kb", i["kb"]], "would overwrite the input"),
    ("baseline -o the input under another name",
     lambda i: ["baseline", "enrich-top1", i["gmt"], "-o", i["dir"] / "." / "in.gmt", "--kb", i["kb"]],
     "would overwrite the input"),
    ("baseline min above max",
     lambda i: ["baseline", "enrich-top1", i["gmt"], "-o", i["dir"] / "p.tsv", "--kb", i["kb"], "--min-size", "10",
                "--max-size", "2"], "no term fits that window"),
    ("baseline min size 0", lambda i: ["baseline", "enrich-top1", i["gmt"], "-o", i["dir"] / "p.tsv", "--min-size", "0"],
     "0 is not in the range x>=1"),
    ("genes check -o its own input",
     lambda i: ["genes", "check", i["gmt"], "-o", i["gmt"], "--kb", i["kb"]], "would overwrite the input"),
    ("kb build -o its own source",
     lambda i: ["kb", "build", "--source", f"gene_info={i['gene_info']}", "-o", i["gene_info"]],
     "would overwrite the input"),
    ("enrich min above max",
     lambda i: ["enrich", i["gmt"], "-o", i["dir"] / "enr", "--kb", i["kb"], "--min-size", "10", "--max-size", "2"],
     "no term fits that window"),
    ("enrich into the folder holding its input as summary.tsv",
     lambda i: ["enrich", i["dir"] / "summary.tsv", "-o", i["dir"], "--kb", i["kb"]], "would overwrite the input"),
    ("evaluate into the folder holding its predictions as per_set.tsv",
     lambda i: ["evaluate", "-p", i["dir"] / "per_set.tsv", "-g", i["gmt"], "--rouge-only", "-o", i["dir"]],
     "would overwrite the input"),
    ("annotate batch size 0", lambda i: ["annotate", i["gmt"], "-o", i["dir"] / "a", "--batch-size", "0"],
     "0 is not in the range x>=1"),
    ("annotate max new tokens 0", lambda i: ["annotate", i["gmt"], "-o", i["dir"] / "a", "--max-new-tokens", "0"],
     "0 is not in the range 1<=x<=4096"),
    ("annotate max new tokens huge",
     lambda i: ["annotate", i["gmt"], "-o", i["dir"] / "a", "--max-new-tokens", "100000000"], "1<=x<=4096"),
    ("annotate negative retries", lambda i: ["annotate", i["gmt"], "-o", i["dir"] / "a", "--retries", "-5"],
     "-5 is not in the range x>=0"),
    ("annotate limit 0", lambda i: ["annotate", i["gmt"], "-o", i["dir"] / "a", "--limit", "0"],
     "0 is not in the range x>=1"),
    ("annotate start past the last set",
     lambda i: ["annotate", i["gmt"], "-o", i["dir"] / "a", "--kb", i["kb"], "--start", "99"],
     "--start 99 selects none of the 2 gene sets"),
    ("annotate into the folder holding its input as annotations.tsv",
     lambda i: ["annotate", i["dir"] / "annotations.tsv", "-o", i["dir"], "--kb", i["kb"]], "would overwrite the input"),
    ("annotate workers 0", lambda i: ["annotate", i["gmt"], "-o", i["dir"] / "a", "--workers", "0"],
     "0 is not in the range x>=1"),
    ("annotate threads 0", lambda i: ["annotate", i["gmt"], "-o", i["dir"] / "a", "--threads", "0"],
     "0 is not in the range x>=1"),
    ("annotate negative start", lambda i: ["annotate", i["gmt"], "-o", i["dir"] / "a", "--start", "-1"],
     "-1 is not in the range x>=0"),
    ("annotate a missing input", lambda i: ["annotate", i["dir"] / "nope.gmt", "-o", i["dir"] / "a"], "does not exist"),
    ("enrich fdr 0", lambda i: ["enrich", i["gmt"], "-o", i["dir"] / "e", "--kb", i["kb"], "--fdr", "0"],
     "0.0 is not in the range 0<x<=1"),
    ("enrich top 0", lambda i: ["enrich", i["gmt"], "-o", i["dir"] / "e", "--kb", i["kb"], "--top", "0"],
     "0 is not in the range x>=1"),
    ("enrich min size 0", lambda i: ["enrich", i["gmt"], "-o", i["dir"] / "e", "--min-size", "0"],
     "0 is not in the range x>=1"),
    ("baseline with neither sets nor benchmark", lambda i: ["baseline", "enrich-top1", "-o", i["dir"] / "p.tsv"],
     "give either a gene-set file or --benchmark"),
    ("baseline with both sets and benchmark",
     lambda i: ["baseline", "enrich-top1", i["gmt"], "-b", "NeST", "-o", i["dir"] / "p.tsv"],
     "give either a gene-set file or --benchmark"),
    ("evaluate a list as id", lambda i: ["evaluate", "-p", _jsonl(i, {"id": ["perox"], "name": "x"}), "-g", i["gmt"],
                                          "--rouge-only", "-o", i["dir"] / "ev"], "field 'id' must be a string"),
    ("evaluate a number as name", lambda i: ["evaluate", "-p", _jsonl(i, {"id": "perox", "name": 3}), "-g", i["gmt"],
                                              "--rouge-only", "-o", i["dir"] / "ev"], "the name must be a string or null"),
    ("evaluate 'high' as confidence",
     lambda i: ["evaluate", "-p", _jsonl(i, {"id": "perox", "name": "x", "confidence": "high"}), "-g", i["gmt"],
                "--rouge-only", "-o", i["dir"] / "ev"], "field 'confidence' must be a number or null"),
    ("evaluate a duplicated id", lambda i: ["evaluate", "-p", _jsonl(i, {"id": "perox", "name": "a"},
                                                                   {"id": "perox", "name": "b"}),
                                            "-g", i["gmt"], "--rouge-only", "-o", i["dir"] / "ev"],
     "1 set id(s) appear more than once (perox)"),
    ("evaluate predictions sharing no id with the gold",
     lambda i: ["evaluate", "-p", _jsonl(i, {"id": "other", "name": "a"}), "-g", i["gmt"], "--rouge-only",
                "-o", i["dir"] / "ev"], "no set id is both in the predictions and in the gold"),
    ("evaluate a torn JSONL line", lambda i: ["evaluate", "-p", _raw(i, '{"id": "perox", "name": "a"}\n{"id": "p5'),
                                              "-g", i["gmt"], "--rouge-only", "-o", i["dir"] / "ev"],
     "preds.jsonl:2: invalid JSON line"),
    ("evaluate a binary file", lambda i: ["evaluate", "-p", _raw(i, "\x00\x01\x02binary", name="preds.bin"),
                                          "-g", i["gmt"], "--rouge-only", "-o", i["dir"] / "ev"], "binary file"),
    ("report a torn last record", lambda i: ["report", _records(i, torn=True), "-o", i["dir"] / "r"],
     "annotations.jsonl:2: invalid JSON line"),
    ("report a record with confidence 'high'",
     lambda i: ["report", _records(i, confidence="high"), "-o", i["dir"] / "r"],
     "annotations.jsonl:1: field 'confidence' must be integer or number or null"),
    ("report a record with a list as id", lambda i: ["report", _records(i, set_id=["x"]), "-o", i["dir"] / "r"],
     "field 'id' must be str"),
    ("report a binary file", lambda i: ["report", _raw(i, "\xff\xfe\x00\x01", name="annotations.jsonl"),
                                        "-o", i["dir"] / "r"], "not UTF-8 JSONL text"),
    ("report into the folder it reads", lambda i: ["report", _records(i), "-o", i["dir"] / "run"],
     "would overwrite the input"),
    ("report a folder without annotations", lambda i: ["report", i["dir"], "-o", i["dir"] / "r"],
     "no annotations.jsonl here"),
    ("corpus reasoning -o its own input",
     lambda i: ["corpus", "reasoning", i["gmt"], "-o", i["gmt"], "--kb", i["kb"]], "would overwrite the input"),
    ("genes check a missing kb", lambda i: ["genes", "check", i["gmt"], "--kb", i["dir"] / "no.sqlite"], "no.sqlite"),
]


@pytest.mark.parametrize("name,argv,words", CASES, ids=[c[0] for c in CASES])
def test_bad_input_is_refused_and_inputs_are_unchanged(inputs, name, argv, words):
    # inputs some cases read under an output's name
    (inputs["dir"] / "summary.tsv").write_text("id\tgenes\nperox\tPEX1 PEX2 PEX3\n")
    (inputs["dir"] / "per_set.tsv").write_text("id\tname\nperox\tperoxisome\n")
    (inputs["dir"] / "annotations.tsv").write_text("id\tgenes\nperox\tPEX1 PEX2 PEX3\n")
    command = argv(inputs)  # writes the case's own input files
    files = [p for p in inputs["dir"].rglob("*") if p.is_file()] + [inputs["kb"]]
    before = _digest(files)
    result = _run(command)
    assert result.exit_code in (1, 2), result.output
    assert words in " ".join(result.output.split()), result.output
    assert _digest(files) == before
    assert not [p for p in inputs["dir"].rglob("*.partial")]


def test_a_failed_kb_build_leaves_no_partial_file(tmp_path):
    bad = tmp_path / "gene_info.tsv"
    bad.write_text("not a gene_info file\n")
    out = tmp_path / "kb.sqlite"
    result = _run(["kb", "build", "--source", f"gene_info={bad}", "-o", out])
    assert result.exit_code == 1
    assert not out.exists() and not list(tmp_path.glob("kb.sqlite.partial*"))


def test_the_guard_sees_through_symlinks(tmp_path):
    from gener1_tool.errors import Gener1Error
    from gener1_tool.io import refuse_overwriting_inputs

    real = tmp_path / "sets.gmt"
    real.write_text(GMT)
    link = tmp_path / "link.gmt"
    os.symlink(real, link)
    with pytest.raises(Gener1Error, match="would overwrite the input"):
        refuse_overwriting_inputs([link], [real])
    refuse_overwriting_inputs([tmp_path / "other.gmt"], [real])  # a different file is fine


def test_the_suite_runs_with_networking_off():
    import socket

    with socket.socket() as sock, pytest.raises(OSError, match="network disabled"):
        sock.connect(("192.0.2.1", 443))  # TEST-NET-1: refused by conftest's guard before any packet leaves
