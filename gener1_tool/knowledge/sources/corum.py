"""Protein complexes from CORUM (allComplexes.txt, CORUM 3.x and 4.x/5.x headers)."""

from __future__ import annotations

from ...errors import Gener1Error
from .base import KnowledgeSource, iter_tsv

# CORUM renamed its columns between releases; each tuple lists the accepted spellings.
_ID = ("ComplexID", "complex_id")
_NAME = ("ComplexName", "complex_name")
_ORGANISM = ("Organism", "organism")
_SYMBOLS = ("subunits(Gene name)", "subunits_gene_name")
_ENTREZ = ("subunits(Entrez IDs)", "subunits_entrez_id")
_COMMENT = ("Complex comment", "comment_complex", "complex_comment")


class CorumComplexes(KnowledgeSource):
    name = "corum"
    description = "Mammalian protein complexes and their subunits from CORUM allComplexes.txt"
    relations = ("complex",)
    licence = "CC BY-NC 4.0 (CORUM)"
    formats = "CORUM allComplexes.txt (tab-separated, header row)"

    def load(self, writer) -> dict:
        path = self.require_path()
        organism = self.options.get("organism", "Human")
        rows = iter_tsv(path, comment="")
        try:
            header_line, header = next(rows)
        except StopIteration:
            raise Gener1Error("empty CORUM file", path=path) from None
        col = {name: i for i, name in enumerate(header)}

        def pick(names, required=True):
            for n in names:
                if n in col:
                    return col[n]
            if required:
                raise Gener1Error(f"missing CORUM column {' or '.join(names)}; found {header[:6]}...", path=path,
                                  line=header_line)
            return None

        i_id, i_name, i_org = pick(_ID), pick(_NAME), pick(_ORGANISM)
        i_sym, i_entrez, i_comment = pick(_SYMBOLS, False), pick(_ENTREZ, False), pick(_COMMENT, False)
        if i_sym is None and i_entrez is None:
            raise Gener1Error("missing CORUM subunit columns (gene names or Entrez IDs)", path=path, line=header_line)
        terms, annotations = [], []
        for line_no, cols in rows:
            if len(cols) < len(header) - 2:  # trailing empty columns are sometimes stripped
                self.bad_line(line_no, f"expected {len(header)} columns, found {len(cols)}")
                continue
            if organism and cols[i_org] != organism:
                continue
            term_id = f"CORUM:{cols[i_id]}"
            comment = cols[i_comment] if i_comment is not None and i_comment < len(cols) else None
            terms.append((term_id, cols[i_name], "CORUM", "complex", comment or None))
            if i_entrez is not None and cols[i_entrez].strip():
                refs = [(r, "entrez") for r in cols[i_entrez].split(";") if r.strip() and r.strip() != "None"]
            else:
                refs = [(r, None) for r in cols[i_sym].split(";") if r.strip() and r.strip() != "None"]
            for ref, db in refs:
                gene_id = writer.gene_id_for(ref.strip(), db=db, create=db is None)
                if gene_id is not None:
                    annotations.append((gene_id, term_id, "", ""))
        writer.add_terms(terms)
        writer.add_annotations(annotations)
        return self.detail(complexes=len(terms), subunits=len(annotations), organism=organism)
