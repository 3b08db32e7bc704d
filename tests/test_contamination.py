"""The contamination benchmark: seeded random and half-random twins of any gene sets, and their per-level report."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from gener1_tool.cli import cli
from gener1_tool.datasets.contamination import contaminate, parse_levels, split_id
from gener1_tool.errors import Gener1Error
from gener1_tool.evaluation.contamination import contamination_summary
from gener1_tool.genes.geneset import GeneSet

UNIVERSE = [f"G{i}" for i in range(200)]


def test_every_level_keeps_the_size_and_replaces_its_share_with_genes_from_outside_the_set():
    sets = [GeneSet(id="a", genes=[f"G{i}" for i in range(10)], gold_name="alpha"),
            GeneSet(id="b", genes=["G50", "G51", "G52"], gold_name="beta")]
    out = contaminate(sets, UNIVERSE, (0, 50, 100), seed=3)
    assert [g.id for g in out] == ["a|clean", "a|random50", "a|random100", "b|clean", "b|random50", "b|random100"]
    for copy in out:
        original = sets[0] if copy.id.startswith("a") else sets[1]
        level = copy.metadata["contamination"]
        kept = [g for g in copy.genes if g in original.genes]
        assert len(copy.genes) == len(set(copy.genes)) == len(original.genes)
        assert len(original.genes) - len(kept) == round(len(original.genes) * level / 100)
        assert copy.gold_name == original.gold_name and copy.metadata["twin"] == f"{original.id}|clean"
    assert out[0].genes == sets[0].genes
    # seeded per set and level: the same with other sets around it, different with another seed
    alone = contaminate(sets[1:], UNIVERSE, (0, 50, 100), seed=3)
    assert [g.genes for g in alone] == [g.genes for g in out[3:]]
    assert contaminate(sets, UNIVERSE, (100,), seed=4)[0].genes != out[2].genes
    assert split_id("GO:1|random50") == ("GO:1", 50) and split_id("x|clean") == ("x", 0) and split_id("plain")[1] is None


def test_bad_levels_and_universes_are_clear_errors():
    with pytest.raises(Gener1Error, match="between 0 and 100"):
        parse_levels("0,150")
    with pytest.raises(Gener1Error, match="whole percentages"):
        parse_levels("half")
    with pytest.raises(Gener1Error, match="offers only"):
        contaminate([GeneSet(id="a", genes=["G1", "G2"])], ["G1", "G2", "G3"], (100,))


def test_contaminate_command_and_the_report_per_level(tiny_kb_path, tmp_path):
    sets = tmp_path / "sets.gmt"
    sets.write_text("perox\tperoxisome\tPEX1\tPEX2\tPEX3\tPEX5\n")
    out = tmp_path / "c.gmt"
    result = CliRunner().invoke(cli, ["benchmark", "contaminate", str(sets), "-o", str(out), "--kb", str(tiny_kb_path),
                                      "--levels", "0,50,100"])
    assert result.exit_code == 0, result.output
    lines = out.read_text().splitlines()
    assert [line.split("\t")[0] for line in lines] == ["perox|clean", "perox|random50", "perox|random100"]
    assert all(line.split("\t")[1] == "peroxisome" for line in lines)
    table = tmp_path / "c.tsv"  # a table keeps the gold names in a column: annotate can hold them out by name
    assert CliRunner().invoke(cli, ["benchmark", "contaminate", str(sets), "-o", str(table), "--kb",
                                    str(tiny_kb_path)]).exit_code == 0
    from gener1_tool.enrichment.evidence import gold_hold_out
    from gener1_tool.genes.readers import read_gene_sets

    twins = read_gene_sets(table)
    assert [g.gold_name for g in twins] == ["peroxisome"] * 3
    assert gold_hold_out(twins[1]) == ({"perox|random50", "perox"}, {"peroxisome"})
    # a run's records as annotate writes them: the clean set named, the random one answered unrelated
    base = {"source": "c.gmt", "mode": "grounded", "n_genes": 4, "n_known": 4, "genes": ["PEX1"], "flags": [],
            "status": "ok", "raw": "", "gold_name": None}
    ann = tmp_path / "ann"
    ann.mkdir()
    (ann / "annotations.jsonl").write_text("".join(json.dumps({**base, **r}) + "\n" for r in [
        {"index": 0, "id": "perox|clean", "name": "peroxisome", "confidence": 0.9},
        {"index": 1, "id": "perox|random50", "name": "peroxisome organization", "confidence": 0.5},
        {"index": 2, "id": "perox|random100", "name": "System of unrelated proteins", "confidence": 0.0}]))
    summary = contamination_summary(ann, out)
    levels = summary["levels"]
    assert levels["0"]["unrelated_rate"] == 0 and levels["0"]["rougeL"] == 1.0
    assert levels["50"]["below_clean_twin"] == {"pairs": 1, "rate": 1.0, "ties": 0}
    assert levels["100"]["abstention_rate"] == 1.0 and levels["100"]["confidence"]["max"] == 0.0
    result = CliRunner().invoke(cli, ["benchmark", "contamination-report", str(ann), "-g", str(out),
                                      "-o", str(tmp_path / "report")])
    assert result.exit_code == 0, result.output
    assert "| 100% random | 1 | 100.0% | 100.0% |" in result.output
    assert json.loads((tmp_path / "report" / "contamination.json").read_text())["levels"]["0"]["rougeL"] == 1.0
