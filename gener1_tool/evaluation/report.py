"""The HTML report of ``gener1 evaluate``: the paper-shaped table, status counts, score distributions per
dataset, and paired comparisons (scatter + t-tests). One self-contained file, viewable offline."""

from __future__ import annotations

from pathlib import Path

from ..html import esc, figure_png, matplotlib_offscreen, page, table
from ..io import write_text_atomic
from .inputs import STATUSES
from .metrics import METRIC_LABELS

#: At most this many problem rows (missing, empty, format errors, extras) are listed in the report.
MAX_PROBLEM_ROWS = 300


def write_evaluation_report(evaluation, path: str | Path) -> Path:
    return write_text_atomic(path, render_evaluation_report(evaluation))


def render_evaluation_report(evaluation) -> str:
    summary = evaluation.summary
    parts = [_settings(summary), "<h2>Scores</h2>", _score_table(evaluation, METRIC_LABELS),
             '<p class="note">Means over every gold set; sets without a usable prediction score 0. '
             "95% confidence intervals are in summary.json.</p>",
             "<h2>Prediction status</h2>", _status_table(evaluation)]
    parts.append("<h2>Score distributions</h2>")
    for dataset in evaluation.datasets:
        parts.append(_distribution_figure(evaluation, dataset, METRIC_LABELS))
    parts.append(_confidence_section(evaluation))
    if evaluation.comparisons:
        parts.append("<h2>Paired comparisons</h2>")
        parts.append(_comparison_table(evaluation, METRIC_LABELS))
        parts.extend(_comparison_figures(evaluation, METRIC_LABELS))
    parts.append(_problem_rows(evaluation))
    return page("gener1 evaluation", "".join(parts),
                subtitle=f"{len(evaluation.methods)} prediction file(s) × {len(evaluation.datasets)} dataset(s)")


def _settings(summary) -> str:
    rows = [["Gold", summary["gold"] if isinstance(summary["gold"], str) else ", ".join(summary["gold"])],
            ["Encoders (similarity)", ", ".join(summary["encoders"]) or "none (ROUGE only)"],
            ["Reasoning required for format compliance", summary["require_reasoning"]],
            ["ROUGE", summary["rouge"]],
            ["Percentile-rank background", "; ".join(f"{d}: {src}" for d, src in summary["percentile_background"].items())
             or "not computed"]]
    rows += [[f"Predictions: {m}", block["file"]] for m, block in summary["methods"].items()]
    return table(["Setting", "Value"], rows)


def _score_table(evaluation, labels) -> str:
    headers = ["Method", "Dataset", "n"] + [labels[m] for m in evaluation.metrics] + ["Format compliance"]
    rows = []
    for method in evaluation.methods:
        block = evaluation.summary["methods"][method]
        for dataset, ds in block["datasets"].items():
            rate = ds["format_compliance"]["rate"]
            rows.append([method, dataset, ds["n"]] + [ds[m]["mean"] for m in evaluation.metrics]
                        + ["n/a" if rate is None else f"{rate:.1%}"])
    return table(headers, rows, numeric=set(range(2, len(headers))))


def _status_table(evaluation) -> str:
    rows = []
    for method in evaluation.methods:
        block = evaluation.summary["methods"][method]
        rows.append([method] + [block["counts"][s] for s in STATUSES] + [len(block["duplicate_ids"])])
    return table(["Method", *STATUSES, "duplicate IDs"], rows, numeric=set(range(1, len(STATUSES) + 2)))


def _distribution_figure(evaluation, dataset, labels) -> str:
    plt = matplotlib_offscreen()
    shown = [m for m in ("rougeL", "rouge1", "rouge2", "similarity", "percentile_rank") if m in evaluation.metrics]
    fig, axes = plt.subplots(1, len(shown), figsize=(3.0 * len(shown) + 0.8, 3.4), squeeze=False)
    for ax, metric in zip(axes[0], shown):
        data = [evaluation.scores(method, dataset, metric) for method in evaluation.methods]
        ax.boxplot(data, showmeans=True, widths=0.6)
        ax.set_xticks(range(1, len(evaluation.methods) + 1))
        ax.set_xticklabels([_short(m) for m in evaluation.methods], rotation=30, ha="right", fontsize=8)
        ax.set_title(labels[metric], fontsize=10)
        low = min([0.0] + [float(d.min()) for d in data if d.size])  # cosines can be negative
        ax.set_ylim(low - 0.03, 1.03)
        ax.grid(axis="y", alpha=0.3)
    fig.suptitle(f"{dataset}: per-set scores (triangle = mean)", fontsize=11)
    return figure_png(fig, f"Score distributions on {dataset}")


