"""``evaluate``: score prediction files against gold names, set by set, and summarise like the paper.

Every gold set appears in the per-set output for every prediction file, with a status:
``ok`` (a name was scored), ``missing`` (no row for that ID), ``empty_name``, ``format_error`` (answer text
without a parseable ``Process:`` name, or a name with no letters); rows whose ID is not in the gold are kept
with status ``extra`` and no scores. Non-ok gold sets score 0 on every metric, so a file cannot look better
by leaving hard sets out; the summary also gives the mean over ok sets alone and counts every status.

Metrics per set: ROUGE-L/1/2 F (``metrics.rouge``), semantic similarity (cosine averaged over the chosen
encoders), Hu et al.'s percentile rank of the gold name among all names of the branch (background: the KB's
term names of that library when a KB is given and has it, else the gold names of that dataset), and format
compliance (``reasoning.answer``: a parseable ``Process:`` name, plus ``<think>`` steps when reasoning is
required; judged only for rows that carry raw answer text).
"""

from __future__ import annotations

import itertools
import json
import math
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .. import datasets
from ..errors import Gener1Error
from ..io import atomic_open, output_lock, refuse_overwriting_inputs, write_text_atomic
from ..knowledge.store import KnowledgeBase
from ..similarity.encoders import DEFAULT_ENCODERS, get_encoder, similarity
from . import metrics
from .inputs import STATUSES, GoldItem, PredictionFile, read_gold, read_predictions
from .metrics import METRIC_LABELS
from .report import write_evaluation_report

#: Columns of the per-set TSV, in order.
ROW_FIELDS = ("method", "dataset", "id", "status", "gold_name", "predicted_name", "rougeL", "rouge1", "rouge2",
              "similarity", "percentile_rank", "format_ok", "confidence", "steps", "evidence_rank", "errors")


@dataclass
class Evaluation:
    """Everything ``evaluate`` computed: per-set rows, the JSON summary, and paired comparisons."""

    rows: list[dict]
    summary: dict
    methods: list[str]
    datasets: list[str]
    metrics: list[str]
    comparisons: list[dict] = field(default_factory=list)

    def scores(self, method: str, dataset: str, metric: str) -> np.ndarray:
        """Per-set scores of one method on one dataset, in gold order (extras excluded)."""
        return np.array([r[metric] for r in self.rows
                         if r["method"] == method and r["dataset"] == dataset and r["status"] != "extra"], dtype=float)


