"""gener1 annotate: one row per input set, retries, format errors, claim check, resume, chunking, report."""

from __future__ import annotations

import csv
import json

import pytest
from click.testing import CliRunner

from gener1_tool.annotation.config import AnnotateConfig
from gener1_tool.annotation.run import annotate
from gener1_tool.cli import cli

GOOD_PEROX = ("Process: protein import into peroxisome matrix (0.82)\nReasoning:\n"
              "<think>The genes are enriched in the GO terms related to peroxisome organization.</think>\n"
              "<think>The gene PEX1 has function for protein import into peroxisome matrix.</think>\n"
              "<think>The gene PEX2 has function for oxidative phosphorylation.</think>")
GOOD_P53 = ("Process: DNA damage response, signal transduction by p53 class mediator (0.9)\nReasoning:\n"
            "<think>The gene TP53 is involved in DNA damage response.</think>\n"
            "<think>The gene BRCA9 has function for DNA repair.</think>")
GARBAGE = "these genes are interesting"
FORCED_MYC = " MYC target genes (0.7)\nReasoning:\n<think>The gene MYC has function for transcription.</think>"


class FakeTokenizer:
    def __call__(self, text, add_special_tokens=False):
        return {"input_ids": text.split()}


class FakeModel:
    """Answers by which genes the prompt lists; malformed first for TP53 sets unless sampling."""

    def __init__(self):
        self.calls = []

    def generate(self, model, tokenizer, prompts, *, do_sample=False, answer_prefix="", stop_at=None, **kwargs):
        self.calls.append((len(prompts), do_sample))
        out = []
        for p in prompts:
            text = p[-1]["content"].split("Here is the gene set:")[-1]
            if answer_prefix:  # the forced last attempt: MYC sets then answer well; others still have no name
                out.append(answer_prefix + (FORCED_MYC if "MYC" in text else "\n" + GARBAGE))
            elif "PEX19" in text:  # names the set after an enriched term of its evidence
                out.append(GOOD_PEROX.replace("protein import into peroxisome matrix (0.82)", "Peroxisome (0.8)"))
            elif "PEX14" in text:  # composes a name of its own
                out.append(GOOD_PEROX.replace("protein import into peroxisome matrix (0.82)", "peroxisome upkeep (0.6)"))
            elif "PEX1" in text:
                out.append(GOOD_PEROX)
            elif "LOOP1" in text:  # a greedy loop: the second step comes back, then the first
                out.append(GOOD_P53 + "\n<think>The gene BRCA9 has function for DNA repair.</think>\n"
                           "<think>The gene TP53 is involved in DNA damage response.</think>")
            elif "TP53" in text:
                out.append(GOOD_P53 if do_sample else GARBAGE)
            else:
                out.append(GARBAGE)
        if stop_at is not None:  # as generate does: each text cut where the rule says
            out = [t if (cut := stop_at(t)) is None else t[:cut].strip() for t in out]
        return out


@pytest.fixture
def fake_model(monkeypatch):
    fake = FakeModel()
    monkeypatch.setattr("gener1_tool.model.load.load_model", lambda spec, threads=None, merge_adapter=False: (object(), FakeTokenizer()))
    monkeypatch.setattr("gener1_tool.model.generate.generate", fake.generate)
    return fake


@pytest.fixture
def sets_file(tmp_path):
    path = tmp_path / "sets.tsv"
    path.write_text("id\tgenes\nperox\tPEX1 PEX2 PEX3 PEX5\np53\tTP53 MDM2 P21 CDKN1A\nempty\t\n"
                    "noise\tFOO1 BAR2 BAZ3\nperox\tPEX1 PEX2\n")
    return path


