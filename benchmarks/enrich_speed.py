"""Benchmark: batch ORA engine vs gseapy.enrich called once per set, same input, same run.

1,000 gene sets (the GO_BP benchmark) against the full GO library (GO_BP + GO_MF + GO_CC of the
default KB, every term, no size filter), background = every gene annotated in those libraries.

* batch: ``gener1_tool.enrichment.batch.ora`` over all 1,000 sets (matrix build timed separately:
  it is paid once per library and cached by evidence/baselines).
* gseapy: ``gseapy.enrich(gene_list=..., gene_sets=[BP, MF, CC dicts], background=set, outdir=None,
  no_plot=True)`` per set. Calling it 1,000 times takes many minutes here, so a random subset of
  ``--gseapy-sets`` sets (default 50) is timed and the per-set mean is extrapolated to 1,000 — the
  printout says so. Every p-value and adjusted p-value of that subset is compared with the batch
  results (max |Δp| and max relative Δp).

Run: OMP_NUM_THREADS=1 python benchmarks/enrich_speed.py [--kb PATH] [--gseapy-sets 50]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import random
import time

import gseapy
import numpy as np
import pandas as pd

from gener1_tool import datasets as benchmarks
from gener1_tool.enrichment.batch import Background, LibraryMatrix, ora
from gener1_tool.knowledge.store import KnowledgeBase
from gener1_tool.paths import default_kb_path

LIBRARIES = ("GO_BP", "GO_MF", "GO_CC")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kb", default=str(default_kb_path()))
    parser.add_argument("--gseapy-sets", type=int, default=50)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    kb = KnowledgeBase(args.kb)
    t0 = time.perf_counter()
    libraries = {lib: kb.gene_sets(lib) for lib in LIBRARIES}
    background = set().union(*(g for sets in libraries.values() for g in sets.values()))
    load_s = time.perf_counter() - t0
    sets = benchmarks.load("GO_BP")
    queries = [gs.genes for gs in sets]
    n_terms = sum(len(s) for s in libraries.values())
    print(f"input: {len(sets)} gene sets x {n_terms} GO terms ({', '.join(LIBRARIES)}), background {len(background)} genes"
          f" (KB load {load_s:.1f} s, not timed below)")

    # -- batch engine ---------------------------------------------------------------------------
    t0 = time.perf_counter()
    bg = Background(background)
    matrices = {lib: LibraryMatrix(lib, libraries[lib], bg) for lib in LIBRARIES}
    build_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    hits = {lib: ora(queries, matrices[lib]) for lib in LIBRARIES}
    batch_s = time.perf_counter() - t0
    tested = sum(len(h.pvalue) for h in hits.values())
    print(f"batch:  matrices {build_s:.2f} s (once), ORA of {len(sets)} sets {batch_s:.2f} s "
          f"({tested} tested set-term pairs), total {build_s + batch_s:.2f} s")

    # -- gseapy, per set, on a timed subset -----------------------------------------------------
    subset = sorted(random.Random(args.seed).sample(range(len(sets)), min(args.gseapy_sets, len(sets))))
    gmt = [libraries[lib] for lib in LIBRARIES]
    max_abs = max_rel = max_abs_q = 0.0
    compared = 0
    t0 = time.perf_counter()
    results = {}
    for r in subset:
        with contextlib.redirect_stderr(io.StringIO()):
            enr = gseapy.enrich(gene_list=queries[r], gene_sets=gmt, background=background, outdir=None, no_plot=True)
        enr.close()
        results[r] = enr.results
    gseapy_s = time.perf_counter() - t0
    for r, res in results.items():
        if not isinstance(res, pd.DataFrame):
            continue
        for i, lib in enumerate(LIBRARIES):
            exp = res[res["Gene_set"] == f"gs_ind_{i}"]
            h, s = hits[lib], hits[lib].rows(r)
            assert [matrices[lib].term_ids[j] for j in h.term[s]] == list(exp["Term"]), f"term lists differ (set {r}, {lib})"
            p_ref, q_ref = exp["P-value"].to_numpy(float), exp["Adjusted P-value"].to_numpy(float)
            dp = np.abs(h.pvalue[s] - p_ref)
            max_abs = max(max_abs, float(dp.max(initial=0)))
            normal = p_ref > 1e-290
            max_rel = max(max_rel, float((dp[normal] / p_ref[normal]).max(initial=0)))
            max_abs_q = max(max_abs_q, float(np.abs(h.adjusted[s] - q_ref).max(initial=0)))
            compared += len(exp)
    per_set = gseapy_s / len(subset)
    extrapolated = per_set * len(sets)
    print(f"gseapy: {len(subset)} sets timed in {gseapy_s:.1f} s ({per_set:.3f} s/set); "
          f"extrapolated to {len(sets)} sets: {extrapolated:.0f} s (EXTRAPOLATED, not run in full)")
    print(f"agreement on {compared} p-values of the timed subset: max |dp| = {max_abs:.2e}, "
          f"max relative dp = {max_rel:.2e}, max |d adjusted p| = {max_abs_q:.2e}; same terms tested, same order")
    print(f"speed-up, ORA only: {extrapolated / batch_s:.0f}x; including the one-off matrix build: "
          f"{extrapolated / (build_s + batch_s):.0f}x (target >= 100x)")

    # -- evidence bundles for the same 1,000 sets (what the grounded teacher and annotation read) --
    from gener1_tool.enrichment.evidence import EvidenceBuilder, gold_hold_out

    t0 = time.perf_counter()
    builder = EvidenceBuilder(kb)
    setup_s = time.perf_counter() - t0
    holds = [gold_hold_out(gs) for gs in sets]
    t0 = time.perf_counter()
    bundles = builder.build_many(sets, hold_out=[h[0] for h in holds], hold_out_names=[h[1] for h in holds])
    first_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    builder.build_many(sets, hold_out=[h[0] for h in holds], hold_out_names=[h[1] for h in holds])
    again_s = time.perf_counter() - t0
    chars = [len(b.to_prompt_text()) for b in bundles]
    print(f"evidence: builder {setup_s:.1f} s (libraries {', '.join(builder.libraries)}), {len(sets)} bundles "
          f"{first_s:.1f} s (gene caches cold), {again_s:.1f} s (warm); prompt text mean {np.mean(chars):.0f} "
          f"chars, max {max(chars)}")


if __name__ == "__main__":
    main()
