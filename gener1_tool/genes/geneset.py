"""THE gene-set contract, shared by readers, enrichment, corpora, annotation and evaluation.

A gene set keeps its ``id`` through every output. ``genes`` are normalised, de-duplicated symbols
in input order; ``input_genes`` is what the file said; ``changes`` and ``unknown`` report what
symbol hygiene did, so nothing is ever dropped silently; ``flags`` carry batch-level warnings
(empty, single gene, huge, duplicate id) that outputs show per row.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

# Flags a gene set can carry. Outputs print them; nothing downstream drops a flagged set.
FLAG_EMPTY = "empty"
FLAG_SINGLE_GENE = "single_gene"
FLAG_HUGE = "huge"
FLAG_DUPLICATE_ID = "duplicate_id"
FLAG_NO_KNOWN_GENES = "no_known_genes"

#: Sets larger than this are flagged ``huge``; prompts and evidence sample them (see annotation docs).
HUGE_SET_SIZE = 10_000


@dataclass(frozen=True)
class SymbolChange:
    """One hygiene decision: ``original`` became ``symbol`` because of ``reason``."""

    original: str
    symbol: str
    reason: str  # 'alias', 'previous', 'case', 'excel_date', 'entrez', 'ensembl', 'whitespace'


@dataclass
class GeneSet:
    id: str
    genes: list[str]
    source: str = ""
    gold_name: str | None = None
    description: str | None = None
    input_genes: list[str] = field(default_factory=list)
    changes: list[SymbolChange] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    ambiguous: dict[str, list[str]] = field(default_factory=dict)
    flags: list[str] = field(default_factory=list)
    metadata: dict = field(default_factory=dict)

    def __post_init__(self):
        if not self.input_genes:
            self.input_genes = list(self.genes)
        self.genes = _dedupe(self.genes)

    @property
    def size(self) -> int:
        return len(self.genes)

    def flag(self, name: str) -> None:
        if name not in self.flags:
            self.flags.append(name)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["changes"] = [asdict(c) for c in self.changes]
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "GeneSet":
        d = dict(d)
        d["changes"] = [SymbolChange(**c) for c in d.get("changes", [])]
        return cls(**d)


def _dedupe(items):
    seen = set()
    out = []
    for item in items:
        if item not in seen:
            seen.add(item)
            out.append(item)
    return out


def flag_sizes(gene_sets: list[GeneSet], huge: int = HUGE_SET_SIZE) -> list[GeneSet]:
    """Flag empty, single-gene, huge and duplicate-id sets in place (and return the list)."""
    seen: dict[str, int] = {}
    for gs in gene_sets:
        if gs.size == 0:
            gs.flag(FLAG_EMPTY)
        elif gs.size == 1:
            gs.flag(FLAG_SINGLE_GENE)
        if gs.size >= huge:
            gs.flag(FLAG_HUGE)
        seen[gs.id] = seen.get(gs.id, 0) + 1
    for gs in gene_sets:
        if seen[gs.id] > 1:
            gs.flag(FLAG_DUPLICATE_ID)
    return gene_sets
