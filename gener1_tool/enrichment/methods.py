"""Enrichment-method plugins: the base class and the two built-ins, ``ora`` and ``gseapy``.

A method turns gene sets + libraries (term → genes dictionaries) + an explicit background into one
``SetEnrichment`` per set, with identical table columns whatever the method (see ``results.py``).
The base class owns everything that is not statistics — input checks, flags with reasons, the
extra columns, sorting — so a third-party method only implements ``compute``::
    from gener1_tool.hookspecs import hookimpl
    from gener1_tool.enrichment.methods import EnrichmentMethod

    class MyMethod(EnrichmentMethod):
        name = "mine"
        def compute(self, queries, libraries, background):
            ...  # one DataFrame with gseapy's columns per query

    @hookimpl
    def register_enrichment_methods(register):
        register(MyMethod())

Built-ins
  ``ora``     the batch engine (``batch.py``): all sets at once, sparse products, vectorised exact
              hypergeometric tail; p-values equal gseapy's (tests compare them on real GO data).
  ``gseapy``  ``gseapy.enrich`` once per set, strictly offline: libraries go in as dictionaries (a
              string would be taken for an Enrichr library name and fetched), the background as a
              set (a string would be taken for a BioMart dataset and downloaded).
"""

from __future__ import annotations

import contextlib
import io
from typing import Iterable, Mapping, Sequence

import pandas as pd

from .. import plugins
from ..genes.geneset import GeneSet
from ..hookspecs import hookimpl
from . import results as R
from .batch import Background, LibraryMatrix, ora, overlap_gene_lists

Libraries = Mapping[str, Mapping[str, Iterable[str]]]


class EnrichmentMethod:
    """Base of every enrichment method. Subclasses set ``name``/``description`` and implement ``compute``."""

    name: str = ""
    description: str = ""

    def compute(self, queries: Sequence[list[str]], libraries: dict[str, dict[str, list[str]]],
                background: set[str]) -> list[pd.DataFrame | None]:
        """One table per query with gseapy's columns (``results.GSEAPY_COLUMNS``), ``Gene_set`` = library name.

        ``queries`` hold at least one background gene each; ``libraries`` are non-empty.
        """
        raise NotImplementedError

    def run(self, gene_sets: Sequence[GeneSet], libraries: Libraries, background: Iterable[str], *,
            term_names: Mapping[str, str] | None = None, cutoff: float = 0.05) -> list[R.SetEnrichment]:
        """Enrich every set; bad sets and empty libraries come back flagged with a reason, never raised."""
        bg = {g for g in background if g}
        libs: dict[str, dict[str, list[str]]] = {}
        empty_libs = []
        for lib_name, sets in libraries.items():
            usable = {t: sorted(set(genes)) for t, genes in sets.items() if any(g in bg for g in genes)}
            if usable:
                libs[lib_name] = usable
            else:
                empty_libs.append(lib_name)
        out: list[R.SetEnrichment] = []
        todo: list[int] = []
        for gs in gene_sets:
            genes = list(dict.fromkeys(g for g in gs.genes if g))
            n_bg = sum(1 for g in genes if g in bg)
            res = R.SetEnrichment(set_id=gs.id, table=R.empty_table(), n_genes=len(genes), n_in_background=n_bg,
                                  background_size=len(bg), libraries=list(libs), method=self.name)
            if not genes:
                res.flag(R.FLAG_EMPTY_SET, "the set has no genes")
            elif n_bg == 0:
                res.flag(R.FLAG_NO_KNOWN_GENES, f"none of the {len(genes)} genes is in the background "
                         f"({len(bg)} annotated genes): {', '.join(genes[:10])}{' ...' if len(genes) > 10 else ''}")
            if genes and len(bg) < len(genes):
                res.flag(R.FLAG_BACKGROUND_SMALLER, f"the background ({len(bg)} genes) is smaller than the set "
                         f"({len(genes)} genes); only the {n_bg} genes inside it were tested")
            if empty_libs:
                res.flag(R.FLAG_EMPTY_LIBRARY, f"no term with a background gene in: {', '.join(empty_libs)}")
            out.append(res)
            if n_bg and libs:
                todo.append(len(out) - 1)
        if todo:
            queries = [list(dict.fromkeys(g for g in gene_sets[i].genes if g)) for i in todo]
            raws = self.compute(queries, libs, bg)
            names = dict(term_names or {})
            for i, raw in zip(todo, raws):
                res = out[i]
                res.table = R.finish_table(res.set_id, raw, names, cutoff)
                if res.table.empty:
                    res.flag(R.FLAG_NO_OVERLAP, "no term of the requested libraries contains any of the set's genes")
        return out


