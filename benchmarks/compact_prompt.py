"""Benchmark (issue 29): seconds per set of `gener1 annotate` end to end (model load included), today's path (the
language model names each set from the long grounded prompt: --mode grounded --no-chooser) against the chooser
path (the model's chooser names the set; the language model writes the reasoning on the compact candidates
prompt: --mode candidates), name-only and with reasoning, same sets, measured in one run (today's path can run another model: --today-model).

The issue's reference: the first 20 NeST sets, 2 threads: 3.9 s per set name-only and 9.4 s with reasoning on
today's path (target: 2 s and 5 s). Prints a table with the ratios and the share of reasoning steps that name a
gene of the set. Needs the default KB (`make data`).

Run: python benchmarks/compact_prompt.py [--sets 20] [--threads 2] [--model DIR] [--out DIR]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from gener1_tool import datasets
from gener1_tool.annotation.config import AnnotateConfig, default_model
from gener1_tool.annotation.run import annotate
from gener1_tool.genes.readers import write_gene_sets

RUNS = (("today: grounded, LM names", dict(mode="grounded", chooser=False)),
        ("chooser + candidates prompt", dict(mode="candidates", chooser=True)),
        # the gene lists decoded freely (--free-gene-lists): what constraining them costs or saves
        ("chooser + candidates prompt, free gene lists", dict(mode="candidates", chooser=True, constrain_gene_lists=False)))


def gene_step_share(records: list[dict]) -> tuple[int, int]:
    steps = named = 0
    for rec in records:
        genes = set(rec.get("genes") or [])
        for step in (rec.get("answer") or {}).get("steps", []):
            steps += 1
            named += any(word.strip(",.;:()") in genes for word in step.split())
    return named, steps


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", default=None, help="default: the shipped model")
    ap.add_argument("--today-model", default=None,
                    help="the model of today's path (default: --model), e.g. the adapter shipped before the change")
    ap.add_argument("--benchmark", default="NeST")
    ap.add_argument("--sets", type=int, default=20)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out", default=None, help="keep the runs here (default: a temporary directory)")
    args = ap.parse_args()
    model = args.model or default_model()
    out = Path(args.out or tempfile.mkdtemp(prefix="gener1_compact_"))
    out.mkdir(parents=True, exist_ok=True)
    sets = datasets.load(args.benchmark)[: args.sets]
    gmt = out / "sets.gmt"
    write_gene_sets(sets, gmt, format="gmt")
    rows = []
    for n, (label, options) in enumerate(RUNS):
        # name-only answers never decode gene lists: the free-lists run is timed with reasoning only
        for reasoning in ((False, True) if options.get("constrain_gene_lists", True) else (True,)):
            run_dir = out / f"{n}_{options['mode']}_{'reasoning' if reasoning else 'name_only'}"
            start = time.perf_counter()
            run_model = (args.today_model or model) if label == RUNS[0][0] else model
            annotate(AnnotateConfig(inputs=[gmt], output_dir=run_dir, model=run_model, reasoning=reasoning,
                                    hold_out_own_term=True, threads=args.threads, report=False, **options))
            seconds = time.perf_counter() - start
            records = [json.loads(line) for line in (run_dir / "annotations.jsonl").read_text().splitlines()]
            named, steps = gene_step_share(records)
            rows.append((label, reasoning, seconds / len(sets), named, steps))
    base = {r[1]: r[2] for r in rows if r[0] == RUNS[0][0]}
    print(f"model {model} (today's path: {args.today_model or model}); first {len(sets)} {args.benchmark} sets; "
          f"{args.threads} threads; model load included")
    print("| path | answer | s per set | vs today | steps naming a gene |")
    print("|---|---|---:|---:|---:|")
    for label, reasoning, per_set, named, steps in rows:
        share = f"{named}/{steps}" if steps else "-"
        print(f"| {label} | {'with reasoning' if reasoning else 'name only'} | {per_set:.2f} | "
              f"{per_set / base[reasoning]:.2f}x | {share} |")


if __name__ == "__main__":
    main()
