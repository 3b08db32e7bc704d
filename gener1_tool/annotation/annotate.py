"""`gener1 annotate`: name the process of every gene set, with reasoning, confidence, claim check and
the classical enrichment beside it. The final table always has exactly one row per input set.

Flow: read sets (any input format, symbol hygiene) → slice ``--start/--limit`` → skip what ``--resume``
finds already written → enrichment (ORA, p-values identical to gseapy) and evidence bundles → prompts
(``--mode grounded`` shows the evidence, ``model-only`` is the paper's genes-only protocol) → batched
greedy generation → parse; malformed outputs retried with sampling up to ``retries`` times, then (with
``force_format``) once more greedily with the answer opened by ``Process:`` (flagged ``forced_answer_prefix``),
then kept with status ``format_error`` and their raw text → claim check against the KB → which enriched term, if
any, the name repeats (``name_term``: ID and rank) → one JSON line per set,
appended and fsynced as each batch finishes (so an interrupted run resumes without losing work) →
TSV and HTML report rebuilt from the JSONL.

``workers > 1`` splits the sets across that many processes, each with its own copy of the model and its own
part file (``annotations.part<k>.jsonl``); the parts are gathered into the JSONL when they finish, and by the
next ``--resume`` if the run was killed.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Callable, Sequence

from .. import paths
from ..errors import Gener1Error
from ..genes.geneset import GeneSet
from ..genes.readers import PROMPT_GENE_CAP, read_gene_sets
from ..knowledge.store import KnowledgeBase
from ..reasoning import answer as answer_format
from ..reasoning.prompts import MODES, build_prompt
from .claims import ClaimChecker, count

JSONL = "annotations.jsonl"
TSV = "annotations.tsv"
REPORT = "report.html"
TSV_COLUMNS = ("id", "name", "confidence", "status", "n_genes", "n_known", "top_enriched_term", "top_enriched_library",
               "top_enriched_fdr", "name_term_id", "name_term_rank", "claims_supported", "claims_unsupported",
               "claims_unknown", "flags", "attempts")

STATUS_OK, STATUS_FORMAT_ERROR, STATUS_EMPTY = "ok", "format_error", "empty_set"
NAME_ONLY_FLAG = "name_only"  # the row flag of an answer written without reasoning (--name-only)


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
    report: bool = True


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
    return indexed[config.start:end]


def _append(fh, records: list[dict]) -> None:
    for rec in records:
        fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    fh.flush()
    os.fsync(fh.fileno())


def annotate(config: AnnotateConfig, progress: Callable[[int, int], None] | None = None) -> AnnotateResult:
    """Annotate gene sets; see the module docstring. ``progress(done, total)`` is called after each batch."""
    if config.mode not in MODES:
        raise Gener1Error(f"unknown mode {config.mode!r}; expected one of {', '.join(MODES)}")
    started = time.perf_counter()
    warnings: list[str] = []
    out = Path(config.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    jsonl = out / JSONL
    if config.workers < 1:
        raise Gener1Error(f"workers must be at least 1, not {config.workers}")
    if not config.resume:
        for stale in [jsonl, *_part_files(out)]:
            stale.unlink(missing_ok=True)
    _gather_parts(out)  # a killed multi-worker run left its finished batches in part files
    kb = KnowledgeBase(config.kb or paths.default_kb_path())
    selected = load_sets(config, kb)
    done = {r["index"] for r in read_records(jsonl)} if config.resume else set()
    # Batches of similar prompt length: one 500-gene prompt padded into a batch of 16 short ones makes the
    # whole batch pay for its length at every decode step. Records are written back in input order.
    todo = sorted(((i, gs) for i, gs in selected if i not in done), key=lambda item: min(item[1].size, PROMPT_GENE_CAP))

    model_spec = config.model or default_model()
    if config.model is None and model_spec == "smollm2-135m-instruct":
        warnings.append("no trained default model is shipped yet: using the untrained base SmolLM2-135M-Instruct, "
                        "whose names will be poor; pass --model with a gener1-trained checkpoint")
    n_generated = tokens = 0
    if todo and config.workers > 1 and len(todo) > 1:
        n_generated, tokens = _annotate_in_workers(config, todo, model_spec, out, len(selected) - len(todo),
                                                   len(selected), progress)
    elif todo:
        n_generated, tokens = _annotate_sets(config, kb, todo, model_spec, jsonl, len(selected) - len(todo), len(selected),
                                             progress)
    records = read_records(jsonl)
    if n_generated:  # batches ran in prompt-length order: put the file back in input order (and drop resumed duplicates)
        tmp = jsonl.with_suffix(".jsonl.tmp")
        with open(tmp, "w", encoding="utf-8") as fh:
            _append(fh, records)
        os.replace(tmp, jsonl)
    wanted = {i for i, _ in selected}
    records = [r for r in records if r["index"] in wanted]
    tsv = write_tsv(records, out / TSV)
    report = None
    if config.report:
        from ..report.annotation import write_annotation_report

        report = write_annotation_report(records, out / REPORT, settings={
            "model": model_spec, "mode": config.mode, "kb": str(kb.path), "inputs": [str(p) for p in config.inputs],
            "warnings": warnings})
    statuses: dict[str, int] = {}
    for r in records:
        statuses[r["status"]] = statuses.get(r["status"], 0) + 1
    return AnnotateResult(out, tsv, jsonl, report, len(selected), n_generated, len(selected) - len(todo), statuses,
                          round(time.perf_counter() - started, 2), tokens, warnings)


PART_GLOB = "annotations.part*.jsonl"


def _part_files(out: Path) -> list[Path]:
    return sorted(out.glob(PART_GLOB))


def _gather_parts(out: Path) -> None:
    """Append every worker's part file to the JSONL and delete it (records are complete lines; a torn last
    line stays torn and is redone, as in the JSONL itself)."""
    parts = _part_files(out)
    if not parts:
        return
    with open(out / JSONL, "a", encoding="utf-8") as fh:
        for part in parts:
            text = part.read_text(encoding="utf-8")
            fh.write(text if not text or text.endswith("\n") else text + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    for part in parts:
        part.unlink()


def _annotate_in_workers(config, todo, model_spec, out, already, total, progress) -> tuple[int, int]:
    """``_annotate_sets`` over ``config.workers`` slices of ``todo``, each in a spawned process. ``todo`` is sorted
    by set size and dealt round-robin, so every worker gets a similar mix of short and long prompts. A worker's
    error (or death: killed, out of memory) stops the others; what every worker finished is kept either way."""
    import multiprocessing
    import queue

    n = min(config.workers, len(todo))
    # Each worker gets its share of the cores unless --threads says otherwise.
    threads = config.threads or max(1, (os.cpu_count() or 1) // n)
    worker_config = replace(config, workers=1, threads=threads)
    parts = [out / f"annotations.part{k}.jsonl" for k in range(n)]
    # spawn, not fork: a forked child inherits the parent's torch/OpenMP thread state, which can deadlock.
    ctx = multiprocessing.get_context("spawn")
    reports = ctx.Queue()
    workers = [ctx.Process(target=_annotate_part, args=(k, worker_config, todo[k::n], model_spec, parts[k], reports),
                           name=f"gener1-annotate-{k}", daemon=True) for k in range(n)]
    if progress:
        progress(already, total)
    results: dict[int, tuple[int, int]] = {}
    done = [0] * n  # sets each worker has written, from its own progress reports
    try:
        for w in workers:
            w.start()
        while len(results) < n:
            try:
                k, kind, value = reports.get(timeout=2)
            except queue.Empty:
                dead = [k for k, w in enumerate(workers) if k not in results and not w.is_alive()]
                if dead and reports.empty():
                    k = dead[0]
                    raise Gener1Error(f"annotation worker {k} stopped without a result (exit code "
                                      f"{workers[k].exitcode}; killed or out of memory?); its finished sets are kept, "
                                      "rerun with --resume")
                continue
            if kind == "error":
                raise Gener1Error(f"annotation worker {k} failed: {value}")
            if kind == "result":
                results[k] = value
            else:
                done[k] = value
                if progress:
                    progress(already + sum(done), total)
    finally:
        for w in workers:
            if w.is_alive():
                w.terminate()
            w.join()
        reports.close()
        reports.join_thread()
        _gather_parts(out)
    return sum(r[0] for r in results.values()), sum(r[1] for r in results.values())


def _annotate_part(k, config, todo, model_spec, part, reports) -> None:
    """One worker process: its own KB connection and model, its slice of the sets, its own part file. Puts
    ``(k, "progress", sets written)`` after each batch, then ``(k, "result", (n_generated, n_tokens))`` or
    ``(k, "error", text)``: exceptions do not always pickle, their text does."""
    try:
        kb = KnowledgeBase(config.kb or paths.default_kb_path())
        try:
            result = _annotate_sets(config, kb, todo, model_spec, part, 0, len(todo),
                                    lambda written, _total: reports.put((k, "progress", written)))
            reports.put((k, "result", result))
        finally:
            kb.close()
    except Gener1Error as exc:
        reports.put((k, "error", str(exc)))
    except BaseException as exc:  # noqa: BLE001 - the parent re-raises it as a Gener1Error with the traceback
        import traceback

        reports.put((k, "error", "".join(traceback.format_exception(exc)).strip()))


def _annotate_sets(config, kb, todo, model_spec, jsonl, already, total, progress) -> tuple[int, int]:
    from ..enrichment.evidence import EvidenceBuilder, gold_hold_out
    from ..enrichment.run import run_enrichment
    from ..training.base import load_model
    from .generate import generate

    from ..enrichment.plots import dot_plot
    from ..enrichment.run import safe_names

    gene_sets = [gs for _, gs in todo]
    enrichment = run_enrichment(gene_sets, kb, libraries=config.libraries, method=config.enrich_method, cutoff=config.fdr)
    plot_dir = Path(config.output_dir) / "plots"
    plot_dir.mkdir(exist_ok=True)
    # File stems from the global index keep duplicate ids apart and stay stable across resumed chunks.
    stems = safe_names([f"{i:06d}_{gs.id}" for i, gs in todo])
    builder = EvidenceBuilder(kb, libraries=config.libraries, hold_out=set(config.hold_out_terms),
                              library_order=config.evidence_order)
    empty = (), ()
    checker = ClaimChecker(kb, hold_out=set(config.hold_out_terms))
    # An adapter is merged into its base for inference: the unmerged LoRA path adds 14 small matmuls per
    # decoder layer to every decode step, which on a CPU costs more than the merge itself.
    model, tokenizer = load_model(model_spec, threads=config.threads, merge_adapter=True)
    if not config.reasoning:
        stop_at = answer_format.name_line_cut
    else:
        stop_at = answer_format.repeated_step_cut if config.stop_repeated_steps else None
    n_generated = n_tokens = 0
    if progress:  # the total (and what a resume kept) shows before the first batch, which can take minutes
        progress(already, total)
    with open(jsonl, "a", encoding="utf-8") as fh:
        for b in range(0, len(todo), config.batch_size):
            batch = todo[b:b + config.batch_size]
            own = [gold_hold_out(gs) if config.hold_out_own_term else empty for _, gs in batch]
            evidence = builder.build_many([gs for _, gs in batch], hold_out=[ids for ids, _ in own],
                                          hold_out_names=[names for _, names in own])
            records, prompts, waiting = [], [], []
            for (index, gs), ev, enr, stem in zip(batch, evidence, enrichment[b:b + config.batch_size],
                                                  stems[b:b + config.batch_size]):
                enr = _without_held_out(enr, ev)
                rec = _base_record(index, gs, ev, enr, config.mode)
                rec["plot"] = str(dot_plot(enr, plot_dir / f"{stem}.png").relative_to(config.output_dir))
                records.append(rec)
                if not gs.genes:
                    rec.update(status=STATUS_EMPTY, name="", attempts=0)
                    continue
                prompts.append(build_prompt(gs, ev, config.mode))
                waiting.append(rec)
            texts = generate(model, tokenizer, prompts, max_new_tokens=config.max_new_tokens,
                             batch_size=config.batch_size, seed=config.seed, stop_at=stop_at) if prompts else []
            n_generated += len(texts)
            n_tokens += sum(len(tokenizer(t, add_special_tokens=False)["input_ids"]) for t in texts)
            for rec, prompt, text in zip(waiting, prompts, texts):
                _settle(rec, text, attempt=1, config=config)
            # Malformed outputs get the later attempts, each over all of them in one batch: sampled retries,
            # then (force_format) one greedy try with the answer opened by "Process:".
            later = [(attempt, {"seed": config.seed + attempt, "do_sample": True, "temperature": config.retry_temperature})
                     for attempt in range(2, config.retries + 2)]
            if config.force_format:
                later.append((config.retries + 2, {"seed": config.seed, "answer_prefix": answer_format.ANSWER_PREFIX}))
            for attempt, how in later:
                again = [(rec, p) for rec, p in zip(waiting, prompts) if rec["status"] == STATUS_FORMAT_ERROR]
                if not again:
                    break
                retry_texts = generate(model, tokenizer, [p for _, p in again], max_new_tokens=config.max_new_tokens,
                                       batch_size=config.batch_size, stop_at=stop_at, **how)
                n_generated += len(retry_texts)
                for (rec, _), text in zip(again, retry_texts):
                    _settle(rec, text, attempt=attempt, config=config, forced="answer_prefix" in how)
            for rec, (_, gs), ev in zip(records, batch, evidence):
                if rec["status"] != STATUS_EMPTY:
                    claims = checker.check(rec["answer"]["steps"], gs.genes)
                    rec["claims"] = [c.to_dict() for c in claims]
                    rec["claim_counts"] = count(claims)
                    rec["name_term"] = name_term(ev, rec["name"])
            _append(fh, records)
            if progress:
                progress(already + b + len(batch), total)
    return n_generated, n_tokens


def name_term(evidence, name: str | None) -> dict | None:
    """The enriched term of the set's evidence that the name repeats, with its rank among the listed terms
    (1 = the smallest p-value), or None: whether an answer picked a known term, and which, or composed its own."""
    found = evidence.term_named(name)
    if found is None:
        return None
    rank, term = found
    return {"term_id": term.term_id, "name": term.name, "library": term.library, "rank": rank, "fdr": term.fdr}


def _without_held_out(enrichment, evidence):
    """The set's enrichment minus the terms its evidence held out (its own gold term under
    --hold-out-own-term, --hold-out terms): the enrichment columns and plot must not show what the
    model was not allowed to read. The bundle records the held-out IDs."""
    if not evidence.hold_out:
        return enrichment
    return replace(enrichment, table=enrichment.table[~enrichment.table["Term"].isin(set(evidence.hold_out))])


def _base_record(index: int, gs: GeneSet, evidence, enrichment, mode: str) -> dict:
    top = enrichment.top(1)
    top_term = None
    if len(top):
        row = top.iloc[0]
        top_term = {"term": str(row["Term_name"]), "term_id": str(row["Term"]), "library": str(row["Library"]),
                    "fdr": float(row["FDR"]), "overlap": str(row["Overlap"])}
    n_known = enrichment.n_in_background
    return {
        "index": index, "id": gs.id, "source": gs.source, "mode": mode, "n_genes": gs.size, "n_known": n_known,
        "genes": gs.genes, "gold_name": gs.gold_name, "flags": list(gs.flags) + [f"enrichment:{f}" for f in enrichment.flags],
        "hygiene": {"changes": [asdict(c) for c in gs.changes], "unknown": gs.unknown, "ambiguous": gs.ambiguous},
        "evidence": evidence.to_dict(),
        "enrichment_top": top_term, "enrichment_top10": enrichment.top(10).to_dict(orient="records"),
        "name": None, "confidence": None, "status": None, "raw": None, "answer": None, "attempts": 0,
        "claims": [], "claim_counts": {"supported": 0, "unsupported": 0, "unknown": 0}, "name_term": None,
    }


def _settle(rec: dict, text: str, *, attempt: int, config: AnnotateConfig, forced: bool = False) -> None:
    parsed = answer_format.parse(text)
    ok = parsed.well_formed(require_reasoning=config.require_reasoning and config.reasoning)
    if ok or rec["raw"] is None or parsed.name:  # keep the best try: a parseable name beats none
        rec.update(raw=text, answer=parsed.to_dict(), name=parsed.name or "", confidence=parsed.confidence)
        if forced:  # the kept text opened with a forced "Process:": say so in the TSV's flags column
            rec["flags"] = [*rec["flags"], answer_format.FORCED_OPENING_FLAG]
        if not config.reasoning and NAME_ONLY_FLAG not in rec["flags"]:
            rec["flags"] = [*rec["flags"], NAME_ONLY_FLAG]
    rec["attempts"] = attempt
    rec["status"] = STATUS_OK if ok else STATUS_FORMAT_ERROR
    rec["answer"] = rec["answer"] or parsed.to_dict()


def record_position(rec: dict) -> tuple[int, str]:
    """Where a record's set stood in its run's input: (index, source file). A later record at the same position
    replaces an earlier one (retries, resumes). Runs over different files, each numbering its sets from 0,
    stay apart by source, so their outputs can be merged or concatenated; sorting keeps input order."""
    return rec["index"], str(rec.get("source", ""))


def read_records(jsonl: Path) -> list[dict]:
    """Every complete record, the last one per position winning, in input order."""
    by_position: dict[tuple[int, str], dict] = {}
    if jsonl.exists():
        with open(jsonl, encoding="utf-8") as fh:
            for line in fh:
                try:
                    rec = json.loads(line)
                    int(rec["index"])  # a record without a usable index is a torn line
                    by_position[record_position(rec)] = rec
                except (ValueError, KeyError, TypeError):
                    continue  # a torn last line from a killed run: that set is simply redone
    return [by_position[k] for k in sorted(by_position)]


def write_tsv(records: list[dict], path: Path) -> Path:
    import csv

    tmp = path.with_name(path.name + ".partial")
    with open(tmp, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, delimiter="\t", lineterminator="\n")
        w.writerow(TSV_COLUMNS)
        for r in records:
            top = r.get("enrichment_top") or {}
            cc = r.get("claim_counts") or {}
            conf = r.get("confidence")
            named = r.get("name_term") or {}
            w.writerow([r["id"], r.get("name") or "", "" if conf is None else f"{conf:.2f}", r["status"], r["n_genes"],
                        r["n_known"], top.get("term", ""), top.get("library", ""),
                        "" if top.get("fdr") is None else f"{top['fdr']:.3g}", named.get("term_id", ""),
                        named.get("rank", ""), cc.get("supported", 0),
                        cc.get("unsupported", 0), cc.get("unknown", 0), ";".join(r.get("flags") or []), r.get("attempts", 0)])
    tmp.replace(path)
    return path
