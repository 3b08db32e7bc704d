"""End to end on a tiny model, one process, fixed seed: reasoning corpus → warm-up → reasoning SFT → GRPO
(and online DPO), asserting that each stage moves the right way and that saved stages reload identically.

The tiny task: four gene sets with gold names. The warm-up corpus states gene functions; the teacher
(imported traces, filtered by similarity) gives two examples per set, with and without reasoning. SFT is
kept short, so the policy writes a parseable Process line about half the time when sampling at T = 0.7:
the first tokens decide the format, which gives GRPO a clean group-relative signal. GRPO is trained with
the default reward R = similarity + ROUGE-L + format + think and scored on 256 seeded samples before and
after (a sweep over learning rates and seeds on this task gained +0.18 to +0.32 in every run).
"""

from __future__ import annotations

import json

import pytest

from gener1_tool.model.generate import generate
from gener1_tool.reasoning import answer
from gener1_tool.corpora.reasoning import ReasoningCorpusConfig, build_reasoning_corpus
from gener1_tool.model import load as base
from gener1_tool.training.align import AlignConfig, align
from gener1_tool.training.common import read_run_config
from gener1_tool.training.reason import ReasonConfig, reason
from gener1_tool.training.rewards import DEFAULT_WEIGHTS, build_reward_terms
from gener1_tool.training.warmup import WarmupConfig, warmup

SETS = {
    "S0": ("peroxisome organization", ["PEX1", "PEX2", "PEX3", "PEX5"]),
    "S1": ("oxidative phosphorylation", ["ATP5F1A", "ATP5F1B", "NDUFS1"]),
    "S2": ("p53 signaling", ["TP53", "MDM2", "CDKN1A"]),
    "S3": ("protein ubiquitination", ["MARCHF1", "MDM2"]),
}
COMMON = dict(seed=0, threads=1, progress=False)


