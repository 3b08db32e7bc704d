"""Every knowledge source on a small fixture in its official format, plus malformed-input handling."""

from __future__ import annotations

from pathlib import Path

import pytest

from gener1_tool.errors import BadLine, Gener1Error
from gener1_tool.knowledge.build import SourceSpec, kb_build
from gener1_tool.knowledge.sources.gmt import restore_casing, word_casing
from gener1_tool.knowledge.store import KnowledgeBase

DATA = Path(__file__).parent.parent / "test-data" / "kb"
ALL_SOURCES = [
    "gene_info=" + str(DATA / "Homo_sapiens.gene_info"),
    "go_obo=" + str(DATA / "go-mini.obo"),
    "gene2go=" + str(DATA / "gene2go"),
    "gaf=" + str(DATA / "goa_human.gaf"),
    "gmt:MSIGDB_C2=" + str(DATA / "pathways_msigdb.gmt"),
    "gmt:REACTOME=" + str(DATA / "ReactomePathways.gmt"),
    "gmt:WIKIPATHWAYS=" + str(DATA / "wikipathways.gmt"),
    "corum=" + str(DATA / "allComplexes.txt"),
    "ctd_chemicals=" + str(DATA / "CTD_chem_gene_ixns.tsv"),
    "ctd_diseases=" + str(DATA / "CTD_genes_diseases.tsv"),
    "panther=" + str(DATA / "PTHR19.0_human"),
    "uniprot=" + str(DATA / "uniprot_sprot_human.dat"),
    "hpo=" + str(DATA / "genes_to_phenotype.txt"),
]


@pytest.fixture(scope="module")
def fixture_kb(tmp_path_factory):
    out = tmp_path_factory.mktemp("kb") / "all.sqlite"
    summary = kb_build([SourceSpec.parse(s) for s in ALL_SOURCES], out)
    kb = KnowledgeBase(out)
    yield kb, summary
    kb.close()


def test_every_source_is_recorded_with_rows(fixture_kb):
    kb, summary = fixture_kb
    sources = {s["name"]: s for s in kb.sources()}
    assert set(sources) == {"gene_info", "go_obo", "gene2go", "gaf", "MSIGDB_C2", "REACTOME", "WIKIPATHWAYS", "corum",
                            "ctd_chemicals", "ctd_diseases", "panther", "uniprot", "hpo"}
    assert all(s["rows"] > 0 for s in sources.values())
    assert sources["go_obo"]["version"] == "releases/2024-09-08"
    assert sources["gaf"]["date"] == "2024-09-08T12:00"
    assert sources["gene_info"]["detail"]["genes"] == 6  # the mouse row is filtered by tax id


def test_gene_info_symbols_aliases_and_xrefs(fixture_kb):
    kb, _ = fixture_kb
    pex1 = kb.gene_by_symbol("PEX1")
    assert pex1.gene_id == "5189" and pex1.full_name == "peroxisomal biogenesis factor 1" and pex1.map_location == "7q21.2"
    assert ("55016", "MARCHF1", "alias", "protein-coding") in kb.alias_candidates("MARCH1")
    assert kb.xref_to_gene("ensembl", "ENSG00000127980") == [("5189", "PEX1")]


def test_go_structure_and_propagation(fixture_kb):
    kb, _ = fixture_kb
    assert kb.term("GO:0016558").definition == "The import of proteins into the peroxisomal matrix."
    assert ("GO:0007031", "part_of") in kb.parents("GO:0016558")
    assert kb.term("GO:0000001") is None  # obsolete terms are skipped
    bp = kb.gene_sets("GO_BP")
    # part_of propagation: PEX1/PEX2/PEX26 are annotated to the import term and inherit its parent.
    assert bp["GO:0007031"] >= {"PEX1", "PEX2", "PEX26"}
    # regulates is NOT propagated by default: SEPTIN7 regulates mitochondrion organization only.
    assert "SEPTIN7" not in bp.get("GO:0007005", set())


