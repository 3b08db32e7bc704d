"""The paired numbers docs/results.md quotes for a kept run, from its committed per_set.tsv:

    python benchmarks/default_model/v3/paired_stats.py benchmarks/default_model/v3/full_GO_MF \
        "gener1 grounded, branch evidence (name only)" [enrich-top1]

Per dataset: sets both methods scored, mean ROUGE-L of each and the gap, the paired t-test (as `gener1 evaluate`
reports it) and a Wilcoxon signed-rank test (the gaps are far from normal: most are exactly 0), how many names are
the same string, how many sets each method wins, and the means on the sets where the names differ.

The committed per_set.tsv files hold only what this script and compare_names.py read (method, dataset, id, status,
gold_name, predicted_name, rougeL; no `extra` rows: `keep_run` in commands.sh); a run directory made by
`gener1 evaluate` has every column and works the same.
"""

from __future__ import annotations

import csv
import os
import sys
from collections import defaultdict

from scipy import stats

from gener1_tool.evaluation.metrics import paired_ttest


def read_rows(run_dir: str) -> dict[tuple[str, str], dict[tuple[str, str], dict]]:
    """(method, dataset) → (id, gold name) → row."""
    rows: dict[tuple[str, str], dict[tuple[str, str], dict]] = defaultdict(dict)
    with open(os.path.join(run_dir, "per_set.tsv"), encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            if row["status"] != "extra":
                rows[(row["method"], row["dataset"])][(row["id"], row["gold_name"])] = row
    return rows


def paired(a_rows: dict, b_rows: dict, metric: str = "rougeL") -> dict:
    keys = sorted(set(a_rows) & set(b_rows))
    a = [float(a_rows[k][metric] or 0) for k in keys]
    b = [float(b_rows[k][metric] or 0) for k in keys]
    gaps = [x - y for x, y in zip(a, b)]
    differ = [i for i, k in enumerate(keys)
              if a_rows[k]["predicted_name"].strip().lower() != b_rows[k]["predicted_name"].strip().lower()]
    ttest = paired_ttest(a, b)  # the test `gener1 evaluate` reports, so the two agree
    return {
        "n": ttest["n"],
        "mean_a": ttest["mean_a"], "mean_b": ttest["mean_b"], "gap": ttest["mean_diff"],
        "t_p": ttest["p"],
        "wilcoxon_p": stats.wilcoxon(a, b).pvalue if any(gaps) else 1.0,
        "same_name": len(keys) - len(differ),
        "same_score": sum(g == 0 for g in gaps), "a_behind": sum(g < 0 for g in gaps), "a_ahead": sum(g > 0 for g in gaps),
        "differ_n": len(differ),
        "differ_mean_a": sum(a[i] for i in differ) / len(differ) if differ else float("nan"),
        "differ_mean_b": sum(b[i] for i in differ) / len(differ) if differ else float("nan"),
    }


def main(argv: list[str]) -> None:
    if len(argv) not in (2, 3):
        raise SystemExit(__doc__)
    run_dir, method_a = argv[0], argv[1]
    method_b = argv[2] if len(argv) == 3 else "enrich-top1"
    rows = read_rows(run_dir)
    datasets = sorted({d for (m, d) in rows if m == method_a})
    if not datasets:
        raise SystemExit(f"{run_dir}/per_set.tsv has no rows of method {method_a!r}; "
                         f"methods: {sorted({m for m, _ in rows})}")
    for dataset in datasets:
        if (method_b, dataset) not in rows:
            print(f"{dataset}: no {method_b} rows")
            continue
        s = paired(rows[(method_a, dataset)], rows[(method_b, dataset)])
        print(f"{dataset}: n {s['n']}; ROUGE-L {s['mean_a']:.3f} vs {method_b} {s['mean_b']:.3f} (gap {s['gap']:+.3f}, "
              f"paired t p {s['t_p']:.2g}, Wilcoxon p {s['wilcoxon_p']:.2g}); same name {s['same_name']}, "
              f"same score {s['same_score']}, behind {s['a_behind']}, ahead {s['a_ahead']}; "
              f"on the {s['differ_n']} sets with another name: {s['differ_mean_a']:.3f} vs {s['differ_mean_b']:.3f}")


if __name__ == "__main__":
    main(sys.argv[1:])
