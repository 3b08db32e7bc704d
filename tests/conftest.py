"""Shared fixtures. `tiny_kb` is a hand-written, internally consistent KB for fast unit tests."""

from __future__ import annotations

import ipaddress
import os
import socket

import pytest

from gener1_tool import paths
from gener1_tool.knowledge.store import KBWriter, KnowledgeBase

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

_connect = socket.socket.connect


def _loopback_only(self, address):
    """The suite runs with networking off: a connection to anything but this machine fails as it would offline, so
    a test that (through some library) reaches for the network fails here, not only on an offline machine."""
    host = address[0] if isinstance(address, tuple) else None
    if host is not None and self.family in (socket.AF_INET, socket.AF_INET6):
        try:
            local = host == "localhost" or ipaddress.ip_address(host.split("%")[0]).is_loopback
        except ValueError:
            local = False
        if not local:
            raise OSError(f"network disabled in the test suite (connect to {address!r})")
    return _connect(self, address)


socket.socket.connect = _loopback_only

TINY_GENES = [
    # gene_id, symbol, full name, type
    ("1", "PEX1", "peroxisomal biogenesis factor 1", "protein-coding"),
    ("2", "PEX2", "peroxisomal biogenesis factor 2", "protein-coding"),
    ("3", "PEX3", "peroxisomal biogenesis factor 3", "protein-coding"),
    ("4", "PEX5", "peroxisomal biogenesis factor 5", "protein-coding"),
    ("5", "ATP5F1A", "ATP synthase F1 subunit alpha", "protein-coding"),
    ("6", "ATP5F1B", "ATP synthase F1 subunit beta", "protein-coding"),
    ("7", "NDUFS1", "NADH:ubiquinone oxidoreductase core subunit S1", "protein-coding"),
    ("8", "MARCHF1", "membrane associated ring-CH-type finger 1", "protein-coding"),
    ("9", "SEPTIN7", "septin 7", "protein-coding"),
    ("10", "TP53", "tumor protein p53", "protein-coding"),
    ("11", "MDM2", "MDM2 proto-oncogene", "protein-coding"),
    ("12", "CDKN1A", "cyclin dependent kinase inhibitor 1A", "protein-coding"),
]
TINY_ALIASES = [("MARCH1", "8"), ("SEPT7", "9"), ("P53", "10"), ("CIP1", "12"), ("P21", "12")]
TINY_TERMS = [
    ("GO:0008150", "biological_process", "GO_BP", "process"),
    ("GO:0007031", "peroxisome organization", "GO_BP", "process"),
    ("GO:0016558", "protein import into peroxisome matrix", "GO_BP", "process"),
    ("GO:0006119", "oxidative phosphorylation", "GO_BP", "process"),
    ("GO:0006977", "DNA damage response, signal transduction by p53 class mediator", "GO_BP", "process"),
    ("GO:0005777", "peroxisome", "GO_CC", "component"),
    ("GO:0045259", "proton-transporting ATP synthase complex", "GO_CC", "component"),
    ("GO:0004842", "ubiquitin-protein transferase activity", "GO_MF", "function"),
    ("KEGG:hsa04146", "Peroxisome", "KEGG", "pathway"),
    ("KEGG:hsa04115", "p53 signaling pathway", "KEGG", "pathway"),
]
TINY_PARENTS = [
    ("GO:0007031", "GO:0008150", "is_a"),
    ("GO:0016558", "GO:0007031", "part_of"),
    ("GO:0006119", "GO:0008150", "is_a"),
    ("GO:0006977", "GO:0008150", "is_a"),
]
TINY_ANNOTATIONS = [
    ("1", "GO:0016558", "IDA"), ("2", "GO:0016558", "IMP"), ("3", "GO:0007031", "TAS"), ("4", "GO:0016558", "IDA"),
    ("1", "GO:0005777", "IDA"), ("2", "GO:0005777", "IDA"), ("3", "GO:0005777", "IEA"), ("4", "GO:0005777", "IDA"),
    ("5", "GO:0006119", "IMP"), ("6", "GO:0006119", "IEA"), ("7", "GO:0006119", "TAS"),
    ("5", "GO:0045259", "IDA"), ("6", "GO:0045259", "IDA"),
    ("8", "GO:0004842", "IDA"), ("11", "GO:0004842", "IDA"),
    ("10", "GO:0006977", "IDA"), ("11", "GO:0006977", "IMP"), ("12", "GO:0006977", "IEP"),
    ("1", "KEGG:hsa04146", ""), ("2", "KEGG:hsa04146", ""), ("3", "KEGG:hsa04146", ""), ("4", "KEGG:hsa04146", ""),
    ("10", "KEGG:hsa04115", ""), ("11", "KEGG:hsa04115", ""), ("12", "KEGG:hsa04115", ""),
]


def build_tiny_kb(path, **finish_options):
    w = KBWriter(path)
    w.begin_source("tiny")
    for gene_id, symbol, name, gtype in TINY_GENES:
        w.add_gene(gene_id, symbol, name, gtype)
        w.add_xref(gene_id, "entrez", gene_id)
    for alias, gene_id in TINY_ALIASES:
        w.add_alias(alias, gene_id, "alias")
    w.add_xref("10", "ensembl", "ENSG00000141510")
    w.add_terms((t, n, lib, rel, None) for t, n, lib, rel in TINY_TERMS)
    w.add_parents(TINY_PARENTS)
    w.add_annotations((g, t, e, "") for g, t, e in TINY_ANNOTATIONS)
    w.end_source("tiny", kind="test", version="1", date="2026-01-01", path=None, licence="CC0")
    w.finish(**finish_options)
    return path


@pytest.fixture(scope="session")
def tiny_kb_path(tmp_path_factory):
    return build_tiny_kb(tmp_path_factory.mktemp("kb") / "tiny.sqlite")


@pytest.fixture
def tiny_kb(tiny_kb_path):
    kb = KnowledgeBase(tiny_kb_path)
    yield kb
    kb.close()


@pytest.fixture(scope="session")
def default_kb():
    """The real default human KB (built by `gener1 kb fetch && gener1 kb build --default`)."""
    path = paths.default_kb_path()
    if not path.exists():
        pytest.skip(f"default KB not built at {path}; run `gener1 kb fetch && gener1 kb build --default`")
    kb = KnowledgeBase(path)
    yield kb
    kb.close()
