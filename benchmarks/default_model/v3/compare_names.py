"""Run from runs/default-model-eval: the names of the `--name-only` GO runs (ann_full/grounded-names-GO_*) against the
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

SAMPLE_PER_SET = os.path.join(os.path.dirname(os.path.abspath(__file__)), "sample200", "per_set.tsv")
FULL_ANSWER_METHOD = "gener1 grounded, branch evidence"


def full_answer_names() -> dict[tuple[str, str, str], str]:
    with open(SAMPLE_PER_SET, encoding="utf-8", newline="") as fh:
        return {(row["dataset"], row["id"], row["gold_name"]): row["predicted_name"]
                for row in csv.DictReader(fh, delimiter="\t") if row["method"] == FULL_ANSWER_METHOD}


def name_only_names(benchmark: str) -> dict[tuple[str, str, str], str]:
    names = {}
    for path in sorted(glob.glob(f"ann_full/grounded-names-{benchmark}/annotations*.jsonl")):
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
    for benchmark in ("GO_BP", "GO_MF", "GO_CC"):
        names = name_only_names(benchmark)
        shared = [k for k in full if k[0] == benchmark and k in names]
        differ = [k for k in shared if full[k] != names[k]]
        print(f"{benchmark}: {len(shared) - len(differ)}/{len(shared)} names identical")
        for k in differ:
            print(f"  {k[1]}: full answer {full[k]!r}, name only {names[k]!r}")


if __name__ == "__main__":
    main()
