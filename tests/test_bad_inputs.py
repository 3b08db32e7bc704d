"""Bad input gets a clear error before anything is written, and a command never overwrites its own input.

Each case runs the real CLI, asserts the exit code and the words of the message, and that the input files are
byte for byte what they were.
"""

from __future__ import annotations

import hashlib
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
]


@pytest.mark.parametrize("name,argv,words", CASES, ids=[c[0] for c in CASES])
def test_bad_input_is_refused_and_inputs_are_unchanged(inputs, name, argv, words):
    # inputs some cases read under an output's name
    (inputs["dir"] / "summary.tsv").write_text("id\tgenes\nperox\tPEX1 PEX2 PEX3\n")
    (inputs["dir"] / "per_set.tsv").write_text("id\tname\nperox\tperoxisome\n")
    (inputs["dir"] / "annotations.tsv").write_text("id\tgenes\nperox\tPEX1 PEX2 PEX3\n")
    files = [p for p in inputs["dir"].iterdir() if p.is_file()] + [inputs["kb"]]
    before = _digest(files)
    result = _run(argv(inputs))
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
