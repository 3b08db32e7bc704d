"""Claim check: every per-gene statement in the reasoning is checked against the KB.

A local, offline version of GeneAgent's self-verification. A per-gene claim is a reasoning step that
names a gene and says what it does ("The gene PEX1 has function for protein import into peroxisome
matrix", "PEX26 is involved in ..."). Each claim is:

* ``supported``: one of the gene's KB terms (propagated memberships of every library, or its full
  name) says the same thing — most of the claim's content words appear in one term name, or a term
  name appears in the claim;
* ``unsupported``: the gene is annotated in the KB but nothing there matches, or the gene is not in
  the gene set at all (a name the model made up or carried over);
* ``unknown``: the KB has no annotations for the gene, so nothing can be said.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import asdict, dataclass
from functools import lru_cache

from ..knowledge.store import KnowledgeBase

# Verbs that introduce what a gene does; the claim is the text after them up to the end of the step.
_CLAIM_VERBS = (r"has (?:a )?functions? (?:for|in|of)", r"is involved in", r"are involved in", r"participates? in",
                r"plays? (?:a|an)?\s*(?:\w+\s)?roles? in", r"functions? (?:in|as)", r"encodes?", r"is (?:a )?(?:component|subunit|member|part) of",
                r"is located in", r"localizes? to", r"regulates?", r"mediates?", r"catalyzes?", r"is required for",
                r"contributes? to", r"is associated with", r"acts? (?:in|as)", r"has")
_GENE_CLAIM = re.compile(
    r"\b(?:the\s+)?(?:gene|protein)?\s*(?P<gene>[A-Z][A-Z0-9-]{1,14}[0-9A-Z])\b(?:\s*\([^)]*\))?\s+(?:protein\s+)?"
    r"(?P<verb>" + "|".join(_CLAIM_VERBS) + r")\s+(?P<claim>[^.;]+)")
_WORD = re.compile(r"[a-z0-9]+")
_STOP = frozenset("a an the of in for to and or by with on as at into from its their this that these is are be "
                  "which via process processes function functions activity role pathway involved".split())
SUPPORT_THRESHOLD = 0.6


@dataclass
class Claim:
    gene: str
    text: str
    status: str  # supported | unsupported | unknown
    evidence: str | None = None  # the KB term that supports it, or why not

    def to_dict(self) -> dict:
        return asdict(self)


def _content_words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if w not in _STOP and len(w) > 1}


def extract_claims(steps: list[str]) -> list[tuple[str, str]]:
    """(gene, claimed function) for each per-gene statement in the reasoning steps."""
    claims = []
    for step in steps:
        for m in _GENE_CLAIM.finditer(step):
            gene, claim = m.group("gene"), m.group("claim").strip()
            if gene in ("GO", "DNA", "RNA", "ATP", "GTP", "NADH", "KEGG", "THE") or not _content_words(claim):
                continue
            claims.append((gene, claim))
    return claims


class ClaimChecker:
    def __init__(self, kb: KnowledgeBase, *, hold_out: set[str] = frozenset()):
        self.kb = kb
        self.hold_out = set(hold_out)
        self._facts = lru_cache(maxsize=4096)(self._gene_facts)

    def _gene_facts(self, symbol: str) -> tuple[tuple[str, frozenset[str]], ...]:
        gene = self.kb.gene_by_symbol(symbol)
        if gene is None:
            return ()
        names = [t.name for t, _ in self.kb.gene_annotations(symbol, direct=False, exclude_terms=self.hold_out)]
        names += [t.name for t, _ in self.kb.gene_annotations(symbol, direct=True, exclude_terms=self.hold_out)
                  if t.relation not in ("process", "function", "component")]
        if not names:
            return ()
        if gene.full_name:
            names.append(gene.full_name)
        return tuple((n, frozenset(_content_words(n))) for n in dict.fromkeys(names))

    def check(self, steps: list[str], gene_set: list[str]) -> list[Claim]:
        members = set(gene_set)
        results = []
        for gene, text in extract_claims(steps):
            if gene not in members:
                # A small model copying symbols from its prompt sometimes drops or swaps a letter (DLRAP1 for
                # LDLRAP1): name the set's closest symbol so the reader sees the likely slip; the claim stays unsupported.
                close = difflib.get_close_matches(gene, sorted(members), n=1, cutoff=0.75)
                results.append(Claim(gene, text, "unsupported", "gene is not in the gene set"
                                     + (f"; closest in the set: {close[0]}" if close else "")))
                continue
            facts = self._facts(gene)
            if not facts:
                results.append(Claim(gene, text, "unknown", "no KB annotations for this gene"))
                continue
            words = _content_words(text)
            lowered = text.lower()
            best, best_score = None, 0.0
            for name, name_words in facts:
                if not name_words:
                    continue
                score = 1.0 if name.lower() in lowered else len(words & name_words) / len(words)
                if (score, len(name)) > (best_score, len(best or "")):  # ties: the most specific (longest) name
                    best, best_score = name, score
            if best_score >= SUPPORT_THRESHOLD:
                results.append(Claim(gene, text, "supported", best))
            else:
                results.append(Claim(gene, text, "unsupported", "no KB term of this gene matches"))
        return results


def count(claims: list[Claim]) -> dict[str, int]:
    out = {"supported": 0, "unsupported": 0, "unknown": 0}
    for c in claims:
        out[c.status] += 1
    return out
