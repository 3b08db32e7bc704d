"""What every training stage shares: the config fields, the run directory, logging, NaN guard, resume, LoRA.

A stage's output directory holds

  gener1_run.json    the full config of the run (+ library versions), so it can be reproduced
  data_report.json   what the data loader kept, skipped and truncated, with counts
  log.jsonl          one JSON object per logging step (loss, learning rate, rewards, ...)
  checkpoint-N/      Trainer checkpoints; a rerun with the same output dir resumes from the last one
  the final model    config.json + model.safetensors (or adapter_config.json + adapter_model.safetensors
                     for LoRA) + tokenizer: the next stage loads it with ``--model OUTPUT_DIR``
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import Gener1Error
from ..io import write_json
from ..model import load as base  # cheap: no torch at import time

RUN_FILE = "gener1_run.json"
DATA_REPORT_FILE = "data_report.json"
LOG_FILE = "log.jsonl"


@dataclass
class StageConfig:
    """Fields every stage takes. Defaults suit the 135M base on a CPU; scale them for bigger models/GPUs."""

    output_dir: str = ""
    model: str | None = None  # a model spec: built-in base name, HF directory, LoRA adapter directory, stage output
    lora: bool = False
    lora_r: int = 16
    lora_alpha: int = 32
    lora_dropout: float = 0.05
    lora_target_modules: str = "all-linear"
    lora_train_lm_head: bool = True  # with tied embeddings, also train a full copy of lm_head (see peft_config)
    learning_rate: float = 5e-5
    batch_size: int = 4
    gradient_accumulation_steps: int = 1
    epochs: float = 1.0
    max_steps: int = -1  # > 0 overrides epochs
    max_length: int = 512
    seed: int = 0
    threads: int | None = None
    logging_steps: int = 10
    save_steps: int = 100
    save_total_limit: int = 2
    resume: bool = True  # continue from the last checkpoint in output_dir, if any
    overwrite: bool = False  # start over: remove a previous gener1 run in output_dir
    progress: bool = True
    deepspeed: str | None = None  # a DeepSpeed JSON config (see training/configs/README.md)
    use_cpu: bool | None = None  # None: CPU unless a GPU is visible
    bf16: bool = False
    activation_checkpointing: bool = False

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


@dataclass
class TrainResult:
    output_dir: Path
    stage: str
    global_step: int = 0
    losses: list[float] = field(default_factory=list)  # logged training losses, in order
    metrics: dict = field(default_factory=dict)  # the trainer's final train metrics
    data: dict = field(default_factory=dict)  # the data report
    resumed_from: str | None = None
    seconds: float = 0.0

    @property
    def first_loss(self) -> float | None:
        return self.losses[0] if self.losses else None

    @property
    def last_loss(self) -> float | None:
        return self.losses[-1] if self.losses else None

    def to_dict(self) -> dict:
        d = dataclasses.asdict(self)
        d["output_dir"] = str(self.output_dir)
        return d


# -- run directory -------------------------------------------------------------------------------------------
def prepare_output_dir(config: StageConfig) -> Path:
    if not config.output_dir:
        raise Gener1Error("an output directory is needed (-o DIR)")
    out = Path(config.output_dir).expanduser()
    if out.exists() and not out.is_dir():
        raise Gener1Error("the output path exists and is not a directory", path=out)
    if config.overwrite and out.exists():
        if not (out / RUN_FILE).exists() and any(out.iterdir()):
            raise Gener1Error("refusing to overwrite a directory that is not a gener1 run (no gener1_run.json)", path=out)
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)
    return out


def library_versions() -> dict:
    import importlib.metadata as md

    out = {}
    for dist in ("gener1-tool", "torch", "transformers", "trl", "peft", "accelerate", "datasets", "tokenizers"):
        try:
            out[dist] = md.version(dist)
        except md.PackageNotFoundError:
            pass
    return out


def write_run_config(out: Path, stage: str, config: StageConfig, extra: dict | None = None) -> None:
    write_json(out / RUN_FILE, {"stage": stage, "config": config.to_dict(), "versions": library_versions(),
                                **(extra or {})})


def read_run_config(path: str | os.PathLike) -> dict | None:
    f = Path(path) / RUN_FILE
    return json.loads(f.read_text()) if f.exists() else None


def last_checkpoint(out: Path) -> str | None:
    from transformers.trainer_utils import get_last_checkpoint

    return get_last_checkpoint(str(out)) if out.is_dir() else None


# -- trainer arguments ---------------------------------------------------------------------------------------
def use_cpu(config: StageConfig) -> bool:
    if config.use_cpu is not None:
        return config.use_cpu
    import torch

    return not torch.cuda.is_available()


def trainer_kwargs(config: StageConfig, out: Path) -> dict:
    """TrainingArguments fields shared by every TRL config (SFTConfig, GRPOConfig, OnlineDPOConfig)."""
    return dict(
        output_dir=str(out),
        per_device_train_batch_size=config.batch_size,
        gradient_accumulation_steps=config.gradient_accumulation_steps,
        learning_rate=config.learning_rate,
        num_train_epochs=config.epochs,
        max_steps=config.max_steps if config.max_steps and config.max_steps > 0 else -1,
        seed=config.seed,
        data_seed=config.seed,
        logging_steps=config.logging_steps,
        save_strategy="steps",
        save_steps=config.save_steps,
        save_total_limit=config.save_total_limit,
        report_to="none",
        use_cpu=use_cpu(config),
        bf16=config.bf16,  # TRL defaults bf16 on; CPUs here train in fp32
        activation_checkpointing=config.activation_checkpointing,  # TRL's alias gradient_checkpointing defaults on
        logging_nan_inf_filter=False,  # the default hides NaN losses behind the running mean
        disable_tqdm=not config.progress,
        deepspeed=config.deepspeed,
        dataloader_num_workers=0,
    )


def peft_config(config: StageConfig, model):
    """A LoRA config; with tied input/output embeddings lm_head is trained as a full copy, because LoRA on
    the linear layers alone leaves a tied lm_head frozen and the model barely learns (NOTES.md), and peft
    keeps the copy tied to the input embeddings so that merging gives a consistent tied model."""
    from peft import LoraConfig

    tied = bool(getattr(model.config, "tie_word_embeddings", False))
    if not config.lora_train_lm_head:
        # A full lm_head copy is V*d parameters (113 MB for SmolLM2): off when the adapter must stay small.
        tied = False
    return LoraConfig(r=config.lora_r, lora_alpha=config.lora_alpha, lora_dropout=config.lora_dropout,
                      target_modules=config.lora_target_modules, task_type="CAUSAL_LM",
                      modules_to_save=["lm_head"] if tied else None, ensure_weight_tying=tied)


def load_for_training(config: StageConfig):
    """``(model, tokenizer, peft_config or None)`` for a stage.

    A LoRA adapter directory as input continues that adapter when ``lora`` is on (one adapter per chain,
    on the original base) and is merged into its base for full fine-tuning otherwise.
    """
    path = base.resolve_model_dir(config.model)
    adapter = base.is_adapter_dir(path)
    model, tokenizer = base.load_model(path, trainable_adapter=adapter and config.lora,
                                       merge_adapter=adapter and not config.lora, threads=config.threads)
    model.config.use_cache = False  # the KV cache is for generation; training only pays for it
    if not config.lora:
        model.requires_grad_(True)  # a merged adapter leaves its base frozen
    lora = peft_config(config, model) if config.lora and not adapter else None
    return model, tokenizer, lora


# -- callbacks -----------------------------------------------------------------------------------------------
class NonFiniteLoss(Gener1Error):
    pass


def make_callbacks(out: Path, losses: list[float]):
    """A JSONL logger and a guard that stops training with a clear error when the loss stops being finite."""
    from transformers import TrainerCallback

    log_path = out / LOG_FILE

    class JsonlLog(TrainerCallback):
        def on_log(self, args, state, control, logs=None, **kwargs):
            if not logs or not state.is_world_process_zero:
                return
            row = {"step": state.global_step, "epoch": state.epoch, "time": round(time.time(), 3), **logs}
            with open(log_path, "a") as fh:
                fh.write(json.dumps(row, default=float) + "\n")

    class NanGuard(TrainerCallback):
        def on_log(self, args, state, control, logs=None, **kwargs):
            loss = (logs or {}).get("loss")
            if loss is None:
                return
            if not math.isfinite(float(loss)):
                raise NonFiniteLoss(
                    f"training loss became {loss} at step {state.global_step}; lower the learning rate "
                    f"(now {args.learning_rate:g}) or check the data. Checkpoints before this step are in {out}")
            losses.append(float(loss))

    return [JsonlLog(), NanGuard()]


def run_trainer(trainer, config: StageConfig, out: Path, stage: str, losses: list[float], data_report: dict,
                tokenizer) -> TrainResult:
    """Train (resuming from the last checkpoint when asked), save the final model into ``out``, report."""
    if not config.progress:  # a library stays quiet; the JSONL log and the result carry the numbers
        from transformers.trainer_callback import PrinterCallback

        trainer.remove_callback(PrinterCallback)
    resume = last_checkpoint(out) if config.resume else None
    started = time.time()
    try:
        output = trainer.train(resume_from_checkpoint=resume)
    except NonFiniteLoss:
        raise
    except KeyboardInterrupt:
        raise Gener1Error(f"interrupted; rerun the same command to resume from the last checkpoint in {out}") from None
    trainer.save_model(str(out))
    tokenizer.save_pretrained(str(out))
    base.make_adapter_portable(out)
    result = TrainResult(output_dir=out, stage=stage, global_step=trainer.state.global_step, losses=losses,
                         metrics=dict(output.metrics), data=data_report, resumed_from=resume,
                         seconds=round(time.time() - started, 2))
    write_json(out / "train_result.json", result.to_dict())
    return result
