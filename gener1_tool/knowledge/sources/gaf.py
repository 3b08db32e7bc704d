"""GO annotations from GAF 2.x files (GOA human, MGI, ...) through Biopython's ``Bio.UniProt.GOA``."""

from __future__ import annotations

from Bio.UniProt import GOA

from ...errors import Gener1Error
from .base import KnowledgeSource, iter_lines
from .go import NAMESPACE_LIBRARY


class _ValidatedLines:
    """Feeds GOA.gafiterator only well-formed lines, so malformed ones are reported by line number."""

    def __init__(self, source: "GafAnnotations"):
        self.source = source
        self.lines = iter_lines(source.path)
        self.first = True

    def readline(self) -> str:
        for line_no, line in self.lines:
            if self.first:
                self.first = False
                if not line.startswith("!gaf-version:"):
                    raise Gener1Error("missing '!gaf-version: 2.x' header; is this a GAF file?", path=self.source.path, line=line_no)
                if not line.split(":", 1)[1].strip().startswith("2"):
                    raise Gener1Error(f"only GAF 2.x is supported, found {line!r}", path=self.source.path, line=line_no)
            return line + "\n"
        return ""

    def __iter__(self):
        for line_no, line in self.lines:
            if line.startswith("!") or not line.strip():
                continue
            cols = line.split("\t")
            if len(cols) not in (15, 17):
                self.source.bad_line(line_no, f"expected 17 tab-separated GAF 2.x columns, found {len(cols)}")
                continue
            if not cols[4].startswith("GO:") or cols[8] not in ("P", "F", "C"):
                self.source.bad_line(line_no, f"expected a GO id and aspect P/F/C, got {cols[4]!r}, {cols[8]!r}")
                continue
            yield line + "\n"


class GafAnnotations(KnowledgeSource):
    name = "gaf"
    description = "GO annotations from a GAF 2.x file (e.g. goa_human.gaf.gz), evidence codes and NOT qualifiers kept"
    relations = ("process", "function", "component")
    licence = "CC BY 4.0 (GO Consortium / EBI GOA)"
    formats = "GAF 2.0/2.1/2.2 (plain or .gz)"

    def version(self):
        path = self.require_path()
        for _, line in iter_lines(path):
            if not line.startswith("!"):
                break
            if line.lower().startswith(("!date-generated:", "!generated:")):
                date = line.split(":", 1)[1].strip()
                return f"GAF {date}", date
        return None, None

    def load(self, writer) -> dict:
        self.require_path()
        taxon = self.options.get("taxon", "taxon:9606")
        annotations, terms = [], {}
        known = {r[0] for r in writer.db.execute("SELECT term_id FROM term")}
        for rec in GOA.gafiterator(_ValidatedLines(self)):
            if taxon and taxon not in rec["Taxon_ID"]:
                continue
            gene_id = None
            if rec["DB"] == "UniProtKB":
                gene_id = writer.gene_id_for(rec["DB_Object_ID"], db="uniprot", create=False)
            gene_id = gene_id or writer.gene_id_for(rec["DB_Object_Symbol"])
            qualifier = "|".join(q for q in rec["Qualifier"] if q)
            annotations.append((gene_id, rec["GO_ID"], rec["Evidence"], qualifier))
            if rec["GO_ID"] not in known:
                # GAF carries no term names; an ontology source should be loaded too. Keep the id as its name.
                terms[rec["GO_ID"]] = (rec["GO_ID"], rec["GO_ID"], *NAMESPACE_LIBRARY[rec["Aspect"]], None)
        writer.add_terms(terms.values())
        writer.add_annotations(annotations)
        return self.detail(annotations=len(annotations), terms_without_ontology=len(terms))
