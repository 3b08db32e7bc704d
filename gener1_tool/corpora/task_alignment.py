"""Task-alignment data: gene set → gold name pairs from the KB, with leakage against the evaluation sets removed.

``corpus_benchmark`` reads term gene sets of the chosen libraries (GO branches, pathway collections) from a
knowledge base and keeps a term only if

1. its ID is not reserved: the 1,508 GO IDs of the bundled GO evaluation sets (unless turned off) and any
   IDs from ``exclude_terms``;
2. its name is not an evaluation gold name (``benchmarks.evaluation_term_names``, normalised), so a model
   is never trained to say a name it is later scored on;
3. its size, after the optional evidence filter, lies in ``[min_size, max_size]``;
4. its genes do not overlap any of the 1,614 evaluation sets with Jaccard ≥ ``jaccard`` (computed for all
   pairs at once as a sparse product, ``|A ∩ B| = (A · Bᵀ)``, not pair by pair in Python).

Evidence filter: for GO libraries, ``evidence`` (keep only these codes) and ``exclude_evidence`` rebuild
memberships from the KB's direct annotations with allowed codes, propagated to ancestors along the KB's own
propagation relations (``meta.propagation``, usually is_a + part_of). Pathway libraries carry no evidence
codes and are used as they are.

Split: term-level train/validation/test by a seeded hash of the *normalised name*, so terms sharing a name
(e.g. a GO term and a pathway both called "peroxisome") always land in the same split, and adding or
removing terms never moves the others between splits.

Output: JSONL, one object per kept term: ``id, genes, gold_name, library, split, size``; and a JSON report
with counts per removal reason (first reason that applies), kept counts per split and library, and
examples of Jaccard removals.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict
from pathlib import Path
from typing import Iterable

import numpy as np

from ..datasets import BENCHMARKS, evaluation_term_ids, evaluation_term_names, load
from ..enrichment.libraries import check_size_window
from ..errors import Gener1Error
from ..genes.readers import read_gene_sets
from ..io import atomic_open, iter_jsonl, write_jsonl, write_text_atomic
from ..knowledge.sources.gmt import readable_set_name
from ..knowledge.store import KnowledgeBase, normalise_term_name

SPLITS = ("train", "validation", "test")
GO_LIBRARIES = ("GO_BP", "GO_MF", "GO_CC")
REASONS = ("reserved_evaluation_id", "excluded_by_file", "evaluation_name", "size_out_of_range", "jaccard_overlap")


def parse_split(text: str | Iterable[float]) -> tuple[float, float, float]:
    """``"0.8,0.1,0.1"`` → fractions that sum to 1 (they are normalised)."""
    parts = [float(p) for p in (text.split(",") if isinstance(text, str) else text)]
    if len(parts) != 3 or any(p < 0 for p in parts) or sum(parts) <= 0:
        raise Gener1Error(f"--split needs three non-negative fractions train,validation,test (got {text!r})")
    total = sum(parts)
    return tuple(p / total for p in parts)  # type: ignore[return-value]


def assign_split(name: str, seed: int, fractions: tuple[float, float, float]) -> str:
    digest = hashlib.sha256(f"{seed}\x00{name}".encode()).digest()
    u = int.from_bytes(digest[:8], "big") / 2 ** 64
    if u < fractions[0]:
        return "train"
    if u < fractions[0] + fractions[1]:
        return "validation"
    return "test"


def evidence_gene_sets(kb, library: str, *, keep: Iterable[str] = (), drop: Iterable[str] = ()) -> dict[str, set[str]]:
    """term → symbols from direct annotations with allowed evidence codes, propagated like the KB build."""
    return kb.gene_sets(library, keep_evidence=keep, drop_evidence=drop)


def max_jaccard(candidates: list[set[str]], references: list[set[str]]) -> tuple[np.ndarray, np.ndarray]:
    """For every candidate set, the highest Jaccard index against any reference set, and that reference's index.

    One sparse matrix product gives all intersections; only pairs sharing a gene are ever materialised.
    """
    from scipy import sparse

    n, m = len(candidates), len(references)
    if n == 0 or m == 0:
        return np.zeros(n), np.full(n, -1)
    index: dict[str, int] = {}
    for s in (*candidates, *references):
        for g in s:
            index.setdefault(g, len(index))

    def matrix(sets):
        rows = np.repeat(np.arange(len(sets)), [len(s) for s in sets])
        cols = np.fromiter((index[g] for s in sets for g in s), dtype=np.int64, count=int(sum(len(s) for s in sets)))
        return sparse.csr_matrix((np.ones(len(cols), dtype=np.float32), (rows, cols)), shape=(len(sets), len(index)))

    c, r = matrix(candidates), matrix(references)
    inter = (c @ r.T).tocoo()
    c_size = np.array([len(s) for s in candidates], dtype=np.float64)
    r_size = np.array([len(s) for s in references], dtype=np.float64)
    jac = inter.data / (c_size[inter.row] + r_size[inter.col] - inter.data)
    best = np.zeros(n)
    best_ref = np.full(n, -1)
    if jac.size:
        order = np.lexsort((jac, inter.row))  # by candidate, then Jaccard ascending: each run ends at its maximum
        rows = inter.row[order]
        last = np.r_[np.nonzero(np.diff(rows))[0], rows.size - 1]
        best[rows[last]] = jac[order][last]
        best_ref[rows[last]] = inter.col[order][last]
    return best, best_ref


def corpus_benchmark(kb, output: str | Path, *, libraries: Iterable[str] = ("GO_BP",), min_size: int = 3,
                     max_size: int = 500, evidence: Iterable[str] = (), exclude_evidence: Iterable[str] = (),
                     split: str | Iterable[float] = (0.8, 0.1, 0.1), seed: int = 0,
                     exclude_terms: Iterable[str] = (), exclude_evaluation: bool = True, jaccard: float = 0.9,
                     report: str | Path | None = None) -> dict:
    """Write task-alignment JSONL to ``output`` and a removal report (``report`` or ``<output>.report.json``).

    ``kb`` is a ``KnowledgeBase`` or a path to one. Returns the report dict.
    """
    check_size_window(min_size, max_size)
    if not isinstance(kb, KnowledgeBase):
        kb = KnowledgeBase(kb)
    libraries = list(dict.fromkeys(libraries))
    if not libraries:
        raise Gener1Error("choose at least one library (--library GO_BP ...)")
    available = kb.libraries()
    unknown = [lib for lib in libraries if lib not in available]
    if unknown:
        raise Gener1Error(f"library {', '.join(unknown)} not in the knowledge base; it has: "
                          f"{', '.join(sorted(available)) or 'none'}", path=kb.path)
    if min_size < 1 or (max_size is not None and max_size < min_size):
        raise Gener1Error(f"bad size range {min_size}..{max_size}")
    screen = _Screen(exclude_evaluation, jaccard, min_size, max_size, exclude_terms)
    fractions = parse_split(split)
    evidence, exclude_evidence = list(evidence), list(exclude_evidence)
    evidence_applied = {}
    for library in libraries:
        if (evidence or exclude_evidence) and library in GO_LIBRARIES:
            sets = evidence_gene_sets(kb, library, keep=evidence, drop=exclude_evidence)
            evidence_applied[library] = True
        else:
            sets = kb.gene_sets(library)
            evidence_applied[library] = False
        for term_id in sorted(sets):
            term = kb.term(term_id)
            screen.offer(term_id, term.name if term else term_id, library, sets[term_id])

    result = {
        "output": str(output),
        "kb": str(kb.path),
        "libraries": libraries,
        "settings": {"min_size": min_size, "max_size": max_size, "evidence": evidence,
                     "exclude_evidence": exclude_evidence, "evidence_applied": evidence_applied,
                     "split": list(fractions), "seed": seed, "jaccard": jaccard,
                     "exclude_evaluation": exclude_evaluation, "exclude_terms_file_ids": len(set(exclude_terms))},
    }
    return _write_corpus(screen, output, seed, fractions, result, libraries, report)


def corpus_named_sets(sets_path: str | Path, output: str | Path, *, library: str = "named", min_size: int = 3,
                      max_size: int = 500, split: str | Iterable[float] = (0.8, 0.1, 0.1), seed: int = 0,
                      exclude_evaluation: bool = True, jaccard: float = 0.9, report: str | Path | None = None) -> dict:
    """Task-alignment data from gene sets that people named (modules, a lab's curated sets) instead of KB terms: the
    same rows, leakage rules and name-level split as ``corpus_benchmark``. Names come from a table's gold-name column
    (``Term_Description``, ``gold_name``, ...) or a GMT's set names (MSigDB style made readable). A set without a
    name is an error naming its line; the rows' ``library`` is ``library`` (candidates then come from every KB
    library: `gener1 corpus candidates --libraries all`)."""
    check_size_window(min_size, max_size)
    screen = _Screen(exclude_evaluation, jaccard, min_size, max_size)
    fractions = parse_split(split)
    seen = set()
    for gs in read_gene_sets(sets_path):
        name = gs.gold_name or (readable_set_name(gs.id)[0] if gs.metadata.get("format") == "gmt" else None)
        if not name:
            raise Gener1Error(f"gene set {gs.id!r} has no name: give a gold-name column (e.g. Term_Description)",
                              path=sets_path, line=gs.metadata.get("line"))
        if gs.id in seen:
            raise Gener1Error(f"gene set {gs.id!r} appears twice", path=sets_path, line=gs.metadata.get("line"))
        seen.add(gs.id)
        screen.offer(gs.id, name, library, set(gs.genes))
    result = {"output": str(output), "sets": str(sets_path), "libraries": [library],
              "settings": {"min_size": min_size, "max_size": max_size, "split": list(fractions), "seed": seed,
                           "jaccard": jaccard, "exclude_evaluation": exclude_evaluation}}
    return _write_corpus(screen, output, seed, fractions, result, [library], report)


class _Screen:
    """The rules every task-alignment corpus obeys, applied set by set (``offer``) with a tally per rule: no
    evaluation ID (or ID from a file), no evaluation gold name, a size in [min_size, max_size], and (``kept``, over
    all offered sets at once) no set overlapping an evaluation set with Jaccard ≥ ``jaccard``."""

    def __init__(self, exclude_evaluation: bool, jaccard: float, min_size: int, max_size: int | None,
                 exclude_terms: Iterable[str] = ()):
        if not 0 < jaccard <= 1:
            raise Gener1Error(f"--jaccard must be in (0, 1], got {jaccard}")
        self.reserved = set(evaluation_term_ids()) if exclude_evaluation else set()
        self.from_file = set(exclude_terms) - self.reserved
        self.names = set(evaluation_term_names()) if exclude_evaluation else set()
        evaluation = [gs for name in BENCHMARKS for gs in load(name)] if exclude_evaluation else []
        self.sets, self.ids = [set(gs.genes) for gs in evaluation], [gs.id for gs in evaluation]
        self.jaccard, self.min_size, self.max_size = jaccard, min_size, max_size
        self.candidates: list[tuple[str, str, str, set[str]]] = []  # (set_id, name, library, genes)
        self.removed: Counter = Counter()
        self.removed_by_library: dict[str, Counter] = defaultdict(Counter)

    def offer(self, set_id: str, name: str, library: str, genes: set[str]) -> None:
        if set_id in self.reserved:
            reason = "reserved_evaluation_id"
        elif set_id in self.from_file:
            reason = "excluded_by_file"
        elif normalise_term_name(name) in self.names:
            reason = "evaluation_name"
        elif len(genes) < self.min_size or (self.max_size is not None and len(genes) > self.max_size):
            reason = "size_out_of_range"
        else:
            self.candidates.append((set_id, name, library, genes))
            return
        self._remove(reason, library)

    def kept(self):
        """(kept sets, up to 20 examples of Jaccard removals) after the Jaccard rule."""
        best, best_ref = max_jaccard([c[3] for c in self.candidates], self.sets)
        kept, examples = [], []
        for (set_id, name, library, genes), jac, ref in zip(self.candidates, best, best_ref):
            if self.sets and jac >= self.jaccard - 1e-12:
                self._remove("jaccard_overlap", library)
                if len(examples) < 20:
                    examples.append({"id": set_id, "name": name, "evaluation_id": self.ids[int(ref)],
                                     "jaccard": round(float(jac), 4)})
                continue
            kept.append((set_id, name, library, genes))
        return kept, examples

    def _remove(self, reason: str, library: str) -> None:
        self.removed[reason] += 1
        self.removed_by_library[library][reason] += 1


def _write_rows(kept, output, seed: int, fractions) -> tuple[Counter, dict[str, Counter]]:
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    per_split: Counter = Counter()
    per_library_split: dict[str, Counter] = defaultdict(Counter)
    with atomic_open(output) as fh:
        for set_id, name, library, genes in kept:
            which = assign_split(normalise_term_name(name), seed, fractions)
            per_split[which] += 1
            per_library_split[library][which] += 1
            fh.write(json.dumps({"id": set_id, "genes": sorted(genes), "gold_name": name, "library": library,
                                 "split": which, "size": len(genes)}, ensure_ascii=False) + "\n")
    return per_split, per_library_split


def _write_corpus(screen: _Screen, output, seed: int, fractions, result: dict, libraries, report) -> dict:
    """Write the screened sets (split by name) and the report (``report`` or ``<output>.report.json``)."""
    kept, examples = screen.kept()
    per_split, per_library_split = _write_rows(kept, output, seed, fractions)
    removed, removed_by_library = screen.removed, screen.removed_by_library
    result.update({
        "considered": sum(removed.values()) + len(kept),
        "kept": len(kept),
        "kept_by_split": {s: per_split.get(s, 0) for s in SPLITS},
        "kept_by_library": {lib: {s: per_library_split[lib].get(s, 0) for s in SPLITS} for lib in libraries},
        "removed": {r: removed.get(r, 0) for r in REASONS},
        "removed_by_library": {lib: {r: removed_by_library[lib].get(r, 0) for r in REASONS} for lib in libraries},
        "jaccard_examples": examples,
    })
    report_path = Path(report) if report else Path(output).with_name(Path(output).name + ".report.json")
    write_text_atomic(report_path, json.dumps(result, indent=2) + "\n")
    result["report"] = str(report_path)
    return result


# The four kinds of names gener1 is scored on: a GO branch's term, or a pathway (any other library).
NAME_KINDS = ("GO_BP", "GO_MF", "GO_CC", "pathway")


def name_kind(library: str | None) -> str:
    """``GO_BP``/``GO_MF``/``GO_CC`` for a GO branch's sets, ``pathway`` for every other library."""
    return library if library in GO_LIBRARIES else "pathway"


