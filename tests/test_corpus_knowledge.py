"""The warm-up corpus: one relation per sentence, varied templates, dedup, exclusion by id and by name."""

from __future__ import annotations

import json

import pytest

from gener1_tool.errors import Gener1Error
from gener1_tool.corpora.knowledge import TEMPLATES, corpus_knowledge


def read(path):
    return [json.loads(line) for line in open(path)]


def test_corpus_sentences_are_tagged_and_deduplicated(tiny_kb, tmp_path):
    out = tmp_path / "c.jsonl"
    report = corpus_knowledge(tiny_kb, out, text_output=tmp_path / "c.txt")
    rows = read(out)
    assert report.sentences == len(rows) == len({r["text"] for r in rows})
    # 25 direct facts + one full-name sentence for each of the 11 annotated genes
    assert report.by_relation["gene_name"] == 11 and len(rows) == 36
    assert {r["relation"] for r in rows} == {"gene_name", "process", "component", "function", "pathway"}
    assert all(r["source"] == "tiny" for r in rows)
    assert (tmp_path / "c.txt").read_text().splitlines() == [r["text"] for r in rows]
    pex1_import = [r for r in rows if r["gene"] == "PEX1" and r["term_id"] == "GO:0016558"][0]
    assert "protein import into peroxisome matrix" in pex1_import["text"] and "PEX1" in pex1_import["text"]
    assert report.to_dict()["share_by_source"] == {"tiny": 1.0}


def test_templates_vary_and_are_reproducible(tiny_kb, tmp_path):
    a = read(corpus_knowledge(tiny_kb, tmp_path / "a.jsonl", seed=1) and tmp_path / "a.jsonl")
    b = read(corpus_knowledge(tiny_kb, tmp_path / "b.jsonl", seed=1) and tmp_path / "b.jsonl")
    c = read(corpus_knowledge(tiny_kb, tmp_path / "c.jsonl", seed=2) and tmp_path / "c.jsonl")
    assert a == b and a != c
    process_texts = [r["text"] for r in a if r["relation"] == "process"]
    used = {tmpl for tmpl in TEMPLATES["process"] for t in process_texts if t.startswith(tmpl.split("{")[0]) and tmpl.split("{")[0]}
    assert len(used) >= 2  # more than one phrasing per relation type


def test_exclusion_by_id_and_by_name(tiny_kb, tmp_path):
    out = tmp_path / "c.jsonl"
    report = corpus_knowledge(tiny_kb, out, exclude_terms={"GO:0006119"}, exclude_names={"Peroxisome"})
    rows = read(out)
    assert not [r for r in rows if r["term_id"] == "GO:0006119"]
    # "Peroxisome" names both the KEGG pathway and the GO:CC term "peroxisome": both go, by name.
    assert not [r for r in rows if r["term_id"] in ("KEGG:hsa04146", "GO:0005777")]
    assert not [r for r in rows if "oxidative phosphorylation" in r["text"]]
    assert report.excluded_by_id == 3 and report.excluded_by_name == 8


def test_evidence_and_relation_filters(tiny_kb, tmp_path):
    report = corpus_knowledge(tiny_kb, tmp_path / "c.jsonl", exclude_evidence=["IEA"], relations=["process"])
    assert report.skipped_evidence == 2  # PEX3 in peroxisome, ATP5F1B in oxphos
    assert report.sentences == 9  # process facts only: no gene-name sentences unless asked
    assert set(report.by_relation) == {"process"}
    with pytest.raises(Gener1Error, match="unknown relation"):
        corpus_knowledge(tiny_kb, tmp_path / "d.jsonl", relations=["nonsense"])


def test_empty_corpus_is_an_error(tiny_kb, tmp_path):
    every_term = {t.term_id for t in tiny_kb.terms()}
    with pytest.raises(Gener1Error, match="corpus is empty"):
        corpus_knowledge(tiny_kb, tmp_path / "c.jsonl", exclude_terms=every_term)


@pytest.mark.needs_data
def test_default_corpus_keeps_evaluation_terms_out(default_kb, tmp_path):
    from gener1_tool import datasets as benchmarks

    ids, names = benchmarks.evaluation_term_ids(), benchmarks.evaluation_term_names()
    out = tmp_path / "c.jsonl"
    report = corpus_knowledge(default_kb, out, exclude_terms=ids, exclude_names=names,
                              relations=["process", "function", "component", "pathway"])
    assert report.sentences > 200_000 and report.excluded_by_id > 10_000
    leaked = 0
    with open(out) as fh:
        for line in fh:
            row = json.loads(line)
            leaked += row["term_id"] in ids
    assert leaked == 0
