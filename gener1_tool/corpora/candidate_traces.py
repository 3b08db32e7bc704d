"""The gene-level reasoning corpus: SFT examples on the compact ``candidates`` prompt whose answer names the set
after its best candidate by the reward and reasons with gene-level steps (``reasoning.gene_steps``).

For each drawn task-alignment set (train split by default; the own term held out of its candidates, as in
evaluation), every candidate is scored against the gold name with the reward's name terms (injected ``score``,
``training.rewards.score_names``); the best one names the answer. As in Gene-R1's filter of teacher traces, an
example is kept only when that name's semantic similarity to the gold exceeds ``threshold`` (0.7). The answer's
confidence is the name's ROUGE-L against the gold, within [0.05, 0.95].

Rows are the reasoning corpus' prompt/completion format, which ``gener1 train reason`` reads.
"""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path
from typing import Callable

import numpy as np

from ..enrichment.candidates import CandidateBuilder
from ..enrichment.evidence import gold_hold_out
from ..enrichment.libraries import open_kb
from ..errors import Gener1Error
from ..genes.geneset import GeneSet
from ..io import atomic_open, json_line, refuse_overwriting_inputs, write_json
from ..reasoning import answer
from ..reasoning.gene_steps import gene_level_steps
from ..reasoning.prompts import CANDIDATES_MODE, build_prompt
from .candidates import weighted_reward
from .task_alignment import iter_task_rows, name_kind

TEACHER = "gene-level"


def build_candidate_traces(task_paths: list[str | Path], output: str | Path, *, score: Callable,
                           weights: dict[str, float], quota: dict[str, int], kb=None, libraries: str = "own",
                           split: str = "train", threshold: float = 0.7, seed: int = 0,
                           progress: Callable[[int, int], None] | None = None) -> dict:
    """Write up to ``quota[kind]`` examples per name kind (GO_BP, GO_MF, GO_CC, pathway) drawn in a seeded order;
    returns (and writes to ``OUTPUT.report.json``) what was kept and why the rest was not."""
    refuse_overwriting_inputs([output], task_paths)
    kb = open_kb(kb)
    rows = [row for path in task_paths for _, row in iter_task_rows(path, split)]
    random.Random(seed).shuffle(rows)
    counts, kept = Counter(), Counter()
    builders: dict[str | None, CandidateBuilder] = {}
    total = sum(quota.values())
    if total <= 0:
        raise Gener1Error("the quota asks for no examples")
    with atomic_open(output) as fh:
        for row in rows:
            kind = name_kind(row.get("library"))
            if kept[kind] >= quota.get(kind, 0):
                continue
            if not row.get("gold_name"):
                counts["no_gold_name"] += 1
                continue
            lib = row.get("library") if libraries == "own" else None
            if lib not in builders:
                builders[lib] = CandidateBuilder(kb, [lib] if lib else None)
            gs = GeneSet(id=str(row["id"]), genes=list(row["genes"]), gold_name=row["gold_name"], source="task")
            ids, names = gold_hold_out(gs)
            clist = builders[lib].build_many([gs], hold_out=[ids], hold_out_names=[names])[0]
            if not clist.candidates:
                counts["no_candidates"] += 1
                continue
            terms = score(clist.names(), [gs.gold_name] * len(clist))
            reward = weighted_reward(terms, weights, len(clist))
            best = int(np.argmax(reward))
            if terms.get("similarity", [1.0] * len(clist))[best] <= threshold:
                counts["below_threshold"] += 1
                continue
            steps = gene_level_steps(clist, best)
            if not steps:
                counts["no_genes"] += 1
                continue
            rouge = float(terms.get("rouge_l", [0.5] * len(clist))[best])
            text = answer.render(clist.candidates[best].name, steps, round(min(0.95, max(0.05, rouge)), 2))
            fh.write(json_line({"id": gs.id, "prompt": build_prompt(gs, mode=CANDIDATES_MODE, candidates=clist),
                                "completion": [{"role": "assistant", "content": text}], "gold_name": gs.gold_name,
                                "teacher": TEACHER, "teacher_name": clist.candidates[best].name,
                                "chosen_rank": best + 1, "similarity": round(float(terms.get("similarity", [0])[best]), 4),
                                "split": row.get("split"), "library": row.get("library")}))
            kept[kind] += 1
            if progress:
                progress(sum(kept.values()), total)
            if sum(kept.values()) >= total:
                break
    report = {"examples": sum(kept.values()), "by_kind": dict(kept), "quota": quota, "dropped": dict(counts),
              "threshold": threshold, "split": split, "libraries": libraries, "weights": weights}
    write_json(Path(str(output) + ".report.json"), report)
    return report