def read_tsv(path):
    with open(path) as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def test_one_row_per_set_with_statuses_claims_and_enrichment(fake_model, sets_file, tiny_kb_path, tmp_path):
    out = tmp_path / "out"
    result = annotate(AnnotateConfig([sets_file], out, model="fake", kb=tiny_kb_path, batch_size=2, retries=2))
    rows = read_tsv(out / "annotations.tsv")
    assert [r["id"] for r in rows] == ["perox", "p53", "empty", "noise", "perox"]  # duplicates kept, in order
    by = {(r["id"], i): r for i, r in enumerate(rows)}
    perox = by[("perox", 0)]
    assert perox["name"] == "protein import into peroxisome matrix" and perox["confidence"] == "0.82"
    assert perox["status"] == "ok" and perox["attempts"] == "1"
    assert perox["top_enriched_term"].lower() == "peroxisome" and float(perox["top_enriched_fdr"]) < 0.05
    # PEX1's claim matches its KB term; PEX2 has no oxidative-phosphorylation annotation.
    assert (perox["claims_supported"], perox["claims_unsupported"]) == ("1", "1")
    p53 = by[("p53", 1)]
    assert p53["status"] == "ok" and p53["attempts"] == "2"  # malformed first, fixed by a sampled retry
    assert p53["name"] == "DNA damage response, signal transduction by p53 class mediator"
    assert p53["claims_unsupported"] == "1"  # BRCA9 is not in the set
    assert by[("empty", 2)]["status"] == "empty_set" and by[("empty", 2)]["name"] == ""
    noise = by[("noise", 3)]
    # greedy, 2 sampled retries, then the forced "Process:" attempt, which finds no name either
    assert noise["status"] == "format_error" and noise["attempts"] == "4" and "no_known_genes" in noise["flags"]
    assert "forced_answer_prefix" not in noise["flags"]  # the forced text had no name: the first try is kept
    assert result.status_counts == {"ok": 3, "format_error": 1, "empty_set": 1}
    records = [json.loads(line) for line in open(out / "annotations.jsonl")]
    assert records[3]["raw"] == GARBAGE and records[1]["answer"]["steps"][0].startswith("The gene TP53")
    assert any(c["evidence"] == "protein import into peroxisome matrix" for c in records[0]["claims"])
    assert records[1]["hygiene"]["changes"] == [{"original": "P21", "symbol": "CDKN1A", "reason": "alias"}]
    html = (out / "report.html").read_text()
    assert html.count('<section class="card">') == 5 and "data:image/png;base64" in html
    assert "no trained default model" not in html  # a model was given explicitly


def test_forced_answer_prefix_recovers_a_malformed_set_and_is_flagged(fake_model, tiny_kb_path, tmp_path):
    sets = tmp_path / "sets.tsv"
    sets.write_text("id\tgenes\nmyc\tMYC MAX NPM1\nnoise\tFOO1 BAR2\n")
    annotate(AnnotateConfig([sets], tmp_path / "out", model="fake", kb=tiny_kb_path, retries=1))
    myc, noise = read_tsv(tmp_path / "out" / "annotations.tsv")
    assert (myc["status"], myc["name"], myc["confidence"], myc["attempts"]) == ("ok", "MYC target genes", "0.70", "3")
    assert "forced_answer_prefix" in myc["flags"].split(";")
    assert noise["status"] == "format_error" and "forced_answer_prefix" not in noise["flags"]
    record = json.loads(open(tmp_path / "out" / "annotations.jsonl").readline())
    assert record["raw"].startswith("Process: MYC target genes") and record["answer"]["steps"]
    # greedy batch, one sampled retry of both sets, one forced attempt of both
    assert fake_model.calls == [(2, False), (2, True), (2, False)]

    annotate(AnnotateConfig([sets], tmp_path / "off", model="fake", kb=tiny_kb_path, retries=1, force_format=False))
    assert [r["status"] for r in read_tsv(tmp_path / "off" / "annotations.tsv")] == ["format_error", "format_error"]


def test_a_reasoning_loop_is_cut_at_its_first_repeated_step(fake_model, tiny_kb_path, tmp_path):
    sets = tmp_path / "sets.tsv"
    sets.write_text("id\tgenes\nloop\tLOOP1 TP53 MDM2\n")
    annotate(AnnotateConfig([sets], tmp_path / "out", model="fake", kb=tiny_kb_path))
    record = json.loads(open(tmp_path / "out" / "annotations.jsonl").readline())
    assert record["status"] == "ok" and record["raw"] == GOOD_P53
    assert record["answer"]["steps"] == ["The gene TP53 is involved in DNA damage response.",
                                         "The gene BRCA9 has function for DNA repair."]
    result = CliRunner().invoke(cli, ["annotate", str(sets), "-o", str(tmp_path / "all"), "--kb", str(tiny_kb_path),
                                      "--model", "fake", "--no-stop-repeats", "--no-report"])
    assert result.exit_code == 0, result.output
    record = json.loads(open(tmp_path / "all" / "annotations.jsonl").readline())
    assert record["name"] == "DNA damage response, signal transduction by p53 class mediator"
    assert len(record["answer"]["steps"]) == 4 and record["raw"].startswith(GOOD_P53)


