"""The batch over-representation engine: many gene sets against many terms in a few array operations.

Statistics are gseapy's (``gseapy.enrich`` with a dict library and an explicit background set, see
``gseapy.stats.calc_pvalues`` and ``fdrcorrection``), reproduced exactly:

* ``N`` = size of the background set; the query is intersected with the background first, and so is
  every term (a term's size ``K`` is counted inside the background);
* ``p = hypergeom.sf(k - 1, N, K, n)`` for overlap ``k`` and query size ``n``;
* only terms with ``k >= 1`` are tested: zero-overlap terms are dropped *before* the Benjamini–Hochberg
  correction, which runs per library over the remaining terms (``m`` = their number);
* BH as gseapy does it: ``p_sorted / (rank / m)``, reversed running minimum, capped at 1;
* odds ratio with gseapy's Haldane–Anscombe 0.5 correction; combined score ``-ln(p) * odds``;
* no minimum/maximum term-size filter (gseapy.enrich has none); callers filter the library dict
  (``KnowledgeBase.gene_sets(min_size=, max_size=)``) and both engines then see the same input.

What changes is the cost: terms become the columns of a sparse gene×term matrix, a batch of gene
sets the rows of a sparse set×gene matrix, all overlaps one sparse product, and the tail
probabilities one vectorised call (``hypergeom.hypergeom_sf``) instead of one scipy call per term.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Mapping, Sequence

import numpy as np
import scipy.sparse as sp

from .hypergeom import hypergeom_sf


class Background:
    """The universe of genes a test draws from (gseapy's ``background`` set), indexed for matrices."""

    def __init__(self, genes: Iterable[str]):
        self.genes: list[str] = sorted(set(genes))
        self.index: dict[str, int] = {g: i for i, g in enumerate(self.genes)}

    @property
    def size(self) -> int:
        return len(self.genes)

    def __contains__(self, gene: str) -> bool:
        return gene in self.index

    def __len__(self) -> int:
        return len(self.genes)


class LibraryMatrix:
    """One gene-set library (term → genes) restricted to a background, as a sparse gene×term matrix.

    Terms are kept in sorted-ID order (the order gseapy iterates them); terms with no gene in the
    background are dropped (gseapy can never report them either).
    """

    def __init__(self, name: str, gene_sets: Mapping[str, Iterable[str]], background: Background):
        self.name = name
        self.background = background
        index = background.index
        term_ids, rows, cols = [], [], []
        for term_id in sorted(gene_sets):
            members = {index[g] for g in gene_sets[term_id] if g in index}
            if not members:
                continue
            col = len(term_ids)
            term_ids.append(term_id)
            rows.extend(sorted(members))
            cols.extend([col] * len(members))
        self.term_ids: list[str] = term_ids
        self.term_index: dict[str, int] = {t: i for i, t in enumerate(term_ids)}
        data = np.ones(len(rows), dtype=np.int32)
        # CSC: a column's genes are one slice, which is what overlap-gene look-ups need.
        self.matrix = sp.csc_matrix((data, (rows, cols)), shape=(background.size, len(term_ids)), dtype=np.int32)
        self.sizes = np.diff(self.matrix.indptr).astype(np.int64)

    def __len__(self) -> int:
        return len(self.term_ids)

    def term_genes(self, term: int | str) -> list[str]:
        j = self.term_index[term] if isinstance(term, str) else term
        genes = self.background.genes
        return [genes[i] for i in self.matrix.indices[self.matrix.indptr[j]:self.matrix.indptr[j + 1]]]

    def overlap_genes(self, query: Sequence[str], term: int | str) -> list[str]:
        """Genes of ``query`` (in query order) that belong to the term."""
        members = set(self.term_genes(term))
        return [g for g in query if g in members]


def query_matrix(queries: Sequence[Iterable[str]], background: Background) -> sp.csr_matrix:
    """Binary set×gene matrix of the queries restricted to the background (duplicates collapse)."""
    index = background.index
    rows, cols = [], []
    for r, genes in enumerate(queries):
        members = {index[g] for g in genes if g in index}
        rows.extend([r] * len(members))
        cols.extend(sorted(members))
    data = np.ones(len(rows), dtype=np.int32)
    return sp.csr_matrix((data, (rows, cols)), shape=(len(queries), background.size), dtype=np.int32)


@dataclass
class LibraryHits:
    """Tested terms of one library for a batch of queries, in CSR layout (row r = query r).

    For query ``r`` the entries ``indptr[r]:indptr[r+1]`` list every term with overlap ≥ 1, in
    ascending term-index order (gseapy's order); arrays are aligned.
    """

    library: LibraryMatrix
    indptr: np.ndarray
    term: np.ndarray  # column index into library.term_ids
    overlap: np.ndarray  # k
    term_size: np.ndarray  # K (inside the background)
    query_size: np.ndarray  # n per query (length = number of queries)
    background_size: int  # N
    pvalue: np.ndarray
    adjusted: np.ndarray  # BH within this library and query (gseapy's "Adjusted P-value")
    odds_ratio: np.ndarray
    combined_score: np.ndarray

    @property
    def n_queries(self) -> int:
        return len(self.indptr) - 1

    def rows(self, r: int) -> slice:
        return slice(int(self.indptr[r]), int(self.indptr[r + 1]))


def bh_adjust(pvalues: np.ndarray) -> np.ndarray:
    """Benjamini–Hochberg exactly as ``gseapy.stats.fdrcorrection`` computes it (same float operations)."""
    p = np.asarray(pvalues, dtype=np.float64)
    if p.size == 0:
        return p.copy()
    order = np.argsort(p)
    ecdf = np.arange(1, p.size + 1) / float(p.size)
    adjusted_sorted = np.minimum.accumulate((p[order] / ecdf)[::-1])[::-1]
    adjusted_sorted[adjusted_sorted > 1] = 1
    out = np.empty_like(adjusted_sorted)
    out[order] = adjusted_sorted
    return out


def ora(queries: Sequence[Iterable[str]] | sp.csr_matrix, library: LibraryMatrix,
        exclude: Sequence[Iterable[str]] | None = None) -> LibraryHits:
    """Over-representation of every query against every term of ``library`` in one pass.

    ``queries`` are gene lists (or a matrix from ``query_matrix`` over the same background).
    ``exclude[r]`` lists term IDs that query ``r`` must not test (held-out terms); they are removed
    before the BH correction, exactly as if they were absent from the library.
    """
    background = library.background
    Q = queries if sp.issparse(queries) else query_matrix(queries, background)
    Q = sp.csr_matrix(Q, dtype=np.int32)
    n = np.asarray(Q.sum(axis=1)).ravel().astype(np.int64)
    overlaps = (Q @ library.matrix).tocsr()  # queries × terms, counts
    if exclude is not None:
        overlaps = _drop_pairs(overlaps, library, exclude)
    overlaps.eliminate_zeros()
    overlaps.sort_indices()
    indptr = overlaps.indptr.astype(np.int64)
    term = overlaps.indices.astype(np.int64)
    k = overlaps.data.astype(np.int64)
    row_of = np.repeat(np.arange(overlaps.shape[0]), np.diff(indptr))
    K = library.sizes[term]
    nq = n[row_of]
    N = background.size
    p = _tail_probabilities(k, N, K, nq)
    adjusted = np.empty_like(p)
    for r in range(overlaps.shape[0]):
        s = slice(indptr[r], indptr[r + 1])
        adjusted[s] = bh_adjust(p[s])
    # gseapy's odds ratio (issue #237 form, Haldane–Anscombe bu = 0.5) and combined score.
    x, m, kk, bg, bu = k.astype(np.float64), K.astype(np.float64), nq.astype(np.float64), float(N), 0.5
    odds = ((x + bu) * (bg - m - kk + x + bu)) / ((m - x + bu) * (kk - x + bu))
    with np.errstate(divide="ignore"):
        combined = -1 * np.log(p) * odds
    return LibraryHits(library=library, indptr=indptr, term=term, overlap=k, term_size=K, query_size=n,
                       background_size=N, pvalue=p, adjusted=adjusted, odds_ratio=odds, combined_score=combined)


def _tail_probabilities(k: np.ndarray, N: int, K: np.ndarray, n: np.ndarray) -> np.ndarray:
    """hypergeom_sf over the distinct (k, K, n) triples only: a batch repeats them ~3x (k = 1 mostly)."""
    if k.size == 0:
        return np.zeros(0)
    key = (k * (int(K.max()) + 1) + K) * (int(n.max()) + 1) + n
    unique, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    return hypergeom_sf(k[first], N, K[first], n[first])[inverse.ravel()]


def _drop_pairs(overlaps: sp.csr_matrix, library: LibraryMatrix, exclude: Sequence[Iterable[str]]) -> sp.csr_matrix:
    rows, cols = [], []
    for r, terms in enumerate(exclude):
        for t in terms or ():
            j = library.term_index.get(t)
            if j is not None:
                rows.append(r)
                cols.append(j)
    if not rows:
        return overlaps
    mask = sp.csr_matrix((np.ones(len(rows), dtype=np.int32), (rows, cols)), shape=overlaps.shape)
    mask.data[:] = 1
    return overlaps - overlaps.multiply(mask)


def jaccard_top(queries: Sequence[Sequence[str]], library: LibraryMatrix,
                exclude: Sequence[Iterable[str]] | None = None) -> list[tuple[int, float, int] | None]:
    """For each query, the (term index, Jaccard, overlap) of the most similar term, or None.

    Jaccard = |Q ∩ T| / |Q ∪ T| with the query's full size (genes outside the background count in
    the union) and the term's size inside the library's background. Ties: larger overlap, then
    smaller term, then term ID.
    """
    Q = query_matrix(queries, library.background)
    overlaps = (Q @ library.matrix).tocsr()
    if exclude is not None:
        overlaps = _drop_pairs(overlaps, library, exclude)
    overlaps.eliminate_zeros()
    out: list[tuple[int, float, int] | None] = []
    for r, genes in enumerate(queries):
        s = slice(overlaps.indptr[r], overlaps.indptr[r + 1])
        terms, k = overlaps.indices[s], overlaps.data[s].astype(np.int64)
        if terms.size == 0:
            out.append(None)
            continue
        q = len(set(genes))
        K = library.sizes[terms]
        jac = k / (q + K - k)
        # lexsort: last key is primary → Jaccard desc, overlap desc, size asc, term index asc (= ID order)
        best = np.lexsort((terms, K, -k, -jac))[0]
        out.append((int(terms[best]), float(jac[best]), int(k[best])))
    return out


def overlap_gene_lists(query: Sequence[str], library: LibraryMatrix, terms: Sequence[int]) -> list[list[str]]:
    """For each term index, the query's genes in that term, in query order."""
    index = library.background.index
    ordered = [(g, index[g]) for g in dict.fromkeys(query) if g in index]
    if not ordered:
        return [[] for _ in terms]
    if len(terms) > 50:
        # Many terms (full tables): one sparse slice rows=query genes × cols=terms beats per-term sets.
        sub = library.matrix[[i for _, i in ordered]][:, np.asarray(terms, dtype=np.int64)].tocsc()
        sub.sort_indices()
        return [[ordered[i][0] for i in sub.indices[sub.indptr[c]:sub.indptr[c + 1]]] for c in range(sub.shape[1])]
    indptr, indices = library.matrix.indptr, library.matrix.indices
    out = []
    for j in terms:
        members = set(indices[indptr[j]:indptr[j + 1]].tolist())
        out.append([g for g, i in ordered if i in members])
    return out