def evaluate(predictions, gold=None, *, encoders=DEFAULT_ENCODERS, require_reasoning: bool = False, kb=None,
             percentile_rank: bool = True, compare_metrics=("rougeL", "similarity"), shared_only: bool = False,
             first_wins: bool = False, progress: bool = False) -> Evaluation:
    """Score one or more prediction files (paths, or ``label=path``) against ``gold``.

    ``gold``: benchmark name(s) (``GO_BP`` ..., ``all``), gold file(s), or None to use the gold names carried by
    the first prediction file (e.g. Hu et al.'s calibration file). ``encoders=()`` skips similarity and
    percentile rank (ROUGE only). ``kb``: a ``KnowledgeBase`` or path whose term names form the
    percentile-rank background for GO branches. ``shared_only``: score only the gold sets that every prediction
    file has a row for (to compare runs that stopped part-way on the same sets); the summary records how many
    gold sets were left out, per dataset. ``first_wins``: a set id given twice in one file keeps its first row
    (the summary lists the duplicates) instead of being an error.
    """
    specs = [predictions] if isinstance(predictions, (str, Path)) else list(predictions)
    if not specs:
        raise Gener1Error("no predictions given")
    files = [read_predictions(s, require_reasoning=require_reasoning, first_wins=first_wins) for s in specs]
    _unique_labels(files)
    if gold is None or (isinstance(gold, (list, tuple)) and not gold):
        if not files[0].embedded_gold:
            raise Gener1Error("no gold given: pass --gold FILE or --benchmark NAME (the predictions file has no "
                              "Term_Description/gold_name column)", path=files[0].path)
        dataset = _dataset_name(files[0])
        gold_items = [GoldItem(i, n, dataset) for i, n in files[0].embedded_gold.items()]
    else:
        gold_items = read_gold(gold)
    if not gold_items:
        raise Gener1Error("the gold has no sets")
    gold_ids = {g.id for g in gold_items}
    for pf in files:
        if pf.predictions and not gold_ids & set(pf.predictions):
            raise Gener1Error(f"no set id is both in the predictions and in the gold (predictions: "
                              f"{', '.join(sorted(pf.predictions)[:3])} ...; gold: {', '.join(sorted(gold_ids)[:3])} ...): "
                              "is it the right --gold or --benchmark?", path=pf.path)
    left_out: dict[str, int] | None = None
    not_scored: set[str] = set()  # gold IDs left out by shared_only: their rows are not "extra"
    if shared_only:
        all_datasets = list(dict.fromkeys(g.dataset for g in gold_items))
        gold_items, dropped = _shared_gold(gold_items, files)
        not_scored = {g.id for g in dropped}
        left_out = {d: sum(g.dataset == d for g in dropped) for d in all_datasets}
    encoders = tuple(encoders or ())
    datasets = list(dict.fromkeys(g.dataset for g in gold_items))

    rows: list[dict] = []
    for pf in files:
        rows.extend(_score_file(pf, gold_items, not_scored))
    metric_names = list(metrics.ROUGE_METRICS)
    backgrounds: dict[str, str] = {}
    if encoders:
        _add_similarity(rows, encoders, progress)
        metric_names.append("similarity")
        if percentile_rank:
            backgrounds = _add_percentile_rank(rows, gold_items, encoders, kb, progress)
            metric_names.append("percentile_rank")

    methods = [pf.label for pf in files]
    evaluation = Evaluation(rows=rows, summary={}, methods=methods, datasets=datasets, metrics=metric_names)
    evaluation.comparisons = _compare(evaluation, [m for m in compare_metrics if m in metric_names])
    evaluation.summary = _summarise(evaluation, files, encoders, require_reasoning, gold, backgrounds)
    if left_out is not None:
        evaluation.summary["shared_only"] = {"scored": len(gold_items), "left_out": left_out}
    return evaluation


def _shared_gold(gold_items: list[GoldItem], files: list[PredictionFile]) -> tuple[list[GoldItem], list[GoldItem]]:
    """The gold sets every prediction file has a row for, and the others."""
    kept, dropped = [], []
    for g in gold_items:
        (kept if all(g.id in pf.predictions for pf in files) else dropped).append(g)
    if not kept:
        raise Gener1Error("--shared-only: no gold set has a row in every prediction file",
                          path=", ".join(str(pf.path) for pf in files))
    return kept, dropped


def _dataset_name(pf: PredictionFile) -> str:
    """A file carrying its own gold is named after the bundled benchmark whose IDs it covers, if any."""
    ids = set(pf.embedded_gold)
    for name in datasets.BENCHMARKS:
        if ids <= {gs.id for gs in datasets.load(name)}:
            return name
    return pf.path.name.split(".")[0]


def _unique_labels(files: list[PredictionFile]) -> None:
    seen: dict[str, int] = {}
    for pf in files:
        if pf.label in seen:
            seen[pf.label] += 1
            pf.label = f"{pf.label}_{seen[pf.label]}"
        else:
            seen[pf.label] = 1


def _blank_scores() -> dict:
    return {"rougeL": 0.0, "rouge1": 0.0, "rouge2": 0.0, "similarity": None, "percentile_rank": None}


def _score_file(pf: PredictionFile, gold_items: list[GoldItem], not_scored: set[str] = frozenset()) -> list[dict]:
    rows = []
    judgeable = any(q.format_ok is not None for q in pf.predictions.values())
    for g in gold_items:
        p = pf.predictions.get(g.id)
        row = {"method": pf.label, "dataset": g.dataset, "id": g.id, "gold_name": g.name, **_blank_scores(),
               "status": "missing", "predicted_name": None, "format_ok": None if p is None else p.format_ok,
               "confidence": None, "steps": 0, "errors": "no prediction for this ID" if p is None else "",
               "forced_opening": bool(p and p.forced_opening), "evidence_rank": None,
               "candidates": p.candidates if p is not None else None}
        if p is not None:
            row.update(status=p.status, predicted_name=p.name, confidence=p.confidence, steps=p.steps,
                       errors="; ".join(p.errors), evidence_rank=p.evidence_rank)
        if row["status"] != "ok" and row["format_ok"] is None and judgeable:
            row["format_ok"] = False  # a file of raw answers: a set without a usable answer is not compliant
        rows.append(row)
    ok = [r for r in rows if r["status"] == "ok"]
    scores = metrics.rouge([r["gold_name"] for r in ok], [r["predicted_name"] for r in ok])
    for i, r in enumerate(ok):
        for m in metrics.ROUGE_METRICS:
            r[m] = float(scores[m][i])
    gold_ids = {g.id for g in gold_items}
    for set_id, p in pf.predictions.items():
        if set_id not in gold_ids and set_id not in not_scored:
            rows.append({"method": pf.label, "dataset": "", "id": set_id, "status": "extra", "gold_name": None,
                         "predicted_name": p.name, "rougeL": None, "rouge1": None, "rouge2": None, "similarity": None,
                         "percentile_rank": None, "format_ok": p.format_ok, "confidence": p.confidence,
                         "steps": p.steps, "errors": "ID not in the gold"})
    return rows


