"""Stage 2, reasoning SFT: learn the answer format and the reasoning from prompt/completion pairs
(``gener1 corpus reasoning``), with the loss on completion tokens only.

Strategies (Gene-R1 compares both):
* ``cascade``: start from the warm-up stage's output (``model=WARMUP_DIR``) and train on reasoning examples.
* ``merged``:  start from the base model and mix warm-up sentences into the SFT data, ``mix_ratio`` sentences
  per reasoning example (full LM loss on the sentences, completion-only loss on the examples).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from ..errors import Gener1Error
from . import common, data

STRATEGIES = ("cascade", "merged")


@dataclass
class ReasonConfig(common.StageConfig):
    corpus: str = ""
    strategy: str = "cascade"
    warmup_corpus: str | None = None  # merged strategy: the knowledge sentences to mix in
    mix_ratio: float = 1.0  # merged strategy: warm-up sentences per reasoning example
    on_long: str = "skip"  # examples over max_length: "skip" or "truncate" (keep the start); counted either way
    max_length: int = 1024
    learning_rate: float = 5e-5


def build_reason_dataset(config: ReasonConfig, tokenizer):
    """Tokenised rows {input_ids, completion_mask} and a report of what was kept, skipped or truncated."""
    from datasets import Dataset

    if config.on_long not in ("skip", "truncate"):
        raise Gener1Error(f"on_long must be 'skip' or 'truncate', not {config.on_long!r}")
    rows, counts = data.read_prompt_completions(config.corpus)
    ids, masks = [], []
    skipped_long = truncated = 0
    for row in rows:
        input_ids, mask = data.tokenize_prompt_completion(row["prompt"], row["completion"], tokenizer)
        if len(input_ids) > config.max_length:
            if config.on_long == "skip" or sum(mask[: config.max_length]) == 0:
                skipped_long += 1
                continue
            input_ids, mask = input_ids[: config.max_length], mask[: config.max_length]
            truncated += 1
        ids.append(input_ids)
        masks.append(mask)
    report = {"corpus": str(config.corpus), "rows": counts["rows"], "skipped_empty": counts["skipped_empty"],
              "skipped_too_long": skipped_long, "truncated": truncated, "examples": len(ids),
              "strategy": config.strategy, "max_length": config.max_length}
    if not ids:
        raise Gener1Error(f"no reasoning example fits max_length={config.max_length} tokens", path=config.corpus)

    if config.strategy == "merged":
        if not config.warmup_corpus:
            raise Gener1Error("the merged strategy needs warmup_corpus (the knowledge sentences to mix in)")
        texts, wcounts = data.read_texts(config.warmup_corpus)
        n_mix = int(round(config.mix_ratio * len(ids)))
        chosen = random.Random(config.seed).sample(texts, min(n_mix, len(texts))) if n_mix else []
        sentences, _ = data.tokenize_texts(chosen, tokenizer)
        sentences, cut = data.truncate(sentences, config.max_length)
        ids.extend(sentences)
        masks.extend([[1] * len(s) for s in sentences])
        report.update(warmup_corpus=str(config.warmup_corpus), warmup_sentences=len(sentences),
                      warmup_truncated=cut, warmup_skipped_empty=wcounts["skipped_empty"])
    return Dataset.from_dict({"input_ids": ids, "completion_mask": masks}), report


def reason(config: ReasonConfig) -> common.TrainResult:
    """Train the reasoning SFT stage and save the model into ``config.output_dir``."""
    from trl import SFTConfig, SFTTrainer

    if config.strategy not in STRATEGIES:
        raise Gener1Error(f"unknown strategy {config.strategy!r}; expected one of {', '.join(STRATEGIES)}")
    if not config.corpus:
        raise Gener1Error("the reasoning stage needs a prompt/completion corpus (gener1 corpus reasoning)")
    if config.strategy == "merged" and not config.warmup_corpus:
        raise Gener1Error("the merged strategy needs warmup_corpus (the knowledge sentences to mix in)")
    out = common.prepare_output_dir(config)
    model, tokenizer, lora = common.load_for_training(config)
    dataset, report = build_reason_dataset(config, tokenizer)
    common.write_run_config(out, "reason", config)
    common.write_json(out / common.DATA_REPORT_FILE, report)

    args = SFTConfig(**common.trainer_kwargs(config, out), max_length=config.max_length, packing=False,
                     completion_only_loss=True, include_num_input_tokens_seen="non_padding")
    losses: list[float] = []
    trainer = SFTTrainer(model=model, args=args, train_dataset=dataset, processing_class=tokenizer,
                         peft_config=lora, callbacks=common.make_callbacks(out, losses))
    return common.run_trainer(trainer, config, out, "reason", losses, report, tokenizer)
