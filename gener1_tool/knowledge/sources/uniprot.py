"""UniProtKB/Swiss-Prot flat files through Biopython's ``Bio.SwissProt``: function text and keywords."""

from __future__ import annotations

import re

from Bio import SwissProt

from ...errors import Gener1Error
from .base import KnowledgeSource, open_text

_GENE_NAME = re.compile(r"Name=([^;{]+)")
_EVIDENCE = re.compile(r"\s*\{[^}]*\}")
_PUBMED = re.compile(r"\s*\((?:PubMed|Ref\.)[^)]*\)")


def _primary_gene_name(gene_name) -> str | None:
    """Biopython ≥ 1.80 gives GN as a list of dicts ({'Name': 'PEX1 {ECO:...}'}); older ones a string."""
    if isinstance(gene_name, list):
        for entry in gene_name:
            if entry.get("Name"):
                return _EVIDENCE.sub("", entry["Name"]).strip()
        return None
    match = _GENE_NAME.search(gene_name or "")
    return match.group(1).strip() if match else None


class UniProtFlatFile(KnowledgeSource):
    name = "uniprot"
    description = "UniProtKB/Swiss-Prot entries (uniprot_sprot_human.dat[.gz]): FUNCTION comments and keywords"
    relations = ("function_text", "keyword")
    licence = "CC BY 4.0 (UniProt)"
    formats = "UniProtKB flat file (.dat, plain or .gz)"

    def load(self, writer) -> dict:
        path = self.require_path()
        taxon = str(self.options.get("taxon", "9606"))
        terms, annotations, n = {}, [], 0
        with open_text(path) as handle:
            try:
                for record in SwissProt.parse(handle):
                    if taxon and taxon not in record.taxonomy_id:
                        continue
                    symbol = _primary_gene_name(record.gene_name)
                    gene_id = writer.gene_id_for(record.accessions[0], db="uniprot", create=False)
                    gene_id = gene_id or writer.gene_id_for(symbol or record.accessions[0])
                    for comment in record.comments:
                        if comment.startswith("FUNCTION:"):
                            text = _PUBMED.sub("", _EVIDENCE.sub("", comment[len("FUNCTION:"):])).strip()
                            term_id = f"UNIPROT_FUNCTION:{record.accessions[0]}"
                            terms[term_id] = (term_id, text, "UNIPROT_FUNCTION", "function_text", None)
                            annotations.append((gene_id, term_id, "", ""))
                    for keyword in record.keywords:
                        keyword = _EVIDENCE.sub("", keyword).strip()
                        term_id = f"UNIPROT_KW:{keyword}"
                        terms[term_id] = (term_id, keyword, "UNIPROT_KEYWORD", "keyword", None)
                        annotations.append((gene_id, term_id, "", ""))
                    n += 1
            except (ValueError, AssertionError) as exc:
                raise Gener1Error(f"malformed UniProt flat-file record after {n} entries: {exc}", path=path) from None
        if not n:
            raise Gener1Error(f"no UniProt entries for taxon {taxon}; is this a UniProt .dat file?", path=path)
        writer.add_terms(terms.values())
        writer.add_annotations(annotations)
        return self.detail(entries=n, memberships=len(annotations))
