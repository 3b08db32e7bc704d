"""Naming by the model's chooser: when the model directory carries a trained chooser (``model.chooser``), a grounded
set's name is the chooser's pick among its candidate list and its confidence comes from the calibrator shipped
beside it (``model.confidence``); the language model then writes the reasoning for that name (or, with
``--name-only``, is not run at all). Without a chooser, the language model names the set as before."""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

from ..enrichment.candidates import CandidateList
from ..model.chooser import Choice, Chooser
from ..model.confidence import Calibrator
from ..reasoning import answer as answer_format

CHOOSER_FLAG = "named_by_chooser"  # the row flag of a name picked by the chooser (the LM wrote the reasoning)
#: The abstention rule's exception: a set whose strongest term misses the FDR rule (enrichment.evidence.coherent) is
#: still named when the chooser's calibrated confidence in its pick is at least this. Small real sets (2-3 genes, as
#: in GO:MF and GO:CC) cannot reach FDR 1e-3 yet often share a specific term; random sets rarely earn this
#: confidence. Chosen on validation sets by scripts/abstention_threshold.py --model (docs/results.md).
RESCUE_CONFIDENCE = 0.8
RESCUED_FLAG = "named_despite_weak_enrichment"  # the row flag of a set named by that exception


class ChooserNaming:
    def __init__(self, model_dir: str | Path):
        self.chooser = Chooser.load(model_dir)
        self.calibrator = Calibrator.load(model_dir) if Calibrator.present(model_dir) else None

    @classmethod
    def for_run(cls, model_spec: str, *, enabled: bool, mode: str) -> "ChooserNaming | None":
        """The run's chooser, or None (disabled, model-only prompts, or a model without one). Only a model directory
        can carry one: a built-in base name never does, so it is not resolved (or converted) here."""
        if not enabled or mode == "model-only":
            return None
        path = Path(model_spec)
        return cls(path) if path.is_dir() and Chooser.present(path) else None

    def choose(self, lists: Sequence[CandidateList]) -> list[dict | None]:
        """Per candidate list: the chosen name, its confidence and the candidates with choice probabilities (None
        when the set has no candidate)."""
        return [self._named(cl, choice) for cl, choice in zip(lists, self.chooser.choose(lists))]

    def _named(self, clist: CandidateList, choice: Choice | None) -> dict | None:
        if choice is None:
            return None
        chosen = clist.candidates[choice.index]
        confidence = (self.calibrator.confidence(clist, choice) if self.calibrator is not None
                      else round(choice.probability, 2))
        return {"name": chosen.name, "confidence": confidence,
                "choice": {"by": "chooser", "rank": chosen.rank, "term_id": chosen.term_id,
                           "probability": round(choice.probability, 4), "margin": round(choice.margin, 4),
                           "calibrated": self.calibrator is not None},
                "candidates": [{"rank": c.rank, "name": c.name, "term_id": c.term_id, "library": c.library,
                                "overlap": c.overlap, "term_size": c.term_size, "fdr": c.fdr,
                                "choice": round(p, 4)} for c, p in zip(clist.candidates, choice.probabilities)]}


def rescues(named: dict | None) -> bool:
    """Whether a chooser's pick is confident enough to name a set that the FDR rule would answer 'unrelated'."""
    return named is not None and named["confidence"] is not None and named["confidence"] >= RESCUE_CONFIDENCE


def opening(named: dict) -> str:
    """The answer's opening for a chooser-named set: the Process line, then the reasoning header and first step tag,
    from where the language model continues."""
    return answer_format.render(named["name"], confidence=named["confidence"]) + "\nReasoning:\n<think>"


def name_only_answer(named: dict) -> str:
    return answer_format.render(named["name"], confidence=named["confidence"])
