"""Training machinery on a tiny model: base loading, generation, resume, NaN guard, LoRA, data edge cases, CLI."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from gener1_tool.model.generate import generate
from gener1_tool.cli import cli
from gener1_tool.errors import Gener1Error
from gener1_tool.reasoning import answer
from gener1_tool.reasoning.prompts import build_prompt
from gener1_tool.model import load as base
from gener1_tool.training import common
from gener1_tool.training.reason import ReasonConfig, build_reason_dataset, reason
from gener1_tool.training.warmup import WarmupConfig, build_warmup_dataset, warmup

GENES = ["PEX1", "PEX2", "PEX3", "PEX5", "TP53", "MDM2", "CDKN1A", "ATP5F1A"]
TERMS = ["peroxisome organization", "p53 signaling", "oxidative phosphorylation"]
FAST = dict(seed=0, threads=1, progress=False, logging_steps=1)


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    root = tmp_path_factory.mktemp("training")
    sentences = [f"The gene {g} has function for {t}." for g in GENES for t in TERMS]
    knowledge = root / "knowledge.jsonl"
    knowledge.write_text("".join(json.dumps({"text": s}) + "\n" for s in sentences) + json.dumps({"text": ""}) + "\n"
                         + json.dumps({"text": " ".join(sentences)}) + "\n")  # one over-long row
    examples = [{"prompt": build_prompt(GENES[:4]), "completion": [{"role": "assistant", "content": answer.render(
        "peroxisome organization", ["The genes are enriched in the GO terms related to peroxisome organization."])}]},
        {"prompt": build_prompt(GENES[4:7]), "completion": answer.render("p53 signaling", ["TP53 and MDM2."])},
        {"prompt": build_prompt(GENES[4:7]), "completion": ""}]
    reasoning = root / "reasoning.jsonl"
    reasoning.write_text("".join(json.dumps(e) + "\n" for e in examples))
    texts = knowledge.read_text().splitlines() + reasoning.read_text().splitlines()
    tiny = base.tiny_model(root / "tiny", texts, seed=0)
    return dict(root=root, knowledge=knowledge, reasoning=reasoning, tiny=tiny, texts=texts)


# -- base models ----------------------------------------------------------------------------------------------
def test_tiny_model_is_deterministic_and_has_a_chat_template(data, tmp_path):
    again = base.tiny_model(tmp_path / "again", data["texts"], seed=0)
    assert (again / "model.safetensors").read_bytes() == (data["tiny"] / "model.safetensors").read_bytes()
    assert (again / "tokenizer.json").read_text() == (data["tiny"] / "tokenizer.json").read_text()
    tokenizer = base.load_tokenizer(data["tiny"])
    rendered = tokenizer.apply_chat_template([{"role": "user", "content": "hi"}], add_generation_prompt=True,
                                             tokenize=False)
    assert rendered == "<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n"
    assert tokenizer.eos_token == "<|im_end|>" and tokenizer.pad_token == "<|pad|>"


def test_model_specs_that_are_not_causal_lms_fail_clearly(tmp_path):
    with pytest.raises(Gener1Error, match="neither a local model directory nor a built-in base"):
        base.load_model(tmp_path / "missing")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(Gener1Error, match="no config.json"):
        base.load_model(empty)
    encoder = tmp_path / "encoder"
    encoder.mkdir()
    (encoder / "config.json").write_text(json.dumps({"model_type": "bert", "architectures": ["BertModel"]}))
    with pytest.raises(Gener1Error, match="not a causal language model"):
        base.load_model(encoder)


def test_generate_keeps_order_and_batching_does_not_change_greedy_output(data):
    model, tokenizer = base.load_model(data["tiny"])
    prompts = [build_prompt(GENES[:2]), "short", build_prompt(GENES)]
    batched = generate(model, tokenizer, prompts, max_new_tokens=8, batch_size=3)
    single = [generate(model, tokenizer, [p], max_new_tokens=8)[0] for p in prompts]
    assert batched == single
    assert tokenizer.padding_side == "right"  # restored after generation


# -- warm-up data ---------------------------------------------------------------------------------------------
def test_packing_fills_blocks_and_no_packing_counts_truncations(data):
    tokenizer = base.load_tokenizer(data["tiny"])
    packed, report = build_warmup_dataset(WarmupConfig(corpus=str(data["knowledge"]), max_length=32), tokenizer)
    assert report["skipped_empty"] == 1 and report["sentences_used"] == len(GENES) * len(TERMS) + 1
    assert all(len(row) == 32 for row in packed["input_ids"][:-1])
    assert sum(map(len, packed["input_ids"])) == report["tokens"]  # nothing lost, EOS included
    assert sum(row.count(tokenizer.eos_token_id) for row in packed["input_ids"]) == report["sentences_used"]
    rows, report = build_warmup_dataset(WarmupConfig(corpus=str(data["knowledge"]), max_length=32, packing=False),
                                        tokenizer)
    assert report["truncated"] == 1 and max(map(len, rows["input_ids"])) == 32
    _, budget = build_warmup_dataset(WarmupConfig(corpus=str(data["knowledge"]), max_length=32, max_tokens=100,
                                                  subsample=0.5), tokenizer)
    assert budget["tokens"] <= 100 and budget["sentences_available"] == 12


def test_sft_data_skips_or_truncates_long_examples_and_masks_prompts(data):
    tokenizer = base.load_tokenizer(data["tiny"])
    ds, report = build_reason_dataset(ReasonConfig(corpus=str(data["reasoning"]), max_length=4096), tokenizer)
    assert report["examples"] == 2 and report["skipped_empty"] == 1
    mask = ds["completion_mask"][0]
    assert mask[0] == 0 and mask[-1] == 1 and sum(mask) < len(mask)
    completion = tokenizer.decode([t for t, m in zip(ds["input_ids"][0], mask) if m])
    assert completion.startswith("Process: peroxisome organization") and completion.endswith("<|im_end|>\n")
    lengths = sorted(map(len, ds["input_ids"]))
    assert lengths[0] < lengths[1]
    short = (lengths[0] + lengths[1]) // 2  # the longer example no longer fits
    _, skipped = build_reason_dataset(ReasonConfig(corpus=str(data["reasoning"]), max_length=short), tokenizer)
    assert skipped["skipped_too_long"] == 1 and skipped["examples"] == 1
    cut, truncated = build_reason_dataset(ReasonConfig(corpus=str(data["reasoning"]), max_length=short,
                                                       on_long="truncate"), tokenizer)
    assert truncated["truncated"] == 1 and max(map(len, cut["input_ids"])) == short


def test_merged_strategy_mixes_warmup_sentences_with_full_loss(data):
    tokenizer = base.load_tokenizer(data["tiny"])
    ds, report = build_reason_dataset(ReasonConfig(corpus=str(data["reasoning"]), strategy="merged",
                                                   warmup_corpus=str(data["knowledge"]), mix_ratio=2.0,
                                                   max_length=4096), tokenizer)
    assert report["warmup_sentences"] == 4 and len(ds) == 6
    assert all(all(m) for m in ds["completion_mask"][2:])
    with pytest.raises(Gener1Error, match="merged strategy needs warmup_corpus"):
        build_reason_dataset(ReasonConfig(corpus=str(data["reasoning"]), strategy="merged"), tokenizer)


def test_bad_corpora_name_file_and_line(tmp_path, data):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "fine"}\n{"text": oops}\n')
    with pytest.raises(Gener1Error) as info:
        warmup(WarmupConfig(output_dir=str(tmp_path / "out"), model=str(data["tiny"]), corpus=str(bad), **FAST))
    assert info.value.line == 2 and info.value.path == str(bad)
    empty = tmp_path / "empty.jsonl"
    empty.write_text('{"text": ""}\n{"other": "x"}\n')
    with pytest.raises(Gener1Error, match="no training text"):
        warmup(WarmupConfig(output_dir=str(tmp_path / "out2"), model=str(data["tiny"]), corpus=str(empty), **FAST))


# -- runs -----------------------------------------------------------------------------------------------------
def test_an_interrupted_run_resumes_from_its_last_checkpoint_and_loses_nothing(data, tmp_path, monkeypatch):
    import torch
    from transformers import TrainerCallback

    config = dict(model=str(data["tiny"]), corpus=str(data["knowledge"]), max_steps=6, save_steps=3, batch_size=4,
                  max_length=32, learning_rate=3e-3, **FAST)
    straight = warmup(WarmupConfig(output_dir=str(tmp_path / "straight"), **config))

    class Interrupt(TrainerCallback):
        def on_step_end(self, args, state, control, **kwargs):
            if state.global_step == 4:  # after checkpoint-3, before the end
                raise KeyboardInterrupt

    original = common.make_callbacks
    monkeypatch.setattr(common, "make_callbacks", lambda out, losses: original(out, losses) + [Interrupt()])
    with pytest.raises(Gener1Error, match="interrupted; rerun the same command to resume"):
        warmup(WarmupConfig(output_dir=str(tmp_path / "broken"), **config))
    monkeypatch.setattr(common, "make_callbacks", original)
    resumed = warmup(WarmupConfig(output_dir=str(tmp_path / "broken"), **config))
    assert resumed.resumed_from.endswith("checkpoint-3") and resumed.global_step == 6
    a, _ = base.load_model(tmp_path / "straight")
    b, _ = base.load_model(tmp_path / "broken")
    for (name, x), y in zip(a.state_dict().items(), b.state_dict().values()):
        assert torch.allclose(x, y, atol=1e-6), name
    assert straight.losses[-1] == pytest.approx(resumed.losses[-1], rel=1e-5)


def test_nan_loss_stops_with_a_clear_error(data, tmp_path):
    import torch

    model, tokenizer = base.load_model(data["tiny"])
    with torch.no_grad():
        model.model.norm.weight[0] = float("nan")
    broken = base.save_model_atomic(model, tokenizer, tmp_path / "broken-model")
    with pytest.raises(Gener1Error, match="training loss became nan at step 1"):
        warmup(WarmupConfig(output_dir=str(tmp_path / "nan"), model=str(broken), corpus=str(data["knowledge"]),
                            max_steps=3, max_length=32, **FAST))


def test_lora_stages_save_adapters_that_reload_on_their_base_and_continue(data, tmp_path):
    w = warmup(WarmupConfig(output_dir=str(tmp_path / "lora-warmup"), model=str(data["tiny"]),
                            corpus=str(data["knowledge"]), lora=True, lora_r=4, max_steps=4, max_length=32,
                            learning_rate=1e-2, **FAST))
    assert base.is_adapter_dir(w.output_dir)
    adapter = json.loads((w.output_dir / "adapter_config.json").read_text())
    # Tied embeddings: the output layer is trained as a full copy (peft keeps it tied to the input embeddings),
    # since LoRA on the linear layers alone leaves it frozen.
    assert adapter["modules_to_save"] in (["lm_head"], ["model.embed_tokens"])
    assert w.losses[-1] < 0.8 * w.losses[0]
    assert base.adapter_base(w.output_dir) == str(data["tiny"])
    model, _ = base.load_model(w.output_dir)
    assert type(model).__name__ == "PeftModelForCausalLM"
    r = reason(ReasonConfig(output_dir=str(tmp_path / "lora-reason"), model=str(w.output_dir),
                            corpus=str(data["reasoning"]), lora=True, max_steps=2, **FAST))
    assert base.adapter_base(r.output_dir) == str(data["tiny"])  # one adapter per chain, on the original base
    full = reason(ReasonConfig(output_dir=str(tmp_path / "merged-full"), model=str(w.output_dir),
                               corpus=str(data["reasoning"]), max_steps=1, **FAST))
    assert not base.is_adapter_dir(full.output_dir) and (full.output_dir / "model.safetensors").exists()


def test_overwrite_refuses_foreign_directories(data, tmp_path):
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "precious.txt").write_text("keep me")
    with pytest.raises(Gener1Error, match="not a gener1 run"):
        warmup(WarmupConfig(output_dir=str(foreign), model=str(data["tiny"]), corpus=str(data["knowledge"]),
                            overwrite=True, **FAST))
    assert (foreign / "precious.txt").exists()


def test_cli_trains_and_reproduces_a_run_from_its_saved_config(data, tmp_path):
    runner = CliRunner()
    out = tmp_path / "cli-warmup"
    args = ["train", "warmup", str(data["knowledge"]), "-o", str(out), "-m", str(data["tiny"]), "--max-steps", "2",
            "--max-length", "32", "--threads", "1", "--quiet"]
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "steps\t2" in result.output and "data.skipped_empty\t1" in result.output
    again = runner.invoke(cli, ["train", "warmup", str(data["knowledge"]), "-o", str(tmp_path / "again"),
                                "--config", str(out / "gener1_run.json"), "--max-steps", "1"])
    assert again.exit_code == 0, again.output
    saved = common.read_run_config(tmp_path / "again")["config"]
    assert saved["max_length"] == 32 and saved["max_steps"] == 1 and saved["model"] == str(data["tiny"])
    bad = runner.invoke(cli, ["train", "warmup", str(data["knowledge"]), "-o", str(tmp_path / "x"), "-m",
                              str(tmp_path / "nowhere")])
    assert bad.exit_code == 1 and "neither a local model directory" in bad.output


def test_shipped_launch_configs_parse_and_are_listed():
    import yaml

    from gener1_tool.cli.training import CONFIG_DIR

    stages = {}
    for path in CONFIG_DIR.iterdir():
        if path.suffix == ".yaml":
            conf = yaml.safe_load(path.read_text())
            assert conf["mixed_precision"] == "no"  # precision is gener1's --bf16, one switch for CPU and GPU
            stages[path.name] = conf.get("deepspeed_config", {}).get("zero_stage")
        elif path.suffix == ".json":
            stages[path.name] = json.loads(path.read_text())["zero_optimization"]["stage"]
    assert stages["accelerate_zero3.yaml"] == 3 and stages["deepspeed_zero2.json"] == 2
    assert yaml.safe_load((CONFIG_DIR / "accelerate_cpu.yaml").read_text())["use_cpu"] is True
    kwargs = common.trainer_kwargs(WarmupConfig(deepspeed=str(CONFIG_DIR / "deepspeed_zero2.json")), CONFIG_DIR)
    assert kwargs["deepspeed"].endswith("deepspeed_zero2.json") and kwargs["bf16"] is False
    listed = CliRunner().invoke(cli, ["train", "configs"]).output
    assert "deepspeed_zero3_offload.json" in listed and "README.md" in listed


def test_alignment_data_counts_skips_and_grounded_prompts_hold_out_the_gold(tiny_kb_path, tmp_path):
    from gener1_tool.training.align import AlignConfig, build_align_dataset

    task = tmp_path / "task.jsonl"
    rows = [{"id": "GO:0007031", "genes": ["PEX1", "PEX2", "PEX3", "PEX5"], "gold_name": "peroxisome organization",
             "split": "train"},
            {"id": "x", "genes": [], "gold_name": "nothing", "split": "train"},
            {"id": "y", "genes": ["TP53"], "gold_name": "", "split": "train"},
            {"id": "z", "genes": ["TP53"], "gold_name": "p53", "split": "test"}]
    task.write_text("".join(json.dumps(r) + "\n" for r in rows))
    ds, report = build_align_dataset(AlignConfig(data=str(task)))
    assert report["sets"] == 1 and report["skipped_no_genes"] == 1 and report["skipped_no_gold_name"] == 1
    assert report["other_split"] == 1
    assert ds[0]["prompt"] == build_prompt(rows[0]["genes"]) and ds[0]["gold_name"] == "peroxisome organization"
    grounded, _ = build_align_dataset(AlignConfig(data=str(task), prompt_mode="grounded", kb=str(tiny_kb_path)))
    text = grounded[0]["prompt"][1]["content"]
    assert "Evidence:" in text and "protein import into peroxisome matrix" in text
    assert "peroxisome organization" not in text
    candidates, _ = build_align_dataset(AlignConfig(data=str(task), prompt_mode="candidates", kb=str(tiny_kb_path)))
    text = candidates[0]["prompt"][-1]["content"]
    assert "protein import into peroxisome matrix" in text and "peroxisome organization" not in text
    assert "Evidence:" not in text and len(text) < len(grounded[0]["prompt"][1]["content"])
    with pytest.raises(Gener1Error, match="unknown prompt mode"):
        build_align_dataset(AlignConfig(data=str(task), prompt_mode="lists"))


def test_adapters_on_a_builtin_base_name_it_portably(tmp_path, monkeypatch):
    # peft records the base's absolute cache path; a shipped adapter must name the built-in instead,
    # or it breaks for any other user or machine.
    monkeypatch.setenv("GENER1_HOME", str(tmp_path / "home"))
    cache_dir = base.paths.models_dir() / base.DEFAULT_BASE
    adapter = tmp_path / "adapter"
    adapter.mkdir()
    (adapter / base.ADAPTER_CONFIG).write_text(json.dumps({"base_model_name_or_path": str(cache_dir), "r": 16}))
    assert base.make_adapter_portable(adapter) is True
    config = json.loads((adapter / base.ADAPTER_CONFIG).read_text())
    assert config == {"base_model_name_or_path": base.DEFAULT_BASE, "r": 16}
    assert base.adapter_base(adapter) == base.DEFAULT_BASE
    # a user's own local base stays as written
    (adapter / base.ADAPTER_CONFIG).write_text(json.dumps({"base_model_name_or_path": str(tmp_path / "mine")}))
    assert base.make_adapter_portable(adapter) is False
    assert base.adapter_base(adapter) == str(tmp_path / "mine")