def test_not_qualifiers_are_not_memberships(fixture_kb):
    kb, _ = fixture_kb
    cc = kb.gene_sets("GO_CC")
    assert "PEX26" not in cc["GO:0005777"]  # GAF NOT|located_in
    assert "PEX2" not in kb.gene_sets("GO_BP")["GO:0006119"]  # gene2go NOT involved_in


def test_gaf_links_by_uniprot_and_symbol(fixture_kb):
    kb, _ = fixture_kb
    assert "PEX2" in kb.gene_sets("GO_CC")["GO:0005777"]
    # GAF's MARCH1 is an alias of MARCHF1: resolved, not a new gene.
    assert "MARCHF1" in kb.gene_sets("GO_MF")["GO:0004842"]


def test_gmt_styles_give_readable_names(fixture_kb):
    kb, _ = fixture_kb
    names = {t.term_id: t.name for t in kb.terms()}
    assert names["MSIGDB_C2:REACTOME_PEROXISOMAL_PROTEIN_IMPORT"] == "Peroxisomal protein import"
    assert names["REACTOME:R-HSA-9033241"] == "Peroxisomal protein import"
    assert names["WIKIPATHWAYS:WP4876"] == "Peroxisome biogenesis"
    oxphos = kb.gene_sets("MSIGDB_C2")["MSIGDB_C2:KEGG_OXIDATIVE_PHOSPHORYLATION"]
    assert "ATP5F1A" in oxphos and "NOTAGENE1" in oxphos  # unknown symbols stay, flagged in provenance
    detail = {s["name"]: s["detail"] for s in kb.sources()}["MSIGDB_C2"]
    assert detail["unresolved_symbols"] == 1 and detail["unresolved_examples"] == ["NOTAGENE1"]


def test_msigdb_names_get_back_the_casing_the_kb_knows(tmp_path):
    """MSigDB writes names in capitals; the readable name takes each word's usual form from the terms and gene
    symbols loaded before it (here a WikiPathways name and gene_info's symbols)."""
    wiki = tmp_path / "wp.gmt"
    wiki.write_text("DNA repair by mRNA%WikiPathways_20240101%WP1%Homo sapiens\t\tPEX1\tPEX2\n")
    msigdb = tmp_path / "c2.gmt"
    msigdb.write_text("REACTOME_DNA_REPAIR_BY_PEX1_AND_ATP5F1A\turl\tPEX1\tATP5F1A\n"
                      "KEGG_MRNA_A_SURVEILLANCE\turl\tPEX2\tPEX26\n")
    out = tmp_path / "kb.sqlite"
    kb_build([SourceSpec.parse(s) for s in ("gene_info=" + str(DATA / "Homo_sapiens.gene_info"),
                                            "go_obo=" + str(DATA / "go-mini.obo"), f"gmt:WP={wiki}",
                                            f"gmt:C2={msigdb}")], out)
    kb = KnowledgeBase(out)
    names = {t.term_id: t.name for t in kb.terms()}
    kb.close()
    assert names["C2:REACTOME_DNA_REPAIR_BY_PEX1_AND_ATP5F1A"] == "DNA repair by PEX1 and ATP5F1A"
    assert names["C2:KEGG_MRNA_A_SURVEILLANCE"] == "mRNA a surveillance"  # single letters stay as written


def test_word_casing_takes_a_words_usual_form_and_symbols_only_for_unused_words():
    names = ["DNA repair", "mitochondrial DNA replication", "RNA polymerase II complex", "Wnt signaling",
             "wnt protein binding", "Cell cycle", "cell division", "regulation of cell cycle", "p53 binding"]
    casing = word_casing(names, ["TP53", "CELL1", "WNT1", "II"])
    assert casing["dna"] == "DNA" and casing["ii"] == "II" and casing["tp53"] == "TP53"
    assert "wnt" not in casing  # "Wnt" is only half of its uses: no usual form
    assert "cell" not in casing  # "Cell" as a name's first word does not count
    assert restore_casing("Dna repair of tp53 by rna polymerase ii", casing) == "DNA repair of TP53 by RNA polymerase II"
    assert restore_casing("P53 pathway", casing) == "p53 pathway"


