"""Claim check: per-gene statements in the reasoning against the KB."""

from __future__ import annotations

from gener1_tool.annotation.claims import ClaimChecker, count, extract_claims


def test_extract_per_gene_claims_only():
    steps = ["The genes are enriched in the GO terms related to peroxisome organization.",
             "The gene PEX1 has function for protein import into peroxisome matrix.",
             "TP53 is involved in DNA damage response; MDM2 (an E3 ligase) regulates TP53 stability.",
             "ATP is consumed."]
    assert extract_claims(steps) == [("PEX1", "protein import into peroxisome matrix"),
                                     ("TP53", "DNA damage response"), ("MDM2", "TP53 stability")]


def test_check_against_tiny_kb(tiny_kb):
    steps = ["The gene PEX1 has function for protein import into peroxisome matrix.",
             "The gene PEX2 has function for oxidative phosphorylation.",
             "The gene NOTINSET has function for glycolysis.",
             "The gene FOO1 has function for glycolysis."]
    claims = ClaimChecker(tiny_kb).check(steps, ["PEX1", "PEX2", "FOO1"])
    assert [(c.gene, c.status) for c in claims] == [("PEX1", "supported"), ("PEX2", "unsupported"),
                                                   ("NOTINSET", "unsupported"), ("FOO1", "unknown")]
    assert claims[0].evidence == "protein import into peroxisome matrix"  # the most specific matching term
    assert claims[2].evidence == "gene is not in the gene set"
    assert count(claims) == {"supported": 1, "unsupported": 3 - 1, "unknown": 1}
    # a symbol one slip away from a set gene (a small model's copy error) is named, and stays unsupported
    slip = ClaimChecker(tiny_kb).check(["The gene PEX11 has function for peroxisome organization."], ["PEX1", "FOO1"])
    assert slip[0].status == "unsupported"
    assert slip[0].evidence == "gene is not in the gene set; closest in the set: PEX1"


def test_held_out_terms_cannot_support_a_claim(tiny_kb):
    steps = ["The gene TP53 is involved in DNA damage response, signal transduction by p53 class mediator."]
    assert ClaimChecker(tiny_kb).check(steps, ["TP53"])[0].status == "supported"
    held = ClaimChecker(tiny_kb, hold_out={"GO:0006977", "KEGG:hsa04115"}).check(steps, ["TP53"])
    assert held[0].status == "unsupported"
