"""`gener1 annotate`: the command users run most."""

from __future__ import annotations

import click

from ..annotation.config import MAX_NEW_TOKENS, AnnotateConfig
from ..enrichment.evidence import LIBRARY_ORDERS
from ..genes.readers import FORMATS
from ..reasoning.prompts import ANNOTATION_MODES as MODES
from . import cli, progress_bar
from .kb import read_id_file


@cli.command(name="annotate")
@click.argument("inputs", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("-o", "--output-dir", required=True, type=click.Path(file_okay=False),
              help="Folder for annotations.tsv, annotations.jsonl, report.html and plots/.")
@click.option("--model", help="Trained checkpoint or LoRA adapter directory (default: the shipped model, else the base).")
@click.option("--kb", "kb_path", type=click.Path(dir_okay=False), help="KB file (default: the default KB).")
@click.option("--mode", type=click.Choice(MODES), default="grounded", show_default=True,
              help="What the language model reads when it names a set itself (--no-chooser, or a model without a "
                   "chooser): grounded, the evidence bundle; candidates, the compact prompt (the set's candidate terms "
                   "with their genes, what chooser-named sets are reasoned about on); model-only, the genes only (the "
                   "paper's protocol; the chooser is not used).")
@click.option("--format", "input_format", type=click.Choice(FORMATS), default="auto", show_default=True,
              help="Input format (auto-detected: GMT, TSV/CSV, gene list, DESeq2/edgeR/limma table).")
@click.option("--padj", default=0.05, show_default=True, type=click.FloatRange(0, 1), help="DE tables: adjusted p-value threshold.")
@click.option("--lfc", default=1.0, show_default=True, type=click.FloatRange(min=0), help="DE tables: absolute log2 fold-change threshold.")
@click.option("--top", type=click.IntRange(min=1), help="DE tables: keep the N most significant genes of each direction.")
@click.option("--start", default=0, show_default=True, type=click.IntRange(min=0), help="Skip the first N sets (chunking; Nextflow scatter).")
@click.option("--limit", type=click.IntRange(min=1), help="Annotate at most N sets from --start.")
@click.option("--resume", is_flag=True, help="Keep sets already written in the output folder and do the rest.")
@click.option("--batch-size", default=8, show_default=True, type=click.IntRange(min=1), help="Sets generated together (KV cache, left padding).")
@click.option("--max-new-tokens", default=256, show_default=True, type=click.IntRange(1, MAX_NEW_TOKENS),
              help="Most tokens generated per answer (a full grounded answer needs ~150-250; --name-only ~20).")
@click.option("--retries", default=2, show_default=True, type=click.IntRange(min=0), help="Resampling attempts for malformed outputs.")
@click.option("--force-format/--no-force-format", default=True, show_default=True,
              help="When every attempt is malformed, one last greedy attempt opens the answer with 'Process:' "
                   "(the row is flagged forced_answer_prefix).")
@click.option("--stop-repeats/--no-stop-repeats", default=True, show_default=True,
              help="Stop an answer where it repeats a reasoning step (the same words in any order, numbers aside: "
                   "a greedy loop), keeping the text before the repeat. The name is unchanged.")
@click.option("--name-only", is_flag=True,
              help="Write each set's Process line only (name and confidence), without reasoning: the same names, "
                   "about 3x faster on small sets (for screening many sets). Rows are flagged name_only.")
@click.option("--seed", default=0, show_default=True, type=click.IntRange(min=0),
              help="Seed of the sampled retries (the first attempt is greedy), for reproducible runs.")
@click.option("--threads", type=click.IntRange(min=1), help="Torch CPU threads (one is often faster on a loaded machine); with "
              "--workers, per worker (default: the cores shared out).")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(min=1),
              help="Processes annotating in parallel, each with its own copy of the model (about 1.5 GiB at its "
                   "peak). On a CPU, two 1-thread workers get through more sets than one 2-thread process.")