def write_jsonl(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def mean_rewards(model_dir, prompts, golds, funcs, temperature):
    model, tokenizer = base.load_model(model_dir)
    outs = generate(model, tokenizer, prompts, max_new_tokens=48, do_sample=True, temperature=temperature, seed=1,
                    batch_size=128)
    return {f.__name__: sum(f(completions=outs, gold_name=golds)) / len(outs) for f in funcs}


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    root = tmp_path_factory.mktemp("e2e")
    warm = write_jsonl(root / "knowledge.jsonl",
                       [{"text": f"The gene {g} has function for {name}.", "source": "test"}
                        for name, genes in SETS.values() for g in genes for _ in range(5)] + [{"text": "  "}])
    task = write_jsonl(root / "task.jsonl", [{"id": i + suffix, "genes": genes, "gold_name": name, "split": "train"}
                                             for i, (name, genes) in SETS.items() for suffix in ("", "-short")])
    traces = write_jsonl(root / "traces.jsonl", [
        {"id": i, "completion": answer.render(name, [f"The genes are enriched in the GO terms related to {name}."], 0.9)}
        for i, (name, _) in SETS.items()] + [{"id": i + "-short", "completion": answer.render(name, None, 0.9)}
                                             for i, (name, _) in SETS.items()])
    corpus = build_reasoning_corpus(ReasoningCorpusConfig(input=str(task), output=str(root / "reasoning.jsonl"),
                                                          teacher="import", teacher_options={"path": str(traces)},
                                                          require_reasoning=False))
    texts = warm.read_text().splitlines() + (root / "reasoning.jsonl").read_text().splitlines()
    tiny = base.tiny_model(root / "tiny", texts, seed=0, vocab_size=1024)

    w = warmup(WarmupConfig(output_dir=str(root / "warmup"), model=str(tiny), corpus=str(warm), max_steps=20,
                            batch_size=8, max_length=64, learning_rate=3e-3, logging_steps=5, save_steps=10, **COMMON))
    r = reason(ReasonConfig(output_dir=str(root / "reason"), model=str(root / "warmup"),
                            corpus=str(root / "reasoning.jsonl"), max_steps=80, batch_size=4, learning_rate=5e-3,
                            logging_steps=5, **COMMON))
    g = align(AlignConfig(output_dir=str(root / "grpo"), model=str(root / "reason"), data=str(task), max_steps=10,
                          batch_size=2, num_generations=8, max_completion_length=48, learning_rate=3e-4,
                          temperature=0.7, logging_steps=1, save_steps=5, **COMMON))
    d = align(AlignConfig(output_dir=str(root / "odpo"), model=str(root / "reason"), data=str(task),
                          method="online-dpo", max_steps=3, batch_size=2, max_completion_length=48,
                          learning_rate=1e-4, logging_steps=1, **COMMON))

    funcs, _ = build_reward_terms(dict(DEFAULT_WEIGHTS))
    examples = [json.loads(line) for line in (root / "reasoning.jsonl").read_text().splitlines()][::2]  # one per set
    prompts = [e["prompt"] for e in examples] * 64
    golds = [e["gold_name"] for e in examples] * 64
    before = mean_rewards(root / "reason", prompts, golds, funcs, 0.7)
    after = mean_rewards(root / "grpo", prompts, golds, funcs, 0.7)
    return dict(root=root, corpus=corpus, warmup=w, reason=r, grpo=g, odpo=d, before=before, after=after)


def test_reasoning_corpus_keeps_the_teachers_good_examples(run):
    assert run["corpus"].kept == 8 and not run["corpus"].dropped


def test_warmup_loss_decreases_and_empty_rows_are_counted(run):
    w = run["warmup"]
    assert w.global_step == 20
    assert w.losses[-1] < 0.75 * w.losses[0]
    assert w.data["skipped_empty"] == 1 and w.data["packing"] is True and w.data["blocks"] > 0


def test_sft_completion_loss_decreases_and_the_model_writes_the_format(run):
    r = run["reason"]
    assert r.losses[-1] < 0.5 * r.losses[0]
    model, tokenizer = base.load_model(run["root"] / "reason")
    prompts = [json.loads(line)["prompt"] for line in (run["root"] / "reasoning.jsonl").read_text().splitlines()]
    outs = generate(model, tokenizer, prompts, max_new_tokens=48)
    assert sum(answer.parse(o).name is not None for o in outs) >= len(outs) // 2


def test_grpo_moves_the_mean_reward_up(run):
    before, after = run["before"], run["after"]
    assert 0.2 < before["format"] < 0.8  # the task leaves room to learn
    assert sum(after.values()) > sum(before.values()) + 0.05, (before, after)
    assert after["format"] > before["format"]
    assert run["grpo"].global_step == 10
    log = [json.loads(line) for line in (run["root"] / "grpo" / "log.jsonl").read_text().splitlines()]
    assert {"rewards/similarity/mean", "rewards/format/mean", "reward"} <= set(log[0])


def test_online_dpo_trains_on_four_level_preferences(run):
    d = run["odpo"]
    assert d.global_step == 3 and all(loss == loss for loss in d.losses)  # finite losses
    log = [json.loads(line) for line in (run["root"] / "odpo" / "log.jsonl").read_text().splitlines()]
    assert any("objective/scores" in row for row in log)


@pytest.mark.parametrize("stage, checkpoint", [("warmup", "checkpoint-20"), ("grpo", "checkpoint-10")])
def test_saved_stage_reloads_identically_to_its_last_checkpoint(run, stage, checkpoint):
    import torch

    final, _ = base.load_model(run["root"] / stage)
    ckpt, _ = base.load_model(run["root"] / stage / checkpoint)
    a, b = final.state_dict(), ckpt.state_dict()
    assert a.keys() == b.keys()
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_every_stage_writes_its_full_config(run):
    for stage in ("warmup", "reason", "grpo", "odpo"):
        saved = read_run_config(run["root"] / stage)
        assert saved["config"]["seed"] == 0 and "trl" in saved["versions"]
    assert read_run_config(run["root"] / "grpo")["config"]["rewards"] == DEFAULT_WEIGHTS
    assert read_run_config(run["root"] / "reason")["config"]["model"] == str(run["root"] / "warmup")
