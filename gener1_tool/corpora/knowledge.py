"""The knowledge warm-up corpus (Gene-R1 stage 1 data): gene-centric declarative sentences from the KB.

One relation per sentence, several phrasings per relation type (chosen by a stable hash of the fact and
the seed, so the corpus is reproducible and a gene's facts do not all read alike), deduplicated, tagged
with source and relation. Excluded terms (by default the 1,508 evaluation GO IDs and every evaluation
gold name) never appear: a sentence stating an excluded term by id or by name is dropped and counted.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from ..errors import Gener1Error
from ..io import atomic_open
from ..knowledge.store import KnowledgeBase, normalise_term_name

TEMPLATES: dict[str, tuple[str, ...]] = {
    "gene_name": ("{symbol} is the gene symbol for {full_name}.", "The gene {symbol} encodes {full_name}.",
                  "{symbol} stands for {full_name}."),
    "process": ("{symbol} is involved in {name}.", "The gene {symbol} participates in {name}.",
                "{symbol} plays a role in {name}.", "The protein encoded by {symbol} takes part in {name}."),
    "function": ("{symbol} has {name}.", "The protein encoded by {symbol} has the molecular function {name}.",
                 "{symbol} enables {name}.", "The gene {symbol} has function for {name}."),
    "component": ("{symbol} is located in the {name}.", "The {symbol} protein is found in the {name}.",
                  "{symbol} is a component of the {name}.", "The product of {symbol} localizes to the {name}."),
    "pathway": ("{symbol} is a member of the {name} pathway ({library}).", "The gene {symbol} associates with the pathway of {name}.",
                "{symbol} takes part in the {name} pathway.", "The {library} pathway {name} includes {symbol}."),
    "complex": ("{symbol} is a subunit of the {name}.", "The protein encoded by {symbol} is in the protein complex {name}.",
                "{symbol} is part of the {name} complex."),
    "phenotype": ("Variants in {symbol} are associated with the phenotype {name}.", "{symbol} is linked to {name}.",
                  "Defects in {symbol} can cause {name}."),
    "disease": ("{symbol} is associated with {name}.", "The gene {symbol} is implicated in {name}.",
                "Alterations of {symbol} are linked to {name}."),
    "chemical": ("{name} interacts with {symbol}{action}.", "The chemical {name} affects {symbol}{action}."),
    "family": ("{symbol} belongs to the {name}.", "The gene {symbol} is a member of the {name}."),
    "function_text": ("{symbol}: {name}",),
    "keyword": ("{symbol} is annotated with the keyword {name}.",),
}
_LIBRARY_LABELS = {"KEGG": "KEGG", "REACTOME": "Reactome", "BIOCARTA": "BioCarta", "WIKIPATHWAYS": "WikiPathways",
                   "PANTHER": "PANTHER"}


@dataclass
class CorpusReport:
    sentences: int = 0
    by_source: Counter = field(default_factory=Counter)
    by_relation: Counter = field(default_factory=Counter)
    excluded_by_id: int = 0
    excluded_by_name: int = 0
    duplicates: int = 0
    skipped_evidence: int = 0

    def to_dict(self) -> dict:
        total = max(self.sentences, 1)
        return {
            "sentences": self.sentences,
            "by_source": dict(self.by_source.most_common()),
            "share_by_source": {k: round(v / total, 4) for k, v in self.by_source.most_common()},
            "by_relation": dict(self.by_relation.most_common()),
            "excluded_by_id": self.excluded_by_id,
            "excluded_by_name": self.excluded_by_name,
            "duplicates_removed": self.duplicates,
            "skipped_by_evidence": self.skipped_evidence,
        }


def _choose(options: tuple[str, ...], key: str, seed: int) -> str:
    digest = hashlib.blake2b(f"{seed}|{key}".encode(), digest_size=4).digest()
    return options[int.from_bytes(digest, "little") % len(options)]


def _library_label(library: str) -> str:
    for prefix, label in _LIBRARY_LABELS.items():
        if library.upper().startswith(prefix):
            return label
    return library.replace("_", " ")


def _action(qualifier: str) -> str:
    # CTD actions look like "increases^expression|affects^binding".
    actions = [q.replace("^", " ") for q in qualifier.split("|") if q]
    return f" ({'; '.join(actions)})" if actions else ""


def corpus_knowledge(kb: KnowledgeBase, output: str | Path, *, exclude_terms: Iterable[str] = (),
                     exclude_names: Iterable[str] = (), exclude_evidence: Iterable[str] = (),
                     relations: Iterable[str] | None = None, text_output: str | Path | None = None, seed: int = 0,
                     progress: Callable[[int], None] | None = None) -> CorpusReport:
    """Write the warm-up corpus as JSONL (text, gene, relation, source, library, term_id); return counts."""
    excluded_ids = set(exclude_terms)
    excluded_names = {normalise_term_name(n) for n in exclude_names}
    drop_evidence = {e.strip().upper() for e in exclude_evidence if e.strip()}
    wanted = set(relations) if relations else None
    if wanted and not wanted <= set(TEMPLATES):
        raise Gener1Error(f"unknown relation(s) {sorted(wanted - set(TEMPLATES))}; known: {', '.join(TEMPLATES)}")
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    report = CorpusReport()
    seen: set[str] = set()
    named_genes: set[str] = set()
    text_fh = open(text_output, "w", encoding="utf-8") if text_output else None
    with atomic_open(output) as out:

        def emit(text: str, gene: str, relation: str, source: str, library: str | None, term_id: str | None):
            if text in seen:
                report.duplicates += 1
                return
            seen.add(text)
            out.write(json.dumps({"text": text, "gene": gene, "relation": relation, "source": source,
                                  "library": library, "term_id": term_id}) + "\n")
            if text_fh:
                text_fh.write(text + "\n")
            report.sentences += 1
            report.by_source[source] += 1
            report.by_relation[relation] += 1
            if progress and report.sentences % 10000 == 0:
                progress(report.sentences)

        gene_sources = {s["name"] for s in kb.sources() if s["kind"] in ("org_db", "gene_info")}
        for gene, term, evidence, qualifier, source in kb.facts():
            if term.term_id in excluded_ids:
                report.excluded_by_id += 1
                continue
            if normalise_term_name(term.name) in excluded_names:
                report.excluded_by_name += 1
                continue
            if evidence.upper() in drop_evidence:
                report.skipped_evidence += 1
                continue
            if wanted and term.relation not in wanted:
                continue
            templates = TEMPLATES.get(term.relation)
            if not templates:
                continue
            if gene.full_name and gene.symbol not in named_genes and (not wanted or "gene_name" in wanted):
                named_genes.add(gene.symbol)
                emit(_choose(TEMPLATES["gene_name"], gene.symbol, seed).format(symbol=gene.symbol, full_name=gene.full_name),
                     gene.symbol, "gene_name", next(iter(gene_sources), source), None, None)
            text = _choose(templates, f"{gene.symbol}|{term.term_id}", seed).format(
                symbol=gene.symbol, name=term.name, library=_library_label(term.library), action=_action(qualifier))
            emit(text, gene.symbol, term.relation, source, term.library, term.term_id)
    if text_fh:
        text_fh.close()
    if report.sentences == 0:
        raise Gener1Error("the warm-up corpus is empty: the KB has no facts left after exclusions", path=output)
    return report
