"""`gener1 corpus reasoning`: teacher-written reasoning examples, filtered by similarity to the gold name."""

from __future__ import annotations

import json

import click

from ..errors import Gener1Error
from ..corpora.reasoning import ReasoningCorpusConfig, build_reasoning_corpus
from ..reasoning.prompts import MODES
from . import corpus


def parse_options(items) -> dict:
    """``["timeout=30", "model=llama3"]`` → ``{"timeout": 30, "model": "llama3"}`` (JSON values when they parse)."""
    options = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise Gener1Error(f"bad teacher option {item!r}; expected KEY=VALUE")
        try:
            options[key.strip()] = json.loads(value)
        except ValueError:
            options[key.strip()] = value
    return options


@corpus.command()
@click.argument("sets", type=click.Path(exists=True, dir_okay=False))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="Prompt/completion JSONL for `gener1 train reason` (a .report.json is written beside it).")
@click.option("-t", "--teacher", default="grounded", show_default=True,
              help="Teacher plugin: grounded (offline, from KB evidence), openai (an OpenAI-compatible endpoint), "
                   "import (existing traces), or a third-party one (`gener1 plugins`).")
@click.option("-O", "--teacher-option", "teacher_options", multiple=True, metavar="KEY=VALUE",
              help="Teacher setting, repeatable. openai: base_url, model, api_key, timeout, retries, temperature, "
                   "max_tokens, mode. grounded: seed, naming (top|strongest|consensus), fdr, max_gene_steps. import: path.")
@click.option("--threshold", default=0.7, show_default=True, type=click.FloatRange(0, 1),
              help="Keep an example when similarity(teacher name, gold name) is above this.")
@click.option("-e", "--encoder", "encoders", multiple=True, metavar="NAME[=PATH]",
              help="Similarity encoder(s), averaged (default: minilm).")
@click.option("--prompt-mode", type=click.Choice(MODES), default="model-only", show_default=True,
              help="What the student sees: the gene list alone, or the list with the evidence bundle.")
@click.option("--kb", "kb_path", type=click.Path(exists=True, dir_okay=False),
              help="Knowledge base for evidence bundles (default: the default KB).")
@click.option("-l", "--library", "libraries", multiple=True, help="Evidence library, repeatable (default: the builder's).")
@click.option("--keep-gold-in-evidence", is_flag=True,
              help="Let a set's own gold term appear in its evidence (by default it is held out, so the teacher "
                   "reasons from other evidence rather than copying the answer).")
@click.option("--allow-no-reasoning", is_flag=True,
              help="Keep answers that have a Process line but no <think> steps (dropped by default).")
@click.option("--split", default="train", show_default=True, help="Use rows of this split; 'all' uses every row.")
@click.option("--limit", type=click.IntRange(min=1), help="Only the first N sets (for a quick look).")
@click.option("--max-per-kind", type=click.IntRange(min=1), metavar="N",
              help="Keep at most N examples of each name kind (GO_BP, GO_MF, GO_CC, pathway: a set's library), "
                   "the first ones in input order, so the corpus is not all process names.")
def reasoning(sets, output, teacher, teacher_options, threshold, encoders, prompt_mode, kb_path, libraries,
              keep_gold_in_evidence, allow_no_reasoning, split, limit, max_per_kind):
    """Write the reasoning SFT corpus: a teacher answers each task-alignment gene set in gener1's format
    (Process line, then <think> steps), and an example is kept only when its name is close to the gold name.

    SETS is a task-alignment JSONL from `gener1 corpus benchmark` (id, genes, gold_name, split) or any table
    with ID, genes and gold-name columns. Dropped examples are counted by reason (teacher failures such as
    timeout or garbage, below_threshold, no_gold_name, ...).

    \b
    Examples:
      gener1 corpus reasoning task.jsonl -o reasoning.jsonl                       # grounded, offline
      gener1 corpus reasoning task.jsonl -o reasoning.jsonl -t openai \\
          -O base_url=http://localhost:8000/v1 -O model=llama-3.1-70b -O timeout=120
      gener1 corpus reasoning task.jsonl -o reasoning.jsonl -t import -O path=traces.jsonl
    """
    config = ReasoningCorpusConfig(
        input=sets, output=output, teacher=teacher, teacher_options=parse_options(teacher_options),
        threshold=threshold, encoders=tuple(encoders) or ("minilm",), prompt_mode=prompt_mode, kb=kb_path,
        libraries=tuple(libraries) or None, hold_out_gold=not keep_gold_in_evidence,
        require_reasoning=not allow_no_reasoning,
        split=None if split == "all" else split, limit=limit, max_per_kind=max_per_kind, progress=True)
    result = build_reasoning_corpus(config)
    summary = result.to_dict()
    click.echo(f"kept\t{summary['kept']} of {summary['total']}")
    for kind, count in summary["kept_by_kind"].items():
        click.echo(f"kept.{kind}\t{count}")
    for reason, count in summary["dropped"].items():
        click.echo(f"dropped.{reason}\t{count}")
    if summary["mean_similarity_kept"] is not None:
        click.echo(f"mean_similarity_kept\t{summary['mean_similarity_kept']}")
    click.echo(f"output\t{summary['output']}")
