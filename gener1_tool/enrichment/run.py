"""``enrich()``: what ``gener1 enrich`` runs — read sets, test them against KB libraries, write a report folder.

Report folder layout
  summary.tsv          one row per input set: sizes, status/flags with reasons, the top term, counts
  combined.tsv         the ``--top`` best terms of every set, stacked (Set_ID first)
  tables/<set>.tsv     per set: every term with FDR ≤ cutoff, and at least the ``--top`` best
                       (``all_terms=True`` writes every tested term, as gseapy does)
  plots/<set>.png      dot plot of the best terms (gene ratio × term, size = overlap, colour = -log10 FDR)
  run.json             parameters, KB, libraries, background size, method: enough to reproduce the run
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

import pandas as pd
from tqdm import tqdm

from .. import __version__
from ..errors import Gener1Error
from ..genes.geneset import GeneSet
from ..genes.readers import read_gene_sets
from ..io import atomic_path, output_lock, refuse_overwriting_inputs, write_json
from ..knowledge.store import KnowledgeBase
from . import results as R
from .libraries import check_size_window, open_kb, resolve_libraries
from .methods import get_method


def read_background(path: str | Path) -> set[str]:
    """A background gene file: symbols separated by newlines, tabs, spaces, commas or semicolons; '#' comments."""
    path = Path(path)
    if not path.exists():
        raise Gener1Error("background file not found", path=path)
    genes: set[str] = set()
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise Gener1Error(f"background file is not UTF-8 text ({exc.reason})", path=path) from None
    for line in text.splitlines():
        line = line.split("#", 1)[0]
        genes.update(g for g in re.split(r"[\s,;]+", line) if g)
    if not genes:
        raise Gener1Error("background file lists no genes", path=path)
    return genes


def run_enrichment(gene_sets: Sequence[GeneSet], kb: KnowledgeBase | str | Path | None = None, *,
                   libraries: Iterable[str] | None = None, method: str = "ora",
                   background: Iterable[str] | str | Path | None = None, min_size: int = 1,
                   max_size: int | None = None, cutoff: float = 0.05) -> list[R.SetEnrichment]:
    """Enrich gene sets against KB libraries; one ``SetEnrichment`` per input set, in input order.

    ``background``: a gene iterable, a file path, or None for every gene the KB annotates in the
    chosen libraries (gseapy's own default would be the genes of the library dict — the same thing).
    """
    kb = open_kb(kb)
    libs = resolve_libraries(kb, libraries)
    full = {lib: kb.gene_sets(lib) for lib in libs}
    if background is None:
        bg = set().union(*(g for sets in full.values() for g in sets.values()))  # = kb.annotated_symbols(libs)
    elif isinstance(background, (str, Path)):
        bg = read_background(background)
    else:
        bg = {str(g).strip() for g in background if str(g).strip()}
    gene_dicts = {lib: {t: g for t, g in sets.items() if len(g) >= min_size and (max_size is None or len(g) <= max_size)}
                  for lib, sets in full.items()}
    names = {t.term_id: t.name for lib in libs for t in kb.terms(lib)}
    return get_method(method).run(gene_sets, gene_dicts, bg, term_names=names, cutoff=cutoff)


@dataclass
class EnrichReport:
    outdir: Path
    results: list[R.SetEnrichment]
    summary: Path
    combined: Path
    tables: list[Path] = field(default_factory=list)
    plots: list[Path] = field(default_factory=list)

    @property
    def n_flagged(self) -> int:
        return sum(1 for r in self.results if r.flags)


def enrich(sets: str | Path | Sequence[GeneSet], outdir: str | Path, *, kb: KnowledgeBase | str | Path | None = None,
           libraries: Iterable[str] | None = None, method: str = "ora", background: str | Path | Iterable[str] | None = None,
           fdr: float = 0.05, top: int = 20, min_size: int = 1, max_size: int | None = None,
           all_terms: bool = False, plots: bool = True, progress: bool = False) -> EnrichReport:
    """Run enrichment for every set of ``sets`` (a file any gener1 reader understands, or GeneSets) and
    write the report folder described in this module's docstring."""
    if not 0 < fdr <= 1:
        raise Gener1Error(f"--fdr must be in (0, 1], got {fdr}")
    if top < 1:
        raise Gener1Error(f"--top must be at least 1, got {top}")
    check_size_window(min_size, max_size)
    out = Path(outdir)
    refuse_overwriting_inputs([out / "summary.tsv", out / "combined.tsv", out / "run.json"],
                              [sets if isinstance(sets, (str, Path)) else None,
                               background if isinstance(background, (str, Path)) else None])
    kb = open_kb(kb)
    if isinstance(sets, (str, Path)):
        gene_sets = read_gene_sets(sets, kb=kb)  # with symbol hygiene: aliases, Excel dates, IDs → symbols
    else:
        gene_sets = list(sets)
    libs = resolve_libraries(kb, libraries)
    results = run_enrichment(gene_sets, kb, libraries=libs, method=method, background=background,
                             min_size=min_size, max_size=max_size, cutoff=fdr)
    with output_lock(out):  # one writer per folder
        return _write_report(out, results, gene_sets, kb, libs, method, background, fdr, top, min_size, max_size,
                             all_terms, plots, progress)


def _write_report(out, results, gene_sets, kb, libs, method, background, fdr, top, min_size, max_size, all_terms,
                  plots, progress) -> EnrichReport:
    (out / "tables").mkdir(parents=True, exist_ok=True)
    if plots:
        (out / "plots").mkdir(parents=True, exist_ok=True)
    report = EnrichReport(outdir=out, results=results, summary=out / "summary.tsv", combined=out / "combined.tsv")
    files = safe_names([r.set_id for r in results])
    combined = []
    for res, stem in tqdm(list(zip(results, files)), desc="writing enrichment", disable=not progress, unit="set"):
        table = res.table if all_terms else res.table[res.table["Significant"] | (res.table.index < top)]
        path = out / "tables" / f"{stem}.tsv"
        write_table(table, path)
        report.tables.append(path)
        combined.append(res.table.head(top))
        if plots:
            from .plots import dot_plot  # deferred: matplotlib loads only when plots are drawn

            png = out / "plots" / f"{stem}.png"
            dot_plot(res, png, top=min(top, 20))
            report.plots.append(png)
    nonempty = [c for c in combined if not c.empty]
    write_table(pd.concat(nonempty, ignore_index=True) if nonempty else R.empty_table(), report.combined)
    write_table(summary_table(results, gene_sets), report.summary)
    meta = {
        "gener1_version": __version__, "method": method, "kb": str(kb.path), "libraries": libs,
        "background": str(background) if isinstance(background, (str, Path)) else ("kb_annotated" if background is None else "given"),
        "background_size": results[0].background_size if results else None, "fdr": fdr, "top": top,
        "min_size": min_size, "max_size": max_size, "sets": len(results), "flagged": report.n_flagged,
        "files": {r.set_id: stem for r, stem in zip(results, files)},
    }
    write_json(out / "run.json", meta)
    return report


def write_table(table: pd.DataFrame, path: Path) -> Path:
    """An enrichment table as TSV (six significant digits for p-values), atomically."""
    with atomic_path(path) as tmp:
        table.to_csv(tmp, sep="\t", index=False, float_format="%.6e")
    return path


def summary_table(results: Sequence[R.SetEnrichment], gene_sets: Sequence[GeneSet] | None = None) -> pd.DataFrame:
    rows = []
    for i, res in enumerate(results):
        gs = gene_sets[i] if gene_sets is not None and i < len(gene_sets) else None
        flags = list(gs.flags if gs else []) + [f for f in res.flags if not gs or f not in gs.flags]
        t = res.table
        best = t.iloc[0] if not t.empty else None
        rows.append({
            "Set_ID": res.set_id, "n_genes": res.n_genes, "n_in_background": res.n_in_background,
            "status": "flagged" if flags else "ok", "flags": ",".join(flags), "reasons": " | ".join(res.reasons),
            "n_tested": len(t), "n_significant": int(t["Significant"].sum()) if not t.empty else 0,
            "top_term": best["Term"] if best is not None else "", "top_term_name": best["Term_name"] if best is not None else "",
            "top_library": best["Library"] if best is not None else "",
            "top_overlap": best["Overlap"] if best is not None else "",
            "top_p": best["P-value"] if best is not None else float("nan"),
            "top_fdr": best["FDR"] if best is not None else float("nan"),
            "top_terms": "; ".join(t["Term_name"].head(3)) if not t.empty else "",
        })
    return pd.DataFrame(rows)


def safe_names(ids: Sequence[str]) -> list[str]:
    """File stems for set IDs: filesystem-safe, unique (duplicate IDs get -2, -3 ...)."""
    out, seen = [], {}
    for set_id in ids:
        stem = re.sub(r"[^A-Za-z0-9._-]+", "_", str(set_id)).strip("._") or "set"
        stem = stem[:120]
        n = seen.get(stem.lower(), 0) + 1
        seen[stem.lower()] = n
        out.append(stem if n == 1 else f"{stem}-{n}")
    return out
