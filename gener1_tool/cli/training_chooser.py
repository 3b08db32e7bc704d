"""`gener1 train chooser`: the reward-trained chooser among the candidates and its calibrated confidence."""

from __future__ import annotations

from pathlib import Path

import click
from tqdm import tqdm

from ..model.chooser import ARCHITECTURES
from ..training.chooser import TARGETS, ChooserConfig, train_chooser
from . import train


def _floats(text: str) -> tuple[float, ...]:
    try:
        return tuple(float(x) for x in text.split(",") if x.strip())
    except ValueError:
        raise click.BadParameter(f"{text!r}: expected comma-separated numbers") from None


def _weights(pairs) -> dict[str, int]:
    out = {}
    for pair in pairs:
        name, sep, n = pair.rpartition("=")
        if not sep or not name or not n.strip().isdigit() or int(n) < 1:
            raise click.BadParameter(f"{pair!r}: expected CORPUS=N with N a whole number >= 1", param_hint="--weight")
        out[Path(name).name] = int(n)
    return out


@train.command("chooser")
@click.argument("corpus", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("-o", "--output-dir", required=True, type=click.Path(file_okay=False),
              help="Where chooser.json, chooser.safetensors, confidence.json and chooser_report.json go: a model "
                   "directory (annotate then uses them) or a directory to copy them from.")
@click.option("--target", type=click.Choice(TARGETS), default="rouge_l", show_default=True,
              help="What the listwise loss aims at: each candidate's ROUGE-L, or its summed reward (corpus weights).")
@click.option("--epochs", default="3,8", show_default=True, help="Epoch counts to try (comma-separated).")
@click.option("--tau", "taus", default="0.05,0.2", show_default=True, help="Target temperatures to try.")
@click.option("--delta", "deltas", default="0,0.5,1", show_default=True,
              help="Switch margins to try: keep top-1 unless the best score beats it by this much.")
@click.option("--architecture", type=click.Choice(ARCHITECTURES), default="mlp", show_default=True,
              help="Score each candidate alone (mlp), or after one self-attention layer over the list (better on GO "
                   "sets, worse on NeST/MSigDB: docs/results.md, section 16).")
@click.option("--members", default=1, show_default=True, type=click.IntRange(min=1),
              help="Networks trained from successive seeds whose scores are averaged.")
@click.option("--learn-from-copies", "learn_from_copies", multiple=True, type=click.IntRange(1, 99), metavar="PERCENT",
              help="Also train the chooser on the corpus' contaminated copies of this level (`gener1 corpus candidates "
                   "--contaminate`), train split only, repeatable; by default copies serve the confidence only (they did "
                   "not help on named modules: docs/results.md, section 17).")
@click.option("--weight", "weights", multiple=True, metavar="CORPUS=N",
              help="Count the training sets of this corpus (its file name) N times, repeatable: e.g. a few hundred "
                   "sets people named (`gener1 corpus named-sets`) among tens of thousands of KB terms.")
@click.option("--hidden", default=128, show_default=True, type=click.IntRange(min=1), help="Hidden units.")
@click.option("--seed", default=0, show_default=True, type=click.IntRange(min=0), help="Seed of the dev cut and training.")
@click.option("--threads", type=click.IntRange(min=1), help="Torch CPU threads.")
def chooser_cmd(corpus, output_dir, target, epochs, taus, deltas, architecture, members, learn_from_copies, weights,
                hidden, seed, threads):
    """Train the chooser on `gener1 corpus candidates` JSONL files (their train split; settings picked on a
    development part of it), fit the confidence, and report both on the validation and test splits.

    \b
    Example (the shipped chooser: GO sets with own-branch candidates, GO and pathway sets with all-library ones):
      gener1 train chooser go_own.jsonl go_all.jsonl pathways_all.jsonl -o chooser/
    """
    config = ChooserConfig(corpus=list(corpus), output_dir=output_dir, target=target,
                           epochs=tuple(int(x) for x in _floats(epochs)), taus=_floats(taus), deltas=_floats(deltas),
                           architecture=architecture, members=members, learn_from_copies=tuple(learn_from_copies),
                           corpus_weights=_weights(weights),
                           hidden=hidden, seed=seed, threads=threads)
    # tqdm, not click's bar: it also reports in logs (no terminal), where training runs
    with tqdm(desc="chooser", file=click.get_text_stream("stderr"), mininterval=1) as bar:
        def progress(stage, done, total):
            if bar.desc != stage:
                bar.set_description(stage)
                bar.reset(total=total)
            bar.total = total
            bar.update(done - bar.n)

        result = train_chooser(config, progress=progress)
    chosen = result["chosen"]
    click.echo(f"chosen\tepochs {chosen['epochs']}, tau {chosen['tau']}, delta {chosen['delta']}")
    for split in ("validation", "test"):
        s = result[split]
        if s:
            click.echo(f"{split}\tROUGE-L {s['rouge_l']} vs top-1 {s['top1']} (p={s['p_vs_top1']:.2g}), best-of-k "
                       f"{s['best_of_k']}, top-1 kept {100 * s['kept_top1']:.0f}%")
            for src, b in s.get("by_corpus", {}).items():
                click.echo(f"  {src}\tROUGE-L {b['rouge_l']} vs top-1 {b['top1']} (p={b['p_vs_top1']:.2g}), "
                           f"{b['sets']} sets")
    c = result["confidence"]
    if c:
        click.echo(f"confidence\t{c['split']}: AUROC {c['auroc']}, ECE {c['ece']}, {c['distinct_values']} distinct values")
    click.echo(f"output\t{output_dir}")
