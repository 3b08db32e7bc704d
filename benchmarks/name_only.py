"""Benchmark: `gener1 annotate --name-only` (each row stops at the end of its Process line) vs the full answer
with reasoning (the default, which stops a row at a repeated step), same model, same grounded prompts, greedy,
measured in the same run.

Prints seconds and decoded tokens for both, the speed-up, and how many names are identical: all of them must
be, since the name is the first line of a greedy answer and both runs use the same batches.
Needs the default KB (`make data`). Run: python benchmarks/name_only.py [--sets 32] [--threads 2]
"""

from __future__ import annotations

import argparse

from _grounded import grounded_prompts, timed_generate, warm_up

from gener1_tool import datasets as benchmarks
from gener1_tool.annotation.config import default_model
from gener1_tool.reasoning import answer
from gener1_tool.model.load import load_model


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default=None, help="default: the shipped model")
    ap.add_argument("--benchmark", default="GO_BP")
    ap.add_argument("--sets", type=int, default=32)
    ap.add_argument("--max-genes", type=int, default=100,
                    help="leave out larger sets: at 300+ genes a grounded prompt is ~3,000 tokens and one batch takes minutes")
    ap.add_argument("--batch-size", type=int, default=8)
    ap.add_argument("--max-new-tokens", type=int, default=256)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()

    # Every k-th set up to --max-genes, so that small and larger sets are both in (the files run smallest first).
    every = [gs for gs in benchmarks.load(args.benchmark) if gs.size <= args.max_genes]
    sets = every[:: max(1, len(every) // args.sets)][: args.sets]
    library = args.benchmark if args.benchmark.startswith("GO_") else None
    prompts = grounded_prompts(sets, [library] if library else None)
    model, tokenizer = load_model(args.model or default_model(), threads=args.threads, merge_adapter=True)
    warm_up(model, tokenizer, prompts, batch_size=args.batch_size, max_new_tokens=args.max_new_tokens)

    def run(stop_at):
        return timed_generate(model, tokenizer, prompts, max_new_tokens=args.max_new_tokens,
                              batch_size=args.batch_size, stop_at=stop_at)

    full, full_s, full_tokens = run(answer.repeated_step_cut)
    names, names_s, names_tokens = run(answer.name_line_cut)
    same = sum(answer.parse(a).name == answer.parse(b).name for a, b in zip(full, names))
    print(f"model {args.model or 'shipped'}, {len(prompts)} {args.benchmark} sets (every {len(every) // len(sets)}th of "
          f"those with at most {args.max_genes} genes), grounded ({library or 'default'} evidence, own term held out), greedy, max {args.max_new_tokens} new "
          f"tokens, batch {args.batch_size}, {args.threads} threads")
    print(f"full answer (stop at a repeated step): {full_s:.1f} s, {full_tokens} tokens")
    print(f"name only (stop after the Process line): {names_s:.1f} s, {names_tokens} tokens")
    print(f"speed-up: {full_s / names_s:.2f}x; identical names: {same}/{len(prompts)}")


if __name__ == "__main__":
    main()
