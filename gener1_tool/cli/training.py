"""`gener1 train ...`: the three Gene-R1 training stages, plus base-model preparation and a tiny test model.

Each stage command fills the stage's config dataclass (``training.warmup.WarmupConfig``, ...) and calls the
stage function; the same config, written to ``OUTDIR/gener1_run.json``, reproduces the run with ``--config``.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import click

from ..errors import Gener1Error
from ..model.load import DEFAULT_BASE, resolve_model_dir, tiny_model
from ..training.align import METHODS, AlignConfig
from ..training.align import align as run_align
from ..training.reason import STRATEGIES, ReasonConfig
from ..training.reason import reason as run_reason
from ..training.rewards import parse_weights
from ..training.warmup import WarmupConfig
from ..training.warmup import warmup as run_warmup
from . import train


def common_options(func):
    """Options every stage shares (their names match the StageConfig fields)."""
    options = [
        click.option("-o", "--output-dir", required=True, type=click.Path(file_okay=False),
                     help="Run directory: final model, checkpoints, gener1_run.json, log.jsonl, data_report.json."),
        click.option("-m", "--model", default=None, metavar="SPEC",
                     help=f"Starting model: a built-in base ({DEFAULT_BASE}, the default), a local Hugging Face "
                          "causal-LM directory, a LoRA adapter directory, or the previous stage's output directory."),
        click.option("--config", "config_file", type=click.Path(exists=True, dir_okay=False),
                     help="Start from a saved config (a run's gener1_run.json, or JSON/YAML with the config's "
                          "fields); options given on the command line override it."),
        click.option("--lora/--full", default=None, help="Train a LoRA adapter (peft) instead of all weights."),
        click.option("--lora-r", type=click.IntRange(min=1), help="LoRA rank (default 16)."),
        click.option("--lora-alpha", type=click.IntRange(min=1), help="LoRA alpha (default 32)."),
        click.option("--lora-lm-head/--no-lora-lm-head", "lora_train_lm_head", default=None,
                     help="With tied embeddings, also train the output layer as a full copy (default: on; LoRA on "
                          "the linear layers alone barely learns there, but the copy makes the adapter large)."),
        click.option("--learning-rate", "--lr", "learning_rate", type=click.FloatRange(min=0, min_open=True), help="Peak learning rate."),
        click.option("--batch-size", type=click.IntRange(min=1), help="Examples (align: prompts) per device step."),
        click.option("--gradient-accumulation-steps", type=click.IntRange(min=1), help="Steps to accumulate before an update."),
        click.option("--epochs", type=click.FloatRange(min=0, min_open=True), help="Passes over the data (ignored when --max-steps is set)."),
        click.option("--max-steps", type=click.IntRange(min=1), help="Stop after this many optimizer steps."),
        click.option("--max-length", type=click.IntRange(min=8), help="Token limit per training row."),
        click.option("--seed", type=click.IntRange(min=0), help="Random seed (data order, sampling, initialisation)."),
        click.option("--threads", type=click.IntRange(min=1), help="Torch CPU threads (default: OMP_NUM_THREADS or torch's choice)."),
        click.option("--logging-steps", type=click.IntRange(min=1), help="Log (and check for NaN) every N steps."),
        click.option("--save-steps", type=click.IntRange(min=1), help="Write a checkpoint every N steps."),
        click.option("--save-total-limit", type=click.IntRange(min=1), help="Keep at most N checkpoints."),
        click.option("--resume/--no-resume", default=None,
                     help="Continue from the last checkpoint in the output directory (default: on)."),
        click.option("--overwrite", is_flag=True, default=None, help="Delete a previous gener1 run in the output directory first."),
        click.option("--deepspeed", type=click.Path(exists=True, dir_okay=False),
                     help="A DeepSpeed config (see gener1_tool/training/configs/README.md); launch with torchrun."),
        click.option("--bf16", is_flag=True, default=None, help="bf16 mixed precision (GPUs; CPUs here train in fp32)."),
        click.option("--activation-checkpointing", is_flag=True, default=None,
                     help="Recompute activations in the backward pass to save memory."),
        click.option("--quiet", is_flag=True, help="No progress bar."),
        # The `deepspeed` launcher appends --local_rank=N; the rank itself comes from the environment.
        click.option("--local_rank", "--local-rank", "local_rank", type=int, hidden=True, expose_value=False),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def read_config_file(path: str) -> dict:
    text = Path(path).read_text()
    if path.endswith((".yaml", ".yml")):
        import yaml

        data = yaml.safe_load(text)
    else:
        data = json.loads(text)
    if not isinstance(data, dict):
        raise Gener1Error("a config file must hold a mapping of config fields", path=path)
    return data.get("config", data)  # a gener1_run.json keeps the fields under "config"


def build_config(cls, params: dict):
    """Dataclass defaults ← config file ← options given on the command line (or their env variables)."""
    from click.core import ParameterSource

    ctx = click.get_current_context()
    names = {f.name for f in dataclasses.fields(cls)}
    values = {}
    if params.get("config_file"):
        loaded = read_config_file(params["config_file"])
        unknown = set(loaded) - names
        if unknown:
            raise Gener1Error(f"unknown config fields for {cls.__name__}: {', '.join(sorted(unknown))}",
                              path=params["config_file"])
        values.update(loaded)
    for key, value in params.items():
        source = ctx.get_parameter_source(key)
        given = source in (ParameterSource.COMMANDLINE, ParameterSource.ENVIRONMENT) if source else True
        if key in names and given and value is not None and value != ():
            values[key] = value
    if params.get("quiet"):
        values["progress"] = False
    if isinstance(values.get("encoders"), list):
        values["encoders"] = tuple(values["encoders"])
    return cls(**values)


def report(result) -> None:
    losses = result.losses
    click.echo(f"stage\t{result.stage}")
    click.echo(f"output\t{result.output_dir}")
    click.echo(f"steps\t{result.global_step}")
    if result.resumed_from:
        click.echo(f"resumed_from\t{result.resumed_from}")
    if losses:
        click.echo(f"loss\t{losses[0]:.4f} -> {losses[-1]:.4f}")
    rewards = result.metrics.get("reward_history")
    if rewards:
        click.echo(f"reward\t{rewards[0]:.4f} -> {rewards[-1]:.4f}")
    for key, value in result.data.items():
        click.echo(f"data.{key}\t{value}")


@train.command()
@click.argument("corpus", type=click.Path(exists=True, dir_okay=False))
@common_options
@click.option("--packing/--no-packing", default=None,
              help="Concatenate sentences (EOS between them) into --max-length blocks (default), or one per row.")
@click.option("--max-tokens", type=click.IntRange(min=1), help="Train on at most this many corpus tokens.")
@click.option("--subsample", type=click.FloatRange(min=0, min_open=True), help="Use a seeded sample of sentences: a fraction (0-1] or a count.")
@click.option("--text-field", help="The JSONL field with the sentence (default: text).")
def warmup(corpus, **params):
    """Stage 1: knowledge warm-up, causal-LM training on gene-centric sentences.

    CORPUS is the JSONL `gener1 corpus knowledge` writes (field `text`) or a plain text file with one
    sentence per line. Empty rows are skipped and counted in data_report.json.

    \b
    Examples:
      gener1 train warmup knowledge.jsonl -o runs/warmup --max-tokens 200000 --lora
      gener1 train warmup knowledge.jsonl -o runs/warmup --max-steps 500   # rerun to resume
    """
    report(run_warmup(build_config(WarmupConfig, {"corpus": corpus, **params})))


@train.command()
@click.argument("corpus", type=click.Path(exists=True, dir_okay=False))
@common_options
@click.option("--strategy", type=click.Choice(STRATEGIES),
              help="cascade: --model is the warm-up output (default); merged: mix --warmup-corpus sentences in.")
@click.option("--warmup-corpus", type=click.Path(exists=True, dir_okay=False),
              help="Knowledge sentences to mix in (merged strategy).")
@click.option("--mix-ratio", type=click.FloatRange(min=0), help="Warm-up sentences per reasoning example (merged; default 1).")
@click.option("--on-long", type=click.Choice(["skip", "truncate"]),
              help="Examples longer than --max-length: skip (default) or truncate; counted either way.")
def reason(corpus, **params):
    """Stage 2: reasoning SFT on prompt/completion pairs, loss on the completions only.

    CORPUS is the JSONL `gener1 corpus reasoning` writes.

    \b
    Examples:
      gener1 train reason reasoning.jsonl -m runs/warmup -o runs/reason                  # cascade
      gener1 train reason reasoning.jsonl --strategy merged --warmup-corpus knowledge.jsonl -o runs/merged
    """
    report(run_reason(build_config(ReasonConfig, {"corpus": corpus, **params})))


@train.command()
@click.argument("data", type=click.Path(exists=True, dir_okay=False))
@common_options
@click.option("--method", type=click.Choice(METHODS), help="grpo (default, as Gene-R1) or online-dpo.")
@click.option("--reward", "rewards", multiple=True, metavar="NAME=WEIGHT",
              help="A reward term and its weight, repeatable (default: similarity=1 rouge_l=1 format=1 think=1). "
                   "Built-ins: similarity, rouge_l, format, think, exact_match; `gener1 plugins` lists others.")
@click.option("-e", "--encoder", "encoders", multiple=True, metavar="NAME[=PATH]",
              help="Encoder(s) for the similarity reward (default: minilm).")
@click.option("--threshold", type=click.FloatRange(0, 1), help="Online DPO: similarity at which a name counts as correct (0.7).")
@click.option("--split", help="Use rows of this split (default: train); 'all' uses every row.")
@click.option("--prompt-mode", type=click.Choice(["model-only", "grounded", "candidates"]),
              help="Prompts with the gene list alone (default), with KB evidence, or with the compact candidate list "
                   "(gold terms held out of both).")
@click.option("--kb", type=click.Path(exists=True, dir_okay=False),
              help="Knowledge base for grounded and candidates prompts.")
@click.option("-l", "--library", "libraries", multiple=True,
              help="Evidence (grounded) or candidate (candidates) library, repeatable.")
@click.option("--subsample", type=click.FloatRange(min=0, min_open=True), help="Use a seeded sample of sets: a fraction (0-1] or a count.")
@click.option("--num-generations", type=click.IntRange(min=2), help="Completions per prompt (GRPO group size; default 4).")
@click.option("--max-completion-length", type=click.IntRange(min=1), help="New tokens per completion (default 128).")
@click.option("--temperature", type=click.FloatRange(min=0, min_open=True), help="Sampling temperature for the on-line completions.")
@click.option("--beta", type=click.FloatRange(min=0), help="GRPO KL weight (default 0: no reference model).")
@click.option("--dpo-beta", type=click.FloatRange(min=0, min_open=True), help="Online DPO beta (default 0.1).")
def align(data, rewards, split, **params):
    """Stage 3: task alignment with GRPO (or online DPO) on gene sets with gold names.

    DATA is a task-alignment JSONL from `gener1 corpus benchmark` (id, genes, gold_name, split) or any
    table with ID, genes and gold-name columns. The reward is a weighted sum of reward-term plugins;
    names are read with gener1's answer parser, so names with commas or colons survive.

    \b
    Examples:
      gener1 train align task.jsonl -m runs/reason -o runs/grpo --reward similarity=2 --reward rouge_l=1 \\
          --reward format=1 --reward think=1
      gener1 train align task.jsonl -m runs/reason -o runs/grpo-exact --reward exact_match=1 --reward format=1
      gener1 train align task.jsonl -m runs/reason -o runs/odpo --method online-dpo --threshold 0.7
    """
    if rewards:
        params["rewards"] = parse_weights(rewards)
    if split is not None:
        params["split"] = None if split == "all" else split
    report(run_align(build_config(AlignConfig, {"data": data, **params})))


@train.command("base")
@click.argument("spec", required=False, default=DEFAULT_BASE)
def base_cmd(spec):
    """Prepare a base model and print its directory (converts the bundled GGUF once; ~40 s).

    Training commands do this on first use; run it at setup time (e.g. in a container build) instead.
    """
    click.echo(str(resolve_model_dir(spec)))


@train.command("tiny-model")
@click.argument("texts", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("-o", "--output-dir", required=True, type=click.Path(file_okay=False),
              help="Directory to write the tiny model and its tokenizer to.")
@click.option("--seed", default=0, show_default=True, type=click.IntRange(min=0),
              help="Seed of the tiny model's initialisation.")
@click.option("--hidden-size", default=64, show_default=True, type=click.IntRange(min=8),
              help="Hidden size of the tiny model.")
@click.option("--layers", default=2, show_default=True, type=click.IntRange(min=1),
              help="Decoder layers of the tiny model.")
@click.option("--vocab-size", default=1024, show_default=True, type=click.IntRange(min=16),
              help="Vocabulary of its byte-level BPE tokenizer.")
def tiny_model_cmd(texts, output_dir, seed, hidden_size, layers, vocab_size):
    """Write a tiny random Llama with a tokenizer trained on TEXTS (JSONL/text files), for CI-sized runs.

    It learns the pipeline's formats in a few hundred steps but knows nothing: use it to test a
    workflow end to end, never to annotate.
    """
    lines = []
    for path in texts:
        with open(path, encoding="utf-8") as fh:
            lines.extend(line for line in fh if line.strip())
    click.echo(str(tiny_model(output_dir, lines, seed=seed, hidden_size=hidden_size, layers=layers,
                              vocab_size=vocab_size)))


CONFIG_DIR = Path(__file__).resolve().parent.parent / "training" / "configs"


@train.command("configs")
@click.option("--dir", "dir_only", is_flag=True, help="Print only the directory (for $(gener1 train configs --dir)).")
def configs_cmd(dir_only):
    """List the shipped accelerate and DeepSpeed configs (multi-GPU, ZeRO-2/3); see README.md there for how to launch."""
    if dir_only:
        click.echo(str(CONFIG_DIR))
        return
    for path in sorted(CONFIG_DIR.iterdir()):
        click.echo(str(path))
