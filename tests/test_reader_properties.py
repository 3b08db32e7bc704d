"""Property-based tests of the readers a user's files go through: any bytes give a parsed result or a clear
``Gener1Error`` (never another exception), and well-formed input never loses a set or a record."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gener1_tool.errors import Gener1Error
from gener1_tool.genes.readers import read_gene_sets
from gener1_tool.io import parse_json_records, parse_jsonl

SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
set_ids = st.from_regex(r"[A-Za-z][A-Za-z0-9_:.-]{0,11}", fullmatch=True)
symbols = st.from_regex(r"[A-Z][A-Z0-9]{1,6}", fullmatch=True).filter(lambda s: not s.isdigit())
gene_sets = st.lists(st.tuples(set_ids, st.lists(symbols, min_size=1, max_size=8, unique=True)), min_size=1,
                     max_size=6, unique_by=lambda t: t[0])


def _read(data: bytes, suffix: str, fmt: str = "auto"):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"input{suffix}"
        path.write_bytes(data)
        return read_gene_sets(path, format=fmt)


@SETTINGS
@given(data=st.binary(max_size=400), suffix=st.sampled_from([".gmt", ".tsv", ".csv", ".txt"]),
       fmt=st.sampled_from(["auto", "gmt", "table", "list", "de"]))
def test_any_bytes_read_as_sets_or_a_clear_error(data, suffix, fmt):
    try:
        sets = _read(data, suffix, fmt)
    except Gener1Error as exc:
        assert str(exc)  # says what is wrong (and where)
        return
    assert isinstance(sets, list)


@SETTINGS
@given(data=st.text(alphabet=st.sampled_from(list("\t\n ,;#\"'ABCDEFGH0123456789-_.:")), max_size=300))
def test_any_text_made_of_separators_reads_or_fails_clearly(data):
    try:
        _read(data.encode(), ".tsv")
    except Gener1Error:
        pass


@SETTINGS
@given(sets=gene_sets)
def test_a_well_formed_gmt_loses_no_set_and_no_gene(sets):
    text = "".join(f"{set_id}\tdescription of {set_id}\t" + "\t".join(genes) + "\n" for set_id, genes in sets)
    read = _read(text.encode(), ".gmt")
    assert [(gs.id, gs.genes) for gs in read] == [(set_id, genes) for set_id, genes in sets]


@SETTINGS
@given(sets=gene_sets, separator=st.sampled_from([" ", ",", ";"]))
def test_a_well_formed_table_loses_no_set_and_no_gene(sets, separator):
    text = "id\tgenes\n" + "".join(f"{set_id}\t{separator.join(genes)}\n" for set_id, genes in sets)
    read = _read(text.encode(), ".tsv")
    assert [(gs.id, gs.genes) for gs in read] == [(set_id, genes) for set_id, genes in sets]


json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
                           lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner,
                                                                                        max_size=3), max_leaves=8)


@SETTINGS
@given(rows=st.lists(st.dictionaries(st.text(max_size=6), json_values, max_size=4), max_size=8))
def test_jsonl_of_objects_reads_back_every_record_in_order(rows):
    for ensure_ascii in (True, False):  # annotate writes raw non-ASCII, U+2028 included
        text = "".join(json.dumps(row, ensure_ascii=ensure_ascii) + "\n" for row in rows)
        assert [row for _, row in parse_jsonl(text.split("\n"))] == rows
        assert [row for _, row in parse_json_records(text)] == rows


@SETTINGS
@given(text=st.text(max_size=200))
def test_any_jsonl_text_reads_or_names_the_bad_line(text):
    try:
        records = parse_json_records(text, path="x.jsonl")
    except Gener1Error as exc:
        assert exc.path == "x.jsonl" and (exc.line is None or exc.line >= 1)
        return
    assert all(isinstance(rec, dict) for _, rec in records)
