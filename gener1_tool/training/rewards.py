"""Reward-term plugins for task alignment (GRPO) and preference building (online DPO).

Gene-R1's reward is R = α·similarity(name, gold) + β·ROUGE-L(name, gold) + P(format) + T(think). Each term
here is a plain callable in TRL's reward-function convention: called with keyword arguments only
(``prompts``, ``completions``, ``completion_ids``, every dataset column such as ``gold_name``, and trainer
extras), returning one float per completion. Weights come from the command line
(``--reward similarity=2 --reward rouge_l=1 ...``) and go to ``GRPOConfig.reward_weights``.

Names are read ONLY through ``gener1_tool.reasoning.answer.parse``, so names with commas, periods and colons
survive (the released Gene-R1 regex cut them at the first ``, . :``).

Third-party plugins add terms with ``@hookimpl def register_reward_terms(register): register(MyTerm())``.
"""

from __future__ import annotations

from .. import plugins
from ..errors import Gener1Error
from ..hookspecs import hookimpl
from ..reasoning import answer as answer_format
from ..similarity.encoders import DEFAULT_ENCODERS, similarity

DEFAULT_WEIGHTS = {"similarity": 1.0, "rouge_l": 1.0, "format": 1.0, "think": 1.0}


def completion_text(completion) -> str:
    """The text of one completion: TRL passes strings, or assistant messages for conversational datasets."""
    if isinstance(completion, str):
        return completion
    if isinstance(completion, dict):
        return str(completion.get("content", ""))
    if isinstance(completion, (list, tuple)):
        return "".join(completion_text(m) for m in completion if not isinstance(m, dict) or m.get("role") != "user")
    return "" if completion is None else str(completion)


def parsed_names(completions) -> list[str | None]:
    return [answer_format.parse(completion_text(c)).name for c in completions]


def normalise_name(name: str | None) -> str:
    """Case, spacing and a trailing period do not make two process names different."""
    if not name:
        return ""
    return " ".join(name.lower().split()).rstrip(".").strip()


def _golds(gold_name, n: int) -> list[str]:
    if gold_name is None:
        raise ValueError("this reward term needs a gold_name column in the alignment dataset")
    if isinstance(gold_name, str):
        return [gold_name] * n
    return ["" if g is None else str(g) for g in gold_name]


class RewardTerm:
    """Base class: a named callable, ``term(completions=..., gold_name=..., **kwargs) -> list[float]``."""

    name = ""
    description = ""

    def __init__(self):
        self.__name__ = self.name  # TRL logs each reward under its callable's __name__

    def __call__(self, completions=None, gold_name=None, **kwargs) -> list[float]:
        raise NotImplementedError

    def __repr__(self):
        return f"<reward term {self.name!r}>"


class SimilarityReward(RewardTerm):
    """Cosine similarity of the parsed name and the gold name, averaged over encoder plugins (clipped to [0, 1])."""

    name = "similarity"
    description = "semantic similarity of the Process name to the gold name (encoder plugins, default minilm)"

    def __init__(self, encoders: tuple[str, ...] | None = None):
        super().__init__()
        self.encoders = tuple(encoders) if encoders else None

    def __call__(self, completions=None, gold_name=None, **kwargs) -> list[float]:
        names = parsed_names(completions)
        golds = _golds(gold_name, len(names))
        scores = [0.0] * len(names)
        todo = [i for i, n in enumerate(names) if n]
        if todo:
            sims = similarity([names[i] for i in todo], [golds[i] for i in todo], encoders=self.encoders or DEFAULT_ENCODERS)
            for i, s in zip(todo, sims):
                scores[i] = float(min(max(s, 0.0), 1.0))
        return scores


class RougeLReward(RewardTerm):
    """ROUGE-L F-measure (longest common subsequence of words, Porter stemming) of the parsed name vs gold."""

    name = "rouge_l"
    description = "ROUGE-L F1 (LCS of stemmed words) of the Process name against the gold name"

    def __init__(self):
        super().__init__()
        from rouge_score import rouge_scorer

        self.scorer = rouge_scorer.RougeScorer(["rougeL"], use_stemmer=True)

    def __call__(self, completions=None, gold_name=None, **kwargs) -> list[float]:
        names = parsed_names(completions)
        golds = _golds(gold_name, len(names))
        return [self.scorer.score(g, n)["rougeL"].fmeasure if n and g else 0.0 for n, g in zip(names, golds)]


class FormatReward(RewardTerm):
    """1 when the completion has a parseable, non-empty ``Process:`` name, else 0."""

    name = "format"
    description = "1 for a parseable 'Process: <name>' line, else 0"

    def __call__(self, completions=None, **kwargs) -> list[float]:
        return [1.0 if answer_format.parse(completion_text(c)).name else 0.0 for c in completions]


class ThinkReward(RewardTerm):
    """1 when the completion has at least one non-empty ``<think>...</think>`` reasoning step, else 0."""

    name = "think"
    description = "1 for non-empty <think> reasoning steps, else 0"

    def __call__(self, completions=None, **kwargs) -> list[float]:
        return [1.0 if answer_format.parse(completion_text(c)).has_think else 0.0 for c in completions]