def iter_task_rows(path: str | Path, split: str | None = None, counts: Counter | None = None):
    """(line number, row) for each task-alignment JSONL row of ``split`` (rows without a split field always
    count as in it; ``None``: every row). A row without ``id`` or ``genes`` is an error naming file and line.
    ``counts`` (optional) gains ``rows`` and ``other_split``."""

    counts = Counter() if counts is None else counts
    for lineno, row in iter_jsonl(path):
        counts["rows"] += 1
        if "id" not in row or "genes" not in row:
            raise Gener1Error("a task-alignment row needs 'id' and 'genes'", path=path, line=lineno)
        if split is not None and row.get("split") not in (None, split):
            counts["other_split"] += 1
            continue
        yield lineno, row


def parse_quota(text: str) -> dict[str, int]:
    """``"GO_BP=65,GO_MF=90,pathway=215"`` → {kind: count}; a bare ``"400"`` → {"any": 400} (an unstratified draw)."""
    text = text.strip()
    if text.isdigit():
        return {"any": int(text)}
    quota = {}
    for part in text.split(","):
        kind, sep, count = part.partition("=")
        kind = kind.strip()
        if not sep or kind not in NAME_KINDS or not count.strip().isdigit():
            raise Gener1Error(f"bad quota {part!r}; expected KIND=COUNT with KIND one of {', '.join(NAME_KINDS)}, "
                              "or a single count")
        quota[kind] = int(count)
    return quota


