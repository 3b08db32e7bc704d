"""The evaluator: calibration against the paper, statuses for bad input, statistics, outputs, CLI."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from gener1_tool import datasets as benchmarks
from gener1_tool.cli import cli
from gener1_tool.errors import Gener1Error
from gener1_tool.evaluation import metrics
from gener1_tool.evaluation.evaluate import evaluate, markdown_table, write_evaluation
from gener1_tool.evaluation.inputs import read_predictions
from gener1_tool.reasoning.answer import render

from helpers import HashingEncoder

CALIBRATION = benchmarks.data_path(benchmarks.CALIBRATION_FILE)


# -- calibration against the paper's GPT-4 row ---------------------------------------------------------
def test_calibration_reproduces_paper_gpt4_rouge():
    ev = evaluate(CALIBRATION, encoders=())
    assert ev.datasets == ["GO_BP"]  # the file's IDs are exactly the GO:BP benchmark's
    scores = ev.summary["methods"]["hu2023_gpt4_GO_BP_1000"]["datasets"]["GO_BP"]
    assert scores["n"] == 1000 and scores["counts"]["ok"] == 1000
    # Paper (Gene-R1, Table 4, GPT-4): ROUGE-L 0.184, ROUGE-1 0.201, ROUGE-2 0.049.
    assert abs(scores["rougeL"]["mean"] - 0.184) <= 0.01
    assert abs(scores["rouge1"]["mean"] - 0.201) <= 0.01
    assert abs(scores["rouge2"]["mean"] - 0.049) <= 0.01
    # And exactly what PROVENANCE.md records for this normalisation (0.192 / 0.211 / 0.048).
    assert round(scores["rougeL"]["mean"], 3) == 0.192
    assert round(scores["rouge1"]["mean"], 3) == 0.211
    assert round(scores["rouge2"]["mean"], 3) == 0.048


def test_calibration_file_against_benchmark_gold_gives_same_numbers():
    embedded = evaluate(CALIBRATION, encoders=()).summary["methods"]["hu2023_gpt4_GO_BP_1000"]["datasets"]["GO_BP"]
    named = evaluate(CALIBRATION, "GO_BP", encoders=()).summary["methods"]["hu2023_gpt4_GO_BP_1000"]["datasets"]["GO_BP"]
    assert named["rougeL"]["mean"] == pytest.approx(embedded["rougeL"]["mean"])


def test_normalisation_matches_gene_r1():
    assert metrics.normalise_name('T-cell receptor (TCR) signaling/activation, "x"') == "T cell receptor  signaling activation  x"
    assert metrics.normalise_name(None) == ""
    r = metrics.rouge(["DNA repair"], ["repairing DNA"])  # stemmer: repairing -> repair
    assert r["rouge1"][0] == pytest.approx(1.0) and r["rougeL"][0] == pytest.approx(0.5)


# -- bad input: every gold set gets a status ----------------------------------------------------------
@pytest.fixture
def gold_file(tmp_path):
    path = tmp_path / "gold.tsv"
    path.write_text("ID\tGenes\tTerm_Description\n"
                    "S1\tTP53 MDM2\tDNA damage response\n"
                    "S2\tPEX1 PEX2\tperoxisome organization\n"
                    "S3\tATP5F1A\toxidative phosphorylation\n"
                    "S4\tA B\tcell cycle\n"
                    "S5\tC D\tangiogenesis\n")
    return path


def test_statuses_missing_extra_empty_garbage(tmp_path, gold_file):
    preds = tmp_path / "preds.jsonl"
    preds.write_text("\n".join(json.dumps(r) for r in [
        {"id": "S1", "raw": render("DNA damage response", ["The genes associate with the pathway of p53."], 0.9)},
        {"id": "S2", "raw": "Process: peroxisome biogenesis (0.7)"},  # no <think>: ok, but not compliant
        {"id": "S3", "raw": "%%% lorem ipsum without a process line"},
        {"id": "S4", "name": "   "},
        {"id": "S1", "name": "a duplicate row"},
        {"id": "EXTRA", "name": "something else"},
    ]) + "\n")
    with pytest.raises(Gener1Error, match="1 set id.s. appear more than once .S1.*--first-wins"):
        evaluate(preds, gold_file, encoders=(), require_reasoning=True)
    ev = evaluate(preds, gold_file, encoders=(), require_reasoning=True, first_wins=True)
    rows = {r["id"]: r for r in ev.rows}
    assert {k: rows[k]["status"] for k in rows} == {"S1": "ok", "S2": "ok", "S3": "format_error", "S4": "empty_name",
                                                   "S5": "missing", "EXTRA": "extra"}
    assert rows["S1"]["rougeL"] == 1.0 and rows["S1"]["confidence"] == 0.9 and rows["S1"]["steps"] == 1
    assert rows["S3"]["rougeL"] == 0.0 and rows["S5"]["rougeL"] == 0.0 and rows["EXTRA"]["rougeL"] is None
    method = ev.summary["methods"]["preds"]
    assert method["counts"] == {"ok": 2, "missing": 1, "empty_name": 1, "format_error": 1, "extra": 1}
    assert method["duplicate_ids"] == ["S1"]
    # Compliance over the 5 gold sets: only S1 has a Process name *and* <think> steps.
    assert method["format_compliance"] == {"rate": 0.2, "judged": 5, "compliant": 1, "forced_opening": 0}
    ds = method["datasets"]["gold"]
    assert ds["n"] == 5
    assert ds["rougeL"]["mean"] == pytest.approx(sum(rows[i]["rougeL"] for i in ("S1", "S2")) / 5)
    assert ds["rougeL"]["mean_ok"] == pytest.approx(sum(rows[i]["rougeL"] for i in ("S1", "S2")) / 2)
    lenient = evaluate(preds, gold_file, encoders=(), require_reasoning=False, first_wins=True)
    assert lenient.summary["methods"]["preds"]["format_compliance"]["compliant"] == 2


def test_table_predictions_with_raw_column_and_name_column(tmp_path, gold_file):
    raw = tmp_path / "raw.csv"
    raw.write_text('set_id,answer\nS1,"Process: DNA damage response\nReasoning:\n<think>step</think>"\nS2,\n')
    p = read_predictions(raw)
    assert p.predictions["S1"].name == "DNA damage response" and p.predictions["S1"].format_ok is True
    assert p.predictions["S2"].status == "empty_name"
    names = tmp_path / "names.tsv"
    names.write_text("GO\tLLM Name\nS1\tDNA repair\nS2\t12345\n")
    p = read_predictions(names)
    assert p.predictions["S1"].name == "DNA repair" and p.predictions["S1"].format_ok is None
    assert p.predictions["S2"].status == "format_error"  # no letters at all


@pytest.mark.parametrize("content, suffix, message", [
    ("foo\tbar\n1\t2\n", ".tsv", "needs an ID column"),
    ('{"id": "S1", "name": "x"}\n{broken\n', ".jsonl", "invalid JSON line"),
    ('{"name": "x"}\n', ".jsonl", "no 'id'"),
    ("", ".tsv", "empty"),
])
def test_unreadable_prediction_files(tmp_path, gold_file, content, suffix, message):
    path = tmp_path / f"p{suffix}"
    path.write_text(content)
    with pytest.raises(Gener1Error, match=message):
        evaluate(path, gold_file, encoders=())


def test_missing_files_and_gold(tmp_path, gold_file):
    with pytest.raises(Gener1Error, match="predictions file not found"):
        evaluate(tmp_path / "nope.tsv", gold_file, encoders=())
    preds = tmp_path / "p.tsv"
    preds.write_text("id\tname\nS1\tx\n")
    with pytest.raises(Gener1Error, match="neither a file nor a benchmark"):
        evaluate(preds, "not-a-benchmark", encoders=())
    with pytest.raises(Gener1Error, match="no gold given"):
        evaluate(preds, None, encoders=())


# -- similarity, percentile rank, t-test --------------------------------------------------------------
def test_similarity_and_percentile_rank(tmp_path, gold_file):
    enc = HashingEncoder()
    preds = tmp_path / "p.tsv"
    preds.write_text("id\tname\nS1\tDNA damage response\nS2\tcell cycle\nS3\toxidative phosphorylation pathway\n")
    ev = evaluate(preds, gold_file, encoders=(enc,))
    rows = {r["id"]: r for r in ev.rows}
    assert rows["S1"]["similarity"] == pytest.approx(1.0)
    assert rows["S1"]["percentile_rank"] == 1.0  # the gold is the closest of all 5 names
    assert rows["S2"]["percentile_rank"] == 0.0  # "cell cycle" is another set's gold name: S2's gold ranks last
    assert rows["S5"]["similarity"] == 0.0 and rows["S5"]["status"] == "missing"
    assert ev.summary["encoders"] == ["hashing"]
    assert ev.metrics == ["rougeL", "rouge1", "rouge2", "similarity", "percentile_rank"]


def test_percentile_rank_against_kb_term_names(tiny_kb, tmp_path):
    gold = tmp_path / "g.tsv"
    gold.write_text("ID\tTerm_Description\nGO:0016558\tprotein import into peroxisome matrix\n")
    preds = tmp_path / "p.tsv"
    preds.write_text("ID\tname\nGO:0016558\tprotein import into peroxisome\n")
    ev = evaluate(preds, gold, encoders=(HashingEncoder(),), kb=tiny_kb)
    # The gold ID is a GO_BP term of the KB, so the background is the KB's 5 GO_BP names; the gold is closest.
    assert ev.summary["percentile_background"] == {"g": "KB GO_BP term names (5)"}
    assert ev.rows[0]["percentile_rank"] == 1.0
    alone = evaluate(preds, gold, encoders=(HashingEncoder(),))  # one gold name: nothing to rank against
    assert np.isnan(alone.rows[0]["percentile_rank"])
    assert alone.summary["methods"]["p"]["datasets"]["g"]["percentile_rank"]["mean"] is None


def test_percentile_ranks_function():
    sims = np.array([[0.9, 0.1, 0.5, 0.2], [0.1, 0.3, 0.9, 0.8]])
    assert metrics.percentile_ranks(sims, [0, 1]).tolist() == [1.0, pytest.approx(1 / 3)]


def test_paired_ttest_between_files(tmp_path, gold_file):
    good, bad = tmp_path / "good.tsv", tmp_path / "bad.tsv"
    good.write_text("id\tname\nS1\tDNA damage response\nS2\tperoxisome organization\nS3\toxidative phosphorylation\n"
                    "S4\tcell cycle regulation\nS5\tangiogenesis\n")
    bad.write_text("id\tname\nS1\tDNA replication\nS2\tmitochondrial import\nS3\toxidative stress\nS4\tcell cycle\n"
                   "S5\tvessel growth\n")
    ev = evaluate([f"base={bad}", f"tuned={good}"], gold_file, encoders=())
    assert ev.methods == ["base", "tuned"]
    comp = next(c for c in ev.comparisons if c["metric"] == "rougeL")
    from scipy import stats

    a, b = ev.scores("tuned", "gold", "rougeL"), ev.scores("base", "gold", "rougeL")
    assert comp["a"] == "tuned" and comp["b"] == "base" and comp["n"] == 5
    assert comp["p"] == pytest.approx(stats.ttest_rel(a, b).pvalue) and comp["mean_diff"] > 0
    same = metrics.paired_ttest([0.1, 0.2], [0.1, 0.2])
    assert same["p"] == 1.0


# -- outputs and CLI ----------------------------------------------------------------------------------
def test_outputs_written(tmp_path, gold_file):
    preds = tmp_path / "p.tsv"
    preds.write_text("id\tname\nS1\tDNA damage response\nS2\tperoxisome\nNOPE\tx\n")
    other = tmp_path / "q.tsv"
    other.write_text("id\tname\nS1\tDNA repair\nS3\toxidative phosphorylation\n")
    ev = evaluate([preds, other], [gold_file, "NeST"], encoders=(HashingEncoder(),))
    written = write_evaluation(ev, tmp_path / "out")
    lines = written["per_set"].read_text().splitlines()
    assert lines[0].split("\t")[:4] == ["method", "dataset", "id", "status"]
    assert len(lines) == 1 + 2 * (5 + 50) + 1  # every gold set for both files, plus one extra row
    summary = json.loads(written["summary"].read_text())
    assert set(summary["methods"]) == {"p", "q"} and set(summary["methods"]["p"]["datasets"]) == {"gold", "NeST", "all"}
    table = written["table"].read_text()
    header = table.splitlines()[0]
    assert header.startswith("| Method | gold ROUGE-L | gold ROUGE-1 | gold ROUGE-2 | gold Similarity | NeST ROUGE-L")
    assert table.splitlines()[2].startswith("| p | ")
    html = written["report"].read_text()
    assert html.count("data:image/png;base64,") >= 3 and "http://" not in html and "https://" not in html
    assert "Paired comparisons" in html and "missing" in html


def test_markdown_table_shape_for_benchmarks(tmp_path):
    preds = tmp_path / "p.tsv"
    preds.write_text("id\tname\n" + "".join(f"{gs.id}\t{gs.gold_name}\n" for gs in benchmarks.load("NeST")))
    ev = evaluate(preds, ["NeST", "MSigDB"], encoders=())
    table = markdown_table(ev)
    row = table.splitlines()[2].split("|")[1:-1]
    # NeST with gold names as predictions: ROUGE-L and ROUGE-1 are 1; one-word names have no bigrams (ROUGE-2 0).
    assert row[0].strip() == "p" and [c.strip() for c in row[1:3]] == ["1.000", "1.000"]
    single_words = sum(len(metrics.normalise_name(gs.gold_name).split()) == 1 for gs in benchmarks.load("NeST"))
    assert float(row[3]) == pytest.approx(1 - single_words / 50, abs=1e-3)
    assert [c.strip() for c in row[4:7]] == ["0.000", "0.000", "0.000"]  # MSigDB: all missing
    assert "missing 56" in table


def test_cli_evaluate(tmp_path):
    out = tmp_path / "ev"
    result = CliRunner().invoke(cli, ["evaluate", "-p", str(CALIBRATION), "--rouge-only", "-o", str(out), "--no-html"])
    assert result.exit_code == 0, result.output
    assert "| hu2023_gpt4_GO_BP_1000 | 0.192 | 0.211 | 0.048 |" in result.output
    assert (out / "per_set.tsv").exists() and not (out / "report.html").exists()
    bad = CliRunner().invoke(cli, ["evaluate", "-p", str(tmp_path / "missing.tsv"), "-b", "GO_BP", "-o", str(out)])
    assert bad.exit_code == 1 and "predictions file not found" in bad.output


def test_reads_gener1_annotate_outputs(tmp_path, gold_file):
    """annotate's JSONL (last record per index wins, gold_name inside) and its TSV (status column)."""
    records = [
        {"index": 0, "id": "S1", "name": "", "raw": "garbage", "status": "format_error", "gold_name": "DNA damage response"},
        {"index": 1, "id": "S2", "name": "peroxisome organization", "status": "ok", "gold_name": "peroxisome organization",
         "raw": render("peroxisome organization", ["The genes are in the protein complex PEX."], 0.8),
         "answer": {"name": "peroxisome organization", "steps": ["The genes are in the protein complex PEX."]}},
        {"index": 0, "id": "S1", "name": "DNA damage response", "status": "ok", "gold_name": "DNA damage response",
         "raw": render("DNA damage response", ["The gene TP53 has function for DNA damage."], 0.9),
         "flags": ["forced_answer_prefix"]},  # annotate's last attempt opened this answer with "Process:"
    ]
    jsonl = tmp_path / "annotations.jsonl"
    jsonl.write_text("".join(json.dumps(r) + "\n" for r in records))
    ev = evaluate(jsonl, None, encoders=(), require_reasoning=True)  # gold carried by the records
    rows = {r["id"]: r for r in ev.rows}
    assert rows["S1"]["status"] == "ok" and rows["S1"]["rougeL"] == 1.0  # the retry replaced the failure
    compliance = ev.summary["methods"]["annotations"]["format_compliance"]
    assert compliance["rate"] == 1.0 and compliance["forced_opening"] == 1  # counted apart, and shown in the table
    assert "| 100.0% (1 forced) |" in markdown_table(ev)
    # Runs over separate input files (each numbering its sets from 0) concatenated into one file: positions
    # are (source, index), so no run's records replace another's.
    parts = tmp_path / "parts.jsonl"
    parts.write_text("".join(json.dumps({"index": 0, "source": src, "id": i, "name": n}) + "\n"
                             for src, i, n in (("a.tsv", "S1", "DNA damage response"), ("b.tsv", "S2", "peroxisome organization"),
                                               ("b.tsv", "S2", "peroxisome organization"))))
    both = evaluate(parts, gold_file, encoders=())
    assert {r["id"]: r["status"] for r in both.rows if r["id"] in ("S1", "S2")} == {"S1": "ok", "S2": "ok"}
    assert both.summary["methods"]["parts"]["duplicate_ids"] == []  # a resumed record replaces, it is no duplicate
    tsv = tmp_path / "annotations.tsv"
    tsv.write_text("id\tname\tconfidence\tstatus\tflags\nS1\t\t\tformat_error\t\n"
                   "S2\tperoxisome organization\t0.80\tok\tforced_answer_prefix\n")
    rows = {r["id"]: r for r in evaluate(tsv, gold_file, encoders=()).rows}
    assert rows["S1"]["status"] == "format_error" and rows["S2"]["status"] == "ok" and rows["S3"]["status"] == "missing"
    assert (rows["S1"]["forced_opening"], rows["S2"]["forced_opening"]) == (False, True)


