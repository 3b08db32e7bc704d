"""THE answer format. Teachers write it, SFT learns it, rewards score it, annotate parses it and
evaluate measures compliance with it. No other module may parse or render it.

Rendered form::

    Process: <name> (0.85)
    Reasoning:
    <think>The genes are enriched in the GO terms related to ...</think>
    <think>The gene X has function for ...</think>

* The ``Process:`` line comes first; its name runs to the end of the line. Commas, periods, colons
  and parentheses inside a name survive (the released Gene-R1 regex cut names at ``, . :``).
* A trailing ``(30/404, FDR 1.5e-25)`` is dropped from a name: the statistics an evidence line shows after
  a term (``enrichment.evidence``), which a model copying that line brings along; they are never a name.
  In ``(0.98, FDR 1.04)`` the number is the confidence, run into such statistics.
* The confidence is a trailing parenthesised number in [0, 1] (``(0.85)`` or ``(confidence: 0.85)``),
  or a separate ``Confidence: 0.85`` line. It is optional when parsing. A trailing decimal out of range
  (``(2.25)``) is still cut from the name, and reported as an error with no confidence.
* Each reasoning step sits in its own ``<think>...</think>`` pair.
* "System of unrelated proteins" with confidence 0 is the allowed answer when nothing fits
  (Hu et al., Nature Methods 2025).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

UNRELATED = "System of unrelated proteins"
# What an answer starts with. ``gener1 annotate`` opens its last attempt with it when every free attempt
# was malformed (the model then writes the name and reasoning itself; the row is flagged).
ANSWER_PREFIX = "Process:"
FORCED_OPENING_FLAG = "forced_answer_prefix"  # the row flag for such an answer (annotate writes, evaluate counts)

# The name is on the Process line itself ([ \t], not \s: "Process:" then a line of prose is no name).
_PROCESS_LINE = re.compile(r"^[ \t>*#_-]*\**[ \t]*process[ \t]*\**[ \t]*[:：][ \t]*(?P<rest>.*)$", re.IGNORECASE | re.MULTILINE)
# Any decimal, not only [0, 1]: a small model writes "(2.25)" too, which is a confidence out of range (an error),
# never part of the name. A bare integer other than 0 or 1 ("(13)") may belong to a name and stays.
# The model's confidence may run into copied evidence statistics, "(0.98, FDR 1.04)": the number is still the confidence.
_FDR_TAIL = r",\s*FDR\b[^()]*"
_TRAILING_CONF = re.compile(
    r"\s*[\(\[]\s*(?:confidence\s*(?:score)?\s*[:=]?\s*)?(?P<conf>\d+\.\d+|[01]|\.\d+)\s*(?:" + _FDR_TAIL + r")?[\)\]]\s*$",
    re.IGNORECASE,
)
_COPIED_EVIDENCE_STATS = re.compile(r"\s*\(\s*\d+\s*/\s*\d+\s*" + _FDR_TAIL + r"\)\s*$", re.IGNORECASE)
_CONF_LINE = re.compile(r"^\s*\**\s*confidence(?:\s*score)?\s*\**\s*[:=]\s*(?P<conf>[01](?:\.\d+)?|\.\d+)", re.IGNORECASE | re.MULTILINE)
_THINK = re.compile(r"<think>(?P<step>.*?)</think>", re.IGNORECASE | re.DOTALL)
_REASONING_HEADER = re.compile(r"^\s*\**\s*reasoning\s*\**\s*:", re.IGNORECASE | re.MULTILINE)
_SPECIAL_TOKENS = re.compile(r"<\|[^|>]*\|>|</?s>")


@dataclass
class Answer:
    """A parsed (or to-be-rendered) answer."""

    name: str | None
    confidence: float | None = None
    steps: list[str] = field(default_factory=list)
    has_process_line: bool = False
    has_reasoning_header: bool = False
    errors: list[str] = field(default_factory=list)

    @property
    def has_think(self) -> bool:
        return bool(self.steps)

    def well_formed(self, require_reasoning: bool = True) -> bool:
        """A parseable, non-empty ``Process:`` name, and ``<think>`` steps when reasoning is required."""
        if not self.name:
            return False
        return self.has_think or not require_reasoning

    def to_dict(self) -> dict:
        d = asdict(self)
        d["has_think"] = self.has_think
        return d


def render(name: str, steps: list[str] | None = None, confidence: float | None = None) -> str:
    """Write an answer in the canonical format."""
    name = " ".join(str(name).split())
    if not name:
        raise ValueError("an answer needs a non-empty process name")
    head = f"{ANSWER_PREFIX} {name}"
    if confidence is not None:
        head += f" ({min(max(float(confidence), 0.0), 1.0):.2f})"
    lines = [head]
    steps = [" ".join(s.split()) for s in (steps or []) if s and s.strip()]
    if steps:
        lines.append("Reasoning:")
        lines.extend(f"<think>{s}</think>" for s in steps)
    return "\n".join(lines)


def parse(text: str | None) -> Answer:
    """Parse model or teacher output. Never raises; problems are listed in ``Answer.errors``."""
    if text is None:
        return Answer(name=None, errors=["no text"])
    text = _SPECIAL_TOKENS.sub("", str(text))
    errors: list[str] = []
    name: str | None = None
    confidence: float | None = None

    match = _PROCESS_LINE.search(text)
    if match:
        rest = match.group("rest").strip()
        conf_match = _TRAILING_CONF.search(rest)
        if conf_match:
            confidence = float(conf_match.group("conf"))
            rest = rest[: conf_match.start()]
        name = _clean_name(_COPIED_EVIDENCE_STATS.sub("", rest))
        if not name:
            errors.append("empty process name")
            name = None
    else:
        errors.append("no 'Process:' line")

    if confidence is None:
        conf_line = _CONF_LINE.search(text)
        if conf_line:
            confidence = float(conf_line.group("conf"))
    if confidence is not None and not 0.0 <= confidence <= 1.0:
        errors.append(f"confidence {confidence} outside 0..1")
        confidence = None

    steps = [" ".join(s.split()) for s in _THINK.findall(text)]
    steps = [s for s in steps if s]
    if not steps:
        errors.append("no <think> steps")
    if text.lower().count("<think>") != text.lower().count("</think>"):
        errors.append("unbalanced <think> tags")

    return Answer(
        name=name,
        confidence=confidence,
        steps=steps,
        has_process_line=bool(match),
        has_reasoning_header=bool(_REASONING_HEADER.search(text)),
        errors=errors,
    )


def repeated_step_cut(text: str) -> int | None:
    """Where an answer starts repeating itself: the offset of the first ``<think>`` step that repeats an
    earlier step, or None. Two steps are the same when they use the same words, in any order and any case,
    leaving out numbers (``_step_words``).

    A greedy small model that writes a step a second time has entered a loop: on the shipped model's
    100-set evaluation, 80 of 100 answers repeated a step word for word and 84 ended mid-step at the token
    limit. It also loops less exactly, by listing the same genes in another order or by repeating a term with
    new, made-up statistics ("lipid transport (3/5, FDR 8.8e-10)", then "(3/12, FDR 9.6e-09)"). Everything
    from the repeat on is that loop, so ``gener1 annotate`` stops a row there and keeps the text before it.
    Only steps after the ``Process:`` line count (no cut before it), so the name never changes."""
    process = _PROCESS_LINE.search(text)
    if not process:
        return None
    seen: set[frozenset[str]] = set()
    for match in _THINK.finditer(text, process.end()):
        words = _step_words(match.group("step"))
        if words in seen:
            return match.start()
        if words:
            seen.add(words)
    return None


# A word starts with a letter that does not continue a number: "2.7e-18", "6/8" and "+5" are not words.
_WORD = re.compile(r"(?<![\w.])[^\W\d_][\w'-]*")
_STAT_WORDS = frozenset({"fdr"})


def _step_words(step: str) -> frozenset[str]:
    """The words of a reasoning step as a set: lower case, no numbers, no FDR labels."""
    return frozenset(w for w in _WORD.findall(step.lower()) if w not in _STAT_WORDS)


def name_line_cut(text: str) -> int | None:
    """The offset just past a complete ``Process:`` line (name and confidence, ended by a newline), or None
    while it is not yet written. ``gener1 annotate --name-only`` stops each row there."""
    process = _PROCESS_LINE.search(text)
    if not process or process.end() >= len(text):
        return None  # no line yet, or the line may still be growing
    return process.end()


def _clean_name(raw: str) -> str:
    name = raw.strip()
    # Markdown emphasis and quotes around the whole name.
    name = name.strip("*_`").strip()
    if len(name) >= 2 and name[0] == name[-1] and name[0] in "\"'":
        name = name[1:-1].strip()
    # A name ends at an inline reasoning tag if the model put one on the same line.
    name = re.split(r"<think>|</think>", name, maxsplit=1, flags=re.IGNORECASE)[0].strip()
    # One trailing period is sentence punctuation, not part of the name ("... pathway." ).
    if name.endswith(".") and not name.endswith(".."):
        name = name[:-1].rstrip()
    return " ".join(name.split())


def unrelated_answer(strongest_term: str | None, strongest_fdr: float | None, max_fdr: float, *,
                     weak_test_genes: int | None = None) -> str:
    """The abstention answer (Hu et al.): "System of unrelated proteins", confidence 0, and the evidence for it.

    ``weak_test_genes``: the number of genes tested when it is too few for the rule to tell related genes from random
    ones; the answer then says so instead of claiming the genes share nothing."""
    if strongest_term is None:
        step = "No term of the knowledge base is enriched in these genes (FDR ≤ 0.05 with two or more genes)."
    elif weak_test_genes is None:
        step = (f"The strongest enriched term, {strongest_term}, has FDR {strongest_fdr:.1e}, above {max_fdr:g}: the "
                "genes share no function more than random genes would.")
    else:
        step = f"The strongest enriched term, {strongest_term}, has FDR {strongest_fdr:.1e}, above {max_fdr:g}."
    if weak_test_genes is None:
        return render(UNRELATED, [step, "So the genes look like a system of unrelated proteins."], 0.0)
    n = weak_test_genes
    weak = (f"{n} gene{'s' if n != 1 else ''} with annotations in the knowledge base {'are' if n != 1 else 'is'} too "
            "few for this test: related genes often fall short of it too.")
    return render(UNRELATED, [step, weak, "So no shared function can be named; they may still share one."], 0.0)


def is_unrelated(name: str | None) -> bool:
    return bool(name) and name.strip().lower().rstrip(".") == UNRELATED.lower()
