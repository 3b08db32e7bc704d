"""THE candidate list: the enriched terms a set's name is chosen from.

For one gene set, the ``k`` (default 10) terms with the smallest p-values across the tested libraries (any FDR,
overlap ≥ 1 gene, term sizes 3–500, FDR pooled by BH over every tested term as in the evidence bundle), each with
its rank, overlap, term size, p-value, FDR and, for GO terms, its ancestors (for the chooser's GO-structure
features). Candidate 1 is exactly the ``enrich-top1`` baseline. The same lists are built, by
``CandidateBuilder``, for the reward-labelled candidates corpus (``corpora.candidates``), for training the chooser
(``training.chooser``) and for `gener1 annotate` (``model.chooser`` scores them), with the same hold-out rules
as the evidence (the evaluation protocol's own-term hold-out included).

``CandidateList.to_prompt_text`` renders the list compactly (one short line per candidate with up to
``GENES_PER_CANDIDATE`` overlapping genes) for the compact ``candidates`` prompt and reports.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Iterable, Sequence

from ..genes.geneset import GeneSet
from ..knowledge.store import GO_LIBRARIES, KnowledgeBase
from .evidence import EvidenceBuilder

#: How many candidates a list holds: best-of-10 is the ceiling measured for a perfect chooser (docs/results.md).
CANDIDATES = 10
#: Overlapping genes kept per candidate: what gene-level reasoning cites (and the compact prompt shows).
GENES_PER_CANDIDATE = 5


@dataclass(frozen=True)
class Candidate:
    rank: int  # 1 = smallest p-value (then smaller term, then ID), as EvidenceBundle.top_terms()
    term_id: str
    name: str
    library: str
    overlap: int
    term_size: int
    pvalue: float
    fdr: float
    ancestors: tuple[str, ...] = ()  # GO ancestors (is_a, part_of, regulates) of a GO term; () for pathways
    genes: tuple[str, ...] = ()  # overlapping genes of the set, input order, at most GENES_PER_CANDIDATE

    def to_dict(self) -> dict:
        d = asdict(self)
        d["ancestors"], d["genes"] = list(self.ancestors), list(self.genes)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "Candidate":
        d = dict(d)
        d["ancestors"] = tuple(d.get("ancestors") or ())
        d["genes"] = tuple(d.get("genes") or ())
        return cls(**{k: d[k] for k in cls.__dataclass_fields__ if k in d})


@dataclass
class CandidateList:
    set_id: str
    n_genes: int
    n_annotated: int  # genes of the set in the enrichment background
    candidates: list[Candidate] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.candidates)

    def names(self) -> list[str]:
        return [c.name for c in self.candidates]

    def to_dict(self) -> dict:
        return {"set_id": self.set_id, "n_genes": self.n_genes, "n_annotated": self.n_annotated,
                "candidates": [c.to_dict() for c in self.candidates]}

    @classmethod
    def from_dict(cls, d: dict) -> "CandidateList":
        return cls(set_id=str(d.get("set_id", "")), n_genes=int(d.get("n_genes", 0)), n_annotated=int(d.get("n_annotated", 0)),
                   candidates=[Candidate.from_dict(c) for c in d.get("candidates", [])])

    def to_prompt_text(self, scores: Sequence[float] | None = None, *, limit: int | None = None) -> str:
        """One line per candidate (the first ``limit``): ``3. name (12/85, FDR 2e-07): GENE1, GENE2``; with
        ``scores`` (a chooser's probabilities), ``, choice 0.41`` after the FDR."""
        lines = [f"Candidate terms ({self.n_annotated} annotated genes; overlap / term size, FDR: overlapping genes):"]
        for i, c in enumerate(self.candidates[:limit]):
            tail = f", choice {scores[i]:.2f}" if scores is not None else ""
            genes = f": {', '.join(c.genes)}" + (" ..." if c.overlap > len(c.genes) else "") if c.genes else ""
            lines.append(f"{c.rank}. {c.name} ({c.overlap}/{c.term_size}, FDR {format_fdr(c.fdr)}{tail}){genes}")
        if not self.candidates:
            lines.append("none")
        return "\n".join(lines)


def format_fdr(x: float) -> str:
    """An FDR as the compact prompt and the gene-level steps write it: 2 decimals, 1 significant digit below 0.01."""
    return "1" if x >= 1 else "< 1e-300" if x <= 0 else f"{x:.0e}" if x < 0.01 else f"{x:.2f}"


class CandidateBuilder:
    """Builds candidate lists against one KB and library choice; reuse it across sets (caches as EvidenceBuilder)."""

    def __init__(self, kb: KnowledgeBase, libraries: Iterable[str] | None = None, *, k: int = CANDIDATES,
                 hold_out: Iterable[str] = (), hold_out_names: Iterable[str] = (), background: Iterable[str] | None = None,
                 max_jaccard: float | None = None):
        self.k = k
        # Terms whose genes overlap the set's with a Jaccard index ≥ max_jaccard are not candidates: a training set
        # made from a KB term keeps its near-duplicates (parents, "positive regulation of ...") when its own term is
        # held out, which sets named by people rarely have (docs/results.md, section 17).
        self.max_jaccard = max_jaccard
        # Every term with overlap ≥ 1 at any FDR: a weak set still gets a list (its weakness is a chooser and
        # confidence feature); no gene notes or overlap genes, which the list does not show.
        self.evidence = EvidenceBuilder(kb, libraries, hold_out=hold_out, hold_out_names=hold_out_names,
                                        background=background, top_terms=k if max_jaccard is None else 4 * k,
                                        max_fdr=1.0, min_overlap=1, max_genes=0,
                                        genes_per_term=GENES_PER_CANDIDATE, max_unknown=0, max_chars=math.inf)

    @property
    def libraries(self) -> list[str]:
        return self.evidence.libraries

    def build_many(self, gene_sets: Sequence[GeneSet], *, hold_out: Sequence[Iterable[str]] | None = None,
                   hold_out_names: Sequence[Iterable[str]] | None = None) -> list[CandidateList]:
        bundles = self.evidence.build_many(gene_sets, hold_out=hold_out, hold_out_names=hold_out_names)
        out = []
        for bundle in bundles:
            cands = [Candidate(rank=r, term_id=t.term_id, name=t.name, library=t.library, overlap=t.overlap,
                               term_size=t.term_size, pvalue=t.pvalue, fdr=t.fdr,
                               ancestors=tuple(sorted(self.evidence.ancestors(t.term_id))) if t.library in GO_LIBRARIES else (),
                               genes=tuple(t.genes))
                     for r, t in enumerate(self._kept(bundle)[: self.k], 1)]
            out.append(CandidateList(set_id=bundle.set_id, n_genes=bundle.n_genes, n_annotated=bundle.n_annotated,
                                     candidates=cands))
        return out

    def _kept(self, bundle) -> list:
        terms = bundle.top_terms()
        if self.max_jaccard is None:
            return terms
        n = bundle.n_annotated
        return [t for t in terms if t.overlap / (n + t.term_size - t.overlap) < self.max_jaccard]

    def parents(self, term_id: str) -> list[str]:
        """Direct is_a / part_of parents of a GO term (for the corpus' generalised names)."""
        return [p for p, rel in self.evidence.kb.parents(term_id) if rel in ("is_a", "part_of")]

    def term_name(self, term_id: str) -> str:
        name = self.evidence.libs.term_name.get(term_id)
        if name is None:
            term = self.evidence.kb.term(term_id)
            name = term.name if term else ""
        return name
