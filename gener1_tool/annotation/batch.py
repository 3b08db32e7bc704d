"""The batch loop of `gener1 annotate`: enrichment and evidence bundles → prompts (``grounded`` shows the evidence,
``model-only`` is the paper's genes-only protocol) → batched greedy generation → parse; malformed outputs retried
with sampling up to ``retries`` times, then (with ``force_format``) once more greedily with the answer opened by
``Process:`` (flagged ``forced_answer_prefix``), then kept with status ``format_error`` and their raw text → claim
check against the KB → which enriched term, if any, the name repeats (``name_term``: ID and rank) → one JSON line
per set, appended and fsynced as each batch finishes."""

from __future__ import annotations

import time
from dataclasses import asdict, replace
from pathlib import Path
from typing import Callable

from ..enrichment.candidates import CandidateBuilder
from ..enrichment.evidence import COHERENCE_FDR, COHERENCE_MIN_BACKGROUND, EvidenceBuilder, gold_hold_out
from ..enrichment.libraries import DEFAULT_MAX_SIZE, DEFAULT_MIN_SIZE
from ..enrichment.plots import dot_plot
from ..enrichment.run import run_enrichment, safe_names
from ..errors import Gener1Error
from ..genes.geneset import GeneSet
from ..io import append_jsonl
from ..knowledge.store import KnowledgeBase
from ..model import generate as generation
from ..model import load as model_load
from ..reasoning import answer as answer_format
from ..reasoning.gene_steps import cite_statistics
from ..reasoning.prompts import CANDIDATES_MODE, build_prompt
from .claims import ClaimChecker, count
from .config import (ABSTAINED_FLAG, NAME_ONLY_FLAG, STATISTICS_FLAG, STATUS_EMPTY, STATUS_FORMAT_ERROR, STATUS_OK,
                     TOO_FEW_GENES_FLAG, AnnotateConfig)
from .naming import CHOOSER_FLAG, ChooserNaming, name_only_answer, opening


