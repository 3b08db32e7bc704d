"""Pathway and signature gene sets from GMT files (Reactome, WikiPathways, KEGG, MSigDB, Enrichr libraries)."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from typing import Iterable, Mapping

from ...errors import Gener1Error
from .base import KnowledgeSource, iter_lines

# MSigDB collection prefixes that are not part of a pathway's name.
_MSIGDB_PREFIXES = ("REACTOME_", "KEGG_MEDICUS_", "KEGG_", "BIOCARTA_", "WP_", "PID_", "HALLMARK_", "GOBP_", "GOMF_",
                    "GOCC_")
_REACTOME_ID = re.compile(r"^R-[A-Z]{3}-\d+$")


_WORD = re.compile(r"[A-Za-z0-9]+")


def word_casing(names: Iterable[str], symbols: Iterable[str] = ()) -> dict[str, str]:
    """Lower-case word -> its usual written form, where that form has capitals ("dna" -> "DNA", "mrna" -> "mRNA",
    "ii" -> "II") or mixes letters and digits ("p53", which a name's capitalised first word loses): the form of at
    least 90% of the word's uses in ``names`` (e.g. GO and HPO term names; a name's first word counts only when it is
    not merely capitalised), then gene ``symbols`` for words the names never use ("tp53" -> "TP53"). Single letters
    are left alone: "a" and "s" are too often words."""
    seen: dict[str, Counter] = defaultdict(Counter)
    for name in names:
        for i, match in enumerate(_WORD.finditer(name)):
            word = match.group()
            if i == 0 and word[:1].isupper() and word[1:].islower():
                continue
            seen[word.lower()][word] += 1
    casing = {}
    for lower, forms in seen.items():
        form, n = forms.most_common(1)[0]
        # A lower-case form counts where a capital would be wrong even first in a name: "p53", "p38" (not "cell").
        marked = form != lower or (any(c.isdigit() for c in form) and any(c.isalpha() for c in form))
        if len(lower) > 1 and marked and n >= 0.9 * sum(forms.values()):
            casing[lower] = form
    for symbol in symbols:
        if len(symbol) > 2 and _WORD.fullmatch(symbol) and symbol.lower() not in seen:
            casing.setdefault(symbol.lower(), symbol)
    return casing


def restore_casing(name: str, casing: Mapping[str, str]) -> str:
    """``name`` with each word the casing vocabulary knows written its usual way ("Dna repair" -> "DNA repair")."""
    return _WORD.sub(lambda m: casing.get(m.group().lower(), m.group()), name)


def readable_set_name(raw: str, description: str = "",
                      casing: Mapping[str, str] | None = None) -> tuple[str, str | None]:
    """(readable name, stable id or None) from a GMT name/description pair in any of the common styles. MSigDB's
    upper-case names lose their casing; ``casing`` (``word_casing``) puts back what it knows."""
    if "%" in raw:  # WikiPathways / Bader lab: "Name%WikiPathways_20240101%WP123%Homo sapiens"
        parts = raw.split("%")
        return parts[0].strip(), (parts[2] if len(parts) > 2 else None)
    if _REACTOME_ID.match(description.strip()):  # Reactome's own GMT: name <tab> R-HSA-id
        return raw.strip(), description.strip()
    if raw.isupper() and "_" in raw and " " not in raw:  # MSigDB: REACTOME_CELL_CYCLE
        name = raw
        for prefix in _MSIGDB_PREFIXES:
            if name.startswith(prefix):
                name = name[len(prefix):]
                break
        words = name.replace("_", " ").lower()
        words = words[:1].upper() + words[1:]
        return (restore_casing(words, casing) if casing else words), None
    return raw.strip(), None


class GmtGeneSets(KnowledgeSource):
    name = "gmt"
    description = "Gene sets from a GMT file as one pathway library (use gmt:LIBRARY=PATH to name the library)"
    relations = ("pathway",)
    licence = "as the GMT's provider states (Reactome CC BY 4.0, WikiPathways CC0, KEGG academic, MSigDB CC BY 4.0)"
    formats = "GMT: name <tab> description <tab> gene ... (plain or .gz)"

    @property
    def label(self) -> str:
        return self.library

    @property
    def library(self) -> str:
        lib = self.options.get("library") or (self.path.name.split(".")[0] if self.path else "GMT")
        return re.sub(r"[^A-Za-z0-9]+", "_", lib).strip("_").upper()

    def load(self, writer) -> dict:
        path = self.require_path()
        relation = self.options.get("relation", "pathway")
        id_type = self.options.get("id_type", "symbol")  # symbol | entrez
        terms, annotations, n_sets = [], [], 0
        seen_ids: set[str] = set()
        casing = None  # built from the KB so far (gene and ontology sources load first) at the first MSigDB name
        for line_no, line in iter_lines(path):
            if not line.strip() or line.startswith("#"):
                continue
            cols = line.split("\t")
            if len(cols) < 3:
                self.bad_line(line_no, f"expected 'name<TAB>description<TAB>gene...', found {len(cols)} column(s)")
                continue
            if casing is None and cols[0].isupper():
                casing = word_casing(writer.term_names(), writer.gene_symbols())
            name, stable_id = readable_set_name(cols[0], cols[1], casing)
            if not name:
                self.bad_line(line_no, "gene set without a name")
                continue
            term_id = f"{self.library}:{stable_id or cols[0].strip()}"
            if term_id in seen_ids:
                self.bad_line(line_no, f"duplicate gene set {cols[0]!r}")
                continue
            seen_ids.add(term_id)
            genes = [g.strip() for g in cols[2:] if g.strip()]
            genes = [g.split(",")[0] for g in genes]  # Enrichr "GENE,1.0" weighted style
            terms.append((term_id, name, self.library, relation, cols[1].strip() or None))
            for gene in genes:
                if id_type == "entrez":  # a retired Entrez id is not a symbol: count it, link nothing
                    gene_id = writer.gene_id_for(gene, db="entrez", create=False)
                else:
                    gene_id = writer.gene_id_for(gene)
                if gene_id is not None:
                    annotations.append((gene_id, term_id, "", ""))
            n_sets += 1
        if not n_sets:
            raise Gener1Error("no gene sets found; is this a GMT file?", path=path)
        writer.add_terms(terms)
        writer.add_annotations(annotations)
        return self.detail(library=self.library, gene_sets=n_sets, memberships=len(annotations))
