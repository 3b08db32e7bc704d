"""Hu et al.'s contamination protocol (Nature Methods 2025), from any gene sets: each set is kept clean and also
written with a share of its genes replaced by random genes of the same universe, same size, seeded.

A contaminated set is ``<id>|random<level>``; its twin at level 0 is ``<id>|clean``. Every copy keeps the gold name
(naming quality is scored on the clean level) and records its level and twin in ``metadata``. The random draw of
a set depends only on the seed, the set's id and the level, so adding or removing sets never changes the others.
"""

from __future__ import annotations

import hashlib
import random
from pathlib import Path
from typing import Iterable, Sequence

from .. import paths
from ..errors import Gener1Error
from ..genes.geneset import GeneSet
from ..genes.readers import write_gene_sets
from ..io import atomic_path, refuse_overwriting_inputs
from ..knowledge.store import KnowledgeBase
from . import read_sets_or_benchmark

SEPARATOR = "|"
CLEAN = "clean"


def level_label(level: int) -> str:
    return CLEAN if level == 0 else f"random{level}"


def parse_levels(text: str | Iterable[int]) -> list[int]:
    """``"0,50,100"`` → [0, 50, 100]: percentages of each set's genes replaced by random ones."""
    try:
        levels = [int(x) for x in (text.split(",") if isinstance(text, str) else text)]
    except ValueError:
        raise Gener1Error(f"--levels takes whole percentages separated by commas, e.g. 0,50,100 (got {text!r})") from None
    if not levels or any(not 0 <= x <= 100 for x in levels) or len(set(levels)) != len(levels):
        raise Gener1Error(f"--levels must be distinct percentages between 0 and 100 (got {text!r})")
    return sorted(levels)


def split_id(set_id: str) -> tuple[str, int | None]:
    """(original id, level) of a contaminated set's id; level None for an id this module did not write."""
    base, sep, label = set_id.rpartition(SEPARATOR)
    if not sep:
        return set_id, None
    if label == CLEAN:
        return base, 0
    if label.startswith("random") and label[6:].isdigit():
        return base, int(label[6:])
    return set_id, None


def _described_name(description: str | None) -> str | None:
    """A GMT description as the gold name, unless it is a placeholder or a link (MSigDB writes URLs there)."""
    text = (description or "").strip()
    return None if not text or text.lower() in ("na", "n/a", "-") or text.lower().startswith(("http:", "https:")) else text


def contaminate(gene_sets: Sequence[GeneSet], universe: Iterable[str], levels: Sequence[int] = (0, 50, 100),
                seed: int = 0) -> list[GeneSet]:
    """Every set at every level (set by set, levels in order). At level L, round(L% of its size) genes are replaced by
    genes drawn from ``universe`` without the set's own genes; the rest is a random subset of the set."""
    pool = sorted(set(universe))
    if not pool:
        raise Gener1Error("the gene universe is empty: nothing to draw random genes from")
    out = []
    for gs in gene_sets:
        genes = list(dict.fromkeys(gs.genes))
        if not genes:
            raise Gener1Error(f"set {gs.id!r} has no genes: it cannot be contaminated")
        others = [g for g in pool if g not in set(genes)]
        for level in levels:
            n_random = round(len(genes) * level / 100)
            if n_random > len(others):
                raise Gener1Error(f"set {gs.id!r} needs {n_random} random genes but the universe offers only "
                                  f"{len(others)} others")
            rng = random.Random(int.from_bytes(hashlib.sha256(f"{seed}\x00{gs.id}\x00{level}".encode()).digest()[:8],
                                               "big"))
            kept = rng.sample(genes, len(genes) - n_random)
            drawn = rng.sample(others, n_random)
            copy = GeneSet(id=f"{gs.id}{SEPARATOR}{level_label(level)}", genes=sorted(kept, key=genes.index) + drawn,
                           source=gs.source, gold_name=gs.gold_name or _described_name(gs.description),
                           description=gs.description)
            copy.metadata.update(gs.metadata)
            copy.metadata.update({"contamination": level, "twin": f"{gs.id}{SEPARATOR}{CLEAN}", "original_id": gs.id})
            out.append(copy)
    return out


def make_contamination_benchmark(output: str | Path, *, sets: str | Path | None = None, benchmark: str | None = None,
                                 levels: str | Sequence[int] = (0, 50, 100), sample: int | None = None, seed: int = 0,
                                 universe_library: str = "GO_BP", kb=None) -> dict:
    """What `gener1 benchmark contaminate` runs: read SETS (or a bundled benchmark), optionally a seeded sample,
    contaminate at every level with random genes the KB annotates in ``universe_library``, write a table with the
    gold names (or a GMT, by the output's suffix)."""
    levels = parse_levels(levels)
    refuse_overwriting_inputs([output], [sets])
    kb = kb if isinstance(kb, KnowledgeBase) else KnowledgeBase(kb or paths.default_kb_path())
    gene_sets = read_sets_or_benchmark(sets, benchmark, kb=kb)
    if sample is not None and sample < len(gene_sets):
        gene_sets = random.Random(seed).sample(gene_sets, sample)
    universe = kb.annotated_symbols([universe_library])
    if not universe:
        raise Gener1Error(f"library {universe_library!r} annotates no gene in the knowledge base", path=kb.path)
    out = contaminate(gene_sets, universe, levels, seed)
    # A table keeps each set's gold name in a column, so `annotate --hold-out-own-term` can hold it out by name too;
    # a GMT keeps it only as the description.
    fmt = {".gmt": "gmt", ".csv": "csv"}.get(Path(output).suffix.lower(), "tsv")
    with atomic_path(output) as tmp:
        write_gene_sets(out, tmp, fmt)
    return {"sets": len(gene_sets), "levels": levels, "output": str(output)}
