"""The reasoning corpus for SFT: a teacher writes an answer for each task-alignment gene set, and an example
is kept only when the teacher's process name is close enough to the gold name.

Input: task-alignment gene sets (JSONL rows with ``id``, ``genes``, ``gold_name`` and optionally ``split``,
as ``gener1 corpus benchmark`` writes them; or any TSV/CSV table with ID, genes and gold-name columns).
Output: prompt/completion JSONL in TRL's conversational format, which ``gener1 train reason`` reads::
    {"id": ..., "prompt": [{"role": "system", ...}, {"role": "user", ...}],
     "completion": [{"role": "assistant", "content": "Process: ...\\nReasoning:\\n<think>...</think>"}],
     "gold_name": ..., "teacher": ..., "teacher_name": ..., "similarity": 0.83, "split": ...}

Similarity is the mean cosine over the encoder plugins (``gener1_tool.similarity.encoders``); an example
is kept when it is strictly above ``threshold`` (0.7 by default, as Gene-R1). Every drop is counted by
reason: the teacher's failures (timeout, garbage, no_trace, ...), ``no_reasoning`` (an answer without
``<think>`` steps, unless allowed), ``below_threshold``, ``no_gold_name``, ``no_genes``, ``over_kind_quota`` (past ``max_per_kind`` examples of one
name kind, in input order). Rows of other splits are counted apart (``other_split``).
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..enrichment.candidates import CandidateBuilder
from ..enrichment.evidence import EvidenceBuilder, gold_hold_out
from ..enrichment.libraries import library_relations, open_kb
from ..errors import Gener1Error
from ..genes.geneset import GeneSet
from ..genes.readers import read_gene_sets
from ..io import atomic_open, json_line, refuse_overwriting_inputs, write_text_atomic
from ..reasoning import answer
from ..reasoning.prompts import MODES, build_prompt
from ..reasoning.teachers import TeacherFailure, get_teacher
from ..similarity.encoders import similarity
from .task_alignment import iter_task_rows, name_kind

_GENE_SPLIT = re.compile(r"[\s,;]+")


def read_task_sets(path: str | os.PathLike, split: str | None = None) -> tuple[list[GeneSet], Counter]:
    """Gene sets with gold names from a task-alignment JSONL (or any gene-set table gener1 reads).

    With ``split``, JSONL rows whose ``split`` differs are left out (counted as ``other_split``); rows
    without a split field are kept.
    """

    path = Path(path)
    counts: Counter = Counter()
    if not path.name.endswith((".jsonl", ".jsonl.gz")):
        sets = read_gene_sets(path)
        counts["rows"] = len(sets)
        return sets, counts
    sets = []
    for lineno, row in iter_task_rows(path, split, counts):
        genes = row["genes"]
        if isinstance(genes, str):
            genes = [g for g in _GENE_SPLIT.split(genes) if g]
        if not isinstance(genes, list):
            raise Gener1Error("'genes' must be a list or a delimited string", path=path, line=lineno)
        metadata = {k: v for k, v in row.items() if k not in ("id", "genes", "gold_name")}
        metadata["line"] = lineno
        sets.append(GeneSet(id=str(row["id"]), genes=[str(g) for g in genes], source=str(path),
                            gold_name=row.get("gold_name") or None, metadata=metadata))
    return sets, counts


@dataclass
class ReasoningCorpusConfig:
    input: str
    output: str
    teacher: str = "grounded"
    teacher_options: dict = field(default_factory=dict)
    threshold: float = 0.7
    encoders: tuple[str, ...] = ("minilm",)
    prompt_mode: str = "model-only"  # what the student model will see: the gene list, or the list + evidence
    kb: str | None = None  # knowledge base for evidence bundles (default: the default KB)
    libraries: tuple[str, ...] | None = None  # evidence libraries (None: the builder's default)
    hold_out_gold: bool = True  # keep a set's own gold term out of its evidence, so the teacher cannot copy it
    require_reasoning: bool = True  # drop answers without <think> steps (counted as no_reasoning)
    split: str | None = "train"
    limit: int | None = None
    max_per_kind: int | None = None  # keep at most this many examples per name kind (GO_BP/GO_MF/GO_CC/pathway)
    progress: bool = False

    def settings(self) -> dict:
        """What produced the corpus, for its report (a secret teacher option is never written)."""
        settings = {k: v for k, v in asdict(self).items() if k not in ("output", "progress")}
        settings["teacher_options"] = {k: ("<redacted>" if "key" in k.lower() or "token" in k.lower() else v)
                                       for k, v in self.teacher_options.items()}
        return settings


@dataclass
class CorpusReport:
    output: Path
    total: int = 0  # sets of the requested split (after --limit); kept + dropped == total
    other_split: int = 0  # rows of other splits, not considered
    kept: int = 0
    dropped: Counter = field(default_factory=Counter)
    mean_similarity_kept: float | None = None
    kept_by_kind: dict = field(default_factory=dict)  # GO_BP/GO_MF/GO_CC/pathway (sets without a library: pathway)
    settings: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"output": str(self.output), "total": self.total, "other_split": self.other_split, "kept": self.kept,
                "dropped": dict(sorted(self.dropped.items())), "dropped_total": sum(self.dropped.values()),
                "mean_similarity_kept": self.mean_similarity_kept, "kept_by_kind": self.kept_by_kind,
                "settings": self.settings}


def build_evidence_bundles(sets: list[GeneSet], *, kb=None, libraries=None, hold_out_gold: bool = True,
                           teacher=None, progress: bool = False) -> list:
    """Evidence bundles for every set in one batch; each set's own gold term (its ID and its gold name) is held
    out by default, as the evaluation protocol does, so a grounded teacher reasons rather than copies and a
    grounded prompt does not hand the student its answer."""

    kb = open_kb(kb)
    if teacher is not None and getattr(teacher, "relations", False) is None:
        teacher.relations = library_relations(kb)  # the grounded teacher maps libraries to step kinds
    builder = EvidenceBuilder(kb, list(libraries) if libraries else None)
    if not hold_out_gold:
        return builder.build_many(sets, progress=progress)
    ids, names = _gold_hold_outs(sets)
    return builder.build_many(sets, hold_out=ids, hold_out_names=names, progress=progress)


def build_candidate_lists(sets: list[GeneSet], *, kb=None, libraries=None) -> list:
    """Candidate lists (``enrichment.candidates``) for every set, each set's own gold term held out as in
    ``build_evidence_bundles``: what the compact candidates prompt shows."""
    builder = CandidateBuilder(open_kb(kb), list(libraries) if libraries else None)
    ids, names = _gold_hold_outs(sets)
    return builder.build_many(sets, hold_out=ids, hold_out_names=names)


def _gold_hold_outs(sets: list[GeneSet]) -> tuple[list[set[str]], list[set[str]]]:
    """Per set, the term IDs and names to hold out: its gold (``gold_hold_out``) and its recorded term ID."""
    holds = [gold_hold_out(gs) for gs in sets]
    for (ids, _), gs in zip(holds, sets):
        if gs.metadata.get("term_id"):
            ids.add(str(gs.metadata["term_id"]))
    return [h[0] for h in holds], [h[1] for h in holds]


def build_reasoning_corpus(config: ReasoningCorpusConfig) -> CorpusReport:
    """Run the teacher over the task-alignment sets, filter by similarity to gold, write prompt/completion JSONL."""

    if config.prompt_mode not in MODES:
        raise Gener1Error(f"unknown prompt mode {config.prompt_mode!r}; expected one of {', '.join(MODES)}")
    refuse_overwriting_inputs([config.output], [config.input])
    teacher = get_teacher(config.teacher, **config.teacher_options)
    sets, counts = read_task_sets(config.input, split=config.split)
    if config.limit:
        sets = sets[: config.limit]
    report = CorpusReport(output=Path(config.output), total=len(sets), other_split=counts["other_split"],
                          settings=config.settings())

    usable = []
    for gs in sets:
        if not gs.gold_name:
            report.dropped["no_gold_name"] += 1
        elif not gs.genes:
            report.dropped["no_genes"] += 1
        else:
            usable.append(gs)
    need_evidence = teacher.needs_evidence or config.prompt_mode == "grounded"
    if need_evidence and usable:
        bundles = build_evidence_bundles(usable, kb=config.kb, libraries=config.libraries,
                                         hold_out_gold=config.hold_out_gold, teacher=teacher, progress=config.progress)
    else:
        bundles = [None] * len(usable)

    candidates = []  # (gene set, prompt, answer text, name)
    pairs = zip(usable, bundles)
    if config.progress:
        from tqdm import tqdm

        pairs = tqdm(pairs, total=len(usable), desc=f"teacher {teacher.name}", unit="set")
    for gs, evidence in pairs:
        try:
            text = teacher.write(gs, evidence)
        except TeacherFailure as failure:
            report.dropped[failure.reason] += 1
            continue
        parsed = answer.parse(text)
        if not parsed.name:  # a third-party teacher that ignored the format
            report.dropped["no_answer"] += 1
            continue
        if config.require_reasoning and not parsed.has_think:
            report.dropped["no_reasoning"] += 1
            continue
        name = parsed.name
        prompt = build_prompt(gs, evidence, mode=config.prompt_mode)
        candidates.append((gs, prompt, text, name))

    scores = similarity([c[3] for c in candidates], [c[0].gold_name for c in candidates],
                        encoders=config.encoders) if candidates else []
    out = Path(config.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    kept_scores = []
    kept_by_kind: Counter = Counter()
    with atomic_open(out) as fh:
        for (gs, prompt, text, name), score in zip(candidates, scores):
            if score <= config.threshold:
                report.dropped["below_threshold"] += 1
                continue
            kind = name_kind(gs.metadata.get("library"))
            if config.max_per_kind is not None and kept_by_kind[kind] >= config.max_per_kind:
                report.dropped["over_kind_quota"] += 1
                continue
            kept_by_kind[kind] += 1
            kept_scores.append(float(score))
            row = {"id": gs.id, "prompt": prompt, "completion": [{"role": "assistant", "content": text}],
                   "gold_name": gs.gold_name, "teacher": teacher.name, "teacher_name": name,
                   "similarity": round(float(score), 4), "split": gs.metadata.get("split")}
            if gs.metadata.get("library"):
                row["library"] = gs.metadata["library"]
            fh.write(json_line(row))
    report.kept = len(kept_scores)
    report.kept_by_kind = dict(sorted(kept_by_kind.items()))
    report.dropped = Counter({k: v for k, v in report.dropped.items() if v})
    if kept_scores:
        report.mean_similarity_kept = round(sum(kept_scores) / len(kept_scores), 4)
    write_text_atomic(out.with_name(out.name + ".report.json"), json.dumps(report.to_dict(), indent=2) + "\n")
    return report
