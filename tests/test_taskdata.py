"""Task-alignment data: reserved IDs, evaluation names, Jaccard leakage, evidence filter, split, report."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from gener1_tool import datasets as benchmarks
from gener1_tool.corpora.task_alignment import assign_split, corpus_benchmark, corpus_named_sets, max_jaccard
from gener1_tool.cli import cli
from gener1_tool.errors import Gener1Error
from gener1_tool.knowledge.store import KBWriter, KnowledgeBase

NEST_MAPK = ["ERBB2", "ERBB4", "FGFR2", "FGFR4", "HRAS", "KRAS"]  # NEST:256 "MAPK signaling"
BP_FIRST_ID = "GO:0032385"  # first set of BP_test.csv: an evaluation ID


@pytest.fixture(scope="module")
def leak_kb(tmp_path_factory):
    """A KB whose terms each trip one removal rule (plus clean ones), with evidence codes to filter."""
    path = tmp_path_factory.mktemp("leak") / "leak.sqlite"
    w = KBWriter(path)
    w.begin_source("test")
    genes = NEST_MAPK + ["PEX1", "PEX2", "PEX3", "PEX5", "PEX6", "TP53", "MDM2", "CDKN1A", "ATM", "CHEK2", "BRCA1"]
    for i, sym in enumerate(genes, start=1):
        w.add_gene(str(i), sym, sym.lower(), "protein-coding")
    gid = {s: str(i) for i, s in enumerate(genes, start=1)}
    terms = [
        ("GO:9000001", "growth factor receptor cascade", "GO_BP", NEST_MAPK, "IDA"),          # Jaccard 1.0 with NEST:256
        ("GO:9000002", "mostly growth factor receptors", "GO_BP", NEST_MAPK[:5] + ["TP53"], "IDA"),  # Jaccard 5/7
        (BP_FIRST_ID, "positive regulation of intracellular cholesterol transport", "GO_BP", ["PEX1", "PEX2", "PEX3"], "IDA"),
        ("GO:9000004", "MAPK Signaling", "GO_BP", ["ATM", "CHEK2", "BRCA1"], "IDA"),             # an evaluation name
        ("GO:9000005", "peroxisomal import machinery", "GO_BP", ["PEX1", "PEX2", "PEX3", "PEX5", "PEX6"], "IEA"),
        ("GO:9000006", "p53 checkpoint signalling", "GO_BP", ["TP53", "MDM2", "CDKN1A", "ATM"], "IMP"),
        ("GO:9000007", "tiny term", "GO_BP", ["TP53", "MDM2"], "IDA"),                            # below min size
        ("GO:9000008", "DNA damage checkpoint", "GO_BP", [], ""),                                  # parent: genes by propagation
        ("PW:1", "peroxin pathway", "KEGG_TEST", ["PEX1", "PEX2", "PEX3", "PEX6"], ""),
    ]
    w.add_terms((t, n, lib, "process" if lib == "GO_BP" else "pathway", None) for t, n, lib, _, _ in terms)
    w.add_parents([("GO:9000006", "GO:9000008", "is_a")])
    w.add_annotations((gid[g], t, ev, "") for t, _, _, gs, ev in terms for g in gs)
    w.add_annotation(gid["BRCA1"], "GO:9000008", "IEA")
    w.end_source("test", kind="test", version="1", date="2026-01-01", path=None, licence="CC0")
    w.finish()
    return path


def read_jsonl(path):
    return [json.loads(line) for line in open(path, encoding="utf-8")]


def test_removal_reasons_and_report(leak_kb, tmp_path):
    out = tmp_path / "align.jsonl"
    report = corpus_benchmark(leak_kb, out, libraries=["GO_BP"], min_size=3, max_size=500)
    rows = {r["id"]: r for r in read_jsonl(out)}
    assert set(rows) == {"GO:9000002", "GO:9000005", "GO:9000006", "GO:9000008"}
    assert report["removed"] == {"reserved_evaluation_id": 1, "excluded_by_file": 0, "evaluation_name": 1,
                                 "size_out_of_range": 1, "jaccard_overlap": 1}
    assert report["jaccard_examples"] == [{"id": "GO:9000001", "name": "growth factor receptor cascade",
                                           "evaluation_id": "NEST:256", "jaccard": 1.0}]
    assert report["kept"] == 4 and report["considered"] == 8
    assert sum(report["kept_by_split"].values()) == 4
    saved = json.loads((tmp_path / "align.jsonl.report.json").read_text())
    assert saved["removed"] == report["removed"]
    row = rows["GO:9000008"]  # propagated from its child, plus its own IEA gene
    assert row["genes"] == sorted(["TP53", "MDM2", "CDKN1A", "ATM", "BRCA1"]) and row["size"] == 5
    assert row["gold_name"] == "DNA damage checkpoint" and row["library"] == "GO_BP"
    assert row["split"] in ("train", "validation", "test")


def test_named_sets_follow_the_same_leakage_rules_and_split_by_name(tmp_path):
    sets = tmp_path / "modules.tsv"
    sets.write_text("ID\tGenes\tTerm_Description\n"
                    "M1\t" + " ".join(NEST_MAPK) + "\tgrowth factor module\n"       # Jaccard 1.0 with NEST:256
                    "M2\tPEX1 PEX2 PEX3 PEX5\tperoxisome biogenesis module\n"
                    "M3\tTP53 MDM2 CDKN1A\tMAPK signaling\n"                         # an evaluation name
                    "M4\tTP53 MDM2\tp53 pair\n"                                       # below min size
                    "M5\tATM CHEK2 BRCA1\tperoxisome biogenesis module\n")
    out = tmp_path / "named.jsonl"
    report = corpus_named_sets(sets, out, min_size=3)
    rows = {r["id"]: r for r in read_jsonl(out)}
    assert set(rows) == {"M2", "M5"}
    assert report["removed"] == {"reserved_evaluation_id": 0, "excluded_by_file": 0, "evaluation_name": 1,
                                 "size_out_of_range": 1, "jaccard_overlap": 1}
    assert report["jaccard_examples"][0]["evaluation_id"] == "NEST:256"
    assert rows["M2"]["gold_name"] == "peroxisome biogenesis module" and rows["M2"]["library"] == "named"
    assert rows["M2"]["split"] == rows["M5"]["split"]  # one name, one split
    assert rows["M5"]["genes"] == ["ATM", "BRCA1", "CHEK2"] and rows["M5"]["size"] == 3

    gmt = tmp_path / "modules.gmt"
    gmt.write_text("HALLMARK_PEROXISOME_MODULE\turl\tPEX1\tPEX2\tPEX3\n")
    corpus_named_sets(gmt, tmp_path / "gmt.jsonl")
    assert read_jsonl(tmp_path / "gmt.jsonl")[0]["gold_name"] == "Peroxisome module"

    unnamed = tmp_path / "unnamed.tsv"
    unnamed.write_text("ID\tGenes\nM1\tPEX1 PEX2 PEX3\n")
    with pytest.raises(Gener1Error, match="no name") as err:
        corpus_named_sets(unnamed, tmp_path / "x.jsonl")
    assert err.value.line == 2

    result = CliRunner().invoke(cli, ["corpus", "named-sets", str(sets), "-o", str(tmp_path / "cli.jsonl")])
    assert result.exit_code == 0, result.output
    assert "kept 2 of 5 sets" in result.output and len(read_jsonl(tmp_path / "cli.jsonl")) == 2


def test_named_sets_take_candidates_from_every_library_and_say_so(tiny_kb_path, tmp_path):
    from gener1_tool.corpora.candidates import build_candidates_corpus

    sets = tmp_path / "modules.tsv"
    sets.write_text("ID\tGenes\tTerm_Description\nM2\tPEX1 PEX2 PEX3 PEX5\tperoxin module\n")
    corpus_named_sets(sets, tmp_path / "named.jsonl", split="1,0,0")
    score = lambda names, golds: {"rouge_l": [0.5] * len(names)}  # noqa: E731
    with pytest.raises(Gener1Error, match="'named'.*--libraries all"):
        build_candidates_corpus(tmp_path / "named.jsonl", tmp_path / "c.jsonl", kb=tiny_kb_path, score=score,
                                weights={"rouge_l": 1.0})
    build_candidates_corpus(tmp_path / "named.jsonl", tmp_path / "c.jsonl", kb=tiny_kb_path, score=score,
                            weights={"rouge_l": 1.0}, libraries="all")
    row = read_jsonl(tmp_path / "c.jsonl")[0]
    assert row["gold_name"] == "peroxin module" and row["split"] == "train" and row["list"]["candidates"]


def test_jaccard_threshold_and_exclude_file(leak_kb, tmp_path):
    report = corpus_benchmark(leak_kb, tmp_path / "a.jsonl", jaccard=0.7, exclude_terms=["GO:9000006"])
    assert report["removed"]["jaccard_overlap"] == 2  # 5/7 = 0.714 now counts as overlap
    assert report["removed"]["excluded_by_file"] == 1
    assert {r["id"] for r in read_jsonl(tmp_path / "a.jsonl")} == {"GO:9000005", "GO:9000008"}


def test_evidence_filter_rebuilds_propagated_sets(leak_kb, tmp_path):
    report = corpus_benchmark(leak_kb, tmp_path / "e.jsonl", exclude_evidence=["IEA"])
    rows = {r["id"]: r for r in read_jsonl(tmp_path / "e.jsonl")}
    assert "GO:9000005" not in rows  # all its annotations were IEA
    assert rows["GO:9000008"]["genes"] == sorted(["TP53", "MDM2", "CDKN1A", "ATM"])  # BRCA1 (IEA) gone
    assert report["settings"]["evidence_applied"] == {"GO_BP": True}
    keep_only = corpus_benchmark(leak_kb, tmp_path / "k.jsonl", evidence=["IMP"])
    assert {r["id"] for r in read_jsonl(tmp_path / "k.jsonl")} == {"GO:9000006", "GO:9000008"}
    assert keep_only["kept"] == 2


def test_pathway_library_and_unknown_library(leak_kb, tmp_path):
    report = corpus_benchmark(leak_kb, tmp_path / "p.jsonl", libraries=["KEGG_TEST"], exclude_evidence=["IEA"])
    assert [r["id"] for r in read_jsonl(tmp_path / "p.jsonl")] == ["PW:1"]
    assert report["settings"]["evidence_applied"] == {"KEGG_TEST": False}
    with pytest.raises(Gener1Error, match="NOPE"):
        corpus_benchmark(leak_kb, tmp_path / "x.jsonl", libraries=["NOPE"])


def test_split_is_seeded_by_name_and_stable():
    names = [f"term {i}" for i in range(4000)]
    splits = [assign_split(n, 0, (0.8, 0.1, 0.1)) for n in names]
    assert splits == [assign_split(n, 0, (0.8, 0.1, 0.1)) for n in names]
    assert 0.77 < splits.count("train") / 4000 < 0.83 and 0.08 < splits.count("test") / 4000 < 0.12
    assert splits != [assign_split(n, 1, (0.8, 0.1, 0.1)) for n in names]


def test_max_jaccard_matches_brute_force():
    import random

    rng = random.Random(3)
    universe = [f"G{i}" for i in range(60)]
    cands = [set(rng.sample(universe, rng.randint(1, 15))) for _ in range(50)]
    refs = [set(rng.sample(universe, rng.randint(1, 15))) for _ in range(30)] + [set(cands[7])]
    best, ref = max_jaccard(cands, refs)
    for i, c in enumerate(cands):
        expected = max(len(c & r) / len(c | r) for r in refs)
        assert best[i] == pytest.approx(expected)
        assert len(c & refs[ref[i]]) / len(c | refs[ref[i]]) == pytest.approx(expected)
    assert best[7] == 1.0


def test_on_tiny_kb_removes_evaluation_names(tiny_kb, tmp_path):
    report = corpus_benchmark(tiny_kb, tmp_path / "t.jsonl", libraries=["GO_BP", "KEGG"], min_size=2)
    rows = {r["id"]: r for r in read_jsonl(tmp_path / "t.jsonl")}
    # "oxidative phosphorylation" and "Peroxisome" are gold names of the bundled benchmarks.
    assert "GO:0006119" not in rows and "KEGG:hsa04146" not in rows
    assert report["removed"]["evaluation_name"] == 2
    assert rows["GO:0016558"]["gold_name"] == "protein import into peroxisome matrix"
    names = benchmarks.evaluation_term_names()
    assert not any(benchmarks.normalise_term_name(r["gold_name"]) in names for r in rows.values())


def test_cli_corpus_benchmark(leak_kb, tmp_path):
    ids = tmp_path / "hold.txt"
    ids.write_text("# held out\nGO:9000005\n")
    result = CliRunner().invoke(cli, ["corpus", "benchmark", "--kb", str(leak_kb), "-o", str(tmp_path / "c.jsonl"),
                                      "--exclude-terms", str(ids), "--split", "1,0,0", "--seed", "7"])
    assert result.exit_code == 0, result.output
    assert "kept 3 of 8" in result.output and "excluded_by_file 1" in result.output
    assert {r["split"] for r in read_jsonl(tmp_path / "c.jsonl")} == {"train"}
    result = CliRunner().invoke(cli, ["corpus", "benchmark", "--kb", str(tmp_path / "missing.sqlite"), "-o",
                                      str(tmp_path / "d.jsonl")])
    assert result.exit_code == 1 and "knowledge base not found" in result.output


@pytest.mark.needs_data
def test_default_kb_go_bp(default_kb, tmp_path):
    report = corpus_benchmark(default_kb, tmp_path / "bp.jsonl")
    assert report["kept"] > 5000 and report["removed"]["reserved_evaluation_id"] > 900
    ids = {r["id"] for r in read_jsonl(tmp_path / "bp.jsonl")}
    assert not ids & benchmarks.evaluation_term_ids()


def test_kb_object_or_path(leak_kb, tmp_path):
    a = corpus_benchmark(KnowledgeBase(leak_kb), tmp_path / "a.jsonl")
    b = corpus_benchmark(str(leak_kb), tmp_path / "b.jsonl")
    assert (tmp_path / "a.jsonl").read_text() == (tmp_path / "b.jsonl").read_text() and a["kept"] == b["kept"]


def _draw_pool(tmp_path):
    rows = [{"id": f"{lib}:{i}", "genes": ["A", "B"], "gold_name": f"{lib} term {i}", "library": lib,
             "split": "train" if i < 10 else "test", "size": 2}
            for lib, n in (("GO_BP", 30), ("GO_MF", 12), ("KEGG_2021_HUMAN", 11), ("REACTOME_2011", 4)) for i in range(n)]
    path = tmp_path / "ta.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_draw_sets_meets_each_kind_quota_with_disjoint_seeded_draws(tmp_path):
    from gener1_tool.corpora.task_alignment import draw_sets, parse_quota

    pool = _draw_pool(tmp_path)  # train split: 10 GO_BP, 10 GO_MF, 14 pathway (10 KEGG + 4 Reactome)
    quota = parse_quota("GO_BP=3,GO_MF=2,pathway=6")
    summaries = draw_sets(pool, [(tmp_path / "a.jsonl", quota), (tmp_path / "b.jsonl", quota),
                                 (tmp_path / "c.jsonl", parse_quota("5"))], seed=7)
    assert [s["by_kind"] for s in summaries[:2]] == [{"GO_BP": 3, "GO_MF": 2, "pathway": 6}] * 2
    drawn = {name: read_jsonl(tmp_path / f"{name}.jsonl") for name in "abc"}
    assert [len(drawn[n]) for n in "abc"] == [11, 11, 5]
    ids = [r["id"] for rows in drawn.values() for r in rows]
    assert len(ids) == len(set(ids))  # no set in two draws
    assert all(r["split"] == "train" for rows in drawn.values() for r in rows)
    again = draw_sets(pool, [(tmp_path / "a2.jsonl", quota)], seed=7)
    assert read_jsonl(tmp_path / "a2.jsonl") == drawn["a"] and again[0]["rows"] == 11  # same seed, same draw
    draw_sets(pool, [(tmp_path / "a3.jsonl", quota)], seed=8)
    assert {r["id"] for r in read_jsonl(tmp_path / "a3.jsonl")} != {r["id"] for r in drawn["a"]}


def test_draw_sets_refuses_a_quota_the_split_cannot_fill(tmp_path):
    from gener1_tool.corpora.task_alignment import draw_sets, parse_quota

    pool = _draw_pool(tmp_path)
    with pytest.raises(Gener1Error, match=r"draw 2 .* asks for 6 GO_MF sets but only 4 unused"):
        draw_sets(pool, [(tmp_path / "a.jsonl", {"GO_MF": 6}), (tmp_path / "b.jsonl", {"GO_MF": 6})])
    with pytest.raises(Gener1Error, match="KIND=COUNT"):
        parse_quota("GO_XX=3")
    result = CliRunner().invoke(cli, ["corpus", "draw", str(pool), "-d", f"{tmp_path / 'd.jsonl'}:GO_BP=2,pathway=2"])
    assert result.exit_code == 0, result.output
    assert "4 sets (GO_BP 2, pathway 2)" in result.output
    assert len(read_jsonl(tmp_path / "d.jsonl")) == 4
    bad = CliRunner().invoke(cli, ["corpus", "draw", str(pool), "-d", "GO_BP=2"])
    assert bad.exit_code != 0 and "FILE:QUOTA" in bad.output


def test_an_unstratified_draw_after_a_stratified_one_samples_what_remains(tmp_path):
    """After a draw takes 60 of 100 GO_MF sets, 40 of the 140 left are GO_MF: a 50-set draw of any kind should
    hold about 14 of them, not the run of GO_BP sets that the front of the shuffled list has left."""
    from gener1_tool.corpora.task_alignment import draw_sets

    rows = [{"id": f"{lib}:{i}", "genes": ["A"], "gold_name": f"{lib} {i}", "library": lib, "split": "train"}
            for lib in ("GO_BP", "GO_MF") for i in range(100)]
    pool = tmp_path / "ta.jsonl"
    pool.write_text("".join(json.dumps(r) + "\n" for r in rows))
    first, rest = draw_sets(pool, [(tmp_path / "mf.jsonl", {"GO_MF": 60}), (tmp_path / "any.jsonl", {"any": 50})])
    assert first["by_kind"] == {"GO_MF": 60} and rest["rows"] == 50
    assert 7 <= rest["by_kind"].get("GO_MF", 0) <= 22
