"""The confidence: the probability that a chosen name is correct, from what predicts correctness.

"Correct" is the evaluation's threshold (ROUGE-L ≥ 0.5 against the gold name, ``evaluation.metrics.CORRECT_ROUGE_L``;
the trainer records the value it used). Features of a set's choice (``CONFIDENCE_FEATURES``): the chooser's
probability, margin, raw score and the entropy of its probabilities; the chosen term's and the strongest term's
FDR, the chosen term's overlap share and size, the set's annotated size, whether the choice kept top-1, how many
candidates there were; and the chosen candidate's whole chooser feature row (its lexical and semantic agreement
with the other candidates predicts correctness best: a name its neighbours echo is one curators use). A logistic
regression fitted on choices the chooser was not trained on (the train split's development part) gives a score;
an isotonic map fitted on the validation split turns it into a calibrated probability (a step function).
``training.chooser`` fits both and writes ``confidence.json`` beside the chooser; `gener1 annotate` applies it.
A set with no candidate gets 0.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

from ..enrichment.candidates import CandidateList
from ..errors import Gener1Error
from ..io import write_json
from .chooser import FEATURES, Choice

CONFIDENCE_FILE = "confidence.json"
CONFIDENCE_VERSION = 2
CONFIDENCE_FEATURES = ("probability", "margin", "logfdr_chosen", "logfdr_top1", "overlap_share", "log_overlap",
                       "log_term_size", "log_n_annotated", "kept_top1", "n_candidates", "entropy", "score",
                       "score_gap") + tuple("chosen_" + f for f in FEATURES)


def _logfdr(x: float) -> float:
    return max(math.log10(max(float(x), 1e-300)), -50.0)  # beyond 1e-50 a set is as coherent as it gets


def confidence_features(clist: CandidateList, choice: Choice | None) -> np.ndarray | None:
    """The ``CONFIDENCE_FEATURES`` vector of one set's choice, or None when there is nothing to choose."""
    if choice is None or not clist.candidates:
        return None
    if choice.features is None:
        raise ValueError("the confidence needs the choice's feature row (Chooser.choose keeps it)")
    c = clist.candidates[choice.index]
    n = max(clist.n_annotated, 1)
    p = np.asarray(choice.probabilities)
    s = np.sort(np.asarray(choice.scores))
    gap = float(s[-1] - s[-2]) if len(s) > 1 else 5.0  # one candidate: as decided as lists get
    return np.array([choice.probability, choice.margin, _logfdr(c.fdr), _logfdr(clist.candidates[0].fdr),
                     c.overlap / n, math.log(max(c.overlap, 1)), math.log(max(c.term_size, 1)), math.log(n),
                     float(choice.index == 0), len(clist.candidates), float(-(p * np.log(p + 1e-12)).sum()),
                     choice.scores[choice.index], gap, *choice.features], dtype=np.float64)


class Calibrator:
    """Logistic score → isotonic probability, from ``confidence.json``."""

    def __init__(self, meta: dict):
        self.meta = meta
        self.mean = np.asarray(meta["mean"], dtype=np.float64)
        self.std = np.asarray(meta["std"], dtype=np.float64)
        self.coef = np.asarray(meta["coef"], dtype=np.float64)
        self.intercept = float(meta["intercept"])
        self.iso_x = np.asarray(meta["isotonic_x"], dtype=np.float64)
        self.iso_y = np.asarray(meta["isotonic_y"], dtype=np.float64)

    @staticmethod
    def present(model_dir: str | Path) -> bool:
        return (Path(model_dir) / CONFIDENCE_FILE).is_file()

    @classmethod
    def load(cls, model_dir: str | Path) -> "Calibrator":
        path = Path(model_dir) / CONFIDENCE_FILE
        try:
            meta = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise Gener1Error(f"cannot read the confidence calibrator: {exc}", path=path) from None
        if meta.get("version") != CONFIDENCE_VERSION or list(meta.get("features", [])) != list(CONFIDENCE_FEATURES):
            raise Gener1Error("confidence calibrator from another gener1 version; retrain it with `gener1 train chooser`",
                              path=path)
        return cls(meta)

    def save(self, model_dir: str | Path) -> None:
        write_json(Path(model_dir) / CONFIDENCE_FILE, self.meta)

    def score(self, features: np.ndarray) -> np.ndarray:
        """The logistic regression's log-odds for rows of features."""
        return ((np.atleast_2d(features) - self.mean) / self.std) @ self.coef + self.intercept

    def probability(self, features: np.ndarray) -> np.ndarray:
        # sklearn's IsotonicRegression(out_of_bounds="clip").predict is this interpolation over its thresholds.
        return np.interp(self.score(features), self.iso_x, self.iso_y)

    def confidence(self, clist: CandidateList, choice: Choice | None) -> float:
        f = confidence_features(clist, choice)
        if f is None:
            return 0.0
        return round(float(self.probability(f)[0]), 2)  # the answer format shows two decimals