def draw_sets(sets: str | Path, draws: list[tuple[str | Path, dict[str, int]]], *, split: str | None = "train",
              seed: int = 0) -> list[dict]:
    """Disjoint seeded draws from a task-alignment JSONL, each with a quota per name kind.

    Why stratify: a library's share of the KB is not its share of the task. The train split holds 6,058
    GO:BP sets against 739 pathway sets, so a plain draw teaches names of processes almost only (173 of
    220 kept teacher examples were GO:BP terms), and the model then names a process for most function,
    location and pathway sets. A quota per kind sets the mix.

    The rows of ``split`` are shuffled once with ``random.Random(seed)``; each draw then takes the next
    unused rows of each kind (``{"any": n}``: a seeded sample of n unused rows whatever their kind), so draws
    never share a set. A draw's rows are written in a second shuffle (``random.Random(seed + 1)``), so kinds interleave
    (a trainer reading the first N rows sees every kind). Asking for more rows of a kind than remain is an error naming the kind.
    Returns one summary per draw: output, rows, and rows by kind.
    """
    import random

    rows = [row for _, row in iter_task_rows(sets, split)]
    random.Random(seed).shuffle(rows)
    used = [False] * len(rows)
    summaries = []
    for number, (output, quota) in enumerate(draws):
        taken = []
        for kind, count in quota.items():
            free = [i for i, row in enumerate(rows) if not used[i] and (kind == "any" or name_kind(row.get("library")) == kind)]
            if len(free) < count:
                raise Gener1Error(f"draw {number + 1} ({output}) asks for {count} {kind} sets but only {len(free)} "
                                  f"unused ones remain in the {split or 'whole'} split", path=sets)
            # The next unused rows of one kind are a uniform draw of that kind, but the next unused rows of any
            # kind are not once earlier quotas used up the front of the list unevenly (after a pathway-heavy
            # draw they would be all GO:BP), so an unstratified draw samples the remaining rows.
            chosen = free[:count] if kind != "any" else sorted(random.Random(seed + 2 + number).sample(free, count))
            for i in chosen:
                used[i] = True
            taken += chosen
        picked = [rows[i] for i in sorted(taken)]  # the first shuffle's order, whatever the quota's key order
        random.Random(seed + 1).shuffle(picked)
        output = Path(output)
        output.parent.mkdir(parents=True, exist_ok=True)
        write_jsonl(output, picked)
        summaries.append({"output": str(output), "rows": len(picked),
                          "by_kind": dict(Counter(name_kind(r.get("library")) for r in picked))})
    return summaries
