"""What the generation benchmarks share: grounded prompts of benchmark sets (own term held out, as the evaluation
protocol does) and a timed ``generate`` pass. Imported by the scripts beside it (``python benchmarks/<name>.py``)."""

from __future__ import annotations

import time

from gener1_tool import paths
from gener1_tool.model.generate import generate
from gener1_tool.enrichment.evidence import EvidenceBuilder, gold_hold_out
from gener1_tool.knowledge.store import KnowledgeBase
from gener1_tool.reasoning.prompts import build_prompt


def grounded_prompts(sets, libraries=None) -> list:
    """One grounded prompt per set, its evidence from ``libraries`` of the default KB (None: the default libraries),
    each set's own term held out."""
    kb = KnowledgeBase(paths.default_kb_path())
    own = [gold_hold_out(gs) for gs in sets]
    bundles = EvidenceBuilder(kb, libraries=libraries).build_many(sets, hold_out=[i for i, _ in own],
                                                                  hold_out_names=[n for _, n in own])
    return [build_prompt(gs, ev, "grounded") for gs, ev in zip(sets, bundles)]


def timed_generate(model, tokenizer, prompts, **kwargs) -> tuple[list[str], float, int]:
    """``generate`` over all prompts: (texts, seconds, decoded tokens)."""
    t0 = time.perf_counter()
    texts = generate(model, tokenizer, prompts, **kwargs)
    seconds = time.perf_counter() - t0
    return texts, seconds, sum(len(tokenizer(t, add_special_tokens=False)["input_ids"]) for t in texts)


def warm_up(model, tokenizer, prompts, *, batch_size: int, max_new_tokens: int) -> None:
    """One untimed full-length batch of the longest prompts, so that the first timed pass does not also pay the
    one-off costs (lazy init, buffers growing to full-length batches) that a 4-token warm-up left to it. Timings
    of the same pass still vary by up to ~15% here (stop_repeats.py, 2026-12-03), so read ratios near 1 as equal."""
    longest = sorted(prompts, key=lambda p: len(str(p)), reverse=True)[:batch_size]
    generate(model, tokenizer, longest, max_new_tokens=max_new_tokens, batch_size=batch_size)
