"""Human genes and GO annotations: Bioconductor org.Hs.eg.db SQLite, NCBI gene_info and gene2go files."""

from __future__ import annotations

from ...errors import Gener1Error
from .base import KnowledgeSource, iter_tsv, open_sqlite
from .go import NAMESPACE_LIBRARY

GO_TABLES = (("go_bp", "GO_BP"), ("go_mf", "GO_MF"), ("go_cc", "GO_CC"))


class OrgDbSqlite(KnowledgeSource):
    name = "org_db"
    description = ("Genes (symbol, full name, type, location, aliases, Ensembl/UniProt ids) and direct GO "
                   "annotations with evidence codes from Bioconductor org.Hs.eg.db (NCBI Gene, gene2go)")
    relations = ("gene_name", "process", "function", "component")
    licence = "Artistic-2.0 (org.Hs.eg.db); NCBI Gene data is public domain; GO annotations CC BY 4.0"
    formats = "org.*.eg.db extdata/org.*.eg.sqlite"
    provides_genes = True

    def _connect(self):
        return open_sqlite(self.require_path(), "gene_info", "Bioconductor org.*.eg.db")

    def version(self):
        meta = dict(self._connect().execute("SELECT name, value FROM metadata").fetchall())
        date = meta.get("GOEGSOURCEDATE") or meta.get("EGSOURCEDATE")
        return f"{meta.get('ORGANISM', '')} Entrez Gene {date}".strip(), date

    def load(self, writer) -> dict:
        db = self._connect()
        genes = db.execute(
            "SELECT g.gene_id, i.symbol, i.gene_name, t.gene_type, "
            "(SELECT group_concat(chromosome, ';') FROM chromosomes c WHERE c._id = g._id), "
            "(SELECT group_concat(cytogenetic_location, ';') FROM cytogenetic_locations l WHERE l._id = g._id) "
            "FROM genes g JOIN gene_info i ON i._id = g._id LEFT JOIN genetype t ON t._id = g._id").fetchall()
        for gene_id, symbol, full_name, gene_type, chromosome, location in genes:
            writer.add_gene(gene_id, symbol, full_name, gene_type, chromosome, location)
            writer.add_xref(gene_id, "entrez", gene_id)
        n_alias = 0
        for alias, gene_id in db.execute("SELECT a.alias_symbol, g.gene_id FROM alias a JOIN genes g ON g._id = a._id"):
            writer.add_alias(alias, gene_id, "alias")
            n_alias += 1
        for table, db_name in (("ensembl", "ensembl"), ("uniprot", "uniprot")):
            col = "ensembl_id" if table == "ensembl" else "uniprot_id"
            for xref, gene_id in db.execute(f"SELECT x.{col}, g.gene_id FROM {table} x JOIN genes g ON g._id = x._id"):
                writer.add_xref(gene_id, db_name, xref)
        n_ann = 0
        for table, library in GO_TABLES:
            rows = db.execute(f"SELECT g.gene_id, a.go_id, a.evidence FROM {table} a JOIN genes g ON g._id = a._id").fetchall()
            writer.add_annotations((gene_id, go_id, evidence, "") for gene_id, go_id, evidence in rows)
            n_ann += len(rows)
        return self.detail(genes=len(genes), aliases=n_alias, go_annotations=n_ann)


class NcbiGeneInfo(KnowledgeSource):
    name = "gene_info"
    description = "NCBI gene_info (Homo_sapiens.gene_info[.gz]): symbols, synonyms, full names, types, locations, xrefs"
    relations = ("gene_name",)
    licence = "Public domain (NCBI)"
    formats = "NCBI gene_info TSV (16 columns, '#tax_id' header)"
    provides_genes = True
    COLUMNS = ("#tax_id", "GeneID", "Symbol", "LocusTag", "Synonyms", "dbXrefs", "chromosome", "map_location",
               "description", "type_of_gene", "Symbol_from_nomenclature_authority",
               "Full_name_from_nomenclature_authority", "Nomenclature_status", "Other_designations",
               "Modification_date", "Feature_type")

    def load(self, writer) -> dict:
        path = self.require_path()
        tax_id = str(self.options.get("tax_id", "9606"))
        header_seen = False
        n = 0
        for line_no, cols in iter_tsv(path, comment=""):
            if cols[0].startswith("#"):
                if cols[:3] != list(self.COLUMNS[:3]):
                    raise Gener1Error(f"unexpected gene_info header {cols[:3]}; expected {list(self.COLUMNS[:3])}",
                                      path=path, line=line_no)
                header_seen = True
                continue
            if len(cols) < 15:
                self.bad_line(line_no, f"expected {len(self.COLUMNS)} tab-separated columns, found {len(cols)}")
                continue
            if cols[0] != tax_id:
                continue
            gene_id, symbol = cols[1], cols[2]
            full_name = cols[11] if cols[11] != "-" else cols[8]
            writer.add_gene(gene_id, symbol, full_name, cols[9], cols[6] if cols[6] != "-" else None,
                            cols[7] if cols[7] != "-" else None)
            writer.add_xref(gene_id, "entrez", gene_id)
            for syn in cols[4].split("|"):
                if syn != "-":
                    writer.add_alias(syn, gene_id, "alias")
            for xref in cols[5].split("|"):
                if ":" in xref:
                    db, value = xref.split(":", 1)
                    db = {"Ensembl": "ensembl", "HGNC": "hgnc", "MIM": "omim"}.get(db, db.lower())
                    writer.add_xref(gene_id, db, value)
            n += 1
        if not header_seen:
            raise Gener1Error("missing '#tax_id GeneID Symbol ...' header; is this an NCBI gene_info file?", path=path, line=1)
        return self.detail(genes=n, tax_id=tax_id)


class NcbiGene2Go(KnowledgeSource):
    name = "gene2go"
    description = "NCBI gene2go: direct GO annotations with evidence codes and qualifiers"
    relations = ("process", "function", "component")
    licence = "CC BY 4.0 (GO annotations via NCBI)"
    formats = "NCBI gene2go TSV (#tax_id GeneID GO_ID Evidence Qualifier GO_term PubMed Category)"

    def load(self, writer) -> dict:
        path = self.require_path()
        tax_id = str(self.options.get("tax_id", "9606"))
        terms, annotations = {}, []
        for line_no, cols in iter_tsv(path, comment=""):
            if cols[0].startswith("#"):
                continue
            if len(cols) < 8:
                self.bad_line(line_no, f"expected 8 tab-separated columns, found {len(cols)}")
                continue
            if cols[0] != tax_id:
                continue
            gene_id, go_id, evidence, qualifier, term, _, category = cols[1:8]
            if not go_id.startswith("GO:") or category not in ("Process", "Function", "Component"):
                self.bad_line(line_no, f"expected a GO id and Process/Function/Component, got {go_id!r}, {category!r}")
                continue
            terms[go_id] = (go_id, term, *NAMESPACE_LIBRARY[category[0]], None)
            kb_gene = writer.gene_id_for(gene_id, db="entrez", create=False)
            if kb_gene is None:  # no gene source knows this id (counted as unresolved in `kb info`)
                continue
            annotations.append((kb_gene, go_id, evidence, "" if qualifier == "-" else qualifier))
        # Terms from an ontology source (loaded first) keep their definitions; only add unknown ones.
        known = {r[0] for r in writer.db.execute("SELECT term_id FROM term")}
        writer.add_terms(t for go_id, t in terms.items() if go_id not in known)
        writer.add_annotations(annotations)
        return self.detail(annotations=len(annotations))