def test_name_only_keeps_each_name_without_reasoning_and_flags_the_rows(fake_model, sets_file, tiny_kb_path, tmp_path):
    full = annotate(AnnotateConfig([sets_file], tmp_path / "full", model="fake", kb=tiny_kb_path, report=False))
    result = CliRunner().invoke(cli, ["annotate", str(sets_file), "-o", str(tmp_path / "names"), "--kb",
                                      str(tiny_kb_path), "--model", "fake", "--name-only", "--no-report"])
    assert result.exit_code == 0, result.output
    rows_full, rows = read_tsv(full.tsv), read_tsv(tmp_path / "names" / "annotations.tsv")
    assert [r["id"] for r in rows] == ["perox", "p53", "empty", "noise", "perox"]  # one row per set, as always
    assert [r["name"] for r in rows] == [r["name"] for r in rows_full]
    assert [r["status"] for r in rows] == ["ok", "ok", "empty_set", "format_error", "ok"]
    assert [r["confidence"] for r in rows] == ["0.82", "0.90", "", "", "0.82"]
    assert ["name_only" in r["flags"].split(";") for r in rows] == [True, True, False, True, True]
    records = [json.loads(line) for line in open(tmp_path / "names" / "annotations.jsonl")]
    assert records[0]["raw"] == "Process: protein import into peroxisome matrix (0.82)"
    assert records[0]["answer"]["steps"] == [] and records[0]["claims"] == []
    assert records[1]["attempts"] == 2  # the greedy answer had no Process line; the sampled retry had one


def test_resume_and_chunking(fake_model, sets_file, tiny_kb_path, tmp_path):
    out = tmp_path / "out"
    annotate(AnnotateConfig([sets_file], out, model="fake", kb=tiny_kb_path, start=1, limit=2))
    assert [r["id"] for r in read_tsv(out / "annotations.tsv")] == ["p53", "empty"]
    calls_before = len(fake_model.calls)
    result = annotate(AnnotateConfig([sets_file], out, model="fake", kb=tiny_kb_path, resume=True))
    assert result.n_skipped_resume == 2 and result.n_sets == 5
    assert [r["id"] for r in read_tsv(out / "annotations.tsv")] == ["perox", "p53", "empty", "noise", "perox"]
    # Only the three sets not kept were generated (perox, noise, perox), then noise's two retries and its
    # forced-opening attempt.
    assert fake_model.calls[calls_before:] == [(3, False), (1, True), (1, True), (1, False)]
    # A torn last line (killed mid-write) is redone, not fatal.
    with open(out / "annotations.jsonl", "a") as fh:
        fh.write('{"index": 9, "id": "tor')
    result = annotate(AnnotateConfig([sets_file], out, model="fake", kb=tiny_kb_path, resume=True))
    assert result.n_skipped_resume == 5 and len(read_tsv(out / "annotations.tsv")) == 5


def test_enrichment_columns_hide_the_held_out_own_term(fake_model, tiny_kb_path, tmp_path):
    sets = tmp_path / "gold.tsv"
    sets.write_text("id\tname\tgenes\nGO:0005777\tperoxisome\tPEX1 PEX2 PEX3 PEX5\n")
    shown = {}
    for hold in (False, True):
        out = tmp_path / f"hold{hold}"
        annotate(AnnotateConfig([sets], out, model="fake", kb=tiny_kb_path, hold_out_own_term=hold))
        record = json.loads(open(out / "annotations.jsonl").readline())
        shown[hold] = (record["enrichment_top"]["term"].lower(), {r["Term"] for r in record["enrichment_top10"]})
    assert shown[False][0] == "peroxisome" and "GO:0005777" in shown[False][1]
    # Held out: the set's own term and every term named like its gold name are gone from what is shown.
    assert shown[True][0] != "peroxisome"
    assert not {"GO:0005777", "KEGG:hsa04146"} & shown[True][1] and shown[True][1]


