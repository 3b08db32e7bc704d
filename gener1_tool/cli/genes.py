"""`gener1 genes check`: what symbol hygiene does to your gene sets, before anything else runs."""

from __future__ import annotations

import sys
from collections import Counter

import click

from .. import paths
from ..genes.hygiene import hygiene_report, write_hygiene_report
from ..genes.readers import FORMATS, read_gene_sets
from ..io import atomic_open, refuse_overwriting_inputs
from ..knowledge.store import KnowledgeBase
from . import cli


@cli.group()
def genes():
    """Gene symbols: check and normalise gene-set inputs against the KB."""


@genes.command(name="check")
@click.argument("sets", type=click.Path(exists=True, dir_okay=False))
@click.option("--kb", "kb_path", type=click.Path(dir_okay=False), help="KB file (default: the default KB).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="auto", show_default=True,
              help="Input format: auto (detect), gmt, table (ID + Genes columns), list (one gene per line) or de "
                   "(a DESeq2/edgeR/limma results table).")
@click.option("--padj", default=0.05, show_default=True, type=click.FloatRange(0, 1), help="DE tables: adjusted p-value threshold.")
@click.option("--lfc", default=1.0, show_default=True, type=click.FloatRange(min=0), help="DE tables: absolute log2 fold-change threshold.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the report as TSV here (default: stdout).")
def check(sets, kb_path, fmt, padj, lfc, output):
    """Report every symbol that was mapped (alias, previous symbol, Excel date, Entrez/Ensembl id),
    every unknown or ambiguous symbol, and every flagged set (empty, 1 gene, huge, duplicate id)."""
    if output:
        refuse_overwriting_inputs([output], [sets, kb_path])
    kb = KnowledgeBase(kb_path or paths.default_kb_path())
    gene_sets = read_gene_sets(sets, format=fmt, kb=kb, padj=padj, lfc=lfc)
    rows = hygiene_report(gene_sets)
    if output:
        with atomic_open(output, newline="") as fh:
            write_hygiene_report(rows, fh)
    else:
        write_hygiene_report(rows, sys.stdout)
    counts = Counter(r["status"] for r in rows)
    summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items())) or "no changes"
    click.echo(f"{len(gene_sets)} gene sets, {sum(len(g.input_genes) for g in gene_sets)} input symbols: {summary}", err=True)
