"""scripts/lm_choice_dpo.py: a killed DPO round resumes from its checkpoint and ends where an unbroken run ends."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from gener1_tool.enrichment.candidates import Candidate, CandidateList

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "lm_choice_dpo.py"
NAMES = ["peroxisome organization", "protein import", "p53 signalling", "cell cycle", "DNA repair", "lipid transport"]


@pytest.fixture(scope="module")
def tiny_adapter(tmp_path_factory):
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from gener1_tool.model.load import tiny_model

    root = tmp_path_factory.mktemp("dpo_model")
    texts = [f"Process: {n} (0.9)\nReasoning:\n<think>PEX1 and TP53.</think>" for n in NAMES] * 2
    base = tiny_model(root / "base", texts, seed=0, max_positions=4096)
    model = get_peft_model(AutoModelForCausalLM.from_pretrained(str(base)),
                           LoraConfig(r=4, lora_alpha=8, lora_dropout=0.0, target_modules=["q_proj", "v_proj"],
                                      task_type="CAUSAL_LM"))
    model.save_pretrained(str(root / "adapter"))
    AutoTokenizer.from_pretrained(str(base)).save_pretrained(str(root / "adapter"))
    return root / "adapter"


def _corpus(tmp_path):
    task, corpus = [], []
    for i in range(12):
        names = [NAMES[(i + j) % len(NAMES)] for j in range(3)]
        reward = [1.0, 0.5, 0.1] if i % 2 else [0.2, 1.2, 0.1]  # keep top-1 / leave it
        cands = [Candidate(rank=r + 1, term_id=f"T{r}", name=n, library="GO_BP", overlap=3 - r, term_size=20 + r,
                           pvalue=10.0 ** -(6 - r), fdr=10.0 ** -(5 - r)) for r, n in enumerate(names)]
        split = "train" if i < 8 else "validation"
        corpus.append({"id": f"S{i}", "split": split, "library": "GO_BP", "gold_name": "gold",
                       "list": CandidateList(set_id=f"S{i}", n_genes=4, n_annotated=4, candidates=cands).to_dict(),
                       "terms": {"rouge_l": reward}, "reward": reward, "extras": []})
        task.append({"id": f"S{i}", "genes": ["PEX1", "PEX2", "TP53", "MDM2"], "gold_name": "gold", "split": split})
    (tmp_path / "task.jsonl").write_text("".join(json.dumps(r) + "\n" for r in task))
    (tmp_path / "cands.jsonl").write_text("".join(json.dumps(r) + "\n" for r in corpus))
    return tmp_path / "cands.jsonl", tmp_path / "task.jsonl"


def _run(corpus, task, adapter, out, *extra):
    cmd = [sys.executable, str(SCRIPT), "--corpus", str(corpus), "--task", str(task), "--out", str(out), "--model",
           str(adapter), "--pairs", "6", "--heldout-pairs", "2", "--threads", "1", "--checkpoint-every", "2", *extra]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def _weights(adapter_dir):
    from safetensors.torch import load_file

    return load_file(str(adapter_dir / "adapter_model.safetensors"))


def test_a_killed_round_resumes_from_its_checkpoint_to_the_same_adapter(tiny_adapter, tmp_path):
    import torch

    corpus, task = _corpus(tmp_path)
    _run(corpus, task, tiny_adapter, tmp_path / "whole")
    _run(corpus, task, tiny_adapter, tmp_path / "broken", "--stop-after", "3")  # killed after step 3
    assert (tmp_path / "broken" / "checkpoint" / "state.pt").is_file()  # the step-2 checkpoint
    assert not (tmp_path / "broken" / "dpo_report.json").exists()
    resumed = _run(corpus, task, tiny_adapter, tmp_path / "broken")
    assert '{"resumed_at_step": 2}' in resumed
    whole, broken = (json.loads((tmp_path / d / "dpo_report.json").read_text()) for d in ("whole", "broken"))
    assert broken["resumed_at_steps"] == [2] and "resumed_at_steps" not in whole
    strip = lambda steps: [{k: v for k, v in s.items() if k != "seconds"} for s in steps]  # noqa: E731
    assert strip(broken["steps"]) == strip(whole["steps"]) and broken["after"] == whole["after"]
    a, b = _weights(tmp_path / "whole" / "adapter"), _weights(tmp_path / "broken" / "adapter")
    assert a.keys() == b.keys() and all(torch.allclose(a[k], b[k], atol=1e-6) for k in a)
    assert any(not torch.allclose(a[k], _weights(tiny_adapter)[k]) for k in a)  # it did train
    assert not (tmp_path / "broken" / "checkpoint").exists()  # done: the checkpoint goes


def test_a_checkpoint_from_other_arguments_is_refused(tiny_adapter, tmp_path):
    corpus, task = _corpus(tmp_path)
    _run(corpus, task, tiny_adapter, tmp_path / "out", "--stop-after", "2")
    cmd = [sys.executable, str(SCRIPT), "--corpus", str(corpus), "--task", str(task), "--out", str(tmp_path / "out"),
           "--model", str(tiny_adapter), "--pairs", "6", "--heldout-pairs", "2", "--threads", "1", "--beta", "0.5"]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert result.returncode != 0 and "belongs to a run with other arguments" in result.stderr