def _add_similarity(rows: list[dict], encoders, progress: bool) -> None:
    scored = [r for r in rows if r["status"] != "extra"]
    ok = [r for r in scored if r["status"] == "ok"]
    for r in scored:
        r["similarity"] = 0.0
    if not ok:
        return
    sims = similarity([r["predicted_name"] for r in ok], [r["gold_name"] for r in ok], encoders, progress=progress,
                      persist_b=True)
    for r, s in zip(ok, sims):
        r["similarity"] = float(s)


def _background_names(dataset: str, gold_items: list[GoldItem], kb) -> tuple[list[str], str]:
    """All term names of the dataset's branch: the KB library most of its gold IDs belong to, else its gold names."""
    golds = [g for g in gold_items if g.dataset == dataset]
    if kb is not None:
        kb_obj = kb if isinstance(kb, KnowledgeBase) else KnowledgeBase(kb)
        libraries = Counter(t.library for t in (kb_obj.term(g.id) for g in golds) if t is not None)
        if libraries:
            library = libraries.most_common(1)[0][0]
            annotated = kb_obj.gene_sets(library)  # terms with genes: the names a gene set could be given
            names = [t.name for t in kb_obj.terms(library) if t.term_id in annotated]
            return list(dict.fromkeys(names)), f"KB {library} term names ({len(set(names))})"
    names = list(dict.fromkeys(g.name for g in golds))
    return names, f"{dataset} gold names ({len(names)})"


def _add_percentile_rank(rows, gold_items, encoders, kb, progress) -> dict:
    sources = {}
    for dataset in dict.fromkeys(g.dataset for g in gold_items):
        background, source = _background_names(dataset, gold_items, kb)
        sources[dataset] = source
        scored = [r for r in rows if r["dataset"] == dataset and r["status"] != "extra"]
        for r in scored:
            r["percentile_rank"] = 0.0
        ok = [r for r in scored if r["status"] == "ok"]
        if not ok:
            continue
        index = {name: i for i, name in enumerate(background)}
        for r in ok:  # the gold name must be among the candidates even if the KB spells it differently
            if r["gold_name"] not in index:
                index[r["gold_name"]] = len(background)
                background.append(r["gold_name"])
        sims = np.zeros((len(ok), len(background)), dtype=np.float32)
        for spec in encoders:
            enc = get_encoder(spec)
            background_vecs = enc.encode(background, progress=progress, persist=True)
            sims += enc.encode([r["predicted_name"] for r in ok], progress=progress) @ background_vecs.T
        ranks = metrics.percentile_ranks(sims / len(encoders), [index[r["gold_name"]] for r in ok])
        for r, v in zip(ok, ranks):
            r["percentile_rank"] = float(v)
    return sources


def _compare(evaluation: Evaluation, metric_names) -> list[dict]:
    """Paired two-tailed t-tests of every later method against the first, per dataset and metric."""
    out = []
    if len(evaluation.methods) < 2:
        return out
    base = evaluation.methods[0]
    for other, dataset, metric in itertools.product(evaluation.methods[1:], evaluation.datasets, metric_names):
        a = evaluation.scores(other, dataset, metric)
        b = evaluation.scores(base, dataset, metric)
        out.append({"a": other, "b": base, "dataset": dataset, "metric": metric, **metrics.paired_ttest(a, b)})
    return out


