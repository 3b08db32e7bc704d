"""Symbol hygiene: aliases, previous symbols, Excel dates, ids, unknown and ambiguous symbols reported."""

from __future__ import annotations

import pytest

from gener1_tool.genes.geneset import FLAG_NO_KNOWN_GENES, GeneSet
from gener1_tool.genes.hygiene import SymbolResolver, _excel_date_candidates, normalise


def test_hygiene_on_tiny_kb(tiny_kb):
    gs = GeneSet("s1", ["1-Mar", "SEPT7", "tp53", "P53", "10", "ENSG00000141510.12", " PEX1 ", "NOTAGENE", "PEX1", "CIP1"])
    normalise([gs], tiny_kb)
    assert gs.genes == ["MARCHF1", "SEPTIN7", "TP53", "PEX1", "NOTAGENE", "CDKN1A"]
    reasons = {c.original: (c.symbol, c.reason) for c in gs.changes}
    assert reasons["1-Mar"] == ("MARCHF1", "excel_date")
    assert reasons["SEPT7"] == ("SEPTIN7", "alias")
    assert reasons["tp53"] == ("TP53", "case")
    assert reasons["10"] == ("TP53", "entrez")
    assert reasons["ENSG00000141510.12"] == ("TP53", "ensembl")
    assert reasons[" PEX1 "] == ("PEX1", "whitespace")
    assert gs.unknown == ["NOTAGENE"]
    assert gs.input_genes[0] == "1-Mar"  # what the user gave is kept


def test_all_unknown_is_flagged(tiny_kb):
    gs = GeneSet("s2", ["FOO1", "BAR2"])
    normalise([gs], tiny_kb)
    assert gs.genes == ["FOO1", "BAR2"] and gs.unknown == ["FOO1", "BAR2"] and FLAG_NO_KNOWN_GENES in gs.flags


@pytest.mark.parametrize("text, expected", [
    ("1-Mar", ["MARCHF1", "MARCH1"]), ("Mar-1", ["MARCHF1", "MARCH1"]), ("07-Sep", ["SEPTIN7", "SEPT7"]),
    ("2-Dec", ["DELEC2", "DEC2"]), ("2024-09-07", ["SEPTIN7", "SEPT7"]), ("TP53", []), ("13-Foo", []),
])
def test_excel_date_candidates(text, expected):
    assert _excel_date_candidates(text) == expected


@pytest.mark.needs_data
def test_hygiene_on_default_kb(default_kb):
    resolver = SymbolResolver(default_kb)
    assert resolver.resolve("1-Mar")[:2] == ("MARCHF1", "excel_date")
    assert resolver.resolve("SEPT7")[:2] == ("SEPTIN7", "alias")
    assert resolver.resolve("7157")[:2] == ("TP53", "entrez")
    assert resolver.resolve("ENSG00000141510")[:2] == ("TP53", "ensembl")
    symbol, reason, candidates = resolver.resolve("CIP1")
    assert symbol is None and reason == "ambiguous" and "CDKN1A" in candidates
