"""Gene-level reasoning: the compact candidates prompt, the steps a chosen name rests on (each naming genes of the
set, each gene claim read and supported by the claim check), and the SFT corpus that teaches them."""

from __future__ import annotations

import json
import re

import pytest

from gener1_tool.annotation.claims import ClaimChecker, extract_claims
from gener1_tool.corpora.candidate_traces import build_candidate_traces
from gener1_tool.enrichment.candidates import Candidate, CandidateBuilder, CandidateList
from gener1_tool.errors import Gener1Error
from gener1_tool.genes.geneset import GeneSet
from gener1_tool.reasoning import answer
from gener1_tool.reasoning.gene_steps import cite_statistics, gene_level_steps
from gener1_tool.reasoning.prompts import CANDIDATE_PROMPT_GENES, build_prompt

PEROX = ["PEX1", "PEX2", "PEX3", "PEX5"]


def _list():
    return CandidateList("s", 30, 28, [
        Candidate(1, "GO:1", "protein import into peroxisome matrix", "GO_BP", 4, 30, 1e-8, 2e-6, (), ("PEX1", "PEX2", "PEX5")),
        Candidate(2, "GO:2", "peroxisome", "GO_CC", 5, 80, 1e-7, 0.0, (), ("PEX1", "PEX3")),
        Candidate(3, "R1", "Peroxisomal protein import", "REACTOME_2011", 3, 60, 1e-6, 0.2, (), ("PEX5",)),
        Candidate(4, "GO:4", "no genes listed", "GO_BP", 2, 60, 1e-5, 0.3)])


def test_the_compact_prompt_lists_candidates_with_their_genes_and_a_bounded_gene_sample():
    genes = [f"G{i}" for i in range(100)]
    content = build_prompt(GeneSet("s", genes), mode="candidates", candidates=_list().to_dict())[1]["content"]
    assert "1. protein import into peroxisome matrix (4/30, FDR 2e-06): PEX1, PEX2, PEX5 ..." in content
    assert "2. peroxisome (5/80, FDR < 1e-300): PEX1, PEX3 ..." in content
    assert f"(a random sample of {CANDIDATE_PROMPT_GENES} of 100)" in content
    grounded = build_prompt(GeneSet("s", genes), mode="model-only")[1]["content"]
    assert len(content) < len(grounded)  # shorter than even the genes-only prompt
    with pytest.raises(Gener1Error, match="needs the set's candidate list"):
        build_prompt(GeneSet("s", genes), mode="candidates")


def test_every_step_names_a_gene_of_the_chosen_or_next_terms_and_is_read_as_a_claim():
    steps = gene_level_steps(_list(), 0, related=2)
    assert steps[:2] == ["PEX1 is involved in protein import into peroxisome matrix.",
                         "PEX2 is involved in protein import into peroxisome matrix."]
    assert steps[2] == "PEX3 is located in peroxisome (5/80 genes, FDR < 1e-300)."  # a gene not cited yet
    assert steps[3] == "PEX5 participates in Peroxisomal protein import (3/60 genes, FDR 0.20)."
    assert steps[-1] == "PEX1, PEX2 and PEX5 point to protein import into peroxisome matrix (4 of 28 annotated genes, FDR 2e-06)."
    claims = extract_claims(steps)
    assert [g for g, _ in claims] == ["PEX1", "PEX2", "PEX3", "PEX5"]
    assert len(gene_level_steps(_list(), 0)) == 4  # by default: two gene claims, one related term, the conclusion
    assert gene_level_steps(_list(), 3) == []  # no overlapping genes to cite
    parsed = answer.parse(answer.render("protein import into peroxisome matrix", steps, 0.8))
    assert parsed.well_formed(True) and parsed.steps == steps


