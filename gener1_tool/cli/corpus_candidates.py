"""`gener1 corpus candidates`: the reward-labelled candidates corpus the chooser learns from."""

from __future__ import annotations

import click

from .. import paths
from ..corpora.candidates import LIBRARY_CHOICES, build_candidates_corpus
from ..enrichment.candidates import CANDIDATES
from ..training.rewards import NAME_TERMS, parse_weights, score_names
from . import corpus


@corpus.command(name="candidates")
@click.argument("task", type=click.Path(exists=True, dir_okay=False))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="Output JSONL.")
@click.option("--kb", "kb_path", type=click.Path(dir_okay=False), help="Knowledge base (default: the default KB).")
@click.option("--libraries", type=click.Choice(LIBRARY_CHOICES), default="own", show_default=True,
              help="Candidates from each set's own library (as evaluation does for GO sets) or from every default "
                   "library of the KB (as for NeST/MSigDB-like sets).")
@click.option("-k", "--candidates", "k", default=CANDIDATES, show_default=True, type=click.IntRange(1, 50),
              help="Candidates per set.")
@click.option("--reward", "rewards", multiple=True, metavar="TERM=W",
              help="Reward name terms and weights, repeatable (default: similarity=1 rouge_l=1, GRPO's name terms).")
@click.option("--split", "splits", multiple=True, metavar="SPLIT",
              help="Only sets of this task split, repeatable (default: every split; the chooser trains on 'train' "
                   "and checks on 'validation').")
def corpus_candidates(task, output, kb_path, libraries, k, rewards, splits):
    """Label every candidate name of each task-alignment set with the reward against its gold name.

    TASK is a `gener1 corpus benchmark` JSONL. Each set's own term is held out, as in evaluation; candidates are
    its top-K enriched terms, plus generalised (parent term) and composed (top-1 and top-2) names for study.
    """
    weights = parse_weights(rewards) or dict(NAME_TERMS)
    with click.progressbar(length=1, label="labelling candidates", file=click.get_text_stream("stderr")) as bar:
        def progress(done, total):
            bar.length = total
            bar.update(done - bar.pos)

        summary = build_candidates_corpus(task, output, kb=kb_path or paths.default_kb_path(),
                                          score=lambda names, golds: score_names(names, golds, weights),
                                          weights=weights, libraries=libraries, k=k, splits=tuple(splits) or None,
                                          progress=progress)
    for split, s in summary["splits"].items():
        click.echo(f"{split}\t{s['sets']} sets\treward top-1 {s['reward_top1']}\tbest {s['reward_best']}"
                   f"\tROUGE-L top-1 {s['rouge_l_top1']}\tbest {s['rouge_l_best']}")
    click.echo(f"generalised/composed names beat every candidate in {summary['extras_beat_every_candidate']} of "
               f"{summary['sets']} sets; {summary['no_candidates']} sets had no candidate")
