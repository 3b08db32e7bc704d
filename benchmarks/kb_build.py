"""Benchmark: full default KB build + warm-up corpus (target: < 2 minutes, < 4 GiB on 2 cores).

Prints rows/s for each phase and peak memory, and the ratio of the build to the target time.
Baseline measured in the same run: a plain sqlite3 copy of the annotation rows out of org.Hs.eg.sqlite,
i.e. the cost of just reading the biggest source, so the ratio shows what the build adds on top.
Run: python benchmarks/kb_build.py  (after `gener1 kb fetch`)
"""

from __future__ import annotations

import resource
import sqlite3
import tempfile
import time
from pathlib import Path

from gener1_tool import benchmarks, paths
from gener1_tool.knowledge.build import default_sources, kb_build
from gener1_tool.corpora.knowledge import corpus_knowledge
from gener1_tool.knowledge.store import KnowledgeBase

TARGET_SECONDS = 120


def baseline_read_seconds() -> tuple[float, int]:
    t0 = time.perf_counter()
    db = sqlite3.connect(paths.data_dir() / "org.Hs.eg.sqlite")
    n = 0
    for table in ("go_bp", "go_mf", "go_cc", "alias", "gene_info"):
        n += len(db.execute(f"SELECT * FROM {table}").fetchall())
    return time.perf_counter() - t0, n


def main() -> None:
    base_s, base_rows = baseline_read_seconds()
    with tempfile.TemporaryDirectory() as tmp:
        kb_path = Path(tmp) / "kb.sqlite"
        t0 = time.perf_counter()
        summary = kb_build(default_sources(), kb_path)
        build_s = time.perf_counter() - t0
        rows = sum(sum(d["rows"].values()) for d in summary["sources"].values()) + summary["totals"]["term_gene"]
        kb = KnowledgeBase(kb_path)
        t1 = time.perf_counter()
        report = corpus_knowledge(kb, Path(tmp) / "corpus.jsonl", exclude_terms=benchmarks.evaluation_term_ids(),
                                  exclude_names=benchmarks.evaluation_term_names())
        corpus_s = time.perf_counter() - t1
    peak_gib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 ** 2
    total = build_s + corpus_s
    print(f"baseline: read {base_rows:,} org.Hs.eg rows in {base_s:.1f} s ({base_rows / base_s:,.0f} rows/s)")
    print(f"kb build: {rows:,} rows in {build_s:.1f} s ({rows / build_s:,.0f} rows/s); "
          f"{build_s / base_s:.1f}x the baseline read")
    print(f"warm-up corpus: {report.sentences:,} sentences in {corpus_s:.1f} s ({report.sentences / corpus_s:,.0f} sentences/s)")
    print(f"total {total:.1f} s = {total / TARGET_SECONDS:.2f} of the {TARGET_SECONDS} s target; peak memory {peak_gib:.2f} GiB "
          f"({peak_gib / 4:.2f} of the 4 GiB target)")


if __name__ == "__main__":
    main()
