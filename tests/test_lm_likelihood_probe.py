"""scripts/probe_lm_likelihood_choice.py: the shared-prefix scoring equals a full forward pass per candidate, and the
script's picks and table follow from the scores it writes."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

from gener1_tool.enrichment.candidates import Candidate, CandidateList

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "probe_lm_likelihood_choice.py"
NAMES = ["peroxisome organization", "protein import", "p53 signalling", "cell cycle", "DNA repair"]


def _probe_module():
    spec = importlib.util.spec_from_file_location("probe_lm_likelihood_choice", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    from gener1_tool.model.load import tiny_model

    texts = [f"Process: {n} (0.9)\nHere is the gene set: PEX1, TP53" for n in NAMES] * 2
    return tiny_model(tmp_path_factory.mktemp("probe_model") / "base", texts, seed=0, max_positions=4096)


def test_shared_prefix_scores_equal_full_forward(tiny):
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    model = AutoModelForCausalLM.from_pretrained(str(tiny)).eval()
    tok = AutoTokenizer.from_pretrained(str(tiny))
    prefix = tok("Here is the gene set: PEX1, TP53 Process:", add_special_tokens=False)["input_ids"]
    names = [tok(" " + n + " (", add_special_tokens=False)["input_ids"] for n in NAMES]
    assert len({len(n) for n in names}) > 1  # the batch is padded
    shared = _probe_module().candidate_logps(model, prefix, names)
    for ids, scores in zip(names, shared):
        with torch.no_grad():
            logp = torch.log_softmax(model(input_ids=torch.tensor([prefix + ids])).logits[0].float(), -1)
        full = [float(logp[len(prefix) - 1 + t, ids[t]]) for t in range(len(ids))]
        assert scores == pytest.approx(full, abs=1e-4)


def test_script_writes_scores_and_a_table_consistent_with_them(tiny, tmp_path):
    corpus, task = [], []
    for i in range(4):
        names = [NAMES[(i + j) % len(NAMES)] for j in range(3)]
        rouge = [0.1, 0.9, 0.0] if i % 2 else [0.8, 0.2, 0.1]
        cands = [Candidate(rank=r + 1, term_id=f"T{r}", name=n, library="GO_BP", overlap=3 - r, term_size=20,
                           pvalue=1e-6, fdr=1e-5) for r, n in enumerate(names)]
        corpus.append({"id": f"S{i}", "split": "validation", "gold_name": "gold",
                       "list": CandidateList(set_id=f"S{i}", n_genes=2, n_annotated=2, candidates=cands).to_dict(),
                       "terms": {"rouge_l": rouge}, "reward": rouge})
        task.append({"id": f"S{i}", "genes": ["PEX1", "TP53"], "gold_name": "gold"})
    (tmp_path / "cands.jsonl").write_text("".join(json.dumps(r) + "\n" for r in corpus))
    (tmp_path / "task.jsonl").write_text("".join(json.dumps(r) + "\n" for r in task))
    out = tmp_path / "scores.jsonl"
    result = subprocess.run([sys.executable, str(SCRIPT), "--corpus", str(tmp_path / "cands.jsonl"), "--task",
                             str(tmp_path / "task.jsonl"), "--out", str(out), "--model", str(tiny), "--threads", "1"],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    rows = [json.loads(line) for line in out.open()]
    assert [r["id"] for r in rows] == ["S0", "S1", "S2", "S3"]
    for r in rows:
        assert len(r["sum"]) == len(r["mean"]) == len(r["pmi"]) == len(r["pmi_mean"]) == 3
        assert all(s < 0 for s in r["sum"])
    picks = [max(range(3), key=r["sum"].__getitem__) for r in rows]
    expected = sum(r["rouge_l"][p] for r, p in zip(rows, picks)) / 4
    assert "4 sets: top-1 0.450, best of 10 0.850" in result.stdout
    sum_row = next(line for line in result.stdout.splitlines() if line.startswith("| sum |"))
    assert sum_row.split(" | ")[1].startswith(f"{expected:.3f}")