def _summarise(evaluation: Evaluation, files: list[PredictionFile], encoders, require_reasoning, gold, backgrounds) -> dict:
    summary = {
        "gold": [str(g) for g in gold] if isinstance(gold, (list, tuple)) else (str(gold) if gold is not None else "embedded"),
        "encoders": [getattr(e, "name", str(e)) for e in encoders],
        "require_reasoning": require_reasoning,
        "percentile_background": backgrounds,
        "rouge": "rouge-score F-measure, use_stemmer=True, after Gene-R1's name normalisation",
        "scoring": "non-ok gold sets score 0 in 'mean'; 'mean_ok' averages ok sets only",
        "datasets": evaluation.datasets,
        "methods": {},
        "comparisons": evaluation.comparisons,
    }
    for pf in files:
        method_rows = [r for r in evaluation.rows if r["method"] == pf.label]
        block = {"file": str(pf.path), "counts": _counts(method_rows), "duplicate_ids": sorted(set(pf.duplicates)),
                 "format_compliance": _compliance(method_rows), "datasets": {}}
        for dataset in evaluation.datasets + ["all"]:
            rows = [r for r in method_rows if r["status"] != "extra" and (dataset == "all" or r["dataset"] == dataset)]
            if dataset == "all" and len(evaluation.datasets) == 1:
                continue
            ds = {"n": len(rows), "counts": _counts(rows), "format_compliance": _compliance(rows),
                  "name_source": _name_source(rows)}
            choice = _choice(rows)
            if choice is not None:
                ds["choice"] = choice
            for metric in evaluation.metrics:
                values = [r[metric] for r in rows]
                stats = metrics.describe(values)
                stats["mean_ok"] = metrics.describe([r[metric] for r in rows if r["status"] == "ok"])["mean"]
                ds[metric] = stats
            rated = [r for r in rows if r["status"] == "ok" and r.get("confidence") is not None]
            ds["confidence"] = {"correct_if": f"ROUGE-L >= {metrics.CORRECT_ROUGE_L}", **metrics.confidence_quality(
                [r["confidence"] for r in rated], [r["rougeL"] >= metrics.CORRECT_ROUGE_L for r in rated])}
            block["datasets"][dataset] = ds
        summary["methods"][pf.label] = block
    return summary


def _counts(rows) -> dict:
    counts = {s: 0 for s in STATUSES}
    for r in rows:
        counts[r["status"]] += 1
    return counts


def _name_source(rows) -> dict:
    """How many scored names repeat an enriched term of their set's evidence, and how many the top one:
    whether a grounded model chose among the listed terms or composed names (judged where rows carry evidence)."""
    judged = [r["evidence_rank"] for r in rows if r["status"] == "ok" and r.get("evidence_rank") is not None]
    return {"judged": len(judged), "enriched_term": sum(1 for k in judged if k >= 1),
            "top_term": sum(1 for k in judged if k == 1)}


def _choice(rows) -> dict | None:
    """For rows that carry the candidates their name was chosen among: the chosen name's ROUGE-L against top-1's
    and best-of-k's on the same sets, how often the choice kept top-1 or changed it, and whether changing helped
    (paired t-test over the sets where it changed). None when no scored row carries candidates."""
    rows = [r for r in rows if r["status"] == "ok" and r.get("candidates")]
    if not rows:
        return None
    from scipy import stats

    golds, names, owner = [], [], []
    for i, r in enumerate(rows):
        for name in r["candidates"]:
            golds.append(r["gold_name"])
            names.append(name)
            owner.append(i)
    scores = metrics.rouge(golds, names)["rougeL"]
    per_row: list[list[float]] = [[] for _ in rows]
    for i, value in zip(owner, scores):
        per_row[i].append(float(value))
    chosen = np.array([r["rougeL"] for r in rows])
    top1 = np.array([v[0] for v in per_row])
    best = np.array([max(v) for v in per_row])
    kept = np.array([metrics.normalise_name(r["predicted_name"]).lower() == metrics.normalise_name(r["candidates"][0]).lower()
                     for r in rows])
    changed = ~kept
    p = float(stats.ttest_rel(chosen[changed], top1[changed]).pvalue) if changed.sum() > 1 and np.any(chosen[changed] != top1[changed]) else None
    return {"n": len(rows), "chosen_rougeL": float(chosen.mean()), "top1_rougeL": float(top1.mean()),
            "best_of_k_rougeL": float(best.mean()), "k": max(len(v) for v in per_row),
            "kept_top1": int(kept.sum()), "changed": int(changed.sum()),
            "changed_better": int((chosen[changed] > top1[changed]).sum()),
            "changed_worse": int((chosen[changed] < top1[changed]).sum()),
            "changed_gain": float((chosen[changed] - top1[changed]).mean()) if changed.any() else 0.0, "p_changed": p}