def test_default_model_warning_and_cli(fake_model, sets_file, tiny_kb_path, tmp_path, monkeypatch):
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["annotate", str(sets_file), "-o", str(out), "--kb", str(tiny_kb_path),
                                      "--mode", "model-only"])
    assert result.exit_code == 0, result.output
    assert "no trained default model is shipped yet" not in result.output  # the shipped model is the default
    assert "5 gene sets annotated" in result.output
    assert len(read_tsv(out / "annotations.tsv")) == 5
    # without a shipped model (a package built without it) the base is used, and the user is told
    monkeypatch.setattr("gener1_tool.annotation.run.default_model", lambda: "smollm2-135m-instruct")
    result = CliRunner().invoke(cli, ["annotate", str(sets_file), "-o", str(tmp_path / "o2"), "--kb", str(tiny_kb_path)])
    assert result.exit_code == 0 and "no trained default model is shipped yet" in result.output


def test_bad_inputs(fake_model, tmp_path, tiny_kb_path):
    latin = tmp_path / "latin.txt"
    latin.write_bytes("PEX1\nPEX2\nCaf\xe9\n".encode("latin-1"))
    annotate(AnnotateConfig([latin], tmp_path / "o1", model="fake", kb=tiny_kb_path))
    row = read_tsv(tmp_path / "o1" / "annotations.tsv")[0]
    assert "latin1_decoded" in row["flags"] and row["status"] == "ok"
    result = CliRunner().invoke(cli, ["annotate", str(latin), "-o", str(tmp_path / "o2"), "--kb", str(tiny_kb_path),
                                      "--mode", "nonsense"])
    assert result.exit_code == 2


def test_missing_model_dir_is_a_clear_error(sets_file, tiny_kb_path, tmp_path):
    result = CliRunner().invoke(cli, ["annotate", str(sets_file), "-o", str(tmp_path / "o"), "--kb", str(tiny_kb_path),
                                      "--model", str(tmp_path / "no_model")])
    assert result.exit_code == 1 and "Error:" in result.output and "no_model" in result.output


def test_real_tiny_model_end_to_end(sets_file, tiny_kb_path, tmp_path):
    from gener1_tool.model.load import tiny_model

    model_dir = tiny_model(tmp_path / "tiny", [GOOD_PEROX, GOOD_P53, "PEX1 PEX2 TP53 MDM2"] * 3, seed=0)
    out = tmp_path / "out"
    annotate(AnnotateConfig([sets_file], out, model=str(model_dir), kb=tiny_kb_path, max_new_tokens=12, retries=1,
                            threads=1))
    rows = read_tsv(out / "annotations.tsv")
    assert len(rows) == 5 and {r["status"] for r in rows} <= {"ok", "format_error", "empty_set"}
    records = [json.loads(line) for line in open(out / "annotations.jsonl")]
    assert all(r["raw"] is not None for r in records if r["status"] != "empty_set")


def test_chunks_gather_into_one_report(fake_model, sets_file, tiny_kb_path, tmp_path):
    for start in (0, 2, 4):
        annotate(AnnotateConfig([sets_file], tmp_path / f"chunk{start}", model="fake", kb=tiny_kb_path, start=start,
                                limit=2, report=False))
    result = CliRunner().invoke(cli, ["report", str(tmp_path / "chunk4"), str(tmp_path / "chunk0"),
                                      str(tmp_path / "chunk2" / "annotations.jsonl"), "-o", str(tmp_path / "all")])
    assert result.exit_code == 0, result.output
    rows = read_tsv(tmp_path / "all" / "annotations.tsv")
    assert [r["id"] for r in rows] == ["perox", "p53", "empty", "noise", "perox"]
    html = (tmp_path / "all" / "report.html").read_text()
    assert html.count('<section class="card">') == 5 and html.count("data:image/png;base64") == 5
    # Runs over different files number their sets from 0 each: merging keeps every set of both runs.
    other = tmp_path / "other.tsv"
    other.write_text("id\tgenes\nmito\tNDUFA1 NDUFA2\n")
    annotate(AnnotateConfig([other], tmp_path / "other_run", model="fake", kb=tiny_kb_path, report=False))
    result = CliRunner().invoke(cli, ["report", str(tmp_path / "chunk0"), str(tmp_path / "other_run"),
                                      "-o", str(tmp_path / "both")])
    assert result.exit_code == 0, result.output
    assert sorted(r["id"] for r in read_tsv(tmp_path / "both" / "annotations.tsv")) == ["mito", "p53", "perox"]


