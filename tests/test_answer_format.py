"""THE answer format: render and parse round-trip; names with commas, periods, colons survive."""

from __future__ import annotations

import pytest

from gener1_tool.reasoning.answer import UNRELATED, is_unrelated, name_line_cut, parse, render, repeated_step_cut


def test_round_trip():
    text = render("protein import into peroxisome matrix", ["The genes are enriched in X.", "The gene PEX1 has function for Y."], 0.87)
    assert text.splitlines()[0] == "Process: protein import into peroxisome matrix (0.87)"
    a = parse(text)
    assert a.name == "protein import into peroxisome matrix" and a.confidence == 0.87
    assert a.steps == ["The genes are enriched in X.", "The gene PEX1 has function for Y."]
    assert a.well_formed() and a.has_reasoning_header and not a.errors


@pytest.mark.parametrize("line, name, conf", [
    ("Process: DNA damage response, signal transduction by p53 class mediator", "DNA damage response, signal transduction by p53 class mediator", None),
    ("Process: oxidoreductase activity, acting on NAD(P)H, quinone or similar compound as acceptor (0.6)",
     "oxidoreductase activity, acting on NAD(P)H, quinone or similar compound as acceptor", 0.6),
    ("**Process:** Peroxisome biogenesis.", "Peroxisome biogenesis", None),
    ("process: ATP synthesis coupled proton transport: mitochondrial (confidence: 0.91)",
     "ATP synthesis coupled proton transport: mitochondrial", 0.91),
    ('Process: "Hedgehog signaling" (1)', "Hedgehog signaling", 1.0),
    ("Process: interleukin-1 (IL-1) production", "interleukin-1 (IL-1) production", None),
    # an evidence line's statistics copied along with its term are dropped; other slashes and parentheses stay
    ("Process: Glycolysis pathway (9/10, FDR 1.0e-37)", "Glycolysis pathway", None),
    ("Process: chromosomal region (30/404, FDR 1.5e-25) (0.8)", "chromosomal region", 0.8),
    ("Process: synaptic membrane (0.98, FDR 1.04)", "synaptic membrane", 0.98),  # GO:CC name-only run, 2026-12-03
    ("Process: G1/S transition of mitotic cell cycle (2/3)", "G1/S transition of mitotic cell cycle (2/3)", None),
])
def test_names_survive_punctuation(line, name, conf):
    a = parse(line + "\nReasoning:\n<think>step</think>")
    assert a.name == name and a.confidence == conf


def test_confidence_line_and_unrelated():
    a = parse(f"Process: {UNRELATED}\nConfidence: 0.00\n<think>No common function.</think>")
    assert a.confidence == 0.0 and is_unrelated(a.name) and a.well_formed()


@pytest.mark.parametrize("text, errors, well_formed", [
    ("I think these genes do stuff.", ["no 'Process:' line", "no <think> steps"], False),
    ("Process: \n<think>x</think>", ["empty process name"], False),
    ("Process:\nthese genes are interesting\n<think>x</think>", ["empty process name"], False),  # name is on its line
    ("Process: cell cycle", ["no <think> steps"], False),
    ("Process: cell cycle\n<think>a</think><think>b", ["unbalanced <think> tags"], True),
    (None, ["no text"], False),
])
def test_malformed(text, errors, well_formed):
    a = parse(text)
    assert all(e in a.errors for e in errors)
    assert a.well_formed() is well_formed


def test_reasoning_optional_when_not_required():
    assert parse("Process: cell cycle").well_formed(require_reasoning=False)


def test_special_tokens_stripped():
    a = parse("<|im_start|>assistant\nProcess: mitochondrial translation (0.8)<|im_end|>\n<think>s</think>")
    assert a.name == "mitochondrial translation" and a.confidence == 0.8


def test_render_rejects_empty_name():
    with pytest.raises(ValueError):
        render("  ")