def test_corum_ctd_panther_uniprot_hpo(fixture_kb):
    kb, _ = fixture_kb
    assert kb.gene_sets("CORUM")["CORUM:1"] >= {"PEX1", "PEX26"}
    assert "CORUM:2" not in kb.gene_sets("CORUM")  # mouse complex filtered
    pex1 = {t.term_id: (t, ev) for t, ev in kb.gene_annotations("PEX1")}
    assert pex1["MESH:D002994"][0].name == "Clofibrate"
    assert pex1["MESH:D015211"][0].relation == "disease"
    assert "MESH:D008113" not in {t.term_id for t, _ in kb.gene_annotations("ATP5F1A")}  # inferred-only link skipped
    assert pex1["PTHR23077"][0].name == "aaa atpase family member"
    assert pex1["PC00009"][0].name == "ATP-dependent chaperone"
    assert pex1["P05999"][0].library == "PANTHER_PATHWAY"
    func = pex1["UNIPROT_FUNCTION:O43933"][0].name
    assert func.startswith("Component of the PEX1-PEX6 AAA ATPase complex") and "PubMed" not in func and "ECO" not in func
    assert pex1["HP:0001252"][0].name == "Hypotonia"


def test_evidence_filter_and_held_out_terms(tmp_path):
    out = tmp_path / "kb.sqlite"
    kb_build([SourceSpec.parse(s) for s in ALL_SOURCES[:3]], out, exclude_evidence=["IEA"], exclude_terms=["GO:0006119"])
    kb = KnowledgeBase(out)
    assert "PEX26" not in kb.gene_sets("GO_BP")["GO:0016558"]  # its only evidence there is IEA
    assert "GO:0006119" not in kb.gene_sets("GO_BP")
    assert kb.meta()["exclude_evidence"] == ["IEA"] and kb.meta()["held_out_terms"] == 1


def test_propagate_regulates_option(tmp_path):
    out = tmp_path / "kb.sqlite"
    kb_build([SourceSpec.parse(s) for s in ALL_SOURCES[:3]], out, propagate_regulates=True)
    assert "SEPTIN7" in KnowledgeBase(out).gene_sets("GO_BP")["GO:0007005"]


@pytest.mark.parametrize("source, content, message", [
    ("gene2go", "#tax_id\tGeneID\tGO_ID\n9606\t5189\tGO:0016558\n", "expected 8 tab-separated columns"),
    ("gaf", "!gaf-version: 2.2\nUniProtKB\tO43933\tPEX1\n", "expected 17 tab-separated GAF 2.x columns"),
    ("gaf", "UniProtKB\tO43933\tPEX1\n", "missing '!gaf-version"),
    ("gmt", "SET_A\tdesc\tPEX1\nbroken line without tabs\n", "expected 'name<TAB>description<TAB>gene...'"),
    ("go_obo", "format-version: 1.2\n\n[Term]\nid: GO:1\nname: x\nnamespace: biological_process\nnonsense line\n",
     "expected 'tag: value'"),
    ("corum", "complex_id\tcomplex_name\n1\tX\n", "missing CORUM column Organism or organism"),
    ("panther", "HUMAN|HGNC=1\tA1BG\tNOTPTHR\ta\tb\tc\td\te\tf\n", "expected a PANTHER id"),
    ("hpo", "ncbi_gene_id\tgene_symbol\thpo_id\thpo_name\n5189\tPEX1\tXX:1\n", "expected ncbi_gene_id"),
])
def test_malformed_lines_name_file_and_line(tmp_path, source, content, message):
    bad = tmp_path / f"bad_{source}.txt"
    bad.write_text(content)
    with pytest.raises(Gener1Error) as err:
        kb_build([SourceSpec.parse("gene_info=" + str(DATA / "Homo_sapiens.gene_info")), SourceSpec(source, str(bad))],
                 tmp_path / "kb.sqlite")
    text = str(err.value)
    assert message in text and str(bad) in text
    if isinstance(err.value, BadLine):
        assert err.value.line is not None and f":{err.value.line}:" in text