def test_shared_prefix_cache_gives_the_same_greedy_outputs(tmp_path):
    from gener1_tool.model.generate import _shared_prefix, generate, render_prompt
    from gener1_tool.reasoning.prompts import build_prompt
    from gener1_tool.model.load import load_model, tiny_model

    model_dir = tiny_model(tmp_path / "tiny", [GOOD_PEROX, GOOD_P53, "PEX1 PEX2 TP53 MDM2"] * 3, seed=1)
    model, tokenizer = load_model(str(model_dir), threads=1)
    prompts = [build_prompt(genes, mode="model-only") for genes in (["PEX1", "PEX2"], ["TP53", "MDM2", "CDKN1A"], ["X"])]
    ids = [tokenizer(render_prompt(tokenizer, p), add_special_tokens=False)["input_ids"] for p in prompts]
    assert _shared_prefix(ids) > 100  # system message + instructions are shared
    cached = generate(model, tokenizer, prompts, max_new_tokens=10, batch_size=3, prefix_cache=True)
    plain = generate(model, tokenizer, prompts, max_new_tokens=10, batch_size=3, prefix_cache=False)
    single = [generate(model, tokenizer, [p], max_new_tokens=10)[0] for p in prompts]
    split = generate(model, tokenizer, prompts, max_new_tokens=10, batch_size=3, min_fill=1.0)  # a batch per length
    assert cached == plain == single == split
    # A stop rule ends a row as soon as it finds a cut in the text so far, and the row's text is cut there:
    # here, stop once 3 characters are out (this tiny model writes one character a token) and keep 2.
    seen = []

    def stop_after_three_chars(text):
        seen.append(len(text))
        return 2 if len(text) >= 3 else None

    stopped = generate(model, tokenizer, prompts, max_new_tokens=10, batch_size=3, stop_at=stop_after_three_chars)
    assert max(seen) == 3  # no row ran on to its 10 tokens
    assert all(full.startswith(short) for full, short in zip(plain, stopped))
    # A forced answer opening is returned with the text, which continues exactly as the plain prompt would
    # after that opening (the prefix cache included).
    forced = generate(model, tokenizer, prompts, max_new_tokens=10, batch_size=3, answer_prefix="Process:")
    assert all(t.startswith("Process:") for t in forced)
    rows = [tokenizer(render_prompt(tokenizer, p) + "Process:", add_special_tokens=False)["input_ids"] for p in prompts]
    for row, text in zip(rows, forced):
        import torch

        greedy = model.generate(torch.tensor([row]), attention_mask=torch.ones(1, len(row), dtype=torch.long),
                                max_new_tokens=10, do_sample=False, pad_token_id=tokenizer.pad_token_id or tokenizer.eos_token_id)
        assert text == ("Process:" + tokenizer.decode(greedy[0, len(row):], skip_special_tokens=True)).strip()


def test_batches_split_where_padding_would_dominate():
    from gener1_tool.model.generate import plan_batches

    # Two ~2,500-token prompts go together; the short ones do not pad to their length.
    assert plan_batches([2500, 300, 310, 290, 2400], 32) == [[0, 4], [2, 1, 3]]
    assert plan_batches([2500, 300, 310, 290, 2400], 32, min_fill=0) == [[0, 4, 2, 1, 3]]
    assert plan_batches([100] * 5, 2) == [[0, 1], [2, 3], [4]]
    assert plan_batches([], 4) == []


