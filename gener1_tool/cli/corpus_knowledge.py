"""`gener1 corpus knowledge`: the stage-1 warm-up corpus."""

from __future__ import annotations


import click
from tqdm import tqdm

from .. import datasets, paths
from ..io import write_json
from ..corpora.knowledge import TEMPLATES, corpus_knowledge as build_corpus
from ..knowledge.store import KnowledgeBase
from . import corpus
from .kb import read_id_file


@corpus.command(name="knowledge")
@click.option("--kb", "kb_path", type=click.Path(dir_okay=False), help="KB file (default: the default KB).")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="Corpus JSONL to write.")
@click.option("--text", "text_output", type=click.Path(dir_okay=False), help="Also write plain text, one sentence per line.")
@click.option("--exclude-terms", type=click.Path(exists=True, dir_okay=False),
              help="File of term ids to exclude, in addition to the evaluation terms.")
@click.option("--no-default-exclusions", is_flag=True,
              help="Do NOT exclude the 1,508 evaluation GO IDs and the evaluation gold names (unsafe for evaluation).")
@click.option("--exclude-evidence", default="", metavar="CODES", help="Comma-separated evidence codes to skip, e.g. IEA,ND.")
@click.option("--relation", "relations", multiple=True, type=click.Choice(sorted(TEMPLATES)),
              help="Only these relation types (repeatable; default all).")
@click.option("--seed", default=0, show_default=True, type=click.IntRange(min=0), help="Seed for the choice of sentence templates.")
@click.option("--report", "report_path", type=click.Path(dir_okay=False), help="Write the counts as JSON here.")
def knowledge_command(kb_path, output, text_output, exclude_terms, no_default_exclusions, exclude_evidence, relations,
                      seed, report_path):
    """Turn the KB into gene-centric declarative sentences (knowledge warm-up corpus, JSONL).

    By default every sentence stating an evaluation term (the 1,508 GO IDs of the bundled benchmarks,
    by id or by name, and the NeST/MSigDB gold names) is left out.
    """
    ids = set(read_id_file(exclude_terms))
    names: set[str] = set()
    if not no_default_exclusions:
        ids |= datasets.evaluation_term_ids()
        names |= datasets.evaluation_term_names()
    kb = KnowledgeBase(kb_path or paths.default_kb_path())
    with tqdm(desc="sentences", unit=" sent", file=click.get_text_stream("stderr"), mininterval=1) as bar:
        report = build_corpus(kb, output, exclude_terms=ids, exclude_names=names,
                              exclude_evidence=[e for e in exclude_evidence.split(",") if e.strip()],
                              relations=relations or None, text_output=text_output, seed=seed,
                              progress=lambda n: bar.update(n - bar.n))
    summary = report.to_dict()
    if report_path:
        write_json(report_path, summary)
    click.echo(f"{summary['sentences']:,} sentences written to {output}")
    for source, share in summary["share_by_source"].items():
        click.echo(f"  {source}: {summary['by_source'][source]:,} ({share:.1%})")
    click.echo(f"excluded: {summary['excluded_by_id']:,} by term id, {summary['excluded_by_name']:,} by term name; "
               f"{summary['duplicates_removed']:,} duplicates removed")