def test_shared_only_scores_the_sets_every_file_covers(tmp_path, gold_file):
    # Two runs that stopped part-way: A has S1-S4, B has S1, S2 and S5. Shared: S1, S2.
    a = tmp_path / "a.tsv"
    a.write_text("id\tname\nS1\tDNA damage response\nS2\tperoxisome organization\nS3\tsomething\nS4\tcell cycle\n")
    b = tmp_path / "b.tsv"
    b.write_text("id\tname\nS1\tDNA repair\nS2\tperoxisome biogenesis\nS5\tangiogenesis\n")
    full = evaluate([f"A={a}", f"B={b}"], gold_file, encoders=())
    assert full.summary["methods"]["B"]["datasets"]["gold"]["n"] == 5
    assert "shared_only" not in full.summary
    shared = evaluate([f"A={a}", f"B={b}"], gold_file, encoders=(), shared_only=True)
    assert {r["id"] for r in shared.rows} == {"S1", "S2"}  # left-out gold sets are neither scored nor "extra"
    assert shared.summary["shared_only"] == {"scored": 2, "left_out": {"gold": 3}}
    ds = shared.summary["methods"]["A"]["datasets"]["gold"]
    assert ds["n"] == 2 and ds["rougeL"]["mean"] == pytest.approx(1.0)
    assert shared.summary["methods"]["B"]["counts"]["missing"] == 0
    assert "Scored on the 2 gold sets every file covers (gold 2); left out: gold 3." in markdown_table(shared)
    c = tmp_path / "c.tsv"
    c.write_text("id\tname\nS3\tsomething\n")
    with pytest.raises(Gener1Error, match="no gold set has a row in every prediction file"):
        evaluate([str(b), str(c)], gold_file, encoders=(), shared_only=True)
    out = tmp_path / "ev"
    result = CliRunner().invoke(cli, ["evaluate", "-p", f"A={a}", "-p", f"B={b}", "-g", str(gold_file), "--rouge-only",
                                      "--shared-only", "-o", str(out), "--no-html"])
    assert result.exit_code == 0, result.output
    assert "left out: gold 3" in result.output
    assert json.loads((out / "summary.json").read_text())["shared_only"]["scored"] == 2


