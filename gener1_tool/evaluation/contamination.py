"""The contamination benchmark's scores (Hu et al., Nature Methods 2025): for annotations of sets written by
``datasets.contamination`` (``<id>|clean``, ``<id>|random50``, ...), per level: how often the answer is "System of
unrelated proteins" (and with confidence ≤ 0.1), the confidence distribution, how often a contaminated set's
confidence is below its clean twin's, and naming quality (ROUGE-L against the gold) on the clean level."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ..annotation.records import read_records
from ..datasets.contamination import CLEAN, split_id
from ..errors import Gener1Error
from ..io import output_lock, refuse_overwriting_inputs, write_text_atomic
from ..reasoning.answer import is_unrelated
from . import metrics
from .inputs import read_gold

#: An abstention counts when the answer is "System of unrelated proteins" with at most this confidence (Hu et al.).
ABSTENTION_CONFIDENCE = 0.1


def contamination_summary(annotations: str | Path, gold: str | Path | None = None) -> dict:
    """Per-level scores of one `gener1 annotate` run over a contamination benchmark (see the module docstring).
    ``gold``: the contaminated GMT (its descriptions are the gold names); without it the records' own gold names."""
    jsonl = Path(annotations)
    jsonl = jsonl / "annotations.jsonl" if jsonl.is_dir() else jsonl
    records = read_records(jsonl)
    gold_names = {g.id: g.name for g in read_gold(gold)} if gold else {}
    by_level: dict[int, dict[str, dict]] = {}
    for rec in records:
        original, level = split_id(rec["id"])
        if level is None:
            raise Gener1Error(f"set id {rec['id']!r} is not from a contamination benchmark (expected "
                              f"<id>|{CLEAN} or <id>|random<N>; see `gener1 benchmark contaminate`)", path=jsonl)
        by_level.setdefault(level, {})[original] = rec
    if not by_level:
        raise Gener1Error("no annotations to score", path=jsonl)
    clean = by_level.get(0, {})
    levels = {}
    for level, recs in sorted(by_level.items()):
        confidences = [r["confidence"] for r in recs.values() if r.get("confidence") is not None]
        unrelated = [is_unrelated(r.get("name")) for r in recs.values()]
        abstained = [is_unrelated(r.get("name")) and (r.get("confidence") is not None
                                                      and r["confidence"] <= ABSTENTION_CONFIDENCE)
                     for r in recs.values()]
        block = {"n": len(recs), "unrelated_rate": _mean(unrelated), "abstention_rate": _mean(abstained),
                 "confidence": _distribution(confidences), "distinct_confidences": len(set(confidences))}
        if level and clean:
            pairs = [(r.get("confidence"), clean[o].get("confidence")) for o, r in recs.items() if o in clean]
            pairs = [(c, t) for c, t in pairs if c is not None and t is not None]
            block["below_clean_twin"] = {"pairs": len(pairs), "rate": _mean([c < t for c, t in pairs]),
                                         "ties": sum(c == t for c, t in pairs)}
        if level == 0:
            scored = [(r.get("name") or "", gold_names.get(r["id"]) or r.get("gold_name")) for r in recs.values()]
            scored = [(name, g) for name, g in scored if g]
            if scored:
                scores = metrics.rouge([g for _, g in scored], [name for name, _ in scored])["rougeL"]
                block["rougeL"], block["rougeL_n"] = float(np.mean(scores)), len(scored)
        levels[str(level)] = block
    return {"annotations": str(jsonl), "gold": str(gold) if gold else None,
            "abstention_confidence": ABSTENTION_CONFIDENCE, "levels": levels}


def _mean(values) -> float | None:
    return float(np.mean(values)) if len(values) else None


def _distribution(values) -> dict:
    if not values:
        return {"n": 0}
    v = np.asarray(values, dtype=float)
    return {"n": int(v.size), "mean": float(v.mean()), "min": float(v.min()),
            **{f"q{q}": float(np.percentile(v, q)) for q in (10, 25, 50, 75, 90)}, "max": float(v.max())}


def markdown(summary: dict) -> str:
    rows = ["| level | sets | unrelated | unrelated, confidence ≤ 0.1 | confidence median (q10–q90) | distinct "
            "confidences | below clean twin | clean ROUGE-L |", "|---|---:|---:|---:|---|---:|---:|---:|"]
    fmt = lambda x: "" if x is None else f"{x:.1%}"  # noqa: E731
    for level, b in summary["levels"].items():
        c = b["confidence"]
        spread = f"{c['q50']:.2f} ({c['q10']:.2f}–{c['q90']:.2f})" if c.get("n") else "none"
        twin = b.get("below_clean_twin")
        rows.append(f"| {'clean' if level == '0' else level + '% random'} | {b['n']} | {fmt(b['unrelated_rate'])} | "
                    f"{fmt(b['abstention_rate'])} | {spread} | {b['distinct_confidences']} | "
                    f"{fmt(twin['rate']) if twin else ''} | "
                    f"{'' if b.get('rougeL') is None else format(b['rougeL'], '.3f')} |")
    return "\n".join(rows) + "\n"


def write_contamination_report(summary: dict, outdir: str | Path) -> dict[str, Path]:
    outdir = Path(outdir)
    inputs = [summary["annotations"]] + ([summary["gold"]] if summary["gold"] else [])
    refuse_overwriting_inputs([outdir / "contamination.json", outdir / "contamination.md"], inputs)
    with output_lock(outdir):
        return {"summary": write_text_atomic(outdir / "contamination.json", json.dumps(summary, indent=2) + "\n"),
                "table": write_text_atomic(outdir / "contamination.md", markdown(summary))}