def test_claims_of_steps_built_from_the_kb_are_supported(tiny_kb):
    gs = GeneSet("GO:0007031", PEROX + ["TP53"], gold_name="peroxisome organization")
    clist = CandidateBuilder(tiny_kb, ["GO_BP"]).build_many([gs], hold_out=[{"GO:0007031"}], hold_out_names=[set()])[0]
    steps = gene_level_steps(clist, 0)
    claims = ClaimChecker(tiny_kb).check(steps, gs.genes)
    assert claims and all(c.status == "supported" for c in claims), claims


def test_the_corpus_names_each_set_after_its_best_candidate_and_keeps_only_close_names(tiny_kb_path, tmp_path):
    task = tmp_path / "task.jsonl"
    rows = [{"id": "GO:0007031", "genes": PEROX, "gold_name": "peroxisome organization", "library": "GO_BP", "split": "train"},
            {"id": "X1", "genes": PEROX, "gold_name": "protein import", "library": "GO_BP", "split": "train"},
            {"id": "X2", "genes": PEROX, "gold_name": "unrelated gold", "library": "GO_BP", "split": "train"},
            {"id": "X3", "genes": PEROX, "gold_name": "validation only", "library": "GO_BP", "split": "validation"}]
    task.write_text("".join(json.dumps(r) + "\n" for r in rows))

    def score(names, golds):  # word overlap as both terms
        sims = [len(set(n.split()) & set(g.split())) / len(set(g.split())) for n, g in zip(names, golds)]
        return {"similarity": sims, "rouge_l": sims}

    out = tmp_path / "traces.jsonl"
    report = build_candidate_traces([task], out, kb=tiny_kb_path, score=score, weights={"similarity": 1, "rouge_l": 1},
                                    quota={"GO_BP": 5}, threshold=0.5)
    got = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["id"] for r in got] == ["X1"]  # the validation row is never drawn
    assert report["dropped"] == {"below_threshold": 2} and report["examples"] == 1
    row = got[0]
    parsed = answer.parse(row["completion"][0]["content"])
    assert parsed.name == "protein import into peroxisome matrix" == row["teacher_name"]
    assert all(any(g in step for g in PEROX) for step in parsed.steps)
    assert "Candidate terms" in row["prompt"][1]["content"] and row["chosen_rank"] >= 1


# -- constrained gene lists (model.constrain) ------------------------------------------------------------------

SET_A = ["SCP2", "SCP2D1", "LDLRAP1", "ANXA2"]
SET_B = ["EDN1", "EDNRA", "CDC42"]
_LIST = re.compile(r"^(?P<genes>[A-Za-z0-9-]+(?:, [A-Za-z0-9-]+)*(?: and [A-Za-z0-9-]+)?)(?![A-Za-z0-9-])")


@pytest.fixture(scope="module")
def tiny_lm(tmp_path_factory):
    from gener1_tool.model.load import load_model, tiny_model

    texts = ["<think>SCP2 and LDLRAP1 are involved in sterol transport.</think>",
             "<think>EDN1, EDNRA and CDC42 point to endothelin receptor signaling pathway.</think>"] * 4
    return load_model(str(tiny_model(tmp_path_factory.mktemp("tiny"), texts, seed=3)), threads=1)


def _step_lists(text: str) -> list[list[str]]:
    """The gene list that opens each <think> step of ``text`` (the step's first words up to the first word that is
    neither a symbol-shaped token nor a separator)."""
    out = []
    for step in re.split(r"<think>", text)[1:]:
        m = _LIST.match(step)
        out.append(re.split(r", | and ", m.group("genes")) if m else [])
    return out


