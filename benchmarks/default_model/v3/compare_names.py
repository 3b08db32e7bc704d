"""Run from runs/default-model-eval: the names of the `--name-only` GO runs (ann_full/grounded-names-GO_*) against
the full-answer names of the same sets in the 200-set sample (ann200/branch), matched by (id, gold name).

Prints how many are identical and lists the others. They should all be: a greedy name is the answer's first line.
"""

from __future__ import annotations

import glob
import json


def read_rows(paths: list[str]) -> dict[tuple[str, str], dict]:
    rows = {}
    for path in paths:
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                try:
                    record = json.loads(line)
                except ValueError:  # a torn last line of a killed run
                    continue
                rows[(record["id"], record["gold_name"])] = record
    return rows


def main() -> None:
    sample = read_rows(["ann200/branch/annotations.jsonl"])
    for benchmark in ("GO_BP", "GO_MF", "GO_CC"):
        full = {k: r for k, r in sample.items() if r["source"].endswith(f"/{benchmark}.tsv")}
        names = read_rows(sorted(glob.glob(f"ann_full/grounded-names-{benchmark}/annotations*.jsonl")))
        shared = [k for k in full if k in names]
        differ = [k for k in shared if full[k]["name"] != names[k]["name"]]
        print(f"{benchmark}: {len(shared) - len(differ)}/{len(shared)} names identical")
        for k in differ:
            print(f"  {k[0]}: full answer {full[k]['name']!r}, name only {names[k]['name']!r}")


if __name__ == "__main__":
    main()
