"""`gener1 corpus candidates` (the reward-labelled candidates corpus the chooser learns from) and `gener1 corpus
gene-traces` (gene-level reasoning examples on the compact candidates prompt)."""

from __future__ import annotations

import click

from .. import paths
from ..corpora.candidate_traces import build_candidate_traces
from ..corpora.candidates import LIBRARY_CHOICES, build_candidates_corpus
from ..corpora.task_alignment import parse_quota
from ..enrichment.candidates import CANDIDATES
from ..training.rewards import NAME_TERMS, parse_weights, score_names
from . import corpus, progress_bar


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
@click.option("--contaminate", "contamination", multiple=True, type=click.IntRange(1, 100), metavar="PERCENT",
              help="Also write a seeded copy of each set with this share of its genes replaced by random genes, "
                   "repeatable (e.g. --contaminate 50 --contaminate 100): `gener1 train chooser` fits the confidence on them "
                   "too, never the chooser (the shipped calibrator does without: see docs/results.md).")
@click.option("--max-jaccard", type=click.FloatRange(0, 1, min_open=True), metavar="J",
              help="Also hold out every term whose genes overlap the set's with a Jaccard index >= J (the held-out "
                   "term's near-duplicates), so that lists look like those of sets no KB term names (a chooser trained on "
                   "such lists still did not choose better for named modules: docs/results.md, section 17).")
@click.option("--seed", default=0, show_default=True, type=click.IntRange(min=0), help="Seed of the random genes.")
def corpus_candidates(task, output, kb_path, libraries, k, rewards, splits, contamination, max_jaccard, seed):
    """Label every candidate name of each task-alignment set with the reward against its gold name.

    TASK is a `gener1 corpus benchmark` JSONL. Each set's own term is held out, as in evaluation; candidates are
    its top-K enriched terms, plus generalised (parent term) and composed (top-1 and top-2) names for study.
    """
    weights = parse_weights(rewards) or dict(NAME_TERMS)
    with progress_bar("labelling candidates", unit=" sets", mininterval=1) as progress:
        summary = build_candidates_corpus(task, output, kb=kb_path or paths.default_kb_path(),
                                          score=lambda names, golds: score_names(names, golds, weights),
                                          weights=weights, libraries=libraries, k=k, splits=tuple(splits) or None,
                                          progress=progress, contamination=tuple(contamination), seed=seed,
                                          max_jaccard=max_jaccard)
    for split, s in summary["splits"].items():
        click.echo(f"{split}\t{s['sets']} sets\treward top-1 {s['reward_top1']}\tbest {s['reward_best']}"
                   f"\tROUGE-L top-1 {s['rouge_l_top1']}\tbest {s['rouge_l_best']}")
    click.echo(f"generalised/composed names beat every candidate in {summary['extras_beat_every_candidate']} of "
               f"{summary['sets']} sets; {summary['no_candidates']} sets had no candidate")


@corpus.command(name="gene-traces")
@click.argument("task", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="Output JSONL (prompt/completion).")
@click.option("--quota", default="GO_BP=200,GO_MF=60,GO_CC=60,pathway=80", show_default=True,
              help="Examples per name kind: KIND=COUNT,... with KIND one of GO_BP, GO_MF, GO_CC, pathway.")
@click.option("--kb", "kb_path", type=click.Path(dir_okay=False), help="Knowledge base (default: the default KB).")
@click.option("--libraries", type=click.Choice(LIBRARY_CHOICES), default="own", show_default=True,
              help="Candidates from each set's own library, or from every default library of the KB.")
@click.option("--split", default="train", show_default=True, help="Task split the examples come from.")
@click.option("--threshold", default=0.7, show_default=True, type=click.FloatRange(0, 1),
              help="Keep an example when its name's similarity to the gold is above this (Gene-R1: 0.7).")
@click.option("--seed", default=0, show_default=True, type=click.IntRange(min=0), help="Seed of the draw.")
def corpus_gene_traces(task, output, quota, kb_path, libraries, split, threshold, seed):
    """SFT examples for gene-level reasoning on the compact candidates prompt.

    Each TASK set (a `gener1 corpus benchmark` JSONL) is named after its best candidate by the reward, with
    reasoning steps that name the set's genes behind that term and the next candidates; train with
    `gener1 train reason OUTPUT -m MODEL`.
    """
    weights = dict(NAME_TERMS)
    with progress_bar("writing examples", unit=" sets", mininterval=1) as progress:
        report = build_candidate_traces(list(task), output, kb=kb_path or paths.default_kb_path(),
                                        score=lambda names, golds: score_names(names, golds, weights), weights=weights,
                                        quota=parse_quota(quota), libraries=libraries, split=split,
                                        threshold=threshold, seed=seed, progress=progress)
    kinds = ", ".join(f"{k} {v}" for k, v in sorted(report["by_kind"].items()))
    click.echo(f"{report['examples']} examples ({kinds}); dropped: "
               + (", ".join(f"{k} {v}" for k, v in report["dropped"].items()) or "none"))