def _compliance(rows) -> dict:
    judged = [r for r in rows if r["status"] != "extra" and r["format_ok"] is not None]
    if not judged:
        return {"rate": None, "judged": 0, "compliant": 0}
    good = sum(1 for r in judged if r["format_ok"])
    # Compliant answers whose "Process:" opening gener1 annotate forced on a last attempt: the model wrote the
    # rest, but they are not free compliance, so they are counted apart.
    forced = sum(1 for r in judged if r["format_ok"] and r.get("forced_opening"))
    return {"rate": good / len(judged), "judged": len(judged), "compliant": good, "forced_opening": forced}


# ----------------------------------------------------------------------------------------------------------
# Outputs
# ----------------------------------------------------------------------------------------------------------
def _fmt(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return "" if math.isnan(value) else f"{value:.4f}"
    return str(value).replace("\t", " ").replace("\n", " ")


def write_rows(evaluation: Evaluation, path: str | Path) -> Path:
    path = Path(path)
    with atomic_open(path, newline="\n") as fh:
        fh.write("\t".join(ROW_FIELDS) + "\n")
        for r in evaluation.rows:
            fh.write("\t".join(_fmt(r.get(k)) for k in ROW_FIELDS) + "\n")
    return path


def markdown_table(evaluation: Evaluation, metric_names=None) -> str:
    """The paper's Tables 4/5 shape: one row per method, columns dataset × metric (mean over all gold sets)."""
    metric_names = metric_names or [m for m in ("rougeL", "rouge1", "rouge2", "similarity") if m in evaluation.metrics]
    header = ["Method"] + [f"{d} {METRIC_LABELS[m]}" for d in evaluation.datasets for m in metric_names]
    header += ["Format compliance"]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(["---"] + ["---:"] * (len(header) - 1)) + "|"]
    for method in evaluation.methods:
        block = evaluation.summary["methods"][method]
        cells = [method]
        for d in evaluation.datasets:
            for m in metric_names:
                mean = block["datasets"][d][m]["mean"]
                cells.append("" if mean is None else f"{mean:.3f}")
        compliance = block["format_compliance"]
        rate, forced = compliance["rate"], compliance.get("forced_opening", 0)
        cells.append("n/a" if rate is None else f"{rate:.1%}" + (f" ({forced} forced)" if forced else ""))
        lines.append("| " + " | ".join(cells) + " |")
    counts_note = "; ".join(f"{m}: " + ", ".join(f"{k} {v}" for k, v in evaluation.summary["methods"][m]["counts"].items() if v)
                            for m in evaluation.methods)
    lines.append("")
    note = f"Means over all gold sets (non-ok sets score 0). Status counts — {counts_note}."
    shared = evaluation.summary.get("shared_only")
    if shared and any(shared["left_out"].values()):
        sizes = ", ".join(f"{d} {n}" for d, n in _dataset_sizes(evaluation).items())
        note += (f" Scored on the {shared['scored']} gold sets every file covers ({sizes}); left out: "
                 + ", ".join(f"{d} {n}" for d, n in shared["left_out"].items()) + ".")
    if any(evaluation.summary["methods"][m]["format_compliance"].get("forced_opening") for m in evaluation.methods):
        note += " \"N forced\": compliant answers whose 'Process:' opening annotate forced after the free attempts failed."
    lines.append(note)
    lines += _name_source_table(evaluation)
    lines += _choice_table(evaluation)
    lines += _confidence_lines(evaluation)
    return "\n".join(lines) + "\n"


