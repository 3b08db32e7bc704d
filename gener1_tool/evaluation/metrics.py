"""The numbers: ROUGE after the peers' normalisation, summary statistics, paired t-test, percentile rank.

ROUGE is Google's ``rouge-score`` (F-measure, Porter stemmer on), applied to names normalised as Gene-R1's
evaluation script does (``process_text``): parenthesised text removed, ``/ , -`` turned into spaces, double
quotes removed, surrounding space stripped. With these choices Hu et al.'s GPT-4 names for the 1,000 GO:BP
sets score ROUGE-L 0.192, ROUGE-1 0.211, ROUGE-2 0.048 (paper: 0.184 / 0.201 / 0.049).
"""

from __future__ import annotations

import math
import re
from functools import lru_cache

import numpy as np

ROUGE_METRICS = ("rougeL", "rouge1", "rouge2")
METRIC_LABELS = {"rougeL": "ROUGE-L", "rouge1": "ROUGE-1", "rouge2": "ROUGE-2", "similarity": "Similarity",
                 "percentile_rank": "Percentile rank"}
_PARENTHESISED = re.compile(r"\([^)]*\)")


def normalise_name(text: str | None) -> str:
    """Gene-R1's ``process_text`` normalisation of a name before ROUGE (kept verbatim in behaviour)."""
    if not text:
        return ""
    text = _PARENTHESISED.sub("", str(text))
    text = text.replace("/", " ").replace(",", " ").replace('"', "").replace("-", " ")
    return text.strip()


@lru_cache(maxsize=1)
def _scorer():
    from rouge_score import rouge_scorer

    return rouge_scorer.RougeScorer(list(ROUGE_METRICS), use_stemmer=True)


def rouge(golds: list[str], predictions: list[str]) -> dict[str, np.ndarray]:
    """Per-pair ROUGE-L/1/2 F-measures (arrays aligned with the inputs); empty predictions score 0."""
    scorer = _scorer()
    out = {m: np.zeros(len(golds), dtype=np.float64) for m in ROUGE_METRICS}
    for i, (gold, pred) in enumerate(zip(golds, predictions)):
        g, p = normalise_name(gold), normalise_name(pred)
        if not g or not p:
            continue
        scores = scorer.score(g, p)
        for m in ROUGE_METRICS:
            out[m][i] = scores[m].fmeasure
    return out


def describe(values) -> dict:
    """Mean, standard error, standard deviation and 95% t-interval, as Gene-R1's script reports them."""
    from scipy import stats

    arr = np.asarray([v for v in values if v is not None and not (isinstance(v, float) and math.isnan(v))], dtype=np.float64)
    n = int(arr.size)
    if n == 0:
        return {"n": 0, "mean": None, "sem": None, "std": None, "ci95": None}
    mean = float(arr.mean())
    if n == 1:
        return {"n": 1, "mean": mean, "sem": None, "std": 0.0, "ci95": None}
    sem = float(stats.sem(arr))
    ci = stats.t.interval(0.95, n - 1, loc=mean, scale=sem) if sem > 0 else (mean, mean)
    return {"n": n, "mean": mean, "sem": sem, "std": float(arr.std()), "ci95": [float(ci[0]), float(ci[1])]}


def paired_ttest(a, b) -> dict:
    """Two-tailed paired t-test (scipy.stats.ttest_rel) of two aligned score vectors."""
    from scipy import stats

    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    keep = ~(np.isnan(a) | np.isnan(b))
    a, b = a[keep], b[keep]
    result = {"n": int(a.size), "mean_a": float(a.mean()) if a.size else None,
              "mean_b": float(b.mean()) if b.size else None, "mean_diff": float((a - b).mean()) if a.size else None,
              "t": None, "p": None}
    if a.size >= 2 and np.any(a != b):
        test = stats.ttest_rel(a, b)
        # A constant non-zero difference gives t = ±inf; JSON has no infinity, so report the sign as a huge t.
        t = float(test.statistic)
        result["t"] = t if math.isfinite(t) else math.copysign(1e308, t)
        result["p"] = float(test.pvalue) if math.isfinite(float(test.pvalue)) else None
    elif a.size >= 2:
        result["t"], result["p"] = 0.0, 1.0  # identical scores: no difference at all
    return result


def percentile_ranks(similarities: np.ndarray, gold_index) -> np.ndarray:
    """Hu et al.'s percentile rank of the gold term among all background term names, per prediction.

    ``similarities[i, j]`` is the similarity of prediction i to background name j (averaged over encoders);
    ``gold_index[i]`` is the column of prediction i's gold name. The result is the fraction of the *other*
    background names that are less similar to the prediction than the gold name is: 1.0 means the gold term
    is the closest of all, about 0.5 means no better than a random term of the branch.
    """
    gold_index = np.asarray(gold_index, dtype=np.int64)
    if gold_index.size == 0:
        return np.zeros(0)
    if similarities.shape[1] < 2:  # nothing to rank the gold against
        return np.full(gold_index.size, np.nan)
    gold_sims = similarities[np.arange(gold_index.size), gold_index]
    below = (similarities < gold_sims[:, None] - 1e-9).sum(axis=1)
    return below / (similarities.shape[1] - 1)


# -- does the confidence mean something? ------------------------------------------------------------------
#: A name counts as correct for the confidence checks when its ROUGE-L against the gold reaches this.
CORRECT_ROUGE_L = 0.5


def confidence_quality(confidences, correct, bins: int = 10) -> dict:
    """How well confidences separate correct from wrong names: AUROC (scikit-learn; None when only one class or
    one confidence value occurs), expected calibration error over ``bins`` equal-width bins, and the reliability
    curve (per non-empty bin: mean confidence, share correct, count)."""
    from sklearn.metrics import roc_auc_score  # deferred: scikit-learn loads only when confidences are scored

    c = np.asarray(confidences, dtype=float)
    y = np.asarray(correct, dtype=bool)
    if c.size == 0:
        return {"n": 0}
    auroc = float(roc_auc_score(y, c)) if 0 < y.sum() < y.size and np.unique(c).size > 1 else None
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(c, edges[1:-1], right=True), 0, bins - 1)
    curve, ece = [], 0.0
    for b in range(bins):
        mask = which == b
        if mask.any():
            confidence, accuracy = float(c[mask].mean()), float(y[mask].mean())
            curve.append({"bin": [float(edges[b]), float(edges[b + 1])], "confidence": confidence,
                          "accuracy": accuracy, "n": int(mask.sum())})
            ece += mask.mean() * abs(confidence - accuracy)
    return {"n": int(c.size), "correct": int(y.sum()), "auroc": auroc, "ece": float(ece),
            "distinct_values": int(np.unique(c).size), "reliability": curve}
