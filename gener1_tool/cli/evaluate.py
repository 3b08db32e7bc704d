"""`gener1 evaluate`: score predicted names against gold names (ROUGE, similarity, format, statistics)."""

from __future__ import annotations

import click

from ..evaluation.evaluate import evaluate as evaluate_predictions
from ..evaluation.evaluate import write_evaluation
from ..knowledge.store import KnowledgeBase
from ..similarity.encoders import DEFAULT_ENCODERS
from . import cli


@cli.command()
@click.option("-p", "--predictions", "predictions", multiple=True, required=True, metavar="[LABEL=]FILE",
              help="Predictions: TSV/CSV with an ID column and a name (or raw answer) column, or JSONL from "
                   "`gener1 annotate`. Repeat to compare methods (the first is the baseline of the t-tests); "
                   "LABEL= names the row in the tables.")
@click.option("-g", "--gold", "gold_files", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="Gold names: a gene-set file with a Term_Description/gold_name column, GMT descriptions, or an "
                   "ID + gold-name table. Repeatable.")
@click.option("-b", "--benchmark", "benchmarks", multiple=True, metavar="NAME",
              help="A bundled benchmark as gold: GO_BP, GO_MF, GO_CC, NeST, MSigDB, or all. Repeatable.")
@click.option("-o", "--outdir", required=True, type=click.Path(file_okay=False),
              help="Output directory: per_set.tsv, summary.json, table.md, report.html.")
@click.option("-e", "--encoder", "encoders", multiple=True, metavar="NAME[=PATH]",
              help=f"Similarity encoder, repeatable; scores are averaged over encoders (default: "
                   f"{', '.join(DEFAULT_ENCODERS)}). Built-ins: minilm, mpnet, medcpt=DIR, sapbert=DIR.")
@click.option("--rouge-only", is_flag=True, help="Skip semantic similarity and percentile rank.")
@click.option("--require-reasoning", is_flag=True,
              help="Format compliance also needs <think> reasoning steps, not only a Process: name.")
@click.option("--kb", "kb_path", type=click.Path(exists=True, dir_okay=False),
              help="Knowledge base for the percentile-rank background: all annotated term names of the library "
                   "the gold IDs belong to (default: the gold names of each dataset).")
@click.option("--no-percentile-rank", is_flag=True, help="Skip Hu et al.'s percentile rank.")
@click.option("--test-metric", "test_metrics", multiple=True,
              type=click.Choice(["rougeL", "rouge1", "rouge2", "similarity", "percentile_rank"]),
              help="Metric(s) of the paired t-tests between prediction files (default: rougeL and similarity).")
@click.option("--shared-only", is_flag=True,
              help="Score only the gold sets every prediction file has a row for (runs that stopped part-way); "
                   "the table says how many sets of each dataset were left out.")
@click.option("--first-wins", is_flag=True,
              help="A set id given twice in one predictions file keeps its first row (the count is printed) instead "
                   "of being an error.")
@click.option("--no-html", is_flag=True, help="Do not write report.html.")
def evaluate(predictions, gold_files, benchmarks, outdir, encoders, rouge_only, require_reasoning, kb_path,
             no_percentile_rank, test_metrics, shared_only, first_wins, no_html):
    """Score predicted gene-set names against gold names, as in the Gene-R1 paper.

    \b
    Per set and in summary: ROUGE-1/2/L F-measure (rouge-score, stemmer on, after the paper's name
    normalisation), semantic similarity averaged over encoders, Hu et al.'s percentile rank of the gold
    term, and format compliance. Every gold set appears in per_set.tsv with a status (ok, missing,
    empty_name, format_error; extra for IDs not in the gold); the summary counts them.

    \b
    Examples:
      gener1 evaluate -p names.tsv -b GO_BP -o eval/
      gener1 evaluate -p base=run1.jsonl -p tuned=run2.jsonl -b all -e minilm -e mpnet -o eval/
      gener1 evaluate -p hu2023_gpt4_GO_BP_1000.tsv --rouge-only -o eval/   # gold inside the file
      gener1 evaluate -p a=runA/annotations.jsonl -p b=runB/annotations.jsonl -b all --shared-only -o eval/
    """
    gold = list(gold_files) + list(benchmarks)
    kb = None
    if kb_path:
        kb = KnowledgeBase(kb_path)
    result = evaluate_predictions(list(predictions), gold or None,
                                  encoders=() if rouge_only else (tuple(encoders) or DEFAULT_ENCODERS),
                                  require_reasoning=require_reasoning, kb=kb,
                                  percentile_rank=not no_percentile_rank,
                                  compare_metrics=test_metrics or ("rougeL", "similarity"),
                                  shared_only=shared_only, first_wins=first_wins, progress=True)
    for label, block in result.summary["methods"].items():
        if block["duplicate_ids"]:
            click.echo(f"{label}: {len(block['duplicate_ids'])} duplicated set id(s); the first row of each was kept",
                       err=True)
    written = write_evaluation(result, outdir, html=not no_html)
    click.echo(written["table"].read_text(encoding="utf-8"))
    for kind, path in written.items():
        click.echo(f"{kind}\t{path}", err=True)