def test_repeated_step_cut_finds_the_first_verbatim_repeat():
    head = "Process: radial spoke assembly (0.95)\nReasoning:\n"
    a, b = "<think>The genes are enriched in X.</think>", "<think>The gene RSPH1 has function for Y.</think>"
    looping = head + a + "\n" + b + "\n" + "<think>the genes are  enriched in X.</think>" + "\n" + b
    cut = repeated_step_cut(looping)
    assert cut == len(head + a + "\n" + b + "\n")  # the repeat differs only in case and spacing
    kept = parse(looping[:cut])
    assert kept.name == "radial spoke assembly" and kept.steps == ["The genes are enriched in X.",
                                                                    "The gene RSPH1 has function for Y."]
    assert repeated_step_cut(head + a + b) is None
    assert repeated_step_cut(head + a + "<think> </think><think></think>") is None  # empty steps are not repeats
    assert repeated_step_cut(head + a + "\n<think>The genes are enriched in") is None  # open step: not yet
    # Steps before the Process line never cut: the name may still come.
    assert repeated_step_cut(a + a + "\n" + head + b) is None
    assert repeated_step_cut(a + "\n" + head + a + b + b) == len(a + "\n" + head + a + b)


def test_a_step_with_the_same_words_in_another_order_or_new_statistics_is_a_repeat():
    head = "Process: regulation of dendritic cell antigen processing and presentation (0.95)\nReasoning:\n"
    genes = "<think>The genes are enriched in GO terms related to NOD1, CCL21, NOD2, CCR7 +5.</think>\n"
    stats = "<think>The genes are enriched in GO terms related to lipid transport (3/5, FDR 8.8e-10).</think>\n"
    wider = "<think>The genes are enriched in GO terms related to antigen processing.</think>\n"
    narrower = "<think>The genes are enriched in GO terms related to dendritic cell antigen processing.</think>\n"
    # the same genes in another order (one of them twice), then the same term with made-up statistics
    shuffled = "<think>The genes are enriched in GO terms related to CCL21, NOD1, CCL21, NOD2, CCR7 +5.</think>\n"
    restated = "<think>The genes are enriched in GO terms related to lipid transport (3/12, FDR 9.6e-09).</think>"
    assert repeated_step_cut(head + genes + shuffled) == len(head + genes)
    assert repeated_step_cut(head + stats + wider + restated) == len(head + stats + wider)
    # a more or less specific term is a step of its own, and so is one that differs by a number-like word
    assert repeated_step_cut(head + wider + narrower) is None
    assert repeated_step_cut(head + genes + genes.replace("NOD2", "NOD3")) is None


def test_name_line_cut_stops_right_after_a_complete_process_line():
    text = "Process: peroxisome organization (0.8)\nReasoning:\n<think>The genes"
    cut = name_line_cut(text)
    assert text[:cut] == "Process: peroxisome organization (0.8)"
    assert parse(text[:cut]).name == "peroxisome organization" and parse(text[:cut]).confidence == 0.8
    assert name_line_cut("Process: peroxisome organ") is None  # the line may still grow
    assert name_line_cut("I think these genes\nare interesting") is None
    assert name_line_cut("Some prose first.\nProcess: autophagy\n") == len("Some prose first.\nProcess: autophagy")


def test_an_out_of_range_confidence_is_cut_from_the_name_and_reported():
    a = parse("Phenomenone-like protein (0.97)\nProcess: mating behavior (2.25)")
    assert a.name == "mating behavior" and a.confidence is None
    assert any("outside 0..1" in e for e in a.errors)
    assert parse("Process: HOX cluster (13)\n<think>s</think>").name == "HOX cluster (13)"  # an integer may be a name's


def test_the_abstention_answer_says_when_too_few_genes_were_tested():
    from gener1_tool.reasoning.answer import unrelated_answer

    strong = parse(unrelated_answer("DNA mismatch repair", 2e-3, 1e-3))
    weak = parse(unrelated_answer("DNA mismatch repair", 2e-3, 1e-3, weak_test_genes=2))
    for a in (strong, weak):
        assert a.name == UNRELATED and a.confidence == 0.0 and a.steps[0].startswith("The strongest enriched term, DNA")
    assert "share no function more than random genes would" in strong.steps[0] and len(strong.steps) == 2
    assert "random" not in " ".join(weak.steps)  # no claim the test cannot back
    assert weak.steps[1].startswith("2 genes with annotations in the knowledge base are too few for this test")
    assert weak.steps[-1] == "So no shared function can be named; they may still share one."
    one = parse(unrelated_answer(None, None, 1e-3, weak_test_genes=1))
    assert one.steps[0].startswith("No term") and one.steps[1].startswith("1 gene with annotations in the knowledge base is")
