"""PANTHER sequence classifications (PTHRxx_human): protein families, protein classes and pathways."""

from __future__ import annotations

import re

from .base import KnowledgeSource, iter_tsv

_UNIPROT = re.compile(r"UniProtKB=([A-Z0-9]+)")
# "Name#PC00000" or "Name#P00012>component#P00345" entries separated by ';'
_ENTRY = re.compile(r"([^;#>]+)#([A-Z]{1,2}\d{5})")


class PantherClassification(KnowledgeSource):
    name = "panther"
    description = "PANTHER families, protein classes and pathways from a sequence-classification file (PTHRxx_human)"
    relations = ("family", "pathway")
    licence = "PANTHER terms of use (free; cite PANTHER)"
    formats = "PANTHER classification TSV: gene id, protein id/symbol, PTHR id, family, subfamily, MF, BP, CC, class, pathway"

    def load(self, writer) -> dict:
        path = self.require_path()
        terms, annotations = {}, []
        for line_no, cols in iter_tsv(path, comment=""):
            if len(cols) < 9:
                self.bad_line(line_no, f"expected at least 9 tab-separated columns, found {len(cols)}")
                continue
            if not cols[2].startswith("PTHR"):
                self.bad_line(line_no, f"expected a PANTHER id (PTHRnnnnn) in column 3, found {cols[2]!r}")
                continue
            gene_id = self._gene(writer, cols[0], cols[1])
            family = cols[2].split(":")[0]
            if cols[3].strip():
                terms[family] = (family, cols[3].strip().lower(), "PANTHER_FAMILY", "family", None)
                annotations.append((gene_id, family, "", ""))
            for name, acc in _ENTRY.findall(cols[8]):
                terms[acc] = (acc, name.strip(), "PANTHER_CLASS", "family", None)
                annotations.append((gene_id, acc, "", ""))
            pathway_col = cols[9] if len(cols) > 9 else ""
            for entry in pathway_col.split(";"):
                found = _ENTRY.findall(entry.split(">")[0])
                for name, acc in found:
                    terms[acc] = (acc, name.strip(), "PANTHER_PATHWAY", "pathway", None)
                    annotations.append((gene_id, acc, "", ""))
        writer.add_terms(terms.values())
        writer.add_annotations(annotations)
        return self.detail(terms=len(terms), memberships=len(annotations))

    @staticmethod
    def _gene(writer, identifier: str, second: str) -> str:
        match = _UNIPROT.search(identifier)
        if match:
            gene_id = writer.gene_id_for(match.group(1), db="uniprot", create=False)
            if gene_id is not None:
                return gene_id
        return writer.gene_id_for(second)