def _confidence_lines(evaluation: Evaluation) -> list[str]:
    """One line per method: does its confidence separate correct names from wrong ones?"""
    out = []
    for method in evaluation.methods:
        for dataset, ds in evaluation.summary["methods"][method]["datasets"].items():
            q = ds.get("confidence") or {}
            if q.get("n"):
                auroc = "n/a (one value or one class)" if q["auroc"] is None else f"{q['auroc']:.3f}"
                out.append(f"Confidence — {method}, {dataset}: AUROC {auroc}, ECE {q['ece']:.3f}, "
                           f"{q['distinct_values']} distinct values over {q['n']} names ({q['correct_if']}).")
    return [""] + out if out else []


def _name_source_table(evaluation: Evaluation) -> list[str]:
    """Where names came from, for methods whose rows carry evidence: 'top / any' = the share of scored names
    that repeat the set's top enriched term / any listed enriched term."""
    methods = [m for m in evaluation.methods
               if any(evaluation.summary["methods"][m]["datasets"][d]["name_source"]["judged"] for d in evaluation.datasets)]
    if not methods:
        return []
    lines = ["", "Names that repeat an enriched term of the set's evidence (top term / any listed term, share of scored names):",
             "", "| Method | " + " | ".join(evaluation.datasets) + " |", "|---|" + "---:|" * len(evaluation.datasets)]
    for m in methods:
        cells = []
        for d in evaluation.datasets:
            src = evaluation.summary["methods"][m]["datasets"][d]["name_source"]
            cells.append(f"{src['top_term'] / src['judged']:.0%} / {src['enriched_term'] / src['judged']:.0%}"
                         if src["judged"] else "")
        lines.append(f"| {m} | " + " | ".join(cells) + " |")
    return lines


def _choice_table(evaluation: Evaluation) -> list[str]:
    """The choice among candidates, for methods whose rows carry them (see ``_choice``)."""
    lines = []
    for m in evaluation.methods:
        for d, ds in evaluation.summary["methods"][m]["datasets"].items():
            c = ds.get("choice")
            if not c:
                continue
            p = "" if c["p_changed"] is None else f" (p={c['p_changed']:.2g})"
            lines.append(f"| {m} | {d} | {c['n']} | {c['chosen_rougeL']:.3f} | {c['top1_rougeL']:.3f} | "
                         f"{c['best_of_k_rougeL']:.3f} | {c['kept_top1'] / c['n']:.0%} | {c['changed'] / c['n']:.0%} | "
                         f"{c['changed_better']} / {c['changed_worse']} | {c['changed_gain']:+.3f}{p} |")
    if not lines:
        return []
    return ["", "The choice among each set's candidates (ROUGE-L: the chosen name, candidate 1, the best of the k "
                "candidates; where the choice changed top-1, how many got better / worse and the mean gain, paired):",
            "", "| Method | Dataset | Sets | Chosen | Top-1 | Best-of-k | Kept top-1 | Changed | Better / worse | Gain |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"] + lines


def _dataset_sizes(evaluation: Evaluation) -> dict[str, int]:
    first = evaluation.summary["methods"][evaluation.methods[0]]["datasets"]
    return {d: first[d]["n"] for d in evaluation.datasets}


def write_evaluation(evaluation: Evaluation, outdir: str | Path, *, html: bool = True) -> dict[str, Path]:
    """Write per_set.tsv, summary.json, table.md and (by default) report.html into ``outdir``."""
    outdir = Path(outdir)
    gold = evaluation.summary.get("gold")
    refuse_overwriting_inputs([outdir / name for name in ("per_set.tsv", "summary.json", "table.md", "report.html")],
                              [block.get("file") for block in evaluation.summary["methods"].values()]
                              + ([gold] if isinstance(gold, str) else list(gold or [])))
    with output_lock(outdir):
        return _write_evaluation(evaluation, outdir, html)


def _write_evaluation(evaluation: Evaluation, outdir: Path, html: bool) -> dict[str, Path]:
    written = {"per_set": write_rows(evaluation, outdir / "per_set.tsv")}
    written["summary"] = write_text_atomic(outdir / "summary.json", json.dumps(
        evaluation.summary, indent=2, allow_nan=False, default=_json_default) + "\n")
    written["table"] = write_text_atomic(outdir / "table.md", markdown_table(evaluation))
    if html:
        written["report"] = write_evaluation_report(evaluation, outdir / "report.html")
    return written


def _json_default(value):
    if isinstance(value, (np.floating, np.integer)):
        return value.item()
    raise TypeError(f"cannot serialise {type(value).__name__}")
