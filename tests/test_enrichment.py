"""Batch ORA engine, enrichment methods and `gener1 enrich`: numbers checked against gseapy and scipy."""

from __future__ import annotations

import socket
from pathlib import Path

import gseapy
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from scipy.stats import hypergeom

from gener1_tool.cli import cli
from gener1_tool.enrichment import results as R
from gener1_tool.enrichment.batch import Background, LibraryMatrix, bh_adjust, jaccard_top, ora
from gener1_tool.enrichment.hypergeom import hypergeom_sf
from gener1_tool.enrichment.methods import GseapyMethod, OraMethod, get_method
from gener1_tool.enrichment.run import read_background, run_enrichment
from gener1_tool.errors import Gener1Error
from gener1_tool.genes.geneset import GeneSet

TINY_SETS = [
    GeneSet(id="perox", genes=["PEX1", "PEX2", "PEX3", "PEX5", "TP53"]),
    GeneSet(id="p53", genes=["TP53", "MDM2", "CDKN1A"]),
    GeneSet(id="atp", genes=["ATP5F1A", "ATP5F1B", "NDUFS1", "MARCHF1"]),
]


def gseapy_tables(query, libraries: dict, background: set) -> dict[str, pd.DataFrame]:
    """gseapy.enrich on dict libraries, split back per library (its Gene_set column is gs_ind_<i>)."""
    names = list(libraries)
    enr = gseapy.enrich(gene_list=list(query), gene_sets=[libraries[n] for n in names], background=set(background),
                        outdir=None, no_plot=True)
    res = enr.results if isinstance(enr.results, pd.DataFrame) else pd.DataFrame(columns=R.GSEAPY_COLUMNS)
    return {n: res[res["Gene_set"] == f"gs_ind_{i}"].reset_index(drop=True) for i, n in enumerate(names)}


def assert_same_as_gseapy(queries, libraries: dict, background: set, rtol=1e-12):
    bg = Background(background)
    matrices = {n: LibraryMatrix(n, sets, bg) for n, sets in libraries.items()}
    hits = {n: ora(queries, m) for n, m in matrices.items()}
    compared = 0
    for r, query in enumerate(queries):
        expected = gseapy_tables(query, libraries, background)
        for n, m in matrices.items():
            h, s, exp = hits[n], hits[n].rows(r), expected[n]
            assert [m.term_ids[j] for j in h.term[s]] == list(exp["Term"])  # same tested terms, same order
            assert [f"{k}/{K}" for k, K in zip(h.overlap[s], h.term_size[s])] == list(exp["Overlap"])
            np.testing.assert_allclose(h.pvalue[s], exp["P-value"].to_numpy(float), rtol=rtol, atol=0)
            np.testing.assert_allclose(h.adjusted[s], exp["Adjusted P-value"].to_numpy(float), rtol=rtol, atol=0)
            np.testing.assert_array_equal(h.odds_ratio[s], exp["Odds Ratio"].to_numpy(float))
            compared += len(exp)
    return compared


# -- the exact tail ---------------------------------------------------------------------------------
def test_hypergeom_sf_equals_scipy_over_the_whole_parameter_range():
    rng = np.random.default_rng(7)
    n = 8000
    N = rng.integers(2, 25000, n)
    K = np.minimum((rng.random(n) * N).astype(int) + 1, N)
    q = np.minimum((rng.random(n) ** 2 * N).astype(int) + 1, N)
    low, high = np.maximum(0, q + K - N), np.minimum(K, q)
    k = np.maximum(low + (rng.random(n) * (high - low + 1)).astype(int), 1)
    ours, ref = hypergeom_sf(k, N, K, q), hypergeom.sf(k - 1, N, K, q)
    normal = ref > 1e-290  # below, both are subnormal and carry few digits
    np.testing.assert_allclose(ours[normal], ref[normal], rtol=1e-12, atol=0)
    assert np.all(np.abs(ours - ref) < 1e-290 + 1e-12 * ref)


