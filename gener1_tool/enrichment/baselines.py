"""Lookup baselines that name a gene set without a language model.

``enrich-top1``  the name of the most enriched term (smallest p-value; ties: smaller term, then term
                 ID), over the chosen libraries with term sizes 3–500 (see ``libraries.py``).
``nearest``      the name of the most similar known set: largest Jaccard |Q∩T| / |Q∪T| over the
                 chosen libraries (ties: larger overlap, smaller term, term ID); no size window —
                 Jaccard already penalises size mismatch.

Evaluation protocol (``hold_out_gold=True``, the default): each set's gold is removed before ranking —
its own ID (a GO benchmark set is named by its term) and every term whose normalised name equals its
gold name (NeST/MSigDB sets have no term ID). Without that, both baselines simply look the answer up.

Library choice (``benchmark_libraries``): a GO benchmark set is ranked within its own branch (GO_BP
sets against GO_BP, ...): the gold is a term of that branch, and pooling the branches lets MF/CC sets
be named by BP processes (GO:MF ROUGE-L 0.54 own branch vs 0.46 pooled). NeST, MSigDB and user sets
are ranked over the KB's default libraries, GO BP/MF/CC plus every pathway collection (their gold
names are pathways, complexes and hallmark processes: pathways add ~+0.02 ROUGE-L there).
"""

from __future__ import annotations

import csv
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from .. import datasets
from ..errors import Gener1Error
from ..genes.geneset import GeneSet
from ..genes.hygiene import normalise
from ..io import atomic_open, refuse_overwriting_inputs
from ..knowledge.store import GO_LIBRARIES, KnowledgeBase
from .batch import jaccard_top, ora
from .evidence import gold_hold_out
from .libraries import DEFAULT_MAX_SIZE, DEFAULT_MIN_SIZE, check_size_window, kb_libraries, open_kb

PREDICTION_COLUMNS = ("id", "name", "term", "library", "score", "overlap", "status", "reason")


@dataclass
class BaselinePrediction:
    id: str
    name: str
    term: str = ""
    library: str = ""
    score: float = float("nan")  # p-value (enrich-top1) or Jaccard (nearest)
    overlap: int = 0
    status: str = "ok"  # ok | no_prediction
    reason: str = ""


def benchmark_libraries(benchmark: str | None) -> list[str] | None:
    """Ranking libraries for a bundled benchmark: its own GO branch, else None (the KB defaults)."""
    if benchmark and benchmark.upper() in GO_LIBRARIES:
        return [benchmark.upper()]
    return None


def _hold_outs(gene_sets: Sequence[GeneSet], libs, hold_out_gold: bool) -> list[set[str]]:
    if not hold_out_gold:
        return [set() for _ in gene_sets]
    out = []
    for gs in gene_sets:
        ids, names = gold_hold_out(gs)
        out.append(libs.hold_out_ids(ids, names))
    return out


def _no_prediction(gs: GeneSet, reason: str) -> BaselinePrediction:
    return BaselinePrediction(id=gs.id, name="", status="no_prediction", reason=reason)


def enrich_top1(gene_sets: Sequence[GeneSet], kb: KnowledgeBase | str | Path, *, libraries: Iterable[str] | None = None,
                hold_out_gold: bool = True, min_size: int = DEFAULT_MIN_SIZE,
                max_size: int | None = DEFAULT_MAX_SIZE) -> list[BaselinePrediction]:
    """Name = the top enriched term's name; one prediction per set, in input order."""
    libs = kb_libraries(kb, libraries, min_size=min_size, max_size=max_size)
    exclude = _hold_outs(gene_sets, libs, hold_out_gold)
    queries = [list(dict.fromkeys(gs.genes)) for gs in gene_sets]
    best: list[tuple | None] = [None] * len(gene_sets)
    for lib, matrix in libs.matrices.items():
        hits = ora(queries, matrix, exclude=exclude)
        for r in range(len(queries)):
            s = hits.rows(r)
            if s.stop == s.start:
                continue
            terms, p, K = hits.term[s], hits.pvalue[s], hits.term_size[s]
            j = np.lexsort((terms, K, p))[0]
            cand = (float(p[j]), int(K[j]), matrix.term_ids[terms[j]], lib, int(hits.overlap[s][j]))
            if best[r] is None or cand[:3] < best[r][:3]:
                best[r] = cand
    out = []
    for gs, q, b in zip(gene_sets, queries, best):
        if b is None:
            out.append(_no_prediction(gs, _why_nothing(q, libs)))
            continue
        p, _size, term, lib, k = b
        out.append(BaselinePrediction(id=gs.id, name=libs.term_name.get(term, term), term=term, library=lib, score=p, overlap=k))
    return out


