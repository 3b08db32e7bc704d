"""Gene-level reasoning: the steps a chosen name rests on, each naming genes of the set and the enriched term they
support (with its overlap and FDR), phrased so the claim check (``annotation.claims``) reads each gene claim.

What the gene-level reasoning corpus (``corpora.candidate_traces``) teaches the language model to write after a
name, from the compact ``candidates`` prompt (which lists each candidate's overlapping genes).
"""

from __future__ import annotations

from ..enrichment.candidates import CandidateList, format_fdr

#: How a gene's link to a term of each kind is said: verbs the claim check reads as a claim about the gene.
VERBS = {"GO_BP": "is involved in", "GO_MF": "has function for", "GO_CC": "is located in"}
PATHWAY_VERB = "participates in"


def join_genes(genes: list[str]) -> str:
    return genes[0] if len(genes) == 1 else ", ".join(genes[:-1]) + " and " + genes[-1]


def gene_level_steps(clist: CandidateList, chosen: int, *, gene_claims: int = 2, related: int = 1) -> list[str]:
    """Steps for naming a set after candidate ``chosen`` (0-based): a claim for each of its first ``gene_claims``
    overlapping genes, one for a gene of each of the next ``related`` candidates, and a conclusion naming the
    chosen term's genes with its overlap and FDR. Empty when the chosen candidate lists no genes."""
    c = clist.candidates[chosen]
    genes = list(c.genes)
    if not genes:
        return []
    verb = VERBS.get(c.library, PATHWAY_VERB)
    steps = [f"{g} {verb} {c.name}." for g in genes[:gene_claims]]
    others = [o for i, o in enumerate(clist.candidates) if i != chosen and o.genes][:related]
    cited = set(genes[:gene_claims])
    for o in others:
        g = next((x for x in o.genes if x not in cited), o.genes[0])  # a gene not cited yet, where there is one
        cited.add(g)
        steps.append(f"{g} {VERBS.get(o.library, PATHWAY_VERB)} {o.name} ({o.overlap}/{o.term_size} genes, FDR {format_fdr(o.fdr)}).")
    steps.append(f"{join_genes(genes[:3])} point to {c.name} ({c.overlap} of {clist.n_annotated} annotated genes, "
                 f"FDR {format_fdr(c.fdr)}).")
    return steps