def test_skip_bad_lines_counts_them(tmp_path):
    bad = tmp_path / "sets.gmt"
    bad.write_text("SET_A\tdesc\tPEX1\tPEX2\nbroken\nSET_B\tdesc\tPEX26\nalso broken\n")
    out = tmp_path / "kb.sqlite"
    kb_build([SourceSpec.parse("gene_info=" + str(DATA / "Homo_sapiens.gene_info")), SourceSpec("gmt", str(bad))], out,
             skip_bad_lines=True)
    kb = KnowledgeBase(out)
    detail = {s["name"]: s["detail"] for s in kb.sources()}["SETS"]
    assert detail["skipped_bad_lines"] == 2 and detail["bad_line_examples"][0].startswith("line 2:")
    assert set(kb.gene_sets("SETS")) == {"SETS:SET_A", "SETS:SET_B"}


def test_missing_empty_and_wrong_format_files(tmp_path):
    with pytest.raises(Gener1Error, match="file not found"):
        kb_build([SourceSpec("gaf", str(tmp_path / "nope.gaf"))], tmp_path / "kb.sqlite")
    empty = tmp_path / "empty.gmt"
    empty.write_text("")
    with pytest.raises(Gener1Error, match="file is empty"):
        kb_build([SourceSpec("gmt", str(empty))], tmp_path / "kb.sqlite")
    not_sqlite = tmp_path / "GO.sqlite"
    not_sqlite.write_text("hello")
    with pytest.raises(Gener1Error, match="not a Bioconductor GO.db SQLite file"):
        kb_build([SourceSpec("go_db", str(not_sqlite))], tmp_path / "kb.sqlite")
    with pytest.raises(Gener1Error, match="unknown knowledge source 'nosuch'"):
        kb_build([SourceSpec("nosuch", "x")], tmp_path / "kb.sqlite")
    binary = tmp_path / "latin.gmt"
    binary.write_bytes(b"SET\tdesc\tPEX1\n\xff\xfe\tbad\n")
    with pytest.raises(Gener1Error, match="not UTF-8 text"):
        kb_build([SourceSpec("gmt", str(binary))], tmp_path / "kb.sqlite")
    assert not (tmp_path / "kb.sqlite").exists()  # a failed build leaves no half-written KB behind


def test_gzip_input_is_read(tmp_path):
    import gzip

    gz = tmp_path / "gene_info.gz"
    gz.write_bytes(gzip.compress((DATA / "Homo_sapiens.gene_info").read_bytes()))
    out = tmp_path / "kb.sqlite"
    kb_build([SourceSpec("gene_info", str(gz))], out)
    assert KnowledgeBase(out).gene_by_symbol("PEX26").gene_id == "55670"


def test_source_spec_parsing():
    assert SourceSpec.parse("gmt:REACTOME=/x/y.gmt") == SourceSpec("gmt", "/x/y.gmt", {"library": "REACTOME"})
    assert SourceSpec.parse("hpo") == SourceSpec("hpo", None, {})
    with pytest.raises(Gener1Error, match="expected NAME=PATH"):
        SourceSpec.parse("=x")


def test_gene_sets_with_evidence_filters_are_propagated(tiny_kb):
    cc = tiny_kb.gene_sets("GO_CC", keep_evidence=["IDA"])
    assert cc["GO:0005777"] == {"PEX1", "PEX2", "PEX5"}  # PEX3's peroxisome annotation is IEA
    bp = tiny_kb.gene_sets("GO_BP", drop_evidence=["IEA"])
    assert bp["GO:0006119"] == {"ATP5F1A", "NDUFS1"}
    assert "ATP5F1B" not in bp["GO:0008150"] and "PEX3" in bp["GO:0007031"]  # is_a/part_of propagation kept
    assert tiny_kb.gene_sets("GO_BP") ["GO:0006119"] == {"ATP5F1A", "ATP5F1B", "NDUFS1"}