def test_hypergeom_sf_edges_and_tiny_tails():
    assert hypergeom_sf(0, 100, 10, 5) == 1.0  # P(X >= 0)
    assert hypergeom_sf(6, 100, 10, 5) == 0.0  # more overlap than draws
    assert hypergeom_sf(5, 10, 8, 7) == 1.0  # k at the forced minimum overlap (7 + 8 - 10)
    # A perfect 300/300 overlap in a 20,000-gene background: p ~ 1e-800 underflows to 0 like scipy.
    assert hypergeom_sf(300, 20000, 300, 300) == hypergeom.sf(299, 20000, 300, 300) == 0.0
    p = hypergeom_sf(40, 20000, 60, 50)
    assert p == pytest.approx(hypergeom.sf(39, 20000, 60, 50), rel=1e-13, abs=0) and p < 1e-90


def test_bh_adjust_is_gseapys_fdrcorrection_with_ties():
    from gseapy.stats import fdrcorrection

    rng = np.random.default_rng(3)
    p = np.round(rng.random(500) ** 3, 3)  # many ties
    _, expected = fdrcorrection(p)
    np.testing.assert_array_equal(bh_adjust(p), expected)
    assert bh_adjust(np.array([])).size == 0


# -- batch engine vs gseapy ---------------------------------------------------------------------------
def test_ora_equals_gseapy_on_tiny_kb(tiny_kb):
    libraries = {lib: tiny_kb.gene_sets(lib) for lib in ("GO_BP", "GO_MF", "GO_CC", "KEGG")}
    background = tiny_kb.annotated_symbols()
    # The default background (every annotated gene) is the union of the library dictionaries.
    assert background == set().union(*(g for sets in libraries.values() for g in sets.values()))
    compared = assert_same_as_gseapy([gs.genes for gs in TINY_SETS], libraries, background)
    assert compared >= 10


@pytest.mark.needs_data
def test_ora_equals_gseapy_on_real_go(default_kb):
    from gener1_tool import datasets as benchmarks

    libraries = {lib: default_kb.gene_sets(lib) for lib in ("GO_BP", "GO_MF", "GO_CC")}
    background = set().union(*(g for sets in libraries.values() for g in sets.values()))  # = annotated_symbols
    sets = benchmarks.load("GO_BP")[:6] + benchmarks.load("GO_CC")[:2]
    compared = assert_same_as_gseapy([gs.genes for gs in sets], libraries, background)
    assert compared > 3000  # every tested term of 8 real sets against all of GO


def test_exclude_is_the_same_as_removing_the_term(tiny_kb):
    sets = tiny_kb.gene_sets("GO_BP")
    bg = Background(tiny_kb.annotated_symbols())
    query = [["PEX1", "PEX2", "PEX3", "TP53", "MDM2"]]
    masked = ora(query, LibraryMatrix("GO_BP", sets, bg), exclude=[["GO:0007031"]])
    removed_lib = LibraryMatrix("GO_BP", {t: g for t, g in sets.items() if t != "GO:0007031"}, bg)
    removed = ora(query, removed_lib)
    assert "GO:0007031" not in [masked.library.term_ids[j] for j in masked.term]
    np.testing.assert_array_equal(np.sort(masked.pvalue), np.sort(removed.pvalue))
    np.testing.assert_array_equal(np.sort(masked.adjusted), np.sort(removed.adjusted))


def test_jaccard_top_prefers_the_closest_set(tiny_kb):
    bg = Background(tiny_kb.annotated_symbols())
    lib = LibraryMatrix("GO_CC", tiny_kb.gene_sets("GO_CC"), bg)
    (best,) = jaccard_top([["ATP5F1A", "ATP5F1B", "UNKNOWN1"]], lib)
    j, jac, k = best
    assert lib.term_ids[j] == "GO:0045259" and k == 2 and jac == pytest.approx(2 / 3)
    assert jaccard_top([["NOPE"]], lib) == [None]


# -- methods ----------------------------------------------------------------------------------------
def test_builtin_methods_are_registered_plugins():
    assert isinstance(get_method("ora"), OraMethod) and isinstance(get_method("gseapy"), GseapyMethod)
    with pytest.raises(Gener1Error, match="no enrichment method named 'nope'"):
        get_method("nope")


