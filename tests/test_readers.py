"""The gene-set reader layer: formats, DE thresholds, flags, encodings and error messages."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from gener1_tool import datasets as benchmarks
from gener1_tool.errors import Gener1Error
from gener1_tool.genes.geneset import FLAG_DUPLICATE_ID, FLAG_EMPTY, FLAG_HUGE, FLAG_SINGLE_GENE, GeneSet
from gener1_tool.genes.readers import FLAG_LATIN1, prompt_sample, read_gene_sets, write_gene_sets

INPUTS = Path(__file__).resolve().parent.parent / "test-data" / "inputs"


def by_id(sets):
    return {gs.id: gs for gs in sets}


# -- the paper's benchmark files, as published ------------------------------------------------------------
@pytest.mark.parametrize("name, count, first_id, first_gold, first_genes", [
    ("GO_BP", 1000, "GO:0032385", "positive regulation of intracellular cholesterol transport", ["LDLRAP1", "SCP2D1", "ANXA2", "SCP2"]),
    ("GO_MF", 340, "GO:0005525", "GTP binding", ["GTPBP3", "RHEB"]),
    ("GO_CC", 168, "GO:1905368", "peptidase complex", ["SPG7", "SPCS2"]),
    ("NeST", 50, "NEST:256", "MAPK signaling", ["ERBB2", "ERBB4", "FGFR2", "FGFR4", "HRAS", "KRAS"]),
    ("MSigDB", 56, "GSS_70", "Progeria", ["ZMPSTE24", "BANF1", "WRN", "LMNA"]),
])
def test_paper_files_read_as_published(name, count, first_id, first_gold, first_genes):
    sets = benchmarks.load(name)
    assert len(sets) == count
    assert sets[0].id == first_id and sets[0].gold_name == first_gold
    assert sets[0].genes[: len(first_genes)] == first_genes
    assert all(gs.source == name for gs in sets)


def test_paper_files_quoted_commas_and_sizes():
    nest = by_id(benchmarks.load("NeST"))
    assert nest["NEST:58"].size == 27 and "HLA-A" in nest["NEST:58"].genes  # quoted comma list, CRLF endings
    assert all('"' not in g for gs in nest.values() for g in gs.genes)
    mf = benchmarks.load("GO_MF")
    assert sum(FLAG_SINGLE_GENE in gs.flags for gs in mf) == sum(gs.size == 1 for gs in mf) >= 1
    cc = benchmarks.load("GO_CC")
    assert [gs.size for gs in cc if FLAG_HUGE in gs.flags] == [13075]  # flagged, never truncated
    assert len(benchmarks.evaluation_term_ids()) == 1508


# -- the other formats ------------------------------------------------------------------------------------
def test_gmt():
    sets = by_id(read_gene_sets(INPUTS / "sets.gmt"))
    assert list(sets) == ["PEROXISOME_IMPORT", "OXPHOS_CORE", "P53_TARGETS"]
    assert sets["PEROXISOME_IMPORT"].genes == ["PEX1", "PEX2", "PEX3", "PEX5"]
    assert sets["OXPHOS_CORE"].description is None  # "na" is no description
    assert sets["P53_TARGETS"].description == "p53 signalling targets"
    assert sets["P53_TARGETS"].metadata["format"] == "gmt"


def test_gene_list_with_header_comment_and_blank_line():
    (gs,) = read_gene_sets(INPUTS / "genes.txt")
    assert gs.id == "genes" and gs.genes == ["TP53", "MDM2", "CDKN1A", "P21"]


def test_long_table_grouped_by_id():
    sets = by_id(read_gene_sets(INPUTS / "long_table.tsv"))
    assert sets["p53"].genes == ["TP53", "MDM2", "CDKN1A"] and sets["perox"].genes == ["PEX1", "PEX2"]
    assert not any(FLAG_DUPLICATE_ID in gs.flags for gs in sets.values())


def test_semicolon_delimited_csv_with_gold():
    sets = by_id(read_gene_sets(INPUTS / "semicolon.csv"))
    assert sets["S1"].genes == ["TP53", "MDM2", "CDKN1A"] and sets["S1"].gold_name == "p53 signalling"


def test_flags_duplicates_empty_single_kept_in_order():
    sets = read_gene_sets(INPUTS / "edge_cases.tsv")
    assert [(gs.id, gs.size) for gs in sets] == [("S1", 2), ("S1", 3), ("EMPTY", 0), ("ONE", 1)]
    assert FLAG_DUPLICATE_ID in sets[0].flags and FLAG_DUPLICATE_ID in sets[1].flags
    assert sets[2].flags == [FLAG_EMPTY] and sets[3].flags == [FLAG_SINGLE_GENE]


def test_huge_set_flagged_and_prompt_sample_is_deterministic(tmp_path):
    genes = [f"G{i}" for i in range(12_000)]
    path = tmp_path / "huge.gmt"
    path.write_text("BIG\tna\t" + "\t".join(genes) + "\n")
    (gs,) = read_gene_sets(path)
    assert gs.size == 12_000 and FLAG_HUGE in gs.flags  # readers never drop genes
    sample = prompt_sample(gs, cap=500)
    assert len(sample) == 500 and sample == prompt_sample(gs, cap=500)
    assert sample == [g for g in genes if g in set(sample)]  # input order kept
    assert prompt_sample(GeneSet("small", ["A", "B"]), cap=500) == ["A", "B"]


def test_gzip_input(tmp_path):
    path = tmp_path / "sets.gmt.gz"
    path.write_bytes(gzip.compress((INPUTS / "sets.gmt").read_bytes()))
    assert [gs.id for gs in read_gene_sets(path)] == ["PEROXISOME_IMPORT", "OXPHOS_CORE", "P53_TARGETS"]


# -- differential-expression tables -----------------------------------------------------------------------
def test_deseq2_rownames_thresholds_and_na():
    up, down = read_gene_sets(INPUTS / "deseq2_results.csv")
    assert up.id == "deseq2_results_up" and down.id == "deseq2_results_down"
    # padj < 0.05 and log2FC >= 1, most significant first; ATP5F1A fails the fold change, NDUFS1 has NA padj.
    assert up.genes == ["TP53", "CDKN1A", "MDM2", "SEPT7"]
    assert down.genes == ["PEX5", "PEX1"]
    assert up.metadata["tool"] == "DESeq2" and up.metadata["gene_column"] == "(row names)" and up.metadata["na"] == 1


def test_deseq2_top_and_custom_thresholds():
    up, down = read_gene_sets(INPUTS / "deseq2_results.csv", top=2)
    assert up.genes == ["TP53", "CDKN1A"] and up.metadata["passing"] == 4
    up, down = read_gene_sets(INPUTS / "deseq2_results.csv", padj=0.01, lfc=0.3)
    assert up.genes == ["TP53", "CDKN1A", "MDM2"] and down.genes == ["PEX5", "PEX1"]


def test_edger_header_without_rownames_field():
    up, down = read_gene_sets(INPUTS / "edger_toptags.tsv")
    assert up.metadata["tool"] == "edgeR"
    assert up.genes == ["TP53", "MDM2"] and down.genes == ["PEX5"]
    assert FLAG_SINGLE_GENE in down.flags


def test_limma_id_column():
    up, down = read_gene_sets(INPUTS / "limma_toptable.tsv")
    assert up.metadata["tool"] == "limma" and up.metadata["gene_column"] == "ID"
    assert up.genes == ["CDKN1A", "TP53"] and down.genes == ["MARCH1", "PEX2"]


def test_de_table_bad_number_names_line(tmp_path):
    path = tmp_path / "de.csv"
    path.write_text("gene,log2FoldChange,padj\nTP53,2.0,0.001\nMDM2,high,0.01\n")
    with pytest.raises(Gener1Error) as err:
        read_gene_sets(path)
    assert err.value.line == 3 and "high" in str(err.value) and "de.csv:3" in str(err.value)


# -- encodings and errors ---------------------------------------------------------------------------------
def test_latin1_fallback_and_strict(tmp_path):
    (gs,) = read_gene_sets(INPUTS / "latin1.tsv")
    assert gs.gold_name == "réponse au stress" and FLAG_LATIN1 in gs.flags
    with pytest.raises(Gener1Error, match="not UTF-8") as err:
        read_gene_sets(INPUTS / "latin1.tsv", strict_encoding=True)
    assert err.value.line == 2


@pytest.mark.parametrize("content, message, line", [
    ("ID\tGenes\nS1\tA B\n\tC D\n", "empty set ID", 3),
    ("SET1\tdesc\tA\tB\nonlyonefield\n", "GMT line", 2),
    ("foo bar\tbaz qux\nzzz yyy\n", "cannot tell the format", 1),
])
def test_malformed_inputs_name_file_and_line(tmp_path, content, message, line):
    path = tmp_path / ("x.gmt" if "GMT" in message else "x.tsv")
    path.write_text(content)
    with pytest.raises(Gener1Error, match=message) as err:
        read_gene_sets(path)
    assert err.value.line == line and err.value.path == str(path)


def test_unreadable_files(tmp_path):
    with pytest.raises(Gener1Error, match="file not found"):
        read_gene_sets(tmp_path / "nope.gmt")
    (tmp_path / "bin.tsv").write_bytes(b"\x00\x01\x02ID\tGenes")
    with pytest.raises(Gener1Error, match="binary"):
        read_gene_sets(tmp_path / "bin.tsv")
    (tmp_path / "sheet.xlsx").write_bytes(b"PK\x03\x04")
    with pytest.raises(Gener1Error, match="save the sheet as CSV"):
        read_gene_sets(tmp_path / "sheet.xlsx")
    (tmp_path / "empty.tsv").write_text("# nothing\n\n")
    with pytest.raises(Gener1Error, match="empty"):
        read_gene_sets(tmp_path / "empty.tsv")


def test_roundtrip_gmt_and_tsv(tmp_path):
    sets = benchmarks.load("NeST")[:5]
    for fmt in ("gmt", "tsv"):
        back = read_gene_sets(write_gene_sets(sets, tmp_path / f"nest.{fmt}", fmt))
        assert [(b.id, b.genes) for b in back] == [(s.id, s.genes) for s in sets]
        assert [b.gold_name or b.description for b in back] == [s.gold_name for s in sets]


def test_hygiene_with_kb(tiny_kb):
    sets = by_id(read_gene_sets(INPUTS / "sets.gmt", kb=tiny_kb))
    p53 = sets["P53_TARGETS"]
    assert p53.genes == ["TP53", "MDM2", "CDKN1A"]  # P21 is an alias of CDKN1A: merged, and recorded
    assert any(c.original == "P21" and c.symbol == "CDKN1A" for c in p53.changes)
    assert p53.input_genes == ["TP53", "MDM2", "CDKN1A", "P21"]
