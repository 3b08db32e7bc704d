"""The all-sets table of docs/results.md, assembled from the kept runs' summary.json files (each cell is one measured run):

    python benchmarks/default_model/v3/all_sets_table.py

- baselines and model-only: full1614/ (one `gener1 evaluate` over all 1,614 sets); the untrained base model,
  model-only: full1614_base/;
- grounded: GO:BP, GO:MF and GO:CC names (`annotate --name-only`, branch evidence) from full_GO_BP/, full_GO_MF/,
  full_GO_CC/; NeST and MSigDB full answers from full_ood/. These were annotated in different sessions, so they
  are four evaluate runs, not one; every grounded cell covers all the benchmark's sets.

Prints a Markdown table: ROUGE-L (similarity) per benchmark, then format compliance over the row's sets.
"""

from __future__ import annotations

import functools
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
BENCHMARKS = ("GO_BP", "GO_MF", "GO_CC", "NeST", "MSigDB")
ROWS = [  # (row label, {benchmark: (run dir, method)})
    ("enrich-top1 (knows the set's GO branch)", {b: ("full1614", "enrich-top1") for b in BENCHMARKS}),
    ("nearest", {b: ("full1614", "nearest") for b in BENCHMARKS}),
    ("**gener1, grounded** (GO: branch evidence, names only; NeST/MSigDB: full answers)", {
        "GO_BP": ("full_GO_BP", "gener1 grounded, branch evidence (name only)"),
        "GO_MF": ("full_GO_MF", "gener1 grounded, branch evidence (name only)"),
        "GO_CC": ("full_GO_CC", "gener1 grounded, branch evidence (name only)"),
        "NeST": ("full_ood", "gener1 grounded"),
        "MSigDB": ("full_ood", "gener1 grounded"),
    }),
    ("**gener1, model-only**", {b: ("full1614", "gener1 model-only") for b in BENCHMARKS}),
    ("untrained base, model-only (no format help)", {b: ("full1614_base", "base model-only") for b in BENCHMARKS}),
]
PAPER = [
    ("paper: GPT-4", "| 0.184 | 0.100 | 0.093 | 0.239 | 0.239 | |"),
    ("paper: Gene-R1 1B / 8B", "| 0.225 / 0.277 | 0.315 / 0.324 | 0.222 / 0.252 | 0.249 / 0.216 | 0.177 / 0.203 | |"),
]


@functools.cache
def load(run: str) -> dict:
    with open(os.path.join(HERE, run, "summary.json"), encoding="utf-8") as fh:
        return json.load(fh)


def main() -> None:
    n_sets = {}
    lines = []
    for label, cells in ROWS:
        values, judged, compliant, forced = [], 0, 0, 0
        for b in BENCHMARKS:
            run, method = cells[b]
            d = load(run)["methods"][method]["datasets"][b]
            n_sets[b] = d["n"]
            values.append(f"{d['rougeL']['mean']:.3f} ({d['similarity']['mean']:.2f})")
            fc = d["format_compliance"]
            judged, compliant = judged + fc["judged"], compliant + fc["compliant"]
            forced += fc.get("forced_opening", 0)
        fmt = f"{compliant}/{judged} ({forced} forced)" if judged else "n/a"
        lines.append(f"| {label} | " + " | ".join(values) + f" | {fmt} |")
    header = "| method (all sets) | " + " | ".join(f"{b.replace('_', ':')} ({n_sets[b]})" for b in BENCHMARKS) + " | format |"
    print(header, "|---|" + "---:|" * (len(BENCHMARKS) + 1), *lines, *(f"| {a} {b}" for a, b in PAPER), sep="\n")


if __name__ == "__main__":
    main()
