"""Benchmark: batched annotation generation vs the naive loop (one set at a time, as the released Gene-R1
eval script does), same model, same greedy decoding, measured in the same run. Target: >= 8x sets/s.

Prints sets/s for both, the ratio, decode tokens/s, peak memory, and how many outputs are identical
(batching with left padding can flip a near-tied greedy token in fp32; the count says how often).
Run: python benchmarks/annotate_throughput.py [--model smollm2-135m-instruct] [--sets 32] [--batch-size 32]
"""

from __future__ import annotations

import argparse
import resource
import time

from gener1_tool import datasets as benchmarks
from gener1_tool.model.generate import generate
from gener1_tool.reasoning.prompts import build_prompt
from gener1_tool.model.load import load_model


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="smollm2-135m-instruct")
    ap.add_argument("--sets", type=int, default=32)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--max-new-tokens", type=int, default=48)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()

    sets = [gs for gs in benchmarks.load("GO_BP") if 5 <= gs.size <= 30][: args.sets]
    prompts = [build_prompt(gs, mode="model-only") for gs in sets]
    model, tokenizer = load_model(args.model, threads=args.threads)
    generate(model, tokenizer, prompts[:1], max_new_tokens=4)  # warm-up (lazy init, allocator)

    t0 = time.perf_counter()
    naive = [generate(model, tokenizer, [p], max_new_tokens=args.max_new_tokens, batch_size=1)[0] for p in prompts]
    naive_s = time.perf_counter() - t0
    t1 = time.perf_counter()
    batched = generate(model, tokenizer, prompts, max_new_tokens=args.max_new_tokens, batch_size=args.batch_size)
    batched_s = time.perf_counter() - t1

    tokens = sum(len(tokenizer(t, add_special_tokens=False)["input_ids"]) for t in batched)
    same = sum(a == b for a, b in zip(naive, batched))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 ** 2
    print(f"model {args.model}, {len(prompts)} GO:BP sets, greedy, max {args.max_new_tokens} new tokens, {args.threads} threads")
    print(f"naive loop (batch 1): {len(prompts) / naive_s:.3f} sets/s ({naive_s:.1f} s)")
    print(f"batched (batch {args.batch_size}): {len(prompts) / batched_s:.3f} sets/s ({batched_s:.1f} s); "
          f"decode {tokens / batched_s:.1f} tokens/s")
    print(f"speed-up: {naive_s / batched_s:.2f}x (target >= 8x); identical outputs: {same}/{len(prompts)}; "
          f"peak memory {peak:.2f} GiB")


if __name__ == "__main__":
    main()