def _confidence_section(evaluation) -> str:
    """Does the confidence separate right from wrong names? AUROC, ECE and a reliability plot per method."""
    rows, curves = [], {}
    for method in evaluation.methods:
        for dataset, ds in evaluation.summary["methods"][method]["datasets"].items():
            q = ds.get("confidence") or {}
            if q.get("n"):
                rows.append([method, dataset, q["n"], q["correct"], q["distinct_values"], q["auroc"], q["ece"]])
                if dataset == "all" or len(evaluation.datasets) == 1 or dataset == evaluation.datasets[0]:
                    curves.setdefault(method, q["reliability"])
    if not rows:
        return '<h2>Confidence</h2><p class="note">No prediction carries a confidence.</p>'
    correct_if = next(iter(evaluation.summary["methods"].values()))["datasets"]
    rule = next((d["confidence"]["correct_if"] for d in correct_if.values() if d.get("confidence")), "")
    plt = matplotlib_offscreen()
    fig, ax = plt.subplots(figsize=(4.2, 4.0))
    ax.plot([0, 1], [0, 1], color="#999", linestyle="--", linewidth=1)
    for method, curve in curves.items():
        ax.plot([b["confidence"] for b in curve], [b["accuracy"] for b in curve], marker="o", label=method)
    ax.set_xlabel("confidence (bin mean)")
    ax.set_ylabel(f"share correct ({rule})")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.legend(fontsize=8)
    return ("<h2>Confidence</h2>"
            + table(["Method", "Dataset", "rated", "correct", "distinct values", "AUROC", "ECE"], rows,
                    numeric={2, 3, 4, 5, 6})
            + f'<p class="note">A name is correct when {esc(rule)}. AUROC: how well the confidence ranks correct '
              "names above wrong ones (0.5 = chance; empty when one confidence value or one class); ECE: expected "
              "calibration error over 10 bins.</p>"
            + figure_png(fig, "Reliability: share of correct names per confidence bin (diagonal = calibrated)"))


def _comparison_table(evaluation, labels) -> str:
    rows = [[c["a"], c["b"], c["dataset"], labels.get(c["metric"], c["metric"]), c["n"], c["mean_a"], c["mean_b"],
             c["mean_diff"], c["t"], "" if c["p"] is None else f"{c['p']:.2g}"] for c in evaluation.comparisons]
    return (table(["Method A", "Method B", "Dataset", "Metric", "n", "mean A", "mean B", "A − B", "t", "p (two-tailed)"],
                  rows, numeric={4, 5, 6, 7, 8, 9})
            + '<p class="note">Paired two-tailed t-tests (scipy.stats.ttest_rel) over the same gold sets.</p>')


def _comparison_figures(evaluation, labels) -> list[str]:
    plt = matplotlib_offscreen()
    metric = "similarity" if "similarity" in evaluation.metrics else "rougeL"
    base = evaluation.methods[0]
    figures = []
    for other in evaluation.methods[1:]:
        fig, ax = plt.subplots(figsize=(5.2, 5.0))
        for dataset in evaluation.datasets:
            x = evaluation.scores(base, dataset, metric)
            y = evaluation.scores(other, dataset, metric)
            ax.scatter(x, y, s=10, alpha=0.55, label=f"{dataset} (n={len(x)})")
        ax.plot([0, 1], [0, 1], color="grey", lw=1, ls="--")
        ax.set_xlim(-0.02, 1.02)
        ax.set_ylim(-0.02, 1.02)
        ax.set_xlabel(f"{_short(base)} {labels[metric]}")
        ax.set_ylabel(f"{_short(other)} {labels[metric]}")
        ax.legend(fontsize=7, loc="lower right")
        ax.set_title(f"{labels[metric]} per gene set: points above the line favour {_short(other)}", fontsize=9)
        figures.append(figure_png(fig, f"Paired comparison of {other} against {base} ({labels[metric]})"))
    return figures


def _problem_rows(evaluation) -> str:
    bad = [r for r in evaluation.rows if r["status"] != "ok"]
    if not bad:
        return "<h2>Problems</h2><p>Every gold set has a usable prediction in every file.</p>"
    shown = bad[:MAX_PROBLEM_ROWS]
    rows = [[r["method"], r["dataset"], r["id"], r["status"], r["gold_name"], r["predicted_name"], r["errors"]] for r in shown]
    more = f" (first {MAX_PROBLEM_ROWS} of {len(bad)}; all are in per_set.tsv)" if len(bad) > len(shown) else ""
    return (f"<h2>Problems</h2><details><summary>{len(bad)} rows without a usable prediction{esc(more)}</summary>"
            + table(["Method", "Dataset", "ID", "Status", "Gold", "Predicted", "Why"], rows,
                    row_classes=[f"status-{r['status']}" for r in shown])
            + "</details>")


def _short(label: str, width: int = 22) -> str:
    return label if len(label) <= width else label[: width - 1] + "…"


__all__ = ["write_evaluation_report", "render_evaluation_report"]