@click.option("--no-reasoning-required", is_flag=True, help="Accept answers without <think> steps as well-formed.")
@click.option("--library", "libraries", multiple=True, help="Enrichment/evidence libraries (default: GO + pathways).")
@click.option("--evidence-order", type=click.Choice(LIBRARY_ORDERS), default="fixed", show_default=True,
              help="Order of the evidence's library sections in a grounded prompt: fixed (GO BP, MF, CC, then "
                   "pathways; what the default model was trained on) or significance (the library with the "
                   "smallest p-value first).")
@click.option("--hold-out-terms", type=click.Path(exists=True, dir_okay=False),
              help="Term ids the model must not see as evidence (evaluation protocol).")
@click.option("--hold-out-own-term", is_flag=True,
              help="Evaluation protocol: each set's own term (its id, its gold name) is removed from its evidence.")
@click.option("--no-chooser", is_flag=True,
              help="Let the language model name grounded sets itself even when the model carries a trained chooser "
                   "(by default the chooser picks the name among the enriched candidates, with a calibrated "
                   "confidence, and the language model writes the reasoning; rows flagged named_by_chooser).")
@click.option("--no-abstain", is_flag=True,
              help="Ask the model about every set. By default a set whose strongest enriched term has FDR > 1e-3 "
                   "(none of 300 real validation sets, 99.7% of random ones) is answered 'System of unrelated "
                   "proteins' with confidence 0 from its evidence (flagged abstained_no_coherent_enrichment).")
@click.option("--free-gene-lists", is_flag=True,
              help="Decode reasoning steps freely. By default, on the compact (candidates) prompt, the genes that open "
                   "each step are decoded from the set's own symbols only, so a claim is about a gene of the set.")
@click.option("--no-report", is_flag=True, help="Skip the HTML report.")
def annotate(inputs, output_dir, model, kb_path, mode, input_format, padj, lfc, top, start, limit, resume, batch_size,
             max_new_tokens, retries, force_format, stop_repeats, name_only, seed, threads, workers, no_reasoning_required, libraries,
             evidence_order, hold_out_terms, hold_out_own_term, no_chooser, no_abstain, free_gene_lists,
             no_report):
    """Name the biological process of every gene set, with reasoning, a confidence, a claim check
    against the KB, and the classical enrichment beside it.

    \b
    Examples:
      gener1 annotate deseq2_results.csv -o out/ --padj 0.01 --lfc 1
      gener1 annotate modules.gmt -o out/ --mode model-only --model my_run/align
    """
    config = AnnotateConfig(
        inputs=list(inputs), output_dir=output_dir, model=model, kb=kb_path, mode=mode, input_format=input_format,
        padj=padj, lfc=lfc, top=top, start=start, limit=limit, resume=resume, batch_size=batch_size,
        max_new_tokens=max_new_tokens, retries=retries, force_format=force_format, stop_repeated_steps=stop_repeats, reasoning=not name_only,
        seed=seed, threads=threads, workers=workers,
        require_reasoning=not no_reasoning_required, libraries=list(libraries) or None, evidence_order=evidence_order,
        hold_out_terms=read_id_file(hold_out_terms), hold_out_own_term=hold_out_own_term, abstain=not no_abstain, chooser=not no_chooser,
        constrain_gene_lists=not free_gene_lists,
        report=not no_report)
    from ..annotation.run import annotate as run_annotation  # deferred: pandas and matplotlib load when it runs

    # Fractions of sets: the bar moves while a batch decodes (about once a second), and its ETA follows.
    with progress_bar("annotating", unit=" sets",
                      bar_format="{l_bar}{bar}| {n:.1f}/{total} sets [{elapsed}<{remaining}]") as progress:
        result = run_annotation(config, progress=progress)
    for warning in result.warnings:
        click.echo(f"Warning: {warning}", err=True)
    counts = ", ".join(f"{n} {status}" for status, n in sorted(result.status_counts.items()))
    click.echo(f"{result.n_sets} gene sets annotated ({counts}); {result.n_skipped_resume} kept from a previous run; "
               f"{result.seconds} s")
    click.echo(f"table: {result.tsv}\nreasoning and evidence: {result.jsonl}" + (f"\nreport: {result.report}" if result.report else ""))