def test_a_constrained_step_opens_with_genes_of_its_own_set_and_a_free_one_does_not(tiny_lm):
    from gener1_tool.model.generate import generate

    model, tokenizer = tiny_lm
    prompts, openings = ["genes: SCP2 SCP2D1 LDLRAP1 ANXA2", "genes: EDN1 EDNRA CDC42"], ["<think>", "<think>"]
    free = generate(model, tokenizer, prompts, max_new_tokens=24, answer_prefix=openings)
    held = generate(model, tokenizer, prompts, max_new_tokens=24, answer_prefix=openings, gene_lists=[SET_A, SET_B])
    for text, genes in zip(held, (SET_A, SET_B)):
        lists = _step_lists(text)
        assert lists and lists[0], text  # every row opens its step with at least one symbol
        for listed in lists:
            assert listed and set(listed) <= set(genes), (text, listed)
    # The random tiny model writes no set symbol by itself: the constraint is what put them there.
    assert any(not (_step_lists(t)[0] and set(_step_lists(t)[0]) <= set(g)) for t, g in zip(free, (SET_A, SET_B)))


def test_the_symbol_trie_follows_prefix_symbols_and_separators(tiny_lm):
    from gener1_tool.model.constrain import GeneListProcessor, SymbolLists

    _, tokenizer = tiny_lm
    tables = SymbolLists.for_tokenizer(tokenizer)
    assert SymbolLists.for_tokenizer(tokenizer) is tables  # one glue table per tokenizer
    processor = GeneListProcessor(tables, [SET_A], start=0)
    state = lambda text: processor._state(tokenizer(text, add_special_tokens=False)["input_ids"], processor.rows[0])  # noqa: E731
    assert state("no opener yet") is None
    assert state("<think>") is not None and -1 not in state("<think>")  # a symbol must come first
    assert -1 in state("<think>SCP2") and len(state("<think>SCP2")) > 1  # SCP2 is complete, SCP2D1 may follow
    after_comma = state("<think>SCP2,")
    assert after_comma is not None and -1 not in after_comma  # after a comma: another symbol must follow
    assert -1 in state("<think>SCP2, ANXA2")
    assert state("<think>SCP2 and ANXA2 are") is None  # the list ended: the rest of the step is free
    assert state("</think>\n<think>LDLRAP1") is not None  # a new step opens a new list


def test_cited_figures_are_the_candidates_own_and_steps_written_as_taught_are_left_alone():
    clist = _list()
    taught = answer.render("protein import into peroxisome matrix", gene_level_steps(clist, 0, related=2), 0.8)
    assert cite_statistics(taught, clist.candidates, clist.n_annotated) == (taught, [])  # "FDR < 1e-300" and "FDR 0.20" included
    text = ("Process: peroxisome (4/30, FDR 2e-06) (0.80)\nReasoning:\n"
            "<think>PEX3 is located in peroxisome (4/30 genes, FDR 2e-06).</think>\n"
            "<think>PEX1 is involved in positive protein import into peroxisome matrix (3/3 genes, FDR 1e-09).</think>\n"
            "<think>PEX1 and PEX5 point to protein import into peroxisome matrix (9 of 9 annotated genes, FDR 3e-04).</think>")
    fixed, changes = cite_statistics(text, clist.candidates, clist.n_annotated)
    steps = answer.parse(fixed).steps
    assert fixed.startswith("Process: peroxisome (4/30, FDR 2e-06) (0.80)")  # only reasoning steps are touched
    assert steps[0] == "PEX3 is located in peroxisome (5/80 genes, FDR < 1e-300)."
    # the tail of a longer, unlisted name is not that candidate: its figures are dropped, not replaced
    assert steps[1] == "PEX1 is involved in positive protein import into peroxisome matrix."
    assert steps[2] == "PEX1 and PEX5 point to protein import into peroxisome matrix (4 of 28 annotated genes, FDR 2e-06)."
    assert [c["term"] for c in changes] == ["peroxisome", None, "protein import into peroxisome matrix"]
    assert changes[1] == {"was": "(3/3 genes, FDR 1e-09)", "now": "", "term": None}
    # the evidence prompt writes FDRs as 2.0e-06: right figures in another notation are left as written
    same = "Process: x (0.5)\nReasoning:\n<think>PEX1 is involved in protein import into peroxisome matrix (4/30, FDR 2.0e-06).</think>"
    assert cite_statistics(same, clist.candidates, clist.n_annotated) == (same, [])
