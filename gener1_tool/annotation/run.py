"""`gener1 annotate`: name the process of every gene set, with reasoning, confidence, claim check and
the classical enrichment beside it. The final table always has exactly one row per input set.

Flow: read sets (any input format, symbol hygiene) → slice ``--start/--limit`` → with ``--resume``, keep what the
same run (same input contents, same answer-changing options: ``annotate_run.json``) already wrote, each record
matched to its position by a fingerprint of the run, the set id and its genes; a killed run's torn last line is cut
off →  the batch loop (``batch.annotate_sets``: enrichment, evidence, prompts, generation,
parsing, retries, claim check; one JSON line per set as each batch finishes) → TSV and HTML report rebuilt from
the JSONL.

``workers > 1`` splits the sets across that many processes (``workers``), each with its own copy of the model and
its own part file (``annotations.part<k>.jsonl``); the parts are gathered into the JSONL when they finish, and by the
next ``--resume`` if the run was killed.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Callable

from .. import paths
from ..errors import Gener1Error
from ..genes.geneset import GeneSet
from ..genes.readers import PROMPT_GENE_CAP, read_gene_sets
from ..io import output_lock, refuse_overwriting_inputs
from ..knowledge.store import KnowledgeBase
from ..reasoning.prompts import ANNOTATION_MODES as MODES
from .batch import annotate_sets
from .config import AnnotateConfig, AnnotateResult, answer_options, check_run_options, default_model
from .records import (JSONL, REPORT, RUN_FILE, TSV, check_same_run, part_files, read_records, resume_records,
                      rewrite_in_order, run_identity, set_fingerprint, write_tsv)
from .report import write_annotation_report
from .workers import annotate_in_workers


def load_sets(config: AnnotateConfig, kb: KnowledgeBase) -> list[tuple[int, GeneSet]]:
    """(global index, set) for every input set, then the ``start``/``limit`` slice (Nextflow scatter uses it)."""
    if not config.inputs:
        raise Gener1Error("no gene-set inputs given")
    sets: list[GeneSet] = []
    for path in config.inputs:
        sets.extend(read_gene_sets(path, format=config.input_format, kb=kb, padj=config.padj, lfc=config.lfc,
                                   top=config.top))
    indexed = list(enumerate(sets))
    end = None if config.limit is None else config.start + config.limit
    selected = indexed[config.start:end]
    if not selected:
        raise Gener1Error(f"--start {config.start}" + (f" --limit {config.limit}" if config.limit is not None else "")
                          + f" selects none of the {len(indexed)} gene sets read from the input")
    return selected


def annotate(config: AnnotateConfig, progress: Callable[[int, int], None] | None = None) -> AnnotateResult:
    """Annotate gene sets; see the module docstring. ``progress(done, total)`` follows the work: after each batch, and
    in fractions of sets while a batch decodes."""
    if config.mode not in MODES:
        raise Gener1Error(f"unknown mode {config.mode!r}; expected one of {', '.join(MODES)}")
    started = time.perf_counter()
    check_run_options(config)
    out = Path(config.output_dir)
    refuse_overwriting_inputs([out / JSONL, out / TSV, out / REPORT, out / RUN_FILE, *part_files(out)], config.inputs)
    with output_lock(out):  # one writer per folder: a second run into it fails at once, naming this one's pid
        return _annotate_locked(config, out, progress, started)


def _annotate_locked(config: AnnotateConfig, out: Path, progress, started: float) -> AnnotateResult:
    warnings: list[str] = []
    jsonl = out / JSONL
    if not config.resume:
        for stale in [jsonl, out / RUN_FILE, *part_files(out)]:
            stale.unlink(missing_ok=True)
    kb = KnowledgeBase(config.kb or paths.default_kb_path())
    selected = load_sets(config, kb)
    model_spec = config.model or default_model()
    identity = run_identity(list(config.inputs), answer_options(config, model_spec, kb.path))
    fingerprints = {i: set_fingerprint(identity, i, gs.id, gs.genes) for i, gs in selected}
    check_same_run(out, identity)  # with --resume: the same inputs and options, or an error saying what differs
    # Resume: a killed run's torn last line is cut off and its workers' part files gathered; a record is kept only
    # where its fingerprint is its position's, so each set is written exactly once.
    done = {r["index"] for r in resume_records(out, fingerprints)} if config.resume else set()
    # Batches of similar prompt length: one 500-gene prompt padded into a batch of 16 short ones makes the
    # whole batch pay for its length at every decode step. Records are written back in input order.
    todo = sorted(((i, gs) for i, gs in selected if i not in done), key=lambda item: min(item[1].size, PROMPT_GENE_CAP))

    if config.model is None and model_spec == "smollm2-135m-instruct":
        warnings.append("no trained default model is shipped yet: using the untrained base SmolLM2-135M-Instruct, "
                        "whose names will be poor; pass --model with a gener1-trained checkpoint")
    n_generated = tokens = 0
    if todo and config.workers > 1 and len(todo) > 1:
        n_generated, tokens = annotate_in_workers(config, todo, model_spec, out, len(selected) - len(todo),
                                                  len(selected), progress, fingerprints)
    elif todo:
        n_generated, tokens = annotate_sets(config, kb, todo, model_spec, jsonl, len(selected) - len(todo), len(selected),
                                            progress, fingerprints)
    # Batches ran in prompt-length order: put the file back in input order (and drop resumed duplicates). Sets
    # answered by the abstention rule are written without generating anything, so the test is todo, not n_generated.
    records = rewrite_in_order(jsonl) if todo else read_records(jsonl)
    wanted = {i for i, _ in selected}
    records = [r for r in records if r["index"] in wanted]
    tsv = write_tsv(records, out / TSV)
    report = None
    if config.report:
        report = write_annotation_report(records, out / REPORT, settings={
            "model": model_spec, "mode": config.mode, "kb": str(kb.path), "inputs": [str(p) for p in config.inputs],
            "warnings": warnings})
    statuses: dict[str, int] = {}
    for r in records:
        statuses[r["status"]] = statuses.get(r["status"], 0) + 1
    return AnnotateResult(out, tsv, jsonl, report, len(selected), n_generated, len(selected) - len(todo), statuses,
                          round(time.perf_counter() - started, 2), tokens, warnings)