def nearest(gene_sets: Sequence[GeneSet], kb: KnowledgeBase | str | Path, *, libraries: Iterable[str] | None = None,
            hold_out_gold: bool = True, min_size: int = 1, max_size: int | None = None) -> list[BaselinePrediction]:
    """Name = the label of the known set with the largest Jaccard similarity; one prediction per set."""
    libs = kb_libraries(kb, libraries, min_size=min_size, max_size=max_size)
    exclude = _hold_outs(gene_sets, libs, hold_out_gold)
    queries = [list(dict.fromkeys(gs.genes)) for gs in gene_sets]
    best: list[tuple | None] = [None] * len(gene_sets)
    for lib, matrix in libs.matrices.items():
        for r, hit in enumerate(jaccard_top(queries, matrix, exclude=exclude)):
            if hit is None:
                continue
            j, jac, k = hit
            cand = (-jac, -k, int(matrix.sizes[j]), matrix.term_ids[j], lib)
            if best[r] is None or cand[:4] < best[r][:4]:
                best[r] = cand
    out = []
    for gs, q, b in zip(gene_sets, queries, best):
        if b is None:
            out.append(_no_prediction(gs, _why_nothing(q, libs)))
            continue
        neg_jac, neg_k, _size, term, lib = b
        out.append(BaselinePrediction(id=gs.id, name=libs.term_name.get(term, term), term=term, library=lib,
                                      score=-neg_jac, overlap=-neg_k))
    return out


def _why_nothing(query: list[str], libs) -> str:
    if not query:
        return "empty set"
    known = sum(1 for g in query if g in libs.background)
    if known == 0:
        return f"none of the {len(query)} genes is annotated in {', '.join(libs.names)}"
    return f"no term of {', '.join(libs.names)} (sizes {libs.min_size}-{libs.max_size or 'any'}) overlaps the set"


BASELINES = {"enrich-top1": enrich_top1, "nearest": nearest}


def write_predictions(predictions: Sequence[BaselinePrediction], path: str | Path) -> Path:
    """Predictions TSV (id, name, then provenance columns) as ``gener1 evaluate`` reads it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_open(path, newline="") as fh:
        writer = csv.writer(fh, delimiter="\t", lineterminator="\n")
        writer.writerow(PREDICTION_COLUMNS)
        for pred in predictions:
            row = asdict(pred)
            row["score"] = "" if np.isnan(row["score"]) else f"{row['score']:.6g}"
            writer.writerow([row[c] for c in PREDICTION_COLUMNS])
    return path


def run_baseline(kind: str, output: str | Path, *, sets: str | Path | None = None, benchmark: str | None = None,
                 kb: KnowledgeBase | str | Path | None = None, libraries: Iterable[str] | None = None,
                 hold_out_gold: bool = True, min_size: int | None = None, max_size: int | None = None,
                 hygiene: bool = True) -> list[BaselinePrediction]:
    """What ``gener1 baseline enrich-top1|nearest`` runs: read sets (file or bundled benchmark), predict, write."""
    if kind not in BASELINES:
        raise Gener1Error(f"unknown baseline {kind!r}; available: {', '.join(BASELINES)}")
    check_size_window(min_size, max_size)
    refuse_overwriting_inputs([output], [sets, kb if not isinstance(kb, KnowledgeBase) else kb.path])
    kb = open_kb(kb)
    gene_sets = datasets.read_sets_or_benchmark(sets, benchmark, kb=kb if hygiene else None)
    if benchmark is not None:
        if hygiene:
            normalise(gene_sets, kb)
        if not libraries:
            libraries = benchmark_libraries(datasets.get(benchmark).name)
    options = {}
    if min_size is not None:
        options["min_size"] = min_size
    if max_size is not None:
        options["max_size"] = max_size
    predictions = BASELINES[kind](gene_sets, kb, libraries=libraries or None, hold_out_gold=hold_out_gold, **options)
    write_predictions(predictions, output)
    return predictions