def test_gseapy_method_never_touches_the_network(tiny_kb, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    libraries = {lib: tiny_kb.gene_sets(lib) for lib in ("GO_BP", "GO_CC", "KEGG")}
    background = tiny_kb.annotated_symbols()
    via_gseapy = GseapyMethod().run(TINY_SETS, libraries, background)
    via_ora = OraMethod().run(TINY_SETS, libraries, background)
    for a, b in zip(via_gseapy, via_ora):
        assert list(a.table.columns) == R.COLUMNS
        assert list(a.table["Term"]) == list(b.table["Term"])
        assert list(a.table["Genes"]) == list(b.table["Genes"])  # overlap genes, input order, deterministic
        np.testing.assert_allclose(a.table["P-value"], b.table["P-value"], rtol=1e-12)
        np.testing.assert_allclose(a.table["FDR"], b.table["FDR"], rtol=1e-12)
    assert via_ora[0].table.iloc[0]["Genes"] == "PEX1;PEX2;PEX3;PEX5"


def test_gseapy_method_keeps_mixed_case_symbols():
    # gseapy upper-cases the query (not the library) when the query is < 90% upper-case and the
    # library mostly is: C1orf112 would silently miss. The method neutralises that rule.
    library = {f"T{i}": ["AAA", "BBB", f"G{i}"] for i in range(12)}
    library["T_orf"] = ["C1orf112", "C2orf42", "DDD"]
    background = set().union(*library.values()) | {f"X{i}" for i in range(200)}
    sets = [GeneSet(id="q", genes=["C1orf112", "C2orf42"])]
    (res,) = GseapyMethod().run(sets, {"L": library}, background)
    assert res.table.iloc[0]["Term"] == "T_orf" and res.table.iloc[0]["Genes"] == "C1orf112;C2orf42"
    (res_ora,) = OraMethod().run(sets, {"L": library}, background)
    assert res_ora.table.iloc[0]["P-value"] == pytest.approx(res.table.iloc[0]["P-value"], rel=1e-12, abs=0)


@pytest.mark.parametrize("method", ["ora", "gseapy"])
def test_bad_input_is_flagged_never_raised(tiny_kb, method):
    sets = [
        GeneSet(id="ok", genes=["PEX1", "PEX2", "PEX5"]),
        GeneSet(id="empty", genes=[]),
        GeneSet(id="unknown", genes=["NOTAGENE1", "NOTAGENE2"]),
        GeneSet(id="unrelated", genes=["SEPTIN7"]),  # known symbol, no annotation in these libraries
    ]
    libraries = {"GO_BP": tiny_kb.gene_sets("GO_BP"), "EMPTY": {}}
    out = get_method(method).run(sets, libraries, tiny_kb.annotated_symbols())
    by_id = {r.set_id: r for r in out}
    assert [r.set_id for r in out] == ["ok", "empty", "unknown", "unrelated"]
    assert not by_id["ok"].table.empty and by_id["ok"].table.iloc[0]["Term_name"] == "GO:0016558"
    assert R.FLAG_EMPTY_SET in by_id["empty"].flags
    assert R.FLAG_NO_KNOWN_GENES in by_id["unknown"].flags and "NOTAGENE1" in " ".join(by_id["unknown"].reasons)
    assert R.FLAG_NO_KNOWN_GENES in by_id["unrelated"].flags
    assert all(R.FLAG_EMPTY_LIBRARY in r.flags and "EMPTY" in " ".join(r.reasons) for r in out)
    # A background smaller than the set: flagged, and only the genes inside it are tested.
    (small,) = get_method(method).run([sets[0]], libraries, {"PEX1", "PEX2"})
    assert R.FLAG_BACKGROUND_SMALLER in small.flags and small.n_in_background == 2
    assert set(small.table["Overlap_size"]) <= {1, 2}


def test_run_enrichment_names_terms_and_pools_fdr(tiny_kb):
    out = run_enrichment(TINY_SETS, tiny_kb, libraries=["go_bp", "KEGG"])
    perox = out[0].table
    assert set(perox["Library"]) == {"GO_BP", "KEGG"}
    assert "peroxisome organization" in set(perox["Term_name"])
    np.testing.assert_allclose(perox["FDR"], bh_adjust(perox["P-value"].to_numpy()))
    assert list(perox["P-value"]) == sorted(perox["P-value"])
    with pytest.raises(Gener1Error, match="library 'NOPE' is not in the knowledge base"):
        run_enrichment(TINY_SETS, tiny_kb, libraries=["NOPE"])


def test_read_background(tmp_path):
    path = tmp_path / "bg.txt"
    path.write_text("# expressed genes\nPEX1\nPEX2, PEX3\tTP53\n\n", encoding="utf-8")
    assert read_background(path) == {"PEX1", "PEX2", "PEX3", "TP53"}
    (tmp_path / "empty.txt").write_text("# nothing\n", encoding="utf-8")
    with pytest.raises(Gener1Error, match="lists no genes"):
        read_background(tmp_path / "empty.txt")
    with pytest.raises(Gener1Error, match="not found"):
        read_background(tmp_path / "missing.txt")


# -- CLI --------------------------------------------------------------------------------------------
TEST_DATA = Path(__file__).resolve().parent.parent / "test-data" / "enrich"


@pytest.fixture
def sets_file():
    return TEST_DATA / "sets.gmt"  # PEROX, GO:0006977 (p53), BAD (unknown symbols only)


def test_enrich_cli_writes_the_report(tiny_kb_path, sets_file, tmp_path):
    out = tmp_path / "report"
    result = CliRunner().invoke(cli, ["enrich", str(sets_file), "-o", str(out), "--kb", str(tiny_kb_path), "--top", "3"])
    assert result.exit_code == 0, result.output
    assert "3 sets enriched" in result.output and "1 flagged" in result.output
    summary = pd.read_csv(out / "summary.tsv", sep="\t", keep_default_na=False)
    assert list(summary["Set_ID"]) == ["PEROX", "GO:0006977", "BAD"]
    assert summary.loc[0, "top_term_name"] in {"peroxisome", "peroxisome organization", "Peroxisome"}
    assert summary.loc[2, "status"] == "flagged" and "no_known_genes" in summary.loc[2, "flags"]
    table = pd.read_csv(out / "tables" / "GO_0006977.tsv", sep="\t")
    assert list(table.columns) == R.COLUMNS and table.iloc[0]["Genes"] == "TP53;MDM2;CDKN1A"
    combined = pd.read_csv(out / "combined.tsv", sep="\t")
    assert combined.groupby("Set_ID").size().max() <= 3
    for stem in ("PEROX", "GO_0006977", "BAD"):
        assert (out / "plots" / f"{stem}.png").read_bytes()[:4] == b"\x89PNG"
    assert '"method": "ora"' in (out / "run.json").read_text()


def test_enrich_cli_gseapy_method_and_background(tiny_kb_path, sets_file, tmp_path):
    bg = TEST_DATA / "background.txt"  # 8 genes: the PEX, p53 genes and ATP5F1A
    out = tmp_path / "g"
    result = CliRunner().invoke(cli, ["enrich", str(sets_file), "-o", str(out), "--kb", str(tiny_kb_path),
                                      "--method", "gseapy", "--background", str(bg), "--library", "GO_BP", "--no-plots"])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out / "tables" / "PEROX.tsv", sep="\t")
    # N = 8 background genes, K = 4 peroxisome-organization genes inside it, n = 4 PEX genes: p = 1/C(8,4)
    row = table[table["Term"] == "GO:0007031"].iloc[0]
    assert row["P-value"] == pytest.approx(1 / 70, rel=1e-6) and not (out / "plots").exists()


def test_enrich_cli_bad_library_is_one_line_error(tiny_kb_path, sets_file, tmp_path):
    result = CliRunner().invoke(cli, ["enrich", str(sets_file), "-o", str(tmp_path / "x"), "--kb", str(tiny_kb_path),
                                      "--library", "KEGG_2099"])
    assert result.exit_code == 1
    assert "library 'KEGG_2099' is not in the knowledge base" in result.output
