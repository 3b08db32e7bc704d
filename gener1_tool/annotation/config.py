"""What one `gener1 annotate` run is asked to do (``AnnotateConfig``), what it reports back (``AnnotateResult``),
the row statuses, and the model used when none is named."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from ..errors import Gener1Error

STATUS_OK, STATUS_FORMAT_ERROR, STATUS_EMPTY = "ok", "format_error", "empty_set"
NAME_ONLY_FLAG = "name_only"  # the row flag of an answer written without reasoning (--name-only)
ABSTAINED_FLAG = "abstained_no_coherent_enrichment"  # the row flag of an answer given by the abstention rule
#: ... beside it when too few genes were tested for the rule to tell related from random (evidence.COHERENCE_MIN_TESTED)
TOO_FEW_GENES_FLAG = "too_few_genes_to_test"
#: the row flag of reasoning whose cited overlaps/FDRs were rewritten from the candidate list (what the model copied wrong)
STATISTICS_FLAG = "statistics_corrected"


def default_model() -> str:
    """The shipped default model if the package has one, else the untrained base (see warnings)."""
    shipped = Path(__file__).resolve().parent.parent / "data" / "model"
    if (shipped / "adapter_config.json").exists() or (shipped / "config.json").exists():
        return str(shipped)
    return "smollm2-135m-instruct"


@dataclass
class AnnotateConfig:
    inputs: Sequence[str | Path]
    output_dir: str | Path
    model: str | None = None
    kb: str | Path | None = None
    mode: str = "grounded"
    input_format: str = "auto"
    padj: float = 0.05
    lfc: float = 1.0
    top: int | None = None
    start: int = 0
    limit: int | None = None
    resume: bool = False
    batch_size: int = 8
    max_new_tokens: int = 256
    retries: int = 2
    retry_temperature: float = 0.7
    # A small model sometimes opens with prose and never reaches the Process line; forcing the answer's
    # opening on one last greedy attempt recovers most of those rows (the model still writes name and steps).
    force_format: bool = True
    # Stop a row where it repeats a reasoning step (answer.repeated_step_cut: the same words, numbers aside): the
    # rest is a greedy loop that the user would read and the CPU would pay for, and the name (first line) is unchanged.
    stop_repeated_steps: bool = True
    # False (--name-only): each row stops at the end of its Process line, with no reasoning. A greedy name is
    # the answer's first line, so it is the name the full answer would have; decoding the reasoning is most of
    # a grounded row's time (benchmarks/name_only.py).
    reasoning: bool = True
    seed: int = 0
    threads: int | None = None
    # Processes annotating in parallel, each loading its own model. A 135M model's decode step is a few
    # dozen small matmuls that a second torch thread speeds up little: on this 2-core CPU two 1-thread
    # processes got through 1.36x the sets of one 2-thread process (benchmarks/annotate_workers.py).
    workers: int = 1
    require_reasoning: bool = True
    libraries: Sequence[str] | None = None
    # The order of the evidence's library sections (enrichment.evidence.LIBRARY_ORDERS).
    evidence_order: str = "fixed"
    hold_out_terms: Sequence[str] = ()
    hold_out_own_term: bool = False  # evaluation protocol: each set's own id / gold name is not evidence
    enrich_method: str = "ora"
    fdr: float = 0.05
    # The abstention rule (enrichment.evidence.COHERENCE_FDR): a set with no enriched term at FDR ≤ 1e-3 is answered
    # "System of unrelated proteins" (confidence 0) from its evidence, without asking the model.
    abstain: bool = True
    # Name grounded sets with the model's chooser (annotation.naming) when its directory carries one; the language
    # model then writes the reasoning. False (--no-chooser): the language model names them itself.
    chooser: bool = True
    # Decode the gene list that opens each reasoning step on the compact prompt from the set's own symbols
    # (model.constrain): the small model's copy slips ("DLRAP1" for LDLRAP1) become claims about the right genes.
    # False (--free-gene-lists): free decoding.
    constrain_gene_lists: bool = True
    report: bool = True


#: The answer budget's ceiling: SmolLM2 reads 8,192 positions, and the prompt needs its share of them.
MAX_NEW_TOKENS = 4096


#: The options that change an answer: a resumed run must have the same values (``--resume`` refuses otherwise).
#: Batch size, workers and threads are left out on purpose: they only decide which sets share a batch (through
#: padding that can, rarely, tip a greedy answer), not what is asked, and a resume on another machine may need
#: other values.
ANSWER_OPTIONS = ("mode", "input_format", "padj", "lfc", "top", "max_new_tokens", "retries", "retry_temperature",
                  "force_format", "stop_repeated_steps", "reasoning", "seed", "require_reasoning", "libraries",
                  "evidence_order", "hold_out_terms", "hold_out_own_term", "enrich_method", "fdr", "abstain", "chooser",
                  "constrain_gene_lists")


def answer_options(config: AnnotateConfig, model_spec: str, kb_path: Path) -> dict:
    """The answer-changing options of a run as plain JSON values, with the model and the KB file it reads."""
    options = {name: getattr(config, name) for name in ANSWER_OPTIONS}
    options["libraries"] = list(options["libraries"]) if options["libraries"] else None
    options["hold_out_terms"] = sorted(options["hold_out_terms"] or ())
    kb_file = Path(kb_path).resolve()
    stat = kb_file.stat()
    options["model"] = str(Path(model_spec).resolve()) if Path(model_spec).exists() else model_spec
    options["kb"] = f"{kb_file} ({stat.st_size} bytes, modified {stat.st_mtime_ns})"
    return options


def check_run_options(config: AnnotateConfig) -> None:
    """Numbers a run cannot use are an error before anything loads (the CLI's ranges say the same)."""
    for label, value, least in (("--batch-size", config.batch_size, 1), ("--max-new-tokens", config.max_new_tokens, 1),
                                ("--retries", config.retries, 0), ("--start", config.start, 0),
                                ("--workers", config.workers, 1)):
        if value < least:
            raise Gener1Error(f"{label} must be at least {least}, not {value}")
    if config.max_new_tokens > MAX_NEW_TOKENS:
        raise Gener1Error(f"--max-new-tokens must be at most {MAX_NEW_TOKENS}, not {config.max_new_tokens}")
    if config.limit is not None and config.limit < 1:
        raise Gener1Error(f"--limit must be at least 1, not {config.limit}")
    if config.threads is not None and config.threads < 1:
        raise Gener1Error(f"--threads must be at least 1, not {config.threads}")


@dataclass
class AnnotateResult:
    output_dir: Path
    tsv: Path
    jsonl: Path
    report: Path | None
    n_sets: int
    n_generated: int
    n_skipped_resume: int
    status_counts: dict
    seconds: float
    generated_tokens: int = 0
    warnings: list[str] = field(default_factory=list)
