#!/usr/bin/env python
"""Reasoning quality of `gener1 annotate` records (issue 26): the share of reasoning steps that name a gene of the
set, and the claim check's marks (supported / unsupported / unknown, each supported claim with the KB term behind it).

Usage: python scripts/reasoning_quality.py ANNOTATIONS.jsonl [...]   (prints one line per file and a JSON summary)
"""
from __future__ import annotations

import json
import re
import sys
from collections import Counter

from gener1_tool.annotation.records import read_records

TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]*")


def quality(records: list[dict]) -> dict:
    steps = named = 0
    marks = Counter()
    with_source = 0
    for rec in records:
        if "abstained_no_coherent_enrichment" in rec.get("flags", []):
            continue  # the rule's answer, not the model's reasoning
        genes = set(rec.get("genes") or [])
        for step in (rec.get("answer") or {}).get("steps", []):
            steps += 1
            named += any(tok in genes for tok in TOKEN.findall(step))
        for claim in rec.get("claims", []):
            marks[claim["status"]] += 1
            with_source += bool(claim["status"] == "supported" and claim.get("evidence"))
    checkable = marks["supported"] + marks["unsupported"]
    return {"sets": len(records), "steps": steps, "steps_naming_a_gene": named,
            "share_naming_a_gene": round(named / steps, 4) if steps else None, "claims": dict(marks),
            "supported_of_checkable": round(marks["supported"] / checkable, 4) if checkable else None,
            "supported_with_source": with_source}


def main() -> None:
    out = {}
    for path in sys.argv[1:]:
        from pathlib import Path

        q = out[path] = quality(read_records(Path(path)))
        print(f"{path}: {q['steps_naming_a_gene']}/{q['steps']} steps name a gene of the set "
              f"({q['share_naming_a_gene']}); claims {q['claims']}, supported of checkable {q['supported_of_checkable']}")
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