class OraMethod(EnrichmentMethod):
    name = "ora"
    description = "Batch over-representation (sparse matrices, exact hypergeometric tail); gseapy's statistics, fast."

    def compute(self, queries, libraries, background):
        bg = Background(background)
        per_query: list[list[pd.DataFrame]] = [[] for _ in queries]
        for lib_name, sets in libraries.items():
            matrix = LibraryMatrix(lib_name, sets, bg)
            hits = ora(queries, matrix)
            for r, query in enumerate(queries):
                s = hits.rows(r)
                terms = hits.term[s]
                if terms.size == 0:
                    continue
                genes = overlap_gene_lists(query, matrix, terms)
                per_query[r].append(pd.DataFrame({
                    "Gene_set": lib_name,
                    "Term": [matrix.term_ids[j] for j in terms],
                    "Overlap": [f"{k}/{K}" for k, K in zip(hits.overlap[s], hits.term_size[s])],
                    "P-value": hits.pvalue[s],
                    "Adjusted P-value": hits.adjusted[s],
                    "Odds Ratio": hits.odds_ratio[s],
                    "Combined Score": hits.combined_score[s],
                    "Genes": [";".join(g) for g in genes],
                }))
        return [pd.concat(frames, ignore_index=True) if frames else None for frames in per_query]


class GseapyMethod(EnrichmentMethod):
    name = "gseapy"
    description = "gseapy.enrich (hypergeometric ORA) once per set, offline, libraries as dictionaries."

    def compute(self, queries, libraries, background):
        import gseapy

        lib_names = list(libraries)
        # gseapy upper-cases the query and the background (not the library) when the query is < 90%
        # upper-case and the library mostly is, which silently loses C1orf-style symbols. Handing it
        # upper-cased everything makes that rule a no-op; names are mapped back afterwards.
        upper = _case_fold_is_safe(background, libraries)
        fold = str.upper if upper else (lambda g: g)
        gmt = [{t: [fold(g) for g in genes] for t, genes in libraries[name].items()} for name in lib_names]
        bg = {fold(g) for g in background}
        tables: list[pd.DataFrame | None] = []
        for query in queries:
            original = {fold(g): g for g in query}
            stderr = io.StringIO()  # gseapy logs "no hits" through a stderr handler; keep library code quiet
            with contextlib.redirect_stderr(stderr):
                enr = gseapy.enrich(gene_list=[fold(g) for g in query], gene_sets=gmt, background=bg,
                                    outdir=None, no_plot=True)
            enr.close()
            res = enr.results
            if not isinstance(res, pd.DataFrame) or res.empty:
                tables.append(None)
                continue
            res = res.copy()
            res["Gene_set"] = [lib_names[int(g.rsplit("_", 1)[1])] for g in res["Gene_set"]]
            order = {g: i for i, g in enumerate(query)}
            res["Genes"] = [";".join(sorted((original.get(g, g) for g in str(genes).split(";") if g), key=order.get))
                            for genes in res["Genes"]]
            tables.append(res[R.GSEAPY_COLUMNS])
        return tables


def _case_fold_is_safe(background: set[str], libraries: Mapping[str, Mapping[str, list[str]]]) -> bool:
    """True when no two distinct symbols (background or library) differ only by case."""
    seen: dict[str, str] = {}
    for g in background:
        if seen.setdefault(g.upper(), g) != g:
            return False
    for sets in libraries.values():
        for genes in sets.values():
            for g in genes:
                if seen.setdefault(g.upper(), g) != g:
                    return False
    return True


BUILTIN_METHODS = (OraMethod, GseapyMethod)


@hookimpl
def register_enrichment_methods(register):
    for cls in BUILTIN_METHODS:
        register(cls())


def get_method(name: str) -> EnrichmentMethod:
    return plugins.get("enrichment_methods", name)
