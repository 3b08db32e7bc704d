#!/usr/bin/env python3
"""Choose and check the abstention rule's FDR threshold (enrichment.evidence.COHERENCE_FDR).

    gener1 corpus benchmark --library GO_BP -o task.jsonl      # the task-alignment sets and their term split
    python scripts/abstention_threshold.py task.jsonl

Chooses on seeded clean / 50% / 100% random versions of 300 *validation* GO:BP task-alignment sets (own term held
out, random genes from the GO:BP universe): the share of each level whose strongest listed term has FDR above each
candidate threshold. Then checks the chosen threshold on the bundled benchmarks, never used to choose: the 100
GO:BP sets of `gener1 benchmark contaminate -b GO_BP --sample 100` at the three levels, and the clean GO:MF, GO:CC,
NeST and MSigDB sets (how often a real set would be answered "unrelated"). Needs only the KB (no model): about a
minute.
"""

from __future__ import annotations

import argparse
import json
import random
from collections import defaultdict

import numpy as np

from gener1_tool import datasets, paths
from gener1_tool.datasets.contamination import contaminate, split_id
from gener1_tool.enrichment.evidence import COHERENCE_FDR, EvidenceBuilder, gold_hold_out
from gener1_tool.genes.geneset import GeneSet
from gener1_tool.knowledge.store import KnowledgeBase

THRESHOLDS = (1e-2, 3e-3, 1e-3, 3e-4, 1e-4, 1e-5)


def strongest_fdr(builder, sets) -> np.ndarray:
    holds = [gold_hold_out(GeneSet(id=split_id(g.id)[0], genes=g.genes, gold_name=g.gold_name)) for g in sets]
    bundles = builder.build_many(sets, hold_out=[h[0] for h in holds], hold_out_names=[h[1] for h in holds])
    return np.array([b.strongest().fdr if b.strongest() else 1.0 for b in bundles])


def by_level(builder, sets, universe) -> dict[int, np.ndarray]:
    copies = contaminate(sets, universe, (0, 50, 100), seed=0)
    fdr = strongest_fdr(builder, copies)
    out = defaultdict(list)
    for copy, value in zip(copies, fdr):
        out[copy.metadata["contamination"]].append(value)
    return {level: np.array(v) for level, v in out.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("task", help="task-alignment JSONL (gener1 corpus benchmark)")
    parser.add_argument("--n", type=int, default=300, help="validation sets drawn (seeded)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    kb = KnowledgeBase(paths.default_kb_path())
    builder = EvidenceBuilder(kb)
    universe = kb.annotated_symbols(["GO_BP"])
    rows = [json.loads(line) for line in open(args.task, encoding="utf-8")]
    val = [r for r in rows if r["split"] == "validation" and r.get("library", "GO_BP") == "GO_BP"]
    val = random.Random(args.seed).sample(val, min(args.n, len(val)))
    sets = [GeneSet(id=r["id"], genes=r["genes"], gold_name=r["gold_name"]) for r in val]
    levels = by_level(builder, sets, universe)
    print(f"Validation: {len(sets)} GO:BP task-alignment sets; share answered 'unrelated' (strongest FDR above)")
    print("| threshold | clean | 50% random | 100% random |\n|---|---:|---:|---:|")
    for t in THRESHOLDS:
        mark = " (chosen)" if t == COHERENCE_FDR else ""
        print(f"| {t:g}{mark} | {np.mean(levels[0] > t):.1%} | {np.mean(levels[50] > t):.1%} | "
              f"{np.mean(levels[100] > t):.1%} |")
    test = random.Random(0).sample(datasets.load("GO_BP"), 100)  # = gener1 benchmark contaminate -b GO_BP --sample 100
    levels = by_level(builder, test, universe)
    print(f"\nTest, threshold {COHERENCE_FDR:g}: GO:BP 100 sets: clean {np.mean(levels[0] > COHERENCE_FDR):.1%}, "
          f"50% random {np.mean(levels[50] > COHERENCE_FDR):.1%}, 100% random {np.mean(levels[100] > COHERENCE_FDR):.1%}")
    for name in ("GO_MF", "GO_CC", "NeST", "MSigDB"):
        fdr = strongest_fdr(builder, datasets.load(name))
        print(f"{name}: {np.mean(fdr > COHERENCE_FDR):.1%} of {fdr.size} clean sets would be answered 'unrelated'")


if __name__ == "__main__":
    main()
