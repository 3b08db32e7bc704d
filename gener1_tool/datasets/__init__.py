"""The bundled evaluation sets of the Gene-R1 paper (arXiv 2509.10575) and the held-out term list.

Files live in ``gener1_tool/data/benchmarks`` with their provenance (PROVENANCE.md). The 1,508 GO
IDs of GO_BP/GO_MF/GO_CC are evaluation terms: every training corpus and every KB a model reads at
evaluation time must exclude them (``evaluation_term_ids``/``evaluation_term_names``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from ..errors import Gener1Error
from ..genes.geneset import GeneSet
from ..genes.readers import read_gene_sets
from ..knowledge.store import normalise_term_name


@dataclass(frozen=True)
class Benchmark:
    name: str
    filename: str
    description: str
    in_distribution: bool


BENCHMARKS = {
    b.name: b
    for b in (
        Benchmark("GO_BP", "BP_test.csv", "1,000 GO biological-process sets (GO release 2022-10-07)", True),
        Benchmark("GO_MF", "MF_test.csv", "340 GO molecular-function sets", True),
        Benchmark("GO_CC", "CC_test.csv", "168 GO cellular-component sets", True),
        Benchmark("NeST", "NeST.tsv", "50 NeST systems (out-of-distribution)", False),
        Benchmark("MSigDB", "MsigDB.csv", "56 MSigDB Hallmark + TALISMAN sets (out-of-distribution)", False),
    )
}
CALIBRATION_FILE = "hu2023_gpt4_GO_BP_1000.tsv"


def data_path(filename: str) -> Path:
    return Path(str(resources.files("gener1_tool") / "data" / "benchmarks" / filename))


def get(name: str) -> Benchmark:
    for key, bench in BENCHMARKS.items():
        if key.lower() == name.lower() or bench.filename.lower() == name.lower() or key.lower().removeprefix("go_") == name.lower():
            return bench
    raise Gener1Error(f"unknown benchmark {name!r}; available: {', '.join(BENCHMARKS)}")


def load(name: str) -> list[GeneSet]:
    """The benchmark's gene sets, genes as the paper gave them, gold names in ``gold_name``."""

    bench = get(name)
    sets = read_gene_sets(data_path(bench.filename))
    for gs in sets:
        gs.source = bench.name
    return sets


def read_sets_or_benchmark(sets: str | Path | None, benchmark: str | None, kb=None) -> list[GeneSet]:
    """The sets of a command that takes a gene-set file or ``--benchmark NAME``, exactly one of them. A file goes
    through symbol hygiene when ``kb`` is given; a benchmark's genes are as the paper gave them."""
    if (sets is None) == (benchmark is None):
        raise Gener1Error("give either a gene-set file or --benchmark NAME (not both)")
    return load(benchmark) if benchmark is not None else read_gene_sets(sets, kb=kb)


@lru_cache(maxsize=1)
def evaluation_term_ids() -> frozenset[str]:
    """The 1,508 GO IDs of the GO_BP/GO_MF/GO_CC evaluation sets."""
    ids = set()
    for name in ("GO_BP", "GO_MF", "GO_CC"):
        ids.update(gs.id for gs in load(name))
    return frozenset(ids)


@lru_cache(maxsize=1)
def evaluation_term_names() -> frozenset[str]:
    """Normalised gold names of every bundled evaluation set (GO and out-of-distribution)."""
    names = set()
    for name in BENCHMARKS:
        names.update(normalise_term_name(gs.gold_name) for gs in load(name) if gs.gold_name)
    return frozenset(names)
