"""Reward-term plugins: names parsed by the one answer parser, TRL call convention, weights."""

from __future__ import annotations

import pytest

from gener1_tool import plugins
from gener1_tool.errors import Gener1Error
from gener1_tool.reasoning.answer import render
from gener1_tool.training import rewards
from gener1_tool.training.rewards import (ExactMatchReward, FormatReward, PreferenceLevelReward, RougeLReward,
                                          SimilarityReward, ThinkReward, build_reward_terms, parse_weights)

GOLD = "DNA damage response, signal transduction by p53 class mediator"


def test_builtin_terms_are_registered_as_plugins():
    names = set(plugins.registry("reward_terms"))
    assert {"similarity", "rouge_l", "format", "think", "exact_match", "preference_level"} <= names


def test_names_with_commas_periods_and_colons_survive():
    completion = render(GOLD, ["The genes TP53, MDM2 and CDKN1A act in p53 signalling."], 0.8)
    assert RougeLReward()(completions=[completion], gold_name=[GOLD]) == [pytest.approx(1.0)]
    assert ExactMatchReward()(completions=[completion], gold_name=[GOLD]) == [1.0]
    tricky = "Process: cell cycle: G1/S transition, mitotic. (0.7)\nReasoning:\n<think>x</think>"
    assert ExactMatchReward()(completions=[tricky], gold_name=["Cell cycle: G1/S transition, mitotic"]) == [1.0]


def test_format_and_think_terms():
    good = render("peroxisome organization", ["The genes are in the peroxisome."], 0.9)
    no_think = "Process: peroxisome organization (0.9)"
    no_name = "<think>The genes are in the peroxisome.</think>"
    empty = ""
    completions = [good, no_think, no_name, empty]
    assert FormatReward()(completions=completions) == [1.0, 1.0, 0.0, 0.0]
    assert ThinkReward()(completions=completions) == [1.0, 0.0, 1.0, 0.0]


def test_conversational_completions_are_read_like_strings():
    text = render("oxidative phosphorylation", ["ATP synthase subunits."])
    assert FormatReward()(completions=[[{"role": "assistant", "content": text}]]) == [1.0]
    assert rewards.completion_text({"role": "assistant", "content": "x"}) == "x"


def test_rouge_l_is_partial_for_partial_names_and_zero_without_a_name():
    scores = RougeLReward()(completions=["Process: peroxisome organisation", "no answer here"],
                            gold_name=["peroxisome organization", "peroxisome organization"])
    assert 0.4 < scores[0] < 1.0  # "peroxisome" matches; the British spelling does not
    assert scores[1] == 0.0


def test_exact_match_ignores_case_space_and_trailing_period_only():
    term = ExactMatchReward()
    completions = ["Process: Peroxisome  organization.", "Process: peroxisome organisation"]
    assert term(completions=completions, gold_name=["peroxisome organization"] * 2) == [1.0, 0.0]


def test_similarity_orders_related_above_unrelated_names():
    sims = SimilarityReward()(completions=["Process: peroxisome organization", "Process: T cell receptor signaling",
                                           "nothing"],
                              gold_name=["peroxisome biogenesis"] * 3)
    assert sims[0] > 0.6 > sims[1] >= 0.0
    assert sims[2] == 0.0


def test_preference_levels_follow_the_papers_four_level_order():
    gold = ["peroxisome organization"] * 4
    correct_with = render("peroxisome organization", ["PEX genes build peroxisomes."])
    correct_without = "Process: peroxisome organization"
    wrong_with = render("T cell receptor signaling pathway", ["TCR signalling."])
    wrong_without = "Process: T cell receptor signaling pathway"
    term = PreferenceLevelReward(threshold=0.7)
    completions = [wrong_without, wrong_with, correct_without, correct_with]
    assert term.levels(completions, gold) == [0, 1, 2, 3]
    scores = term(completions=completions, gold_name=gold)
    assert scores == sorted(scores) and len(set(scores)) == 4
    with pytest.raises(ValueError):
        PreferenceLevelReward(tie_break=1.0)


def test_weights_from_the_command_line_and_term_building():
    assert parse_weights(["similarity=2", "rouge_l=0.5", "format"]) == {"similarity": 2.0, "rouge_l": 0.5, "format": 1.0}
    with pytest.raises(Gener1Error):
        parse_weights(["similarity=lots"])
    funcs, weights = build_reward_terms({"rouge_l": 1.0, "format": 0.5})
    assert [f.__name__ for f in funcs] == ["rouge_l", "format"] and weights == [1.0, 0.5]
    with pytest.raises(Gener1Error, match="no reward term named 'nope'"):
        build_reward_terms({"nope": 1.0})
