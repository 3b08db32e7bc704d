"""Issue 29, item 6, second option: does the language model's likelihood of each candidate name, given the genes,
choose better than top-1?

For every set of a reward-labelled candidates corpus (`gener1 corpus candidates`), the model reads the model-only
prompt (the genes alone, no candidates: the list would only teach it to repeat the first) and scores each of the
ten candidates as the continuation "Process: <name> (". Scores per candidate: the summed log-probability, the mean
per token, and the pointwise mutual information with the genes (minus the same name's log-probability after the
prompt with no genes, which removes the prior for short, common names). Each score picks a candidate; the table
gives the picked candidates' ROUGE-L (the corpus' own labels) against top-1 and best of 10, paired.

Run (the shipped adapter, 2 threads; ~1-2 s per set):
  python scripts/probe_lm_likelihood_choice.py --corpus runs/human/btm_cands.jsonl --task runs/human/btm_task.jsonl \
      --out runs/lm_likelihood/btm.jsonl
  python scripts/probe_lm_likelihood_choice.py --corpus runs/cands_go.jsonl --task runs/task_go.jsonl \
      --split validation --sets 150 --out runs/lm_likelihood/go_val.jsonl
"""

from __future__ import annotations

import argparse
import json
import random
import time
from pathlib import Path

SCORES = ("sum", "mean", "pmi", "pmi_mean")


def load_rows(corpus: Path, task: Path, split: str | None, n: int | None, seed: int) -> list[dict]:
    from gener1_tool.io import iter_jsonl

    genes = {str(r["id"]): r["genes"] for _, r in iter_jsonl(task)}
    rows = [r for _, r in iter_jsonl(corpus)
            if not r.get("contamination") and (split is None or r.get("split") == split) and len(r["reward"]) >= 2]
    if n is not None and n < len(rows):
        rows = random.Random(seed).sample(rows, n)
    for r in rows:
        r["genes"] = genes[str(r["id"])]
    return rows


def candidate_logps(model, prefix_ids: list[int], names: list[list[int]]):
    """Per candidate, the log-probability of each of its tokens after the shared prefix (one prefill, cache reused)."""
    import torch

    with torch.no_grad():
        out = model(input_ids=torch.tensor([prefix_ids]), use_cache=True)
        first = torch.log_softmax(out.logits[0, -1].float(), -1)
        cache = out.cache  # as model.generate: `past_key_values` is the deprecated name in transformers 5
        cache.batch_repeat_interleave(len(names))
        L = max(len(c) for c in names)
        ids = torch.zeros(len(names), L, dtype=torch.long)
        att = torch.zeros(len(names), len(prefix_ids) + L, dtype=torch.long)
        att[:, : len(prefix_ids)] = 1
        for i, c in enumerate(names):
            ids[i, : len(c)] = torch.tensor(c)
            att[i, len(prefix_ids): len(prefix_ids) + len(c)] = 1
        logits = model(input_ids=ids, attention_mask=att, cache=cache, use_cache=True).logits.float()
        logp = torch.log_softmax(logits, -1)
    per_token = []
    for i, c in enumerate(names):
        lp = [float(first[c[0]])] + [float(logp[i, t - 1, c[t]]) for t in range(1, len(c))]
        per_token.append(lp)
    return per_token