def annotate_sets(config: AnnotateConfig, kb: KnowledgeBase, todo: list[tuple[int, GeneSet]], model_spec: str,
                  jsonl: Path, already: int, total: int, progress: Callable[[int, int], None] | None,
                  fingerprints: dict[int, str] | None = None) -> tuple[int, int]:
    """Annotate ``todo`` (index, set) pairs batch by batch, appending each finished batch's records to ``jsonl``;
    returns (answers generated, tokens generated). ``progress(done, total)`` follows each batch. ``fingerprints``
    (index → the run's fingerprint of that set) go into the records, for ``--resume``."""
    gene_sets = [gs for _, gs in todo]
    # The term-size window of the evidence, the candidates and the enrich-top1 baseline (3-500 genes), so the top term
    # printed beside a name is the one gener1 is evaluated against, with the FDR the abstention rule reads.
    enrichment = run_enrichment(gene_sets, kb, libraries=config.libraries, method=config.enrich_method, cutoff=config.fdr,
                                min_size=DEFAULT_MIN_SIZE, max_size=DEFAULT_MAX_SIZE)
    plot_dir = Path(config.output_dir) / "plots"
    plot_dir.mkdir(exist_ok=True)
    # File stems from the global index keep duplicate ids apart and stay stable across resumed chunks.
    stems = safe_names([f"{i:06d}_{gs.id}" for i, gs in todo])
    builder = EvidenceBuilder(kb, libraries=config.libraries, hold_out=set(config.hold_out_terms),
                              library_order=config.evidence_order)
    empty = (), ()
    # The abstention rule was set on the default KB's ~19,000-gene background; a small custom KB cannot reach it.
    abstain = config.abstain and len(builder.libs.background) >= COHERENCE_MIN_BACKGROUND
    checker = ClaimChecker(kb, hold_out=set(config.hold_out_terms))
    naming = ChooserNaming.for_run(model_spec, enabled=config.chooser, mode=config.mode)
    # Candidate lists: what the chooser picks from and what the compact prompt shows.
    candidates = (CandidateBuilder(kb, config.libraries, hold_out=set(config.hold_out_terms))
                  if naming is not None or config.mode == CANDIDATES_MODE else None)
    loaded: list = []

    def language_model():
        """The language model, loaded on first need: a name-only run named by the chooser never needs it."""
        if not loaded:
            # An adapter is merged into its base for inference: the unmerged LoRA path adds 14 small matmuls per
            # decoder layer to every decode step, which on a CPU costs more than the merge itself.
            model, tokenizer = model_load.load_model(model_spec, threads=config.threads, merge_adapter=True)
            context = getattr(getattr(model, "config", None), "max_position_embeddings", None)
            if context and config.max_new_tokens >= context:
                raise Gener1Error(f"--max-new-tokens {config.max_new_tokens} does not fit the model's context of "
                                  f"{context} positions (the prompt needs some of them)")
            loaded.extend([model, tokenizer])
        return loaded

    if naming is None or config.reasoning:
        language_model()  # fail early (a missing model, a budget beyond its context), before any set is done
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
            # One ORA per set: the bundle reads its terms from the same enrichment table the record shows.
            evidence = builder.build_many([gs for _, gs in batch], hold_out=[ids for ids, _ in own],
                                          hold_out_names=[names for _, names in own],
                                          enrichment=enrichment[b:b + config.batch_size])
            lists = (candidates.build_many([gs for _, gs in batch], hold_out=[ids for ids, _ in own],
                                           hold_out_names=[names for _, names in own])
                     if candidates is not None else [None] * len(batch))
            named = naming.choose(lists) if naming is not None else [None] * len(batch)
            records, tables, prompts, waiting, openings, gene_lists, listed_terms = [], [], [], [], [], [], []
            for (index, gs), ev, enr, stem, clist, pick in zip(batch, evidence, enrichment[b:b + config.batch_size],
                                                               stems[b:b + config.batch_size], lists, named):
                enr = _without_held_out(enr, ev)
                tables.append(enr)
                rec = _base_record(index, gs, ev, enr, config.mode)
                rec["fingerprint"] = (fingerprints or {}).get(index)
                rec["plot"] = str(dot_plot(enr, plot_dir / f"{stem}.png").relative_to(config.output_dir))
                records.append(rec)
                if not gs.genes:
                    rec.update(status=STATUS_EMPTY, name="", attempts=0)
                    continue
                if abstain and not ev.coherent():
                    _abstain(rec, ev)
                    continue
                if pick is not None:
                    rec.update(choice=pick["choice"], candidates=pick["candidates"],
                               flags=[*rec["flags"], CHOOSER_FLAG])
                    if not config.reasoning:
                        _settle(rec, name_only_answer(pick), attempt=0, config=config)
                        continue
                # A chooser-named set is reasoned about on the compact prompt (what the shipped adapter learned
                # gene-level reasoning on, ~4x shorter); the long grounded prompt is for sets the LM names itself.
                prompt_mode = CANDIDATES_MODE if pick is not None else config.mode
                prompts.append(build_prompt(gs, ev, prompt_mode, candidates=clist))
                # What the prompt listed with figures (the candidates, or the evidence's enriched terms).
                listed_terms.append((clist.candidates, clist.n_annotated) if prompt_mode == CANDIDATES_MODE else
                                    (ev.top_terms(), ev.n_annotated) if prompt_mode == "grounded" else None)
                openings.append(opening(pick) if pick is not None else "")
                # Gene-level steps (what the compact prompt's reasoning was trained on) open with genes of the set.
                gene_lists.append(gs.genes if config.constrain_gene_lists and prompt_mode == CANDIDATES_MODE else None)
                waiting.append(rec)
            if prompts:
                model, tokenizer = language_model()
                texts = generation.generate(model, tokenizer, prompts, max_new_tokens=config.max_new_tokens,
                                            batch_size=config.batch_size, seed=config.seed, stop_at=stop_at,
                                            answer_prefix=openings if any(openings) else "",
                                            gene_lists=gene_lists,
                                            on_step=_within_batch(progress, already + b, len(batch), total))
                n_generated += len(texts)
                n_tokens += sum(len(tokenizer(t[len(o):], add_special_tokens=False)["input_ids"])
                                for t, o in zip(texts, openings))
                for rec, text in zip(waiting, texts):
                    _settle(rec, text, attempt=1, config=config)
            # Malformed outputs get the later attempts, each over all of them in one batch: sampled retries,
            # then (force_format) one greedy try with the answer opened by "Process:". A chooser-named answer keeps
            # its opening (name and confidence) on every attempt.
            later = [(attempt, {"seed": config.seed + attempt, "do_sample": True, "temperature": config.retry_temperature})
                     for attempt in range(2, config.retries + 2)]
            if config.force_format:
                later.append((config.retries + 2, {"seed": config.seed, "answer_prefix": answer_format.ANSWER_PREFIX}))
            for attempt, how in later:
                again = [(rec, p, o, g) for rec, p, o, g in zip(waiting, prompts, openings, gene_lists)
                         if rec["status"] == STATUS_FORMAT_ERROR]
                forced = "answer_prefix" in how
                if forced:  # the forced "Process:" opening is for answers the model opens itself
                    again = [item for item in again if not item[2]]
                if not again:
                    continue
                model, tokenizer = language_model()
                if any(o for _, _, o, _ in again):  # chooser-named rows (never in the forced attempt)
                    how = dict(how, answer_prefix=[o for _, _, o, _ in again])
                retry_texts = generation.generate(model, tokenizer, [p for _, p, _, _ in again], max_new_tokens=config.max_new_tokens,
                                       batch_size=config.batch_size, stop_at=stop_at,
                                       gene_lists=[g for _, _, _, g in again], **how)
                n_generated += len(retry_texts)
                for (rec, _, _, _), text in zip(again, retry_texts):
                    _settle(rec, text, attempt=attempt, config=config, forced=forced)
            for rec, listed in zip(waiting, listed_terms):
                _cite_statistics(rec, listed)
            for rec, (_, gs), ev, enr in zip(records, batch, evidence, tables):
                if rec["status"] != STATUS_EMPTY:
                    claims = checker.check(rec["answer"]["steps"], gs.genes)
                    rec["claims"] = [c.to_dict() for c in claims]
                    rec["claim_counts"] = count(claims)
                    rec["name_term"] = name_term(ev, rec["name"])
                    rec["name_overlap"] = name_overlap(enr, rec)
            append_jsonl(fh, records)
            if progress:
                progress(already + b + len(batch), total)
    return n_generated, n_tokens


