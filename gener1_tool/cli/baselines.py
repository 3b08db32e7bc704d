"""`gener1 baseline enrich-top1|nearest`: name gene sets without a language model."""

from __future__ import annotations

import click

from . import baseline


def _baseline_options(func):
    options = [
        click.argument("sets", required=False, type=click.Path(exists=True, dir_okay=False)),
        click.option("-b", "--benchmark", default=None, metavar="NAME",
                     help="A bundled benchmark instead of SETS: GO_BP, GO_MF, GO_CC, NeST or MSigDB."),
        click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
                     help="Predictions TSV (id, name, term, library, score, overlap, status, reason) for `gener1 evaluate`."),
        click.option("--kb", "kb_path", type=click.Path(dir_okay=False), default=None,
                     help="Knowledge base file [default: ~/.cache/gener1/kb/default.sqlite]."),
        click.option("--library", "libraries", multiple=True, metavar="NAME",
                     help="Ranking library, repeatable. Default: a GO benchmark's own branch; otherwise GO_BP, "
                          "GO_MF, GO_CC and every pathway library."),
        click.option("--no-hold-out", is_flag=True,
                     help="Keep each set's gold term (its own ID and terms named like its gold name). "
                          "By default they are held out, as the evaluation protocol requires."),
        click.option("--min-size", type=click.IntRange(min=1), default=None, help="Smallest term considered (genes in the KB)."),
        click.option("--max-size", type=click.IntRange(min=1), default=None, help="Largest term considered."),
        click.option("--no-hygiene", is_flag=True, help="Use symbols as given (no alias/Excel-date/ID mapping)."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _run(kind, sets, benchmark, output, kb_path, libraries, no_hold_out, min_size, max_size, no_hygiene):
    from ..enrichment.baselines import run_baseline  # deferred: pandas loads only when a baseline runs

    preds = run_baseline(kind, output, sets=sets, benchmark=benchmark, kb=kb_path, libraries=libraries or None,
                         hold_out_gold=not no_hold_out, min_size=min_size, max_size=max_size, hygiene=not no_hygiene)
    missing = sum(1 for p in preds if p.status != "ok")
    click.echo(f"{len(preds)} sets named by {kind} ({missing} without a prediction): {output}")


@baseline.command("enrich-top1")
@_baseline_options
def enrich_top1_cmd(**kwargs):
    """Name each set after its most enriched term (smallest p-value; ties: smaller term, then ID).

    Terms of 3–500 genes by default; each set's gold term is held out. Read SETS (any gene-set file)
    or a bundled --benchmark; write a predictions TSV for `gener1 evaluate`.

    \b
    Example:
      gener1 baseline enrich-top1 --benchmark GO_BP -o top1_bp.tsv
      gener1 evaluate -p top1_bp.tsv -b GO_BP -o eval_top1_bp/
    """
    _run("enrich-top1", **kwargs)


@baseline.command("nearest")
@_baseline_options
def nearest_cmd(**kwargs):
    """Name each set after the most similar known set (largest Jaccard index over the KB libraries).

    Ties: larger overlap, smaller term, then ID. No term-size window by default (Jaccard already
    penalises size mismatch); each set's gold term is held out.
    """
    _run("nearest", **kwargs)