def main() -> None:
    from gener1_tool.annotation.config import default_model
    from gener1_tool.genes.geneset import GeneSet
    from gener1_tool.model import load as base
    from gener1_tool.reasoning.prompts import build_prompt

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", required=True, type=Path)
    ap.add_argument("--task", required=True, type=Path, help="the task-alignment JSONL the corpus was built from")
    ap.add_argument("--out", required=True, type=Path, help="per-set scores (JSONL); a table is printed")
    ap.add_argument("--model", default=None, help="model or adapter (default: the shipped adapter)")
    ap.add_argument("--split", default=None)
    ap.add_argument("--sets", type=int, default=None)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--summarise", action="store_true", help="only print the table of an existing --out file")
    args = ap.parse_args()
    if args.summarise:
        print(summarise(args.out))
        return
    rows = load_rows(args.corpus, args.task, args.split, args.sets, args.seed)
    model, tok = base.load_model(args.model or default_model(), threads=args.threads)
    model.eval()

    def prefix(messages) -> list[int]:
        text = tok.apply_chat_template(messages, add_generation_prompt=True, tokenize=False) + "Process:"
        return tok(text, add_special_tokens=False)["input_ids"]

    def name_ids(name: str) -> list[int]:
        return tok(" " + name + " (", add_special_tokens=False)["input_ids"]

    # The no-genes prompt: the same instructions about a set whose genes are not shown.
    empty = build_prompt(["X"], mode="model-only")
    empty[-1]["content"] = empty[-1]["content"].replace("Here is the gene set: X", "Here is the gene set:")
    empty_prefix = prefix(empty)
    prior: dict[str, list[float]] = {}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    t0 = time.time()
    with args.out.open("w") as fh:
        for k, row in enumerate(rows, 1):
            names = [c["name"] for c in row["list"]["candidates"]]
            ids = [name_ids(n) for n in names]
            gs = GeneSet(id=str(row["id"]), genes=list(row["genes"]), source="task")
            lps = candidate_logps(model, prefix(build_prompt(gs, mode="model-only")), ids)
            missing = [i for i, n in enumerate(names) if n not in prior]
            if missing:
                for i, lp in zip(missing, candidate_logps(model, empty_prefix, [ids[i] for i in missing])):
                    prior[names[i]] = lp
            out = {"id": row["id"], "split": row.get("split"), "names": names, "rouge_l": row["terms"]["rouge_l"],
                   "sum": [sum(lp) for lp in lps], "mean": [sum(lp) / len(lp) for lp in lps],
                   "pmi": [sum(lp) - sum(prior[n]) for lp, n in zip(lps, names)],
                   "pmi_mean": [(sum(lp) - sum(prior[n])) / len(lp) for lp, n in zip(lps, names)]}
            fh.write(json.dumps(out) + "\n")
            if k % 10 == 0 or k == len(rows):
                print(f"{k}/{len(rows)} sets, {(time.time() - t0) / k:.2f} s per set", flush=True)
    print(summarise(args.out))


def summarise(path: Path, margins=(0, 1, 2, 4, 8)) -> str:
    """Markdown: each score's pick against top-1 (paired t-test), with a switch margin over top-1's score, and the
    mean within-set Spearman correlation of each score with ROUGE-L (the candidate's rank for comparison)."""
    import numpy as np
    from scipy.stats import spearmanr, ttest_rel

    rows = [json.loads(line) for line in path.open()]
    top1 = [r["rouge_l"][0] for r in rows]
    lines = [f"{len(rows)} sets: top-1 {np.mean(top1):.3f}, best of 10 {np.mean([max(r['rouge_l']) for r in rows]):.3f}",
             "", "| score | " + " | ".join(f"margin {m}" for m in margins) + " |",
             "|---|" + "---:|" * len(margins)]
    for s in SCORES:
        cells = []
        for m in margins:
            picks = []
            for r in rows:
                best = max(range(len(r[s])), key=r[s].__getitem__)
                picks.append(best if r[s][best] - r[s][0] > m else 0)
            chosen = [r["rouge_l"][p] for r, p in zip(rows, picks)]
            p = ttest_rel(chosen, top1).pvalue if chosen != top1 else 1.0
            cells.append(f"{np.mean(chosen):.3f} (p {p:.2g}; leaves top-1 {np.mean([q != 0 for q in picks]):.0%})")
        lines.append(f"| {s} | " + " | ".join(cells) + " |")
    lines += ["", "Within-set Spearman correlation with ROUGE-L (sets whose candidates' ROUGE-L differ):"]
    varied = [r for r in rows if len(set(r["rouge_l"])) > 1]
    for s in SCORES + ("rank",):
        rho = [spearmanr([-i for i in range(len(r["rouge_l"]))] if s == "rank" else r[s], r["rouge_l"]).correlation
               for r in varied]
        lines.append(f"- {s}: {np.nanmean(rho):.3f} ({len(varied)} sets)")
    return "\n".join(lines)

if __name__ == "__main__":
    main()