def test_the_record_says_which_enriched_term_the_name_repeats(fake_model, tiny_kb_path, tmp_path):
    from gener1_tool.enrichment.evidence import EvidenceBundle
    from gener1_tool.genes.geneset import GeneSet

    sets = tmp_path / "sets.tsv"
    sets.write_text("id\tgenes\ntermed\tPEX19 PEX1 PEX2 PEX3 PEX5\ncomposed\tPEX14 PEX1 PEX2 PEX3 PEX5\n")
    out = tmp_path / "out"
    annotate(AnnotateConfig([sets], out, model="fake", kb=tiny_kb_path))
    termed, composed = [json.loads(line) for line in open(out / "annotations.jsonl")]
    listed = EvidenceBundle.from_dict(termed["evidence"]).top_terms()
    rank = next(i for i, t in enumerate(listed, 1) if t.name.lower() == "peroxisome")
    assert termed["name"] == "Peroxisome"
    assert termed["name_term"] == {"term_id": listed[rank - 1].term_id, "name": listed[rank - 1].name,
                                   "library": listed[rank - 1].library, "rank": rank, "fdr": listed[rank - 1].fdr}
    assert composed["name"] == "peroxisome upkeep" and composed["name_term"] is None
    rows = read_tsv(out / "annotations.tsv")
    assert (rows[0]["name_term_id"], rows[0]["name_term_rank"]) == (listed[rank - 1].term_id, str(rank))
    assert (rows[1]["name_term_id"], rows[1]["name_term_rank"]) == ("", "")
    html = (out / "report.html").read_text()
    assert f"The name repeats enriched term #{rank} of the evidence: {listed[rank - 1].term_id}" in html
    assert "The name is none of the enriched terms the evidence listed." in html


def test_evidence_order_reaches_the_prompt(fake_model, tiny_kb_path, tmp_path, monkeypatch):
    first_prompts = {}
    original = fake_model.generate

    def spy(model, tokenizer, prompts, **kwargs):
        first_prompts.setdefault(order, prompts[0][-1]["content"])
        return original(model, tokenizer, prompts, **kwargs)

    monkeypatch.setattr("gener1_tool.model.generate.generate", spy)
    sets = tmp_path / "sets.tsv"
    sets.write_text("id\tgenes\nperox\tPEX1 PEX2 PEX3 PEX5\n")
    no_bp = ["GO:0016558", "GO:0007031"]  # held out, so the set's GO:BP section is empty and GO:CC holds the best term
    for order in ("fixed", "significance"):
        annotate(AnnotateConfig([sets], tmp_path / order, model="fake", kb=tiny_kb_path, evidence_order=order,
                                hold_out_terms=no_bp))
    fixed, ranked = first_prompts["fixed"], first_prompts["significance"]
    libraries = {order: json.loads(open(tmp_path / order / "annotations.jsonl").readline())["evidence"]["libraries"]
                 for order in first_prompts}
    assert libraries["fixed"] == ["GO_BP", "GO_MF", "GO_CC", "KEGG"]
    assert libraries["significance"] == ["GO_CC", "KEGG", "GO_BP", "GO_MF"]  # ties keep the given order
    assert fixed.index("GO biological process: none") < fixed.index("GO cellular component:")
    assert ranked.index("GO cellular component:") < ranked.index("GO biological process: none")


def test_workers_split_the_sets_and_give_the_same_rows_in_input_order(sets_file, tiny_kb_path, tmp_path):
    """Two spawned worker processes (real tiny model, batch 1 so no padding can differ) write exactly the rows one
    process writes, back in input order, and leave no part files behind."""
    from gener1_tool.model.load import tiny_model

    model_dir = tiny_model(tmp_path / "tiny", [GOOD_PEROX, GOOD_P53, "PEX1 PEX2 TP53 MDM2"] * 3, seed=0)
    common = dict(model=str(model_dir), kb=tiny_kb_path, max_new_tokens=12, retries=1, threads=1, batch_size=1,
                  report=False)
    one = annotate(AnnotateConfig([sets_file], tmp_path / "one", **common))
    seen = []
    two = annotate(AnnotateConfig([sets_file], tmp_path / "two", workers=2, **common),
                   progress=lambda done, total: seen.append((done, total)))
    assert seen[0] == (0, 5) and seen[-1] == (5, 5)  # the workers' per-batch reports add up to every set
    assert two.n_sets == one.n_sets == 5 and two.n_generated == one.n_generated >= 4
    rows_one, rows_two = read_tsv(one.tsv), read_tsv(two.tsv)
    assert [r["id"] for r in rows_two] == ["perox", "p53", "empty", "noise", "perox"]
    assert [(r["name"], r["status"], r["attempts"]) for r in rows_two] == \
        [(r["name"], r["status"], r["attempts"]) for r in rows_one]
    raw = lambda out: [json.loads(line)["raw"] for line in open(out / "annotations.jsonl")]  # noqa: E731
    assert raw(tmp_path / "two") == raw(tmp_path / "one")
    assert not list((tmp_path / "two").glob("annotations.part*"))