class ExactMatchReward(RewardTerm):
    """1 when the parsed name equals the gold name (case, spacing, trailing period ignored): the hard-match
    ablation against the soft (similarity) match."""

    name = "exact_match"
    description = "1 when the Process name equals the gold name (normalised), else 0 (ablation of soft match)"

    def __call__(self, completions=None, gold_name=None, **kwargs) -> list[float]:
        names = parsed_names(completions)
        golds = _golds(gold_name, len(names))
        return [1.0 if n and normalise_name(n) == normalise_name(g) else 0.0 for n, g in zip(names, golds)]


class PreferenceLevelReward(RewardTerm):
    """The paper's four-level preference order as a score, for online DPO's chosen/rejected choice.

    3 = correct with reasoning > 2 = correct without > 1 = incorrect with reasoning > 0 = incorrect without,
    where "correct" means similarity(name, gold) ≥ ``threshold``. Within a level, ``tie_break`` × similarity
    (< 1, so levels always dominate) prefers the closer name instead of an arbitrary one.
    """

    name = "preference_level"
    description = "four-level order: correct+reasoning > correct > incorrect+reasoning > incorrect (online DPO)"

    def __init__(self, threshold: float = 0.7, tie_break: float = 0.5, encoders: tuple[str, ...] | None = None):
        super().__init__()
        if not 0.0 <= tie_break < 1.0:
            raise ValueError("tie_break must be in [0, 1) so the four levels keep their order")
        self.threshold = threshold
        self.tie_break = tie_break
        self.similarity = SimilarityReward(encoders)
        self.think = ThinkReward()

    def levels(self, completions, gold_name) -> list[int]:
        sims = self.similarity(completions=completions, gold_name=gold_name)
        thinks = self.think(completions=completions)
        return [2 * (s >= self.threshold) + int(t) for s, t in zip(sims, thinks)]

    def __call__(self, completions=None, gold_name=None, **kwargs) -> list[float]:
        sims = self.similarity(completions=completions, gold_name=gold_name)
        thinks = self.think(completions=completions)
        return [2.0 * (s >= self.threshold) + t + self.tie_break * s for s, t in zip(sims, thinks)]


BUILTIN_TERMS = (SimilarityReward, RougeLReward, FormatReward, ThinkReward, ExactMatchReward, PreferenceLevelReward)


@hookimpl
def register_reward_terms(register):
    # Classes: build_reward_terms() instantiates them with options (encoders, threshold) per run.
    for cls in BUILTIN_TERMS:
        register(cls)


def build_reward_terms(weights: dict[str, float], *, encoders: tuple[str, ...] | None = None,
                       threshold: float = 0.7) -> tuple[list, list[float]]:
    """Reward callables and their weights, in a stable order, from ``{term name: weight}``."""

    if not weights:
        raise Gener1Error("at least one reward term is needed (e.g. --reward similarity=1)")
    funcs, ws = [], []
    for name, weight in weights.items():
        thing = plugins.get("reward_terms", name)
        if isinstance(thing, type):
            if issubclass(thing, (SimilarityReward,)):
                thing = thing(encoders)
            elif issubclass(thing, PreferenceLevelReward):
                thing = thing(threshold=threshold, encoders=encoders)
            else:
                thing = thing()
        if not getattr(thing, "__name__", None):
            raise Gener1Error(f"reward term {name!r} is not a named callable")
        funcs.append(thing)
        ws.append(float(weight))
    return funcs, ws


def parse_weights(items) -> dict[str, float]:
    """``["similarity=1", "rouge_l=0.5"]`` → ``{"similarity": 1.0, "rouge_l": 0.5}`` (a bare name means 1)."""

    out: dict[str, float] = {}
    for item in items or ():
        name, sep, value = str(item).partition("=")
        name = name.strip()
        try:
            out[name] = float(value) if sep else 1.0
        except ValueError:
            raise Gener1Error(f"bad reward weight {item!r}; expected NAME=NUMBER, e.g. similarity=2") from None
    return out


#: The reward terms that score a name alone (format and think are constant for a bare name): GRPO's name terms.
NAME_TERMS = {"similarity": 1.0, "rouge_l": 1.0}


def score_names(names: list[str], golds: list[str], weights: dict[str, float] | None = None, *,
                encoders: tuple[str, ...] | None = None) -> dict[str, list[float]]:
    """Each name-scoring reward term's value for ``names[i]`` against ``golds[i]``, as GRPO computes them for a
    completion whose Process line is that name (the candidate-labelling corpus and the chooser use this)."""
    funcs, _ = build_reward_terms(dict(weights or NAME_TERMS), encoders=encoders)
    completions = [answer_format.render(n) if n and str(n).strip() else "" for n in names]
    return {f.__name__: [float(x) for x in f(completions=completions, gold_name=list(golds))] for f in funcs}
