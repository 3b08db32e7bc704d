"""The per-set enrichment result every method returns, and its table layout.

Columns, in order: ``Set_ID``, then gseapy's own columns as ``gseapy.enrich`` writes them, so users
recognise them — ``Gene_set`` (here: the library name), ``Term`` (term ID), ``Overlap`` ("k/K"),
``P-value``, ``Adjusted P-value`` (BH within the library, gseapy's value), ``Odds Ratio``,
``Combined Score``, ``Genes`` (overlap genes, ';'-joined, in the order of the input set) — and then
what gener1 adds: ``Library``, ``Term_name``, ``Overlap_size``, ``Term_size``, ``FDR`` (BH across
all libraries tested for this set, the value the ``--fdr`` cutoff applies to) and ``Significant``.

Rows are sorted by P-value, then smaller term, then term ID, so ties never depend on dict order.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .batch import bh_adjust

GSEAPY_COLUMNS = ["Gene_set", "Term", "Overlap", "P-value", "Adjusted P-value", "Odds Ratio", "Combined Score", "Genes"]
EXTRA_COLUMNS = ["Library", "Term_name", "Overlap_size", "Term_size", "FDR", "Significant"]
COLUMNS = ["Set_ID", *GSEAPY_COLUMNS, *EXTRA_COLUMNS]

# Flags a result can carry (besides the gene set's own flags); each comes with a reason string.
FLAG_EMPTY_SET = "empty_set"
FLAG_NO_KNOWN_GENES = "no_known_genes"
FLAG_BACKGROUND_SMALLER = "background_smaller_than_set"
FLAG_EMPTY_LIBRARY = "empty_library"
FLAG_NO_OVERLAP = "no_overlap"


def empty_table() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=_dtype(c)) for c in COLUMNS})


def _dtype(column: str):
    if column in ("P-value", "Adjusted P-value", "Odds Ratio", "Combined Score", "FDR"):
        return "float64"
    if column in ("Overlap_size", "Term_size"):
        return "int64"
    if column == "Significant":
        return "bool"
    return "object"


@dataclass
class SetEnrichment:
    """Enrichment of one gene set against every requested library."""

    set_id: str
    table: pd.DataFrame
    n_genes: int  # distinct input genes
    n_in_background: int  # genes that entered the test (query size n)
    background_size: int  # N
    libraries: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    method: str = ""

    @property
    def status(self) -> str:
        return "flagged" if self.flags else "ok"

    def flag(self, name: str, reason: str) -> None:
        if name not in self.flags:
            self.flags.append(name)
            self.reasons.append(reason)

    def top(self, n: int = 10, library: str | None = None, max_fdr: float | None = None) -> pd.DataFrame:
        t = self.table
        if library is not None:
            t = t[t["Library"] == library]
        if max_fdr is not None:
            t = t[t["FDR"] <= max_fdr]
        return t.head(n)


def finish_table(set_id: str, raw: pd.DataFrame, term_names: dict[str, str] | None, cutoff: float) -> pd.DataFrame:
    """Add gener1's columns to a table holding gseapy's columns (all libraries of one set), and sort."""
    if raw is None or raw.empty:
        return empty_table()
    t = raw.copy()
    t.insert(0, "Set_ID", set_id)
    t["Library"] = t["Gene_set"]
    names = term_names or {}
    t["Term_name"] = [names.get(term, term) for term in t["Term"]]
    sizes = t["Overlap"].str.split("/", expand=True)
    t["Overlap_size"] = sizes[0].astype(np.int64)
    t["Term_size"] = sizes[1].astype(np.int64)
    t["FDR"] = bh_adjust(t["P-value"].to_numpy(dtype=np.float64))
    t["Significant"] = t["FDR"] <= cutoff
    t = t.sort_values(["P-value", "Term_size", "Term"], kind="mergesort").reset_index(drop=True)
    return t[COLUMNS]
