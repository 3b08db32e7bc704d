"""The shipped DeepSpeed ZeRO configs train on this CPU (gloo, one process), write ZeRO checkpoints and a
model that reloads. Runs in a subprocess: torch.distributed state must not leak into the test session."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from importlib.util import find_spec
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(find_spec("deepspeed") is None, reason="deepspeed not installed (pip install '.[deepspeed]')")

CONFIGS = Path(__file__).parent.parent / "gener1_tool" / "training" / "configs"
SCRIPT = """
import json, sys
import deepspeed
deepspeed.ops.__compatible_ops__["deepspeed_shm_comm"] = False  # no C++ op build in tests
from gener1_tool.training.warmup import WarmupConfig, warmup
r = warmup(WarmupConfig(corpus=sys.argv[1], output_dir=sys.argv[2], model=sys.argv[3], max_steps=4, batch_size=4,
                        max_length=64, learning_rate=1e-3, threads=1, logging_steps=1, save_steps=2, progress=False,
                        deepspeed=sys.argv[4]))
print(json.dumps({"losses": r.losses, "step": r.global_step}))
"""


@pytest.mark.parametrize("config", ["deepspeed_zero2.json", "deepspeed_zero3.json"])
def test_zero_config_trains_on_cpu(tmp_path, config):
    from gener1_tool.model.load import tiny_model

    sentences = [f"PEX{i} is involved in protein import into peroxisome matrix." for i in range(1, 40)]
    corpus = tmp_path / "kw.jsonl"
    corpus.write_text("".join(json.dumps({"text": s}) + "\n" for s in sentences))
    model_dir = tiny_model(tmp_path / "tiny", sentences, seed=0)
    env = dict(os.environ, RANK="0", LOCAL_RANK="0", WORLD_SIZE="1", MASTER_ADDR="127.0.0.1",
               MASTER_PORT=str(29500 + os.getpid() % 1000), OMP_NUM_THREADS="1")
    out = tmp_path / "run"
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(corpus), str(out), str(model_dir), str(CONFIGS / config)],
                          capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["step"] == 4 and result["losses"][-1] < result["losses"][0]
    assert list(out.glob("checkpoint-*/global_step*/zero_pp_rank_0_mp_rank_00_optim_states.pt"))  # DeepSpeed ran
    # The final model reloads outside DeepSpeed with every weight gathered (ZeRO-3 partitions them in training).
    from gener1_tool.model.load import load_model

    model, _ = load_model(out)
    reference, _ = load_model(model_dir)
    assert sum(p.numel() for p in model.parameters()) == sum(p.numel() for p in reference.parameters()) > 0
