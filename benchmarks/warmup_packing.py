"""Benchmark: knowledge warm-up tokens/s with sequence packing vs one sentence per row, same run.

Both arms train one epoch over the same seeded sample of warm-up sentences, from the same starting model,
with the same batch size and --max-length (the block size when packing, the truncation length otherwise).
Throughput counts only real tokens (the trainer's non-padding token count) over the trainer's own train
runtime, so model loading and tokenisation are outside the clock. Target: packing >= 2x.

Run:
  python benchmarks/warmup_packing.py                                   # tiny model, default-KB corpus
  python benchmarks/warmup_packing.py --model smollm2-135m-instruct --sentences 300 --max-length 256
  python benchmarks/warmup_packing.py --corpus knowledge.jsonl          # a corpus from `gener1 corpus knowledge`
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
from pathlib import Path

from gener1_tool import paths
from gener1_tool.model.load import tiny_model
from gener1_tool.training.warmup import WarmupConfig, warmup


def corpus_sentences(path: str | None, n: int, seed: int, workdir: Path) -> list[str]:
    if path is None:
        from gener1_tool.corpora.knowledge import corpus_knowledge
        from gener1_tool.knowledge.store import KnowledgeBase

        path = workdir / "knowledge.jsonl"
        corpus_knowledge(KnowledgeBase(paths.default_kb_path()), path)
    with open(path, encoding="utf-8") as fh:
        texts = [json.loads(line)["text"] for line in fh if line.strip()]
    return random.Random(seed).sample(texts, min(n, len(texts)))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", help="warm-up JSONL (default: built from the default KB into a temp dir)")
    ap.add_argument("--model", default="tiny", help="'tiny' (config-built Llama, hidden 256, 4 layers) or a model spec")
    ap.add_argument("--sentences", type=int, default=2000)
    ap.add_argument("--max-length", type=int, default=256)
    ap.add_argument("--batch-size", type=int, default=8)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--lora", action="store_true")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="gener1-packing-") as tmp:
        work = Path(tmp)
        sentences = corpus_sentences(args.corpus, args.sentences, args.seed, work)
        corpus = work / "sample.jsonl"
        corpus.write_text("".join(json.dumps({"text": s}) + "\n" for s in sentences))
        model = args.model
        if model == "tiny":
            model = str(tiny_model(work / "tiny", sentences, seed=args.seed, vocab_size=4096, hidden_size=256, layers=4))
        results = {}
        for packing in (False, True):
            config = WarmupConfig(output_dir=str(work / f"run-{packing}"), model=model, corpus=str(corpus),
                                  packing=packing, max_length=args.max_length, batch_size=args.batch_size,
                                  epochs=1, lora=args.lora, threads=args.threads, seed=args.seed, progress=False,
                                  logging_steps=50, save_steps=10**9, learning_rate=1e-4)
            result = warmup(config)
            tokens = result.metrics["num_input_tokens_seen"]
            seconds = result.metrics["train_runtime"]
            results[packing] = (tokens, seconds, result.global_step, result.data)
        print(f"model {args.model}; {len(sentences)} sentences; max_length {args.max_length}; batch {args.batch_size}; "
              f"threads {args.threads}; lora {args.lora}")
        for packing, (tokens, seconds, steps, data) in results.items():
            label = "packing   " if packing else "no packing"
            print(f"{label}: {tokens} real tokens in {steps} steps, {seconds:.1f} s -> {tokens / seconds:.0f} tokens/s")
        ratio = (results[True][0] / results[True][1]) / (results[False][0] / results[False][1])
        print(f"packing speed-up: {ratio:.2f}x (target >= 2x)")


if __name__ == "__main__":
    main()
