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


def opening(named: dict) -> str:
    """The answer's opening for a chooser-named set: the Process line, then the reasoning header and first step tag,
    from where the language model continues."""
    return answer_format.render(named["name"], confidence=named["confidence"]) + "\nReasoning:\n<think>"


def name_only_answer(named: dict) -> str:
    return answer_format.render(named["name"], confidence=named["confidence"])