def test_name_sources_from_annotate_records_old_and_new_and_its_tsv(tmp_path, gold_file):
    """Whether names repeat an enriched term: from annotate's name_term, from the evidence of records written
    before it existed, and from the TSV's name_term_rank column; counted in the summary and tabled."""
    def term(term_id, name, pvalue):
        return {"term_id": term_id, "name": name, "library": "GO_BP", "overlap": 2, "term_size": 9, "pvalue": pvalue,
                "fdr": pvalue * 10, "genes": [], "more_genes": 0}

    evidence = {"set_id": "S2", "n_genes": 2, "n_known": 2, "n_annotated": 2, "libraries": ["GO_BP"],
                "enriched": {"GO_BP": [term("GO:2", "peroxisome organization", 1e-3), term("GO:1", "Peroxisome_fission", 1e-5)]}}
    records = [
        {"index": 0, "id": "S1", "name": "DNA damage response", "name_term": {"rank": 1, "term_id": "GO:9"}},
        {"index": 1, "id": "S2", "name": "peroxisome fission", "evidence": evidence},  # older record: no name_term
        {"index": 2, "id": "S3", "name": "oxidative phosphorylation", "name_term": None},  # a name of its own
        {"index": 3, "id": "S4", "name": "cell cycle"},  # no evidence, nothing recorded: cannot be told
    ]
    jsonl = tmp_path / "annotations.jsonl"
    jsonl.write_text("".join(json.dumps(r) + "\n" for r in records))
    ev = evaluate(jsonl, gold_file, encoders=())
    ranks = {r["id"]: r["evidence_rank"] for r in ev.rows}
    assert ranks == {"S1": 1, "S2": 1, "S3": 0, "S4": None, "S5": None}  # S2: the smaller p-value is rank 1
    assert ev.summary["methods"]["annotations"]["datasets"]["gold"]["name_source"] == \
        {"judged": 3, "enriched_term": 2, "top_term": 2}
    table = markdown_table(ev)
    assert "Names that repeat an enriched term" in table and "| annotations | 67% / 67% |" in table
    tsv = tmp_path / "annotations.tsv"
    tsv.write_text("id\tname\tstatus\tname_term_id\tname_term_rank\nS1\tDNA damage response\tok\tGO:9\t2\n"
                   "S2\tperoxisome fission\tok\t\t\n")
    ranks = {r["id"]: r["evidence_rank"] for r in evaluate(tsv, gold_file, encoders=()).rows}
    assert (ranks["S1"], ranks["S2"], ranks["S3"]) == (2, 0, None)
    tsv.write_text("id\tname\tname_term_rank\nS1\tDNA damage response\tsecond\n")
    with pytest.raises(Gener1Error, match="name_term_rank must be empty or a whole number; found 'second'") as err:
        evaluate(tsv, gold_file, encoders=())
    assert str(err.value).startswith(f"{tsv}:2: ")  # file and line
    # A file without evidence (e.g. a baseline's) gets no name-source table at all.
    plain = tmp_path / "plain.tsv"
    plain.write_text("id\tname\nS1\tDNA damage response\n")
    assert "Names that repeat" not in markdown_table(evaluate(plain, gold_file, encoders=()))


