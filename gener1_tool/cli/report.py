"""`gener1 report`: gather annotation chunks into one table and one HTML report."""

from __future__ import annotations

import click

from ..annotation.records import gather as gather_report
from . import cli


@cli.command(name="report")
@click.argument("inputs", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("-o", "--output-dir", required=True, type=click.Path(file_okay=False),
              help="Directory for the merged annotations.tsv, annotations.jsonl and report.html.")
def report(inputs, output_dir):
    """Merge `gener1 annotate` outputs (folders or annotations.jsonl files, e.g. chunks written with
    --start/--limit on a cluster) into one annotations.tsv/.jsonl and one offline report.html."""
    result = gather_report(list(inputs), output_dir)
    click.echo(f"{result['sets']} gene sets from {len(result['inputs'])} inputs gathered into {result['output_dir']}")
