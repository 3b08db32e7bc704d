"""The reward-labelled candidates corpus: for each task-alignment set, its candidate list (``enrichment.candidates``,
own term held out as in evaluation) with every candidate scored against the gold name by the reward's name terms,
plus a few generalised and composed names scored the same way.

One JSON line per set::

    {"id", "split", "library", "gold_name", "list": CandidateList.to_dict(),
     "terms": {"rouge_l": [...], "similarity": [...]},   # per candidate, list order
     "reward": [...],                                     # weighted sum of the terms, per candidate
     "extras": [{"name", "origin": "parent"|"merge", "of": [ranks], "terms": {...}, "reward"}]}

With ``contamination`` levels (e.g. 50, 100), each set also gets seeded copies with that share of its genes replaced
by random genes of the candidate libraries' universe (``datasets.contamination``, Hu et al.'s protocol), rows marked
``"contamination": level`` and labelled against the original gold name (no extras). The confidence calibrator
learns from them, so that a random set's pick is not called confident (issue 26); the chooser only when asked
(``gener1 train chooser --learn-from-copies``). ``max_jaccard`` also holds out the set's near-duplicate terms.

Candidates come from the set's own GO branch (``libraries="own"``, what evaluation does for GO benchmarks) or from
every default library of the KB (``"all"``). The split is the task corpus' (by term name), so the chooser's
validation split never shares a name with its training split. The scorer is injected (``score``: names, golds →
term → values) so that this corpus scores with exactly the reward plugins training uses (``training.rewards``).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path
from typing import Callable

import numpy as np

from ..datasets.contamination import contaminate
from ..enrichment.candidates import CANDIDATES, CandidateBuilder
from ..enrichment.evidence import gold_hold_out
from ..enrichment.libraries import open_kb
from ..errors import Gener1Error
from ..genes.geneset import GeneSet
from ..io import atomic_open, json_line, refuse_overwriting_inputs, write_json
from ..knowledge.store import normalise_term_name
from .task_alignment import iter_task_rows

LIBRARY_CHOICES = ("own", "all")
#: Generalised names per set: the direct is_a / part_of parents of the top candidates (GO terms only).
PARENTS_OF_TOP = 3


def build_candidates_corpus(task_path: str | Path, output: str | Path, *, score: Callable, weights: dict[str, float],
                            kb=None, libraries: str = "own", k: int = CANDIDATES, splits: tuple[str, ...] | None = None,
                            progress: Callable[[int, int], None] | None = None, chunk: int = 500,
                            contamination: tuple[int, ...] = (), seed: int = 0, max_jaccard: float | None = None) -> dict:
    """Write the corpus to ``output`` (atomically) and return its report (also written to ``OUTPUT.report.json``)."""
    if any(not 0 < level <= 100 for level in contamination):
        raise Gener1Error(f"contamination levels are percentages in 1..100, got {list(contamination)}")
    if libraries not in LIBRARY_CHOICES:
        raise Gener1Error(f"unknown candidate libraries {libraries!r}; expected one of {', '.join(LIBRARY_CHOICES)}")
    refuse_overwriting_inputs([output], [task_path])
    kb = open_kb(kb)
    rows = [row for _, row in iter_task_rows(task_path)]
    if splits:
        rows = [r for r in rows if r.get("split") in splits]
    if not rows:
        raise Gener1Error("no task-alignment sets to label" + (f" in splits {', '.join(splits)}" if splits else ""),
                          path=task_path)
    groups: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        groups[r.get("library") if libraries == "own" else "all"].append(r)
    if libraries == "own":
        foreign = sorted(lib for lib in groups if lib and lib not in kb.libraries())
        if foreign:  # e.g. `gener1 corpus named-sets` rows: named by people, not by a library of this KB
            raise Gener1Error(f"sets of library {', '.join(repr(lib) for lib in foreign)}, which is not a library of the "
                              "knowledge base, have no own library to take candidates from: use --libraries all",
                              path=task_path)
    report = Counter()
    per_split: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    done = 0
    with atomic_open(output) as fh:
        for lib, members in groups.items():
            libs = [lib] if libraries == "own" and lib else None
            builder = CandidateBuilder(kb, libs, k=k, max_jaccard=max_jaccard)
            universe = kb.annotated_symbols(builder.libraries) if contamination else set()
            for start in range(0, len(members), chunk):
                clean = members[start:start + chunk]
                sets = [GeneSet(id=str(r["id"]), genes=list(r["genes"]), gold_name=r.get("gold_name"), source="task")
                        for r in clean]
                holds = [gold_hold_out(gs) for gs in sets]
                levels = [0] * len(sets)
                part = list(clean)
                if contamination:  # the copies keep their original's hold-out (its own term is still not a candidate)
                    copies = contaminate(sets, universe, contamination, seed=seed)
                    per = len(contamination)
                    part += [clean[i // per] for i in range(len(copies))]
                    holds += [holds[i // per] for i in range(len(copies))]
                    levels += [contamination[i % per] for i in range(len(copies))]
                    sets += copies
                lists = builder.build_many(sets, hold_out=[h[0] for h in holds], hold_out_names=[h[1] for h in holds])
                extras = [_extras(builder, cl, ids, names) if level == 0 else []
                          for cl, (ids, names), level in zip(lists, holds, levels)]
                names, golds = [], []
                for r, cl, ex in zip(part, lists, extras):
                    for n in cl.names() + [e["name"] for e in ex]:
                        names.append(n)
                        golds.append(r.get("gold_name") or "")
                terms = score(names, golds) if names else {}
                total = weighted_reward(terms, weights, len(names))
                at = 0
                for r, gs, cl, ex, level in zip(part, sets, lists, extras, levels):
                    m = len(cl) + len(ex)
                    sl = slice(at, at + m)
                    at += m
                    term_vals = {t: [round(v, 4) for v in vals[sl]] for t, vals in terms.items()}
                    rew = [round(float(v), 4) for v in total[sl]]
                    row_extras = []
                    for j, e in enumerate(ex):
                        e = dict(e, terms={t: v[len(cl) + j] for t, v in term_vals.items()}, reward=rew[len(cl) + j])
                        row_extras.append(e)
                    out = {"id": r["id"] if not level else gs.id, "split": r.get("split"), "library": r.get("library"),
                           "gold_name": r.get("gold_name"), "list": cl.to_dict(),
                           "terms": {t: v[:len(cl)] for t, v in term_vals.items()}, "reward": rew[:len(cl)],
                           "extras": row_extras}
                    if level:
                        out["contamination"] = level
                        report[f"copies_{level}"] += 1
                    else:
                        _tally(report, per_split[str(r.get("split"))], out)
                    fh.write(json_line(out))
                done += len(clean)
                if progress:
                    progress(done, len(rows))
    summary = {"sets": len(rows), "libraries": libraries, "k": k, "max_jaccard": max_jaccard, "weights": weights,
               "no_candidates": report["no_candidates"], "extras_beat_every_candidate": report["extras_win"],
               "contaminated_copies": {str(level): report[f"copies_{level}"] for level in contamination},
               "splits": {s: {"sets": len(v["top1"]), "reward_top1": _mean(v["top1"]), "reward_best": _mean(v["best"]),
                              "reward_best_with_extras": _mean(v["best_extras"]),
                              "rouge_l_top1": _mean(v["rl_top1"]), "rouge_l_best": _mean(v["rl_best"])}
                          for s, v in sorted(per_split.items())}}
    write_json(Path(str(output) + ".report.json"), summary)
    return summary


def weighted_reward(terms: dict[str, list[float]], weights: dict[str, float], n: int) -> np.ndarray:
    """The reward of each of ``n`` names: its term values weighted as GRPO weights them (absent terms weigh 0)."""
    total = np.zeros(n)
    for t, values in terms.items():
        total += weights.get(t, 0.0) * np.asarray(values)
    return total


def _mean(values: list[float]) -> float | None:
    return round(float(np.mean(values)), 4) if values else None


def _tally(report: Counter, split: dict[str, list[float]], row: dict) -> None:
    rew = row["reward"]
    if not rew:
        report["no_candidates"] += 1
        return
    best_extra = max((e["reward"] for e in row["extras"]), default=-np.inf)
    report["extras_win"] += int(best_extra > max(rew))
    split["top1"].append(rew[0])
    split["best"].append(max(rew))
    split["best_extras"].append(max(max(rew), best_extra))
    rl = row["terms"].get("rouge_l")
    if rl:
        split["rl_top1"].append(rl[0])
        split["rl_best"].append(max(rl))


def _extras(builder: CandidateBuilder, clist, held_ids: set[str], held_names: set[str]) -> list[dict]:
    """Generalised names (parents of the top candidates) and one composed name (top-1 and top-2 joined), each
    not already a candidate and never the held-out gold term (a parent is often exactly that term)."""
    seen = {normalise_term_name(n) for n in clist.names()} | {normalise_term_name(n) for n in held_names if n}
    out = []
    for c in clist.candidates[:PARENTS_OF_TOP]:
        if not c.ancestors:
            continue
        for parent in builder.parents(c.term_id):
            name = builder.term_name(parent)
            if parent not in held_ids and name and normalise_term_name(name) not in seen:
                seen.add(normalise_term_name(name))
                out.append({"name": name, "origin": "parent", "of": [c.rank], "term_id": parent})
    if len(clist) >= 2:
        a, b = clist.candidates[0].name, clist.candidates[1].name
        out.append({"name": f"{a} and {b}", "origin": "merge", "of": [1, 2]})
    return out
