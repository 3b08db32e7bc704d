"""`gener1 enrich`: classical over-representation analysis of gene sets against the local KB."""

from __future__ import annotations

import click

from . import cli


@cli.command("enrich")
@click.argument("sets", type=click.Path(exists=True, dir_okay=False))
@click.option("-o", "--outdir", required=True, type=click.Path(file_okay=False),
              help="Report folder (created): summary.tsv, combined.tsv, tables/, plots/, run.json.")
@click.option("--kb", "kb_path", type=click.Path(dir_okay=False), default=None,
              help="Knowledge base file [default: ~/.cache/gener1/kb/default.sqlite].")
@click.option("--library", "libraries", multiple=True, metavar="NAME",
              help="Library to test, repeatable (e.g. --library GO_BP --library KEGG_2021_HUMAN). "
                   "Default: GO_BP, GO_MF, GO_CC and every pathway library of the KB.")
@click.option("--method", default="ora", show_default=True,
              help="Enrichment method plugin: 'ora' (batch engine) or 'gseapy' (gseapy.enrich per set, offline); "
                   "`gener1 plugins` lists others.")
@click.option("--background", type=click.Path(exists=True, dir_okay=False), default=None,
              help="File of background genes (one per line). Default: every gene the KB annotates in the libraries.")
@click.option("--fdr", type=click.FloatRange(0, 1, min_open=True), default=0.05, show_default=True,
              help="FDR cutoff (BH across all libraries tested for a set) for 'Significant' and the tables.")
@click.option("--top", type=click.IntRange(min=1), default=20, show_default=True,
              help="Best terms per set in combined.tsv, the dot plot (≤ 20) and, at least, each table.")
@click.option("--min-size", type=click.IntRange(min=1), default=1, show_default=True, help="Smallest term (genes in the KB) tested.")
@click.option("--max-size", type=click.IntRange(min=1), default=None, help="Largest term tested [default: no limit].")
@click.option("--all-terms", is_flag=True, help="Write every tested term to tables/, not only significant and top ones.")
@click.option("--no-plots", is_flag=True, help="Skip the dot plots.")
def enrich_cmd(sets, outdir, kb_path, libraries, method, background, fdr, top, min_size, max_size, all_terms, no_plots):
    """Over-representation analysis of every gene set in SETS (GMT, TSV/CSV, gene list, DE table)
    against the knowledge base's libraries, fully offline.

    Statistics are gseapy's hypergeometric test with an explicit background; tables keep gseapy's
    columns and add the library, term name, overlap genes and a cross-library FDR. Sets that cannot
    be tested (no known genes, empty, background smaller than the set) are flagged in summary.tsv
    with a reason; the batch never stops for them.

    \b
    Example:
      gener1 enrich de_sets.gmt -o report/enrichment --library GO_BP --library KEGG_2021_HUMAN
    """
    from ..enrichment.run import enrich  # deferred: pandas loads only when the command runs

    report = enrich(sets, outdir, kb=kb_path, libraries=libraries or None, method=method, background=background,
                    fdr=fdr, top=top, min_size=min_size, max_size=max_size, all_terms=all_terms,
                    plots=not no_plots, progress=True)
    n = len(report.results)
    sig = sum(1 for r in report.results if not r.table.empty and r.table["Significant"].any())
    click.echo(f"{n} sets enriched ({sig} with a term at FDR ≤ {fdr}, {report.n_flagged} flagged); "
               f"summary: {report.summary}")