#: Seconds between progress reports from inside a batch.
PROGRESS_EVERY = 1.0


def _within_batch(progress, done_before: int, batch: int, total: int):
    """A decode-step callback that moves ``progress`` through a batch (fractions of sets, at most every
    ``PROGRESS_EVERY`` seconds), so a long batch does not leave the bar standing still."""
    if progress is None:
        return None
    last = [0.0]

    def on_step(fraction: float) -> None:
        now = time.monotonic()
        if now - last[0] >= PROGRESS_EVERY:
            last[0] = now
            progress(done_before + fraction * batch, total)

    return on_step


def name_term(evidence, name: str | None) -> dict | None:
    """The enriched term of the set's evidence that the name repeats, with its rank among the listed terms
    (1 = the smallest p-value), or None: whether an answer picked a known term, and which, or composed its own."""
    found = evidence.term_named(name)
    if found is None:
        return None
    rank, term = found
    return {"term_id": term.term_id, "name": term.name, "library": term.library, "rank": rank, "fdr": term.fdr}


def name_overlap(enrichment, rec: dict) -> dict | None:
    """The set's genes in the term its name stands for (the chooser's pick, else the enriched term the name repeats),
    from the set's enrichment table, or None (a composed name, "unrelated"): what the report shows beside the claims."""
    term_id = (rec.get("choice") or {}).get("term_id") or (rec.get("name_term") or {}).get("term_id")
    table = enrichment.table
    if not term_id or table.empty:
        return None
    rows = table[table["Term"] == term_id]
    if rows.empty:
        return None
    row = rows.iloc[0]
    return {"term_id": term_id, "name": str(row["Term_name"]), "library": str(row["Library"]),
            "genes": [g for g in str(row["Genes"]).split(";") if g], "term_size": int(row["Term_size"]),
            "fdr": float(row["FDR"])}


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
        "name_overlap": None,
        "choice": None, "candidates": [],
    }


def _abstain(rec: dict, evidence) -> None:
    """Answer by the abstention rule: the evidence shows no coherent function, so the model is not asked."""
    best = evidence.strongest()
    weak = evidence.too_few_to_test()
    text = answer_format.unrelated_answer(best.name if best else None, best.fdr if best else None, COHERENCE_FDR,
                                          weak_test_genes=evidence.n_annotated if weak else None)
    parsed = answer_format.parse(text)
    rec.update(raw=text, answer=parsed.to_dict(), name=parsed.name, confidence=parsed.confidence, status=STATUS_OK,
               attempts=0, flags=[*rec["flags"], ABSTAINED_FLAG, *([TOO_FEW_GENES_FLAG] if weak else [])])


def _cite_statistics(rec: dict, listed) -> None:
    """Overlaps and FDRs the reasoning cites after a listed term's name, written from what the prompt listed
    (``reasoning.gene_steps.cite_statistics``; ``listed``: (terms, annotated genes) or None for a prompt without
    figures); each change kept in ``statistics_corrected`` and flagged."""
    if listed is None or not rec.get("raw"):
        return
    text, changes = cite_statistics(rec["raw"], *listed)
    if changes:
        rec.update(raw=text, answer=answer_format.parse(text).to_dict(), statistics_corrected=changes,
                   flags=[*rec["flags"], STATISTICS_FLAG])


def _settle(rec: dict, text: str, *, attempt: int, config: AnnotateConfig, forced: bool = False) -> None:
    """Parse one generated answer into the record; a parseable name is kept over an earlier try without one."""
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