def test_confidence_quality_auroc_ece_and_reliability():
    from gener1_tool.evaluation.metrics import confidence_quality

    perfect = confidence_quality([0.9, 0.8, 0.2, 0.1], [True, True, False, False])
    assert perfect["auroc"] == 1.0 and perfect["distinct_values"] == 4
    # ECE by hand: bins (0.1, 0.2] and (0.8, 0.9]: |0.15 - 0| * 0.5 + |0.85 - 1| * 0.5 = 0.15
    assert perfect["ece"] == pytest.approx(0.15)
    assert [b["n"] for b in perfect["reliability"]] == [1, 1, 1, 1]
    backwards = confidence_quality([0.9, 0.8, 0.2, 0.1], [False, False, True, True])
    assert backwards["auroc"] == 0.0
    constant = confidence_quality([0.95] * 4, [True, False, False, False])
    assert constant["auroc"] is None and constant["ece"] == pytest.approx(0.95 - 0.25)
    assert confidence_quality([], [])["n"] == 0


def test_evaluate_reports_whether_the_confidence_separates_right_from_wrong(tmp_path, gold_file):
    preds = tmp_path / "preds.jsonl"
    preds.write_text("".join(json.dumps(r) + "\n" for r in [
        {"id": "S1", "raw": "Process: DNA damage response (0.9)"},
        {"id": "S2", "raw": "Process: something unrelated (0.2)"}]))
    ev = evaluate(preds, gold_file, encoders=())
    q = ev.summary["methods"]["preds"]["datasets"]["gold"]["confidence"]
    assert q["n"] == 2 and q["correct"] == 1 and q["auroc"] == 1.0 and q["correct_if"] == "ROUGE-L >= 0.5"
    written = write_evaluation(ev, tmp_path / "out")
    assert "Confidence — preds, gold: AUROC 1.000" in written["table"].read_text()
    assert "<h2>Confidence</h2>" in written["report"].read_text()
