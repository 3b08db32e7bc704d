"""Annotation in several processes: each spawned worker loads its own model and KB connection, annotates its
share of the sets with the batch loop, and appends to its own part file; the parent gathers the parts."""

from __future__ import annotations

import multiprocessing
import os
import queue
import traceback
from dataclasses import replace

from .. import paths
from ..errors import Gener1Error
from ..knowledge.store import KnowledgeBase
from .batch import annotate_sets
from .records import gather_parts


def annotate_in_workers(config, todo, model_spec, out, already, total, progress, fingerprints=None) -> tuple[int, int]:
    """``annotate_sets`` over ``config.workers`` slices of ``todo``, each in a spawned process. ``todo`` is sorted
    by set size and dealt round-robin, so every worker gets a similar mix of short and long prompts. A worker's
    error (or death: killed, out of memory) stops the others; what every worker finished is kept either way."""
    n = min(config.workers, len(todo))
    # Each worker gets its share of the cores unless --threads says otherwise.
    threads = config.threads or max(1, (os.cpu_count() or 1) // n)
    worker_config = replace(config, workers=1, threads=threads)
    parts = [out / f"annotations.part{k}.jsonl" for k in range(n)]
    # spawn, not fork: a forked child inherits the parent's torch/OpenMP thread state, which can deadlock.
    ctx = multiprocessing.get_context("spawn")
    reports = ctx.Queue()
    workers = [ctx.Process(target=_annotate_part, args=(k, worker_config, todo[k::n], model_spec, parts[k], reports, fingerprints),
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
        gather_parts(out)
    return sum(r[0] for r in results.values()), sum(r[1] for r in results.values())


def _annotate_part(k, config, todo, model_spec, part, reports, fingerprints=None) -> None:
    """One worker process: its own KB connection and model, its slice of the sets, its own part file. Puts
    ``(k, "progress", sets written)`` after each batch, then ``(k, "result", (n_generated, n_tokens))`` or
    ``(k, "error", text)``: exceptions do not always pickle, their text does."""
    try:
        kb = KnowledgeBase(config.kb or paths.default_kb_path())
        try:
            result = annotate_sets(config, kb, todo, model_spec, part, 0, len(todo),
                                    lambda written, _total: reports.put((k, "progress", written)), fingerprints)
            reports.put((k, "result", result))
        finally:
            kb.close()
    except Gener1Error as exc:
        reports.put((k, "error", str(exc)))
    except BaseException as exc:  # noqa: BLE001 - the parent re-raises it as a Gener1Error with the traceback
        reports.put((k, "error", "".join(traceback.format_exception(exc)).strip()))
