"""Dot plot of one set's best terms (matplotlib's object API: no pyplot state, no backend switch)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from .results import SetEnrichment

_LIBRARY_TAGS = {"GO_BP": "BP", "GO_MF": "MF", "GO_CC": "CC"}


def dot_plot(result: SetEnrichment, path: str | Path, *, top: int = 20, dpi: int = 110) -> Path:
    """x = gene ratio (overlap / tested genes), one row per term (best at the top), dot area ∝ overlap,
    colour = -log10 FDR. A set with no tested term gets a figure that says why."""
    path = Path(path)
    t = result.table.head(top)
    height = 1.4 + 0.32 * max(len(t), 3)
    fig = Figure(figsize=(8.5, height), dpi=dpi)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    title = f"{result.set_id}: {result.n_in_background}/{result.n_genes} genes tested"
    if t.empty:
        ax.axis("off")
        why = "; ".join(result.reasons) or "no term overlaps the set"
        ax.text(0.5, 0.5, "\n".join(textwrap.wrap(f"No enrichment: {why}", 80)), ha="center", va="center", fontsize=9)
        ax.set_title(title, fontsize=10)
        fig.savefig(path)
        return path
    ratio = t["Overlap_size"].to_numpy() / max(result.n_in_background, 1)
    score = -np.log10(np.clip(t["FDR"].to_numpy(dtype=float), 1e-300, 1.0))
    y = np.arange(len(t))[::-1]
    sc = ax.scatter(ratio, y, s=30 + 25 * np.sqrt(t["Overlap_size"].to_numpy()), c=score, cmap="viridis",
                    vmin=0, vmax=max(score.max(), 1.3), edgecolors="black", linewidths=0.4)
    labels = [f"{_shorten(name)} [{_LIBRARY_TAGS.get(lib, lib)}]" for name, lib in zip(t["Term_name"], t["Library"])]
    ax.set_yticks(y)
    ax.set_yticklabels(labels, fontsize=8)
    ax.set_xlabel("gene ratio (overlap / tested genes)")
    ax.set_xlim(0, min(1.05, ratio.max() * 1.15 + 0.02))
    ax.set_ylim(-0.7, len(t) - 0.3)
    ax.grid(axis="x", alpha=0.3)
    cbar = fig.colorbar(sc, ax=ax, pad=0.02)
    cbar.set_label("-log10 FDR")
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path)
    return path


def _shorten(name: str, width: int = 60) -> str:
    return name if len(name) <= width else name[: width - 1] + "…"
