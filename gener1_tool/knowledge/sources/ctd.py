"""Comparative Toxicogenomics Database: chemical–gene interactions and curated gene–disease links."""

from __future__ import annotations

from ...errors import Gener1Error
from .base import KnowledgeSource, iter_lines


def _ctd_rows(source: KnowledgeSource, expected: tuple[str, ...]):
    """CTD TSVs carry their header as a '# Fields:' comment followed by '# col1<TAB>col2...'."""
    path = source.require_path()
    header = None
    fields_next = False
    for line_no, line in iter_lines(path):
        if line.startswith("#"):
            text = line[1:].strip()
            if fields_next and text:
                header = text.split("\t")
                fields_next = False
            elif text.startswith("Fields:"):
                fields_next = True
            continue
        if not line.strip():
            continue
        if header is None:
            header = list(expected)  # data files without the comment block use the documented column order
        missing = [c for c in expected if c not in header]
        if missing:
            raise Gener1Error(f"missing CTD columns {missing}; found {header}", path=path, line=line_no)
        cols = line.split("\t")
        if len(cols) < len(expected):
            source.bad_line(line_no, f"expected {len(header)} tab-separated columns, found {len(cols)}")
            continue
        yield line_no, dict(zip(header, cols))


class CtdChemicalGene(KnowledgeSource):
    name = "ctd_chemicals"
    description = "CTD curated chemical–gene interactions (CTD_chem_gene_ixns.tsv[.gz]), human only by default"
    relations = ("chemical",)
    licence = "CTD terms of use (free for research; cite CTD)"
    formats = "CTD_chem_gene_ixns.tsv"
    COLUMNS = ("ChemicalName", "ChemicalID", "CasRN", "GeneSymbol", "GeneID", "GeneForms", "Organism", "OrganismID",
               "Interaction", "InteractionActions", "PubMedIDs")

    def load(self, writer) -> dict:
        organism_id = str(self.options.get("organism_id", "9606"))
        terms, annotations = {}, []
        for _, row in _ctd_rows(self, self.COLUMNS):
            if organism_id and row["OrganismID"] != organism_id:
                continue
            term_id = f"MESH:{row['ChemicalID']}"
            terms[term_id] = (term_id, row["ChemicalName"], "CTD_CHEMICAL", "chemical", None)
            gene_id = writer.gene_id_for(row["GeneID"], db="entrez", create=False) or writer.gene_id_for(row["GeneSymbol"])
            annotations.append((gene_id, term_id, "curated", row["InteractionActions"]))
        writer.add_terms(terms.values())
        writer.add_annotations(annotations)
        return self.detail(chemicals=len(terms), interactions=len(annotations))


class CtdGeneDisease(KnowledgeSource):
    name = "ctd_diseases"
    description = "CTD gene–disease associations with direct evidence (marker/mechanism, therapeutic)"
    relations = ("disease",)
    licence = "CTD terms of use (free for research; cite CTD)"
    formats = "CTD_genes_diseases.tsv"
    COLUMNS = ("GeneSymbol", "GeneID", "DiseaseName", "DiseaseID", "DirectEvidence", "InferenceChemicalName",
               "InferenceScore", "OmimIDs", "PubMedIDs")

    def load(self, writer) -> dict:
        inferred_kept = bool(self.options.get("include_inferred", False))
        terms, annotations, inferred = {}, [], 0
        for _, row in _ctd_rows(self, self.COLUMNS):
            if not row["DirectEvidence"] and not inferred_kept:
                inferred += 1  # inferred links (via chemicals) are millions of rows of weak evidence
                continue
            terms[row["DiseaseID"]] = (row["DiseaseID"], row["DiseaseName"], "CTD_DISEASE", "disease", None)
            gene_id = writer.gene_id_for(row["GeneID"], db="entrez", create=False) or writer.gene_id_for(row["GeneSymbol"])
            annotations.append((gene_id, row["DiseaseID"], row["DirectEvidence"] or "inferred", ""))
        writer.add_terms(terms.values())
        writer.add_annotations(annotations)
        return self.detail(diseases=len(terms), links=len(annotations), inferred_skipped=inferred)
