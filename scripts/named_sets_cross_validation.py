#!/usr/bin/env python
"""Cross-validate a chooser on sets that people named (docs/results.md, section 17).

Does a chooser learn which candidate a curator would pick from such sets, and does it keep that when it also learns
from the KB corpora? The named sets' candidates corpus (`gener1 corpus named-sets` then `gener1 corpus candidates
--libraries all`) is cut into FOLDS folds by hashed name (sets sharing a name share a fold); for each fold the chooser
trains on the others (one of them as its validation split) plus any KB corpora, with the named sets weighted
(`gener1 train chooser --weight`), and names the held-out fold. Printed: each fold's result on the KB corpora' test
splits, and over every named set its held-out choice against top-1 (paired t-test).

Usage:
  python scripts/named_sets_cross_validation.py btm_cands.jsonl -o runs/cv_btm_only
  python scripts/named_sets_cross_validation.py btm_cands.jsonl -o runs/cv_btm_50 --weight 50 \
      --with cands_go.jsonl --with cands_go_all.jsonl --with cands_path_all.jsonl      # ~25 min on one core
"""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path

import numpy as np
from scipy import stats

from gener1_tool.enrichment.candidates import CandidateList
from gener1_tool.knowledge.store import normalise_term_name
from gener1_tool.model.chooser import Chooser
from gener1_tool.training.chooser import ChooserConfig, train_chooser


def fold_of(name: str, folds: int) -> int:
    return int(hashlib.sha256(normalise_term_name(name).encode()).hexdigest()[:8], 16) % folds


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("named", help="candidates corpus of the named sets (gener1 corpus candidates --libraries all)")
    ap.add_argument("-o", "--out", required=True, type=Path)
    ap.add_argument("--with", dest="corpora", action="append", default=[], help="a KB candidates corpus, repeatable")
    ap.add_argument("--weight", type=int, default=1, help="how many times each named training set counts")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--correct-rouge-l", type=float, default=0.25,
                    help="the confidence's 'correct' cut (lower than the shipped 0.5: a fold of named sets alone "
                         "may have no choice above 0.5)")
    args = ap.parse_args()
    rows = [json.loads(line) for line in open(args.named, encoding="utf-8")]
    args.out.mkdir(parents=True, exist_ok=True)
    chosen, top1, best, kept = [], [], [], []
    for f in range(args.folds):
        fold_dir = args.out / f"fold{f}"
        fold_dir.mkdir(exist_ok=True)
        corpus = fold_dir / "named.jsonl"  # one file name in every fold: the weight refers to it
        with open(corpus, "w", encoding="utf-8") as fh:
            for r in rows:
                k = fold_of(r["gold_name"], args.folds)
                split = "test" if k == f else "validation" if k == (f + 1) % args.folds else "train"
                fh.write(json.dumps(dict(r, split=split)) + "\n")
        report = train_chooser(ChooserConfig(corpus=[str(corpus), *args.corpora], output_dir=str(fold_dir / "chooser"),
                                             corpus_weights={"named.jsonl": args.weight} if args.weight > 1 else None,
                                             correct_rouge_l=args.correct_rouge_l, threads=1))
        others = {src: (s["rouge_l"], s["top1"]) for src, s in report["test"].get("by_corpus", {}).items()
                  if src != "named.jsonl"}
        test = [r for r in map(json.loads, open(corpus, encoding="utf-8")) if r["split"] == "test"]
        picks = Chooser.load(fold_dir / "chooser").choose([CandidateList.from_dict(r["list"]) for r in test])
        for r, p in zip(test, picks):
            rl = r["terms"]["rouge_l"]
            chosen.append(rl[p.index])
            top1.append(rl[0])
            best.append(max(rl))
            kept.append(p.index == 0)
        print(f"fold {f}: {len(test)} named sets held out; chosen {report['chosen']}; KB test splits (ROUGE-L, top-1): "
              f"{others}", flush=True)
    c, t = np.array(chosen), np.array(top1)
    summary = {"sets": len(c), "chosen": round(float(c.mean()), 4), "top1": round(float(t.mean()), 4),
               "best_of_k": round(float(np.mean(best)), 4), "kept_top1": round(float(np.mean(kept)), 4),
               "better": round(float(np.mean(c > t)), 4), "worse": round(float(np.mean(c < t)), 4),
               "p_vs_top1": float(stats.ttest_rel(c, t).pvalue), "weight": args.weight, "with": args.corpora}
    (args.out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
