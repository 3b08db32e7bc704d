"""KB libraries: which ones a run tests (``resolve_libraries``: the requested ones, or GO and every pathway
collection), and as ready-to-use matrices, built once per process and shared by evidence and baselines.

``KBLibraries`` loads each library's term → genes dictionary from the KB, remembers every term's
full size (specificity of a gene's own annotations is judged by it), applies the term-size filter,
and builds one ``LibraryMatrix`` per library over a common background. It also resolves hold-outs:
term IDs plus every term whose normalised name equals a held-out name (how gold terms of NeST or
MSigDB sets, which have no GO ID, are removed).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Iterable

from .. import paths
from ..errors import Gener1Error
from ..knowledge.store import GO_LIBRARIES, KnowledgeBase, normalise_term_name
from .batch import Background, LibraryMatrix

#: Term-size window used by evidence and baselines: classic GSEA/Enrichr practice. Terms of 1–2
#: genes give unstable p-values; terms over 500 genes ("cell cycle", "immune system process")
#: win on p-value for any large set and name nothing.
DEFAULT_MIN_SIZE = 3
DEFAULT_MAX_SIZE = 500


#: Term relations enrichment uses by default (GO branches and pathway collections); other libraries
#: (phenotypes, diseases, chemicals) only when asked for by name.
DEFAULT_RELATIONS = ("process", "function", "component", "pathway")


def check_size_window(min_size: int | None, max_size: int | None) -> None:
    """A term-size window that can hold a term: sizes are at least 1 and the minimum is not above the maximum."""
    for label, value in (("--min-size", min_size), ("--max-size", max_size)):
        if value is not None and value < 1:
            raise Gener1Error(f"{label} must be at least 1, not {value}")
    if min_size is not None and max_size is not None and min_size > max_size:
        raise Gener1Error(f"--min-size {min_size} is larger than --max-size {max_size}: no term fits that window")


def open_kb(kb: KnowledgeBase | str | Path | None) -> KnowledgeBase:
    """The KB given, or opened from a path, or the default KB."""
    if isinstance(kb, KnowledgeBase):
        return kb
    return KnowledgeBase(kb if kb is not None else paths.default_kb_path())


_LIBRARY_SIZES: dict[tuple[str, float], dict[str, int]] = {}


def kb_library_sizes(kb: KnowledgeBase) -> dict[str, int]:
    """``kb.libraries()`` (a full scan of term_gene, seconds on the default KB), memoised per KB file."""
    path = Path(kb.path).resolve()
    key = (str(path), path.stat().st_mtime)
    if key not in _LIBRARY_SIZES:
        _LIBRARY_SIZES[key] = kb.libraries()
    return _LIBRARY_SIZES[key]


def library_relations(kb: KnowledgeBase) -> dict[str, str]:
    """Library → the relation of its terms (process, function, component, pathway, ...)."""
    out = {}
    for lib in sorted(kb_library_sizes(kb)):
        terms = kb.terms(lib)
        out[lib] = terms[0].relation if terms else ""
    return out


def resolve_libraries(kb: KnowledgeBase, libraries: Iterable[str] | None = None) -> list[str]:
    """The requested libraries (checked against the KB, case-insensitive), or the defaults:
    GO_BP, GO_MF, GO_CC, then every pathway library."""
    available = kb_library_sizes(kb)
    if libraries:
        by_lower = {name.lower(): name for name in available}
        out = []
        for name in libraries:
            real = by_lower.get(str(name).lower())
            if real is None:
                raise Gener1Error(f"library {name!r} is not in the knowledge base; available: "
                                  f"{', '.join(sorted(available)) or 'none'}", path=kb.path)
            if real not in out:
                out.append(real)
        return out
    relations = library_relations(kb)
    go = [lib for lib in GO_LIBRARIES if lib in available]
    rest = sorted(lib for lib, rel in relations.items() if rel in DEFAULT_RELATIONS and lib not in go)
    if not go and not rest:
        raise Gener1Error("the knowledge base has no GO or pathway library with genes", path=kb.path)
    return go + rest



class KBLibraries:
    def __init__(self, kb: KnowledgeBase, libraries: Iterable[str] | None = None, *,
                 background: Iterable[str] | None = None, min_size: int = DEFAULT_MIN_SIZE,
                 max_size: int | None = DEFAULT_MAX_SIZE):
        self.kb = kb
        self.names: list[str] = resolve_libraries(kb, libraries)
        self.min_size, self.max_size = min_size, max_size
        self.term_size: dict[str, int] = {}
        self.term_name: dict[str, str] = {}
        self.term_library: dict[str, str] = {}
        self.relation: dict[str, str] = {}
        sets = {lib: self._load(lib) for lib in self.names}
        if background is None:
            # = kb.annotated_symbols(self.names), read from the dictionaries already in memory.
            background = set().union(*(g for lib_sets in sets.values() for g in lib_sets.values()))
        self.background = Background(background)
        self.matrices: dict[str, LibraryMatrix] = {}
        for lib, lib_sets in sets.items():
            kept = {t: g for t, g in lib_sets.items() if self.size_ok(len(g))}
            self.matrices[lib] = LibraryMatrix(lib, kept, self.background)
        self._by_name: dict[str, set[str]] | None = None

    def size_ok(self, size: int) -> bool:
        return size >= self.min_size and (self.max_size is None or size <= self.max_size)

    def _load(self, lib: str) -> dict[str, set[str]]:
        sets = self.kb.gene_sets(lib)
        for term_id, genes in sets.items():
            self.term_size[term_id] = len(genes)
        for term in self.kb.terms(lib):
            self.term_name[term.term_id] = term.name
            self.term_library[term.term_id] = lib
            self.relation[lib] = term.relation
        return sets

    def ensure_terms(self, library: str) -> None:
        """Load names and sizes of a library that is not tested (e.g. GO_CC for a gene's complexes)."""
        if library not in self.relation:
            self._load(library)

    def hold_out_ids(self, ids: Iterable[str] = (), names: Iterable[str] = ()) -> set[str]:
        """The given term IDs plus every known term whose normalised name equals one of ``names``."""
        out = {i for i in ids if i}
        wanted = {normalise_term_name(n) for n in names if n}
        if wanted:
            if self._by_name is None:
                by_name: dict[str, set[str]] = {}
                for term_id, name in self.term_name.items():
                    by_name.setdefault(normalise_term_name(name), set()).add(term_id)
                self._by_name = by_name
            for n in wanted:
                out |= self._by_name.get(n, set())
        return out


@lru_cache(maxsize=4)
def _cached(kb_path: str, mtime: float, libraries: tuple[str, ...] | None, min_size: int, max_size: int | None) -> KBLibraries:
    return KBLibraries(KnowledgeBase(kb_path), libraries, min_size=min_size, max_size=max_size)


def kb_libraries(kb: KnowledgeBase | str | Path, libraries: Iterable[str] | None = None, *,
                 min_size: int = DEFAULT_MIN_SIZE, max_size: int | None = DEFAULT_MAX_SIZE) -> KBLibraries:
    """A process-wide cached ``KBLibraries`` (default background) for a KB file: repeated builders and
    baselines in one process pay the ~5 s load of GO once."""
    path = Path(kb.path if isinstance(kb, KnowledgeBase) else kb).resolve()
    libs = tuple(libraries) if libraries else None
    return _cached(str(path), path.stat().st_mtime, libs, min_size, max_size)
