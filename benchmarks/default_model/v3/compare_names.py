"""Run from runs/default-model-eval: the names of the `--name-only` runs (ann_full/grounded-names-*) against the
full-answer names of the same sets in the 200-set sample, as committed in v3/sample200/per_set.tsv (rows
"gener1 grounded, branch evidence"). Matched by (benchmark, id, gold name).

Prints how many are identical and lists the others. They should all be: a greedy name is the answer's first line
(a row whose first attempt was malformed gets a sampled retry or the forced opening, which can differ).
"""

from __future__ import annotations

import csv
import glob
import json
import os

V3 = os.path.dirname(os.path.abspath(__file__))
FULL_ANSWERS = {  # per_set.tsv → the method row holding the full answers
    "sample200": "gener1 grounded, branch evidence",
}
NAME_RUNS = {"GO_BP": "grounded-names-GO_BP", "GO_MF": "grounded-names-GO_MF", "GO_CC": "grounded-names-GO_CC"}


def full_answer_names() -> dict[tuple[str, str, str], str]:
    names = {}
    for run, method in FULL_ANSWERS.items():
        with open(os.path.join(V3, run, "per_set.tsv"), encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh, delimiter="\t"):
                if row["method"] == method:
                    names[(row["dataset"], row["id"], row["gold_name"])] = row["predicted_name"]
    return names


def name_only_names(run_dir: str, benchmark: str) -> dict[tuple[str, str, str], str]:
    names = {}
    for path in sorted(glob.glob(f"ann_full/{run_dir}/annotations*.jsonl")):
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                try:
                    record = json.loads(line)
                except ValueError:  # a torn last line of a killed run
                    continue
                if record["source"].endswith(f"/{benchmark}.tsv"):
                    names[(benchmark, record["id"], record["gold_name"])] = record["name"]
    return names


def main() -> None:
    full = full_answer_names()
    for benchmark, run_dir in NAME_RUNS.items():
        names = name_only_names(run_dir, benchmark)
        shared = [k for k in full if k[0] == benchmark and k in names]
        differ = [k for k in shared if full[k] != names[k]]
        print(f"{benchmark}: {len(shared) - len(differ)}/{len(shared)} names identical")
        for k in differ:
            print(f"  {k[1]}: full answer {full[k]!r}, name only {names[k]!r}")


if __name__ == "__main__":
    main()