def test_a_killed_multi_worker_run_resumes_from_its_part_files(fake_model, sets_file, tiny_kb_path, tmp_path):
    out = tmp_path / "out"
    annotate(AnnotateConfig([sets_file], out, model="fake", kb=tiny_kb_path, report=False))
    lines = open(out / "annotations.jsonl").read().splitlines()
    # As a killed two-worker run leaves it: no JSONL yet, each worker's finished sets in its part file, and one
    # torn line where a worker was killed mid-write.
    (out / "annotations.jsonl").unlink()
    (out / "annotations.part0.jsonl").write_text(lines[0] + "\n" + lines[2] + "\n")
    (out / "annotations.part1.jsonl").write_text(lines[1] + "\n" + lines[3][:40])
    calls_before = len(fake_model.calls)
    result = annotate(AnnotateConfig([sets_file], out, model="fake", kb=tiny_kb_path, resume=True, report=False))
    assert result.n_skipped_resume == 3 and result.n_generated >= 2
    assert fake_model.calls[calls_before][0] == 2  # only sets 3 (torn) and 4 were generated again
    assert [r["id"] for r in read_tsv(out / "annotations.tsv")] == ["perox", "p53", "empty", "noise", "perox"]
    assert not list(out.glob("annotations.part*"))
    # Without --resume, stale part files are discarded with the JSONL, not mixed into a new run.
    (out / "annotations.part0.jsonl").write_text(lines[0] + "\n")
    result = annotate(AnnotateConfig([sets_file], out, model="fake", kb=tiny_kb_path, report=False))
    assert result.n_skipped_resume == 0 and not list(out.glob("annotations.part*"))


def test_a_worker_error_is_reported_with_its_message(sets_file, tiny_kb_path, tmp_path):
    from gener1_tool.errors import Gener1Error

    with pytest.raises(Gener1Error, match=r"annotation worker \d failed: .*no_such_model"):
        annotate(AnnotateConfig([sets_file], tmp_path / "o", model=str(tmp_path / "no_such_model"), kb=tiny_kb_path,
                                workers=2, threads=1, report=False))
    with pytest.raises(Gener1Error, match="workers must be at least 1"):
        annotate(AnnotateConfig([sets_file], tmp_path / "o", model="fake", kb=tiny_kb_path, workers=0))


def test_progress_moves_while_a_batch_decodes(sets_file, tiny_kb_path, tmp_path, monkeypatch):
    """The bar must not stand still through a long batch: decode steps report fractions of the running batch."""
    from gener1_tool.annotation import batch as batch_module
    from gener1_tool.model.generate import generate
    from gener1_tool.model.load import load_model, tiny_model

    model_dir = tiny_model(tmp_path / "tiny", [GOOD_PEROX, GOOD_P53] * 3, seed=0)
    model, tokenizer = load_model(str(model_dir))
    fractions = []
    generate(model, tokenizer, ["PEX1 PEX2", "TP53 MDM2 CDKN1A", "PEX5"], max_new_tokens=8, batch_size=2,
             on_step=fractions.append)
    assert len(fractions) >= 8 and fractions == sorted(fractions) and fractions[-1] == 1.0
    assert any(0 < f < 1 and f not in (1 / 3, 2 / 3) for f in fractions)  # inside a batch, not only between batches
    monkeypatch.setattr(batch_module, "PROGRESS_EVERY", 0.0)
    seen = []
    annotate(AnnotateConfig([sets_file], tmp_path / "out", model=str(model_dir), kb=tiny_kb_path, max_new_tokens=12,
                            retries=0, threads=1, report=False), progress=lambda done, total: seen.append(done))
    assert seen[0] == 0 and seen[-1] == 5 and any(int(d) != d for d in seen)


