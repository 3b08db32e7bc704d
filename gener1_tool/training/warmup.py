"""Stage 1, knowledge warm-up: causal-LM training on gene-centric sentences (``gener1 corpus knowledge``).

Sequence packing (default) concatenates sentences with EOS between them and cuts the stream into
``max_length`` blocks, so no compute goes to padding; ``packing=False`` trains one sentence per row
(sentences longer than ``max_length`` are truncated and counted). Budgets: ``max_steps``, ``epochs``,
``max_tokens`` (stop reading the corpus after that many tokens) and ``subsample`` (a fraction or a count
of sentences, seeded).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import Gener1Error
from . import common, data


@dataclass
class WarmupConfig(common.StageConfig):
    corpus: str = ""
    text_field: str = "text"
    packing: bool = True
    max_length: int = 256  # the block size when packing, the truncation length otherwise
    max_tokens: int | None = None
    subsample: float | None = None
    learning_rate: float = 1e-4


def build_warmup_dataset(config: WarmupConfig, tokenizer):
    """The tokenised (packed or per-sentence) dataset and a report of what was kept, skipped, truncated."""
    from datasets import Dataset

    texts, counts = data.read_texts(config.corpus, config.text_field)
    keep = data.subsample_indices(len(texts), config.subsample, config.seed)
    texts = [texts[i] for i in keep]
    sequences, n_tokens = data.tokenize_texts(texts, tokenizer, max_tokens=config.max_tokens)
    report = {"corpus": str(config.corpus), "rows": counts["rows"], "skipped_empty": counts["skipped_empty"],
              "sentences_available": len(texts), "sentences_used": len(sequences), "tokens": n_tokens,
              "packing": config.packing, "max_length": config.max_length}
    if not sequences:
        raise Gener1Error(f"the token budget ({config.max_tokens}) leaves no sentence to train on")
    if config.packing:
        rows = data.pack(sequences, config.max_length)
        report["blocks"] = len(rows)
    else:
        rows, truncated = data.truncate(sequences, config.max_length)
        report["truncated"] = truncated
        report["rows_trained"] = len(rows)
    return Dataset.from_dict({"input_ids": rows}), report


def warmup(config: WarmupConfig) -> common.TrainResult:
    """Train the knowledge warm-up stage and save the model into ``config.output_dir``."""
    from trl import SFTConfig, SFTTrainer

    if not config.corpus:
        raise Gener1Error("the warm-up stage needs a corpus (JSONL with a 'text' field)")
    out = common.prepare_output_dir(config)
    model, tokenizer, lora = common.load_for_training(config)
    dataset, report = build_warmup_dataset(config, tokenizer)
    common.write_run_config(out, "warmup", config)
    common.write_json(out / common.DATA_REPORT_FILE, report)

    args = SFTConfig(
        **common.trainer_kwargs(config, out),
        max_length=config.max_length,
        packing=False,  # rows are packed (or truncated) above, where the counts are kept
        dataset_text_field=config.text_field,
        # Count only real (non-pad) tokens: the packing benchmark compares tokens/s on that basis.
        include_num_input_tokens_seen="non_padding",
    )
    losses: list[float] = []
    trainer = SFTTrainer(model=model, args=args, train_dataset=dataset, processing_class=tokenizer,
                         peft_config=lora, callbacks=common.make_callbacks(out, losses))
    result = common.run_trainer(trainer, config, out, "warmup", losses, report, tokenizer)
    result.metrics["num_input_tokens_seen"] = trainer.state.num_input_tokens_seen
    return result
