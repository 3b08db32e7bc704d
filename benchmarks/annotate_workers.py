"""Benchmark: `gener1 annotate --workers 2 --threads 1` (two processes, one model copy each) vs one process with
two torch threads, on the same sets, same model, same machine, measured in the same run.

Why: a 135M model's decode step is a few dozen small matmuls (batch x 576 hidden units) that a second torch
thread barely speeds up; a second process uses the second core fully. Prints sets/s for both, the ratio,
how many names agree (each worker batches a different mix of sets, and left padding can flip a near-tied
greedy token in fp32), and the peak memory of the parent and of its worker processes.
Run: python benchmarks/annotate_workers.py [--sets 32] [--mode model-only] [--model DIR] [--cores 2]
"""

from __future__ import annotations

import argparse
import csv
import resource
import tempfile
import time
from pathlib import Path

from gener1_tool import datasets as benchmarks
from gener1_tool.annotation.config import AnnotateConfig
from gener1_tool.annotation.run import annotate


def write_sets(path: Path, n: int) -> Path:
    """The first ``n`` GO:BP evaluation sets of 10-40 genes, as a gener1 TSV."""
    sets = [gs for gs in benchmarks.load("GO_BP") if 10 <= gs.size <= 40][:n]
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("id\tgenes\n" + "".join(f"{gs.id}\t{' '.join(gs.genes)}\n" for gs in sets))
    return path


def names(tsv: Path) -> list[str]:
    with open(tsv, encoding="utf-8") as fh:
        return [row["name"] for row in csv.DictReader(fh, delimiter="\t")]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sets", type=int, default=32)
    ap.add_argument("--mode", default="model-only", choices=("model-only", "grounded"))
    ap.add_argument("--model", default=None, help="default: the shipped model")
    ap.add_argument("--cores", type=int, default=2)
    ap.add_argument("--batch-size", type=int, default=8)
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        sets = write_sets(Path(tmp) / "sets.tsv", args.sets)
        common = dict(model=args.model, mode=args.mode, batch_size=args.batch_size, hold_out_own_term=True, report=False)
        t0 = time.perf_counter()
        one = annotate(AnnotateConfig([sets], Path(tmp) / "one", threads=args.cores, **common))
        one_s = time.perf_counter() - t0
        t1 = time.perf_counter()
        many = annotate(AnnotateConfig([sets], Path(tmp) / "many", threads=1, workers=args.cores, **common))
        many_s = time.perf_counter() - t1
        same = sum(a == b for a, b in zip(names(one.tsv), names(many.tsv)))

    parent = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 ** 2
    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024 ** 2
    n = one.n_sets
    print(f"{n} GO:BP sets, {args.mode}, batch {args.batch_size}, model {args.model or 'shipped'}")
    print(f"one process, {args.cores} threads: {n / one_s:.3f} sets/s ({one_s:.1f} s, model load included)")
    print(f"{args.cores} workers, 1 thread each: {n / many_s:.3f} sets/s ({many_s:.1f} s, model loads included)")
    print(f"speed-up: {one_s / many_s:.2f}x; identical names: {same}/{n}; peak memory: parent {parent:.2f} GiB, "
          f"largest worker {child:.2f} GiB")


if __name__ == "__main__":
    main()
