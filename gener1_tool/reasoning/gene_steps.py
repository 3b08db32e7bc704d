"""Gene-level reasoning: the steps a chosen name rests on, each naming genes of the set and the enriched term they
support (with its overlap and FDR), phrased so the claim check (``annotation.claims``) reads each gene claim.

What the gene-level reasoning corpus (``corpora.candidate_traces``) teaches the language model to write after a
name, from the compact ``candidates`` prompt (which lists each candidate's overlapping genes).
"""

from __future__ import annotations

import re
from typing import Sequence

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


# The statistics a step may cite after a term's name, in the two forms the steps above write.
_TERM_STATS = re.compile(r"\s*\((?P<k>\d+)\s*/\s*(?P<n>\d+)(?: genes)?,\s*FDR\s*(?P<fdr>[^)]*?)\s*\)", re.IGNORECASE)
_SET_STATS = re.compile(r"\s*\((?P<k>\d+) of (?P<n>\d+)(?: annotated)? genes?,\s*FDR\s*(?P<fdr>[^)]*?)\s*\)", re.IGNORECASE)
#: What comes right before a term's name in a step ("... is involved in NAME", "... point to NAME"): a name matched
#: after anything else is the tail of a longer name ("regulation of X" inside "positive regulation of X").
_LINKED = re.compile(r"(?:^|\b(?:in|to|for)\s+|:\s*)$")
_THINK_SEGMENT = re.compile(r"(<think>)(.*?)(</think>)", re.IGNORECASE | re.DOTALL)


def cite_statistics(text: str, terms: Sequence, n_annotated: int) -> tuple[str, list[dict]]:
    """``text`` with every overlap/FDR a reasoning step cites after a listed term's name replaced by that term's own
    figures, and figures after anything else removed; with the list of changes (``was`` / ``now`` / ``term``).

    ``terms``: what the prompt listed, each with ``name``, ``overlap``, ``term_size`` and ``fdr`` (a candidate list's
    candidates, or an evidence bundle's enriched terms); ``n_annotated``: the set's annotated genes, as the prompt said.
    Why: the model learned to copy these figures from the prompt and often copies the wrong line (the chosen term's
    FDR beside another term, a made-up overlap); the figures are the enrichment's, so gener1 writes them from the
    list, as a citation, and records each change. Only ``<think>`` steps are touched; figures that are right (to the
    FDR's one significant digit) are left as written."""
    by_name = sorted(terms, key=lambda t: -len(t.name))
    changes: list[dict] = []

    def fix_segment(m: re.Match) -> str:
        body = m.group(2)
        out, at = [], 0
        for stats in sorted([*_TERM_STATS.finditer(body), *_SET_STATS.finditer(body)], key=lambda s: s.start()):
            if stats.start() < at:
                continue
            before = body[at:stats.start()]
            said = body[:stats.start()].rstrip()
            term = _named_before(said, by_name, exact=True) or _named_before(said.lower(), by_name, exact=False)
            if term is None:
                new = ""
            else:  # the same form, with the named term's own figures
                of_set = stats.re is _SET_STATS
                true = (str(term.overlap), str(n_annotated if of_set else term.term_size), format_fdr(term.fdr))
                form = " ({} of {} annotated genes, FDR {})" if of_set else " ({}/{} genes, FDR {})"
                written = (stats.group("k"), stats.group("n"), _as_fdr(stats.group("fdr")))
                new = stats.group(0) if written == true else form.format(*true)
            if new != stats.group(0):
                changes.append({"was": stats.group(0).strip(), "now": new.strip(), "term": term.name if term else None})
            out += [before, new]
            at = stats.end()
        return m.group(1) + "".join(out) + body[at:] + m.group(3)

    return _THINK_SEGMENT.sub(fix_segment, text), changes


def _as_fdr(written: str) -> str | None:
    """An FDR as written ("2.0e-06", "2e-06", "0.20", "< 1e-300") in ``format_fdr``'s form, or None if it is none."""
    written = written.strip()
    if written.startswith("<"):
        return written if written == format_fdr(0.0) else None
    try:
        return format_fdr(float(written))
    except ValueError:
        return None


def _named_before(said: str, by_name: list, *, exact: bool):
    """The candidate whose name ``said`` ends with, right after a linking word (longest names first); names of
    exactly that case first, so "Peroxisome" (KEGG) and "peroxisome" (GO:CC) stay apart."""
    for c in by_name:
        name = c.name if exact else c.name.lower()
        if name and said.endswith(name) and _LINKED.search(said[: len(said) - len(name)]):
            return c
    return None
