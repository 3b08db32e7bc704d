"""An example third-party gener1 plugin: HGNC gene groups (gene families) as a knowledge source.

Reads HGNC's official complete set (``hgnc_complete_set.txt``, tab-separated, header row) and adds
each gene's groups ("ATP binding cassette subfamily A", "Septins", ...) as `family` facts, plus its
HGNC aliases and previous symbols. Install with ``pip install ./plugins/gener1-hgnc-groups``; then
``gener1 kb build --source hgnc_groups=hgnc_complete_set.txt ...`` and ``gener1 plugins`` lists it.
"""

from __future__ import annotations

from gener1_tool import hookimpl
from gener1_tool.knowledge.sources.base import KnowledgeSource, iter_tsv

REQUIRED = ("hgnc_id", "symbol", "name", "status", "gene_group", "gene_group_id")


def _split(value: str) -> list[str]:
    return [v.strip() for v in value.strip('"').split("|") if v.strip()]


class HgncGeneGroups(KnowledgeSource):
    name = "hgnc_groups"
    description = "HGNC gene groups (families), aliases and previous symbols from hgnc_complete_set.txt"
    relations = ("family",)
    licence = "CC0 (HGNC)"
    formats = "HGNC complete set TSV (hgnc_complete_set.txt)"

    def load(self, writer) -> dict:
        path = self.require_path()
        rows = iter_tsv(path, comment="")
        header_line, header = next(rows)
        missing = [c for c in REQUIRED if c not in header]
        if missing:
            from gener1_tool.errors import Gener1Error

            raise Gener1Error(f"missing HGNC columns {missing}", path=path, line=header_line)
        col = {c: i for i, c in enumerate(header)}
        terms, annotations = {}, []
        for line_no, cols in rows:
            if len(cols) < len(REQUIRED):
                self.bad_line(line_no, f"expected {len(header)} columns, found {len(cols)}")
                continue
            if cols[col["status"]] != "Approved":
                continue
            symbol = cols[col["symbol"]]
            gene_id = writer.gene_id_for(symbol)
            writer.add_xref(gene_id, "hgnc", cols[col["hgnc_id"]])
            for kind in ("alias_symbol", "prev_symbol"):
                if kind in col and col[kind] < len(cols):
                    for alias in _split(cols[col[kind]]):
                        writer.add_alias(alias, gene_id, "previous" if kind == "prev_symbol" else "alias")
            names, ids = _split(cols[col["gene_group"]]), _split(cols[col["gene_group_id"]])
            for group_name, group_id in zip(names, ids):
                term_id = f"HGNC_GROUP:{group_id}"
                terms[term_id] = (term_id, group_name, "HGNC_GROUP", "family", None)
                annotations.append((gene_id, term_id, "", ""))
        writer.add_terms(terms.values())
        writer.add_annotations(annotations)
        return self.detail(groups=len(terms), memberships=len(annotations))


@hookimpl
def register_knowledge_sources(register):
    register(HgncGeneGroups)