@pytest.mark.needs_data
def test_a_set_without_coherent_enrichment_is_answered_unrelated_without_the_model(fake_model, default_kb, tmp_path):
    """The abstention rule on the default KB: peroxins are coherent (the model names them); random genes are not
    (answered from the evidence, confidence 0, flagged, the model not asked); --no-abstain asks the model."""
    sets = tmp_path / "sets.gmt"
    sets.write_text("perox\tperoxisome\tPEX1\tPEX2\tPEX3\tPEX5\tPEX6\tPEX7\tPEX10\tPEX12\n"
                    "random\trandom genes\tOR4F5\tKRTAP5-9\tTAS2R46\tZNF732\tC1orf167\tLCE1F\tMUC21\tOR2T33\n"
                    "pair\ttwo unrelated genes\tKRTAP5-9\tZNF732\n")
    out = annotate(AnnotateConfig([sets], tmp_path / "out", model="fake", kb=default_kb.path, report=False))
    rows = {r["id"]: r for r in read_tsv(out.tsv)}
    # Two genes are too few for the rule to tell related from random: still "unrelated", but said and flagged.
    assert rows["pair"]["name"] == "System of unrelated proteins" and "too_few_genes_to_test" in rows["pair"]["flags"]
    assert "too_few_genes_to_test" not in rows["random"]["flags"]
    pair = {json.loads(line)["id"]: json.loads(line) for line in open(out.jsonl)}["pair"]
    assert "too few for this test" in pair["raw"] and "may still share one" in pair["raw"]
    assert rows["perox"]["name"] == "protein import into peroxisome matrix"
    assert rows["random"]["name"] == "System of unrelated proteins" and rows["random"]["confidence"] == "0.00"
    assert "abstained_no_coherent_enrichment" in rows["random"]["flags"] and rows["random"]["attempts"] == "0"
    assert sum(n for n, _ in fake_model.calls) == 1  # only the peroxins went to the model
    record = [json.loads(line) for line in open(out.jsonl)][1]
    assert record["answer"]["steps"] and ("FDR" in record["raw"] or "No term" in record["raw"])
    fake_model.calls.clear()
    asked = annotate(AnnotateConfig([sets], tmp_path / "asked", model="fake", kb=default_kb.path, report=False,
                                    abstain=False))
    assert {r["id"]: r["name"] for r in read_tsv(asked.tsv)}["random"] != "System of unrelated proteins"
    assert fake_model.calls[0][0] == 3  # all three sets asked


@pytest.mark.needs_data
def test_the_top_term_beside_the_name_is_enrich_top1_with_the_rules_fdr(fake_model, default_kb, tmp_path):
    """The top enrichment term a row prints is the one gener1 is evaluated against (enrich-top1: terms of 3-500 genes),
    not a term of thousands of genes, and its FDR is the one the evidence and the abstention rule read."""
    from gener1_tool.enrichment.baselines import enrich_top1
    from gener1_tool.enrichment.evidence import EvidenceBundle
    from gener1_tool.genes.geneset import GeneSet

    genes = ("BCLAF1 BRD4 CASP8 CDC73 CREBBP DDX3X EWSR1 FUBP1 FUS GATA3 PRCC PRKDC PRPF40B RBM10 SF1 SF3B1 SPEN SRSF2 "
             "TNF U2AF1 UPF1 ZRSR2").split()  # NeST system 19: of every size, "nucleoplasm" (21/4207) comes first
    sets = tmp_path / "sets.gmt"
    sets.write_text("nest19\tsplicing\t" + "\t".join(genes) + "\n")
    out = annotate(AnnotateConfig([sets], tmp_path / "out", model="fake", kb=default_kb.path, report=False,
                                  chooser=False))
    record = next(json.loads(line) for line in open(out.jsonl))
    row = read_tsv(out.tsv)[0]
    baseline = enrich_top1([GeneSet(id="nest19", genes=genes)], default_kb.path, hold_out_gold=False)[0]
    assert row["top_enriched_term"] == baseline.name == "spliceosomal complex"
    assert all(3 <= t["Term_size"] <= 500 for t in record["enrichment_top10"])
    strongest = EvidenceBundle.from_dict(record["evidence"]).strongest()
    assert strongest.term_id == record["enrichment_top"]["term_id"]
    assert float(row["top_enriched_fdr"]) == pytest.approx(strongest.fdr, rel=1e-2)
