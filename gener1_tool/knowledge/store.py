"""THE knowledge base: one SQLite file that every part asks for facts.

Why SQLite rather than Parquet: readers need indexed point look-ups (a symbol, a gene's terms, a
term's genes) far more than column scans, several tools read the same file concurrently, and the
standard library opens it with no extra dependency. Bulk reads (all gene sets of a library) are one
indexed query that returns in well under a second for the default human KB.

Tables
  source(name, kind, version, date, path, licence, rows, detail)     provenance, one row per source
  gene(gene_id, symbol, full_name, gene_type, chromosome, map_location, source)
  gene_alias(alias, gene_id, kind, source)     kind: symbol | alias | previous
  gene_xref(gene_id, db, xref)                 db: entrez | ensembl | uniprot | hgnc ...
  term(term_id, name, library, relation, definition, source)
        library: GO_BP | GO_MF | GO_CC | KEGG | REACTOME | CORUM | HPO | CTD_DISEASE | ... (a gene-set library)
        relation: process | function | component | pathway | complex | phenotype | disease | chemical | family
  term_parent(term_id, parent_id, relation)    is_a | part_of | regulates | positively_regulates | negatively_regulates
  annotation(gene_id, term_id, evidence, qualifier, source)        direct statements, as the source gave them
  term_gene(term_id, gene_id)                  direct + propagated membership (the gene sets enrichment uses)
  meta(key, value)                             build settings: propagation relations, evidence filter, held-out terms
"""

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

from .. import paths
from ..errors import Gener1Error

SCHEMA = """
CREATE TABLE IF NOT EXISTS source(name TEXT PRIMARY KEY, kind TEXT, version TEXT, date TEXT, path TEXT,
    licence TEXT, rows INTEGER, detail TEXT);
CREATE TABLE IF NOT EXISTS gene(gene_id TEXT PRIMARY KEY, symbol TEXT NOT NULL, full_name TEXT, gene_type TEXT,
    chromosome TEXT, map_location TEXT, source TEXT);
CREATE TABLE IF NOT EXISTS gene_alias(alias TEXT NOT NULL, gene_id TEXT NOT NULL, kind TEXT NOT NULL, source TEXT,
    PRIMARY KEY(alias, gene_id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS gene_xref(gene_id TEXT NOT NULL, db TEXT NOT NULL, xref TEXT NOT NULL,
    PRIMARY KEY(db, xref, gene_id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS term(term_id TEXT PRIMARY KEY, name TEXT NOT NULL, library TEXT NOT NULL,
    relation TEXT NOT NULL, definition TEXT, source TEXT);
CREATE TABLE IF NOT EXISTS term_parent(term_id TEXT NOT NULL, parent_id TEXT NOT NULL, relation TEXT NOT NULL,
    PRIMARY KEY(term_id, parent_id, relation)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS annotation(gene_id TEXT NOT NULL, term_id TEXT NOT NULL, evidence TEXT NOT NULL DEFAULT '',
    qualifier TEXT NOT NULL DEFAULT '', source TEXT NOT NULL, PRIMARY KEY(gene_id, term_id, evidence, qualifier, source))
    WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS term_gene(term_id TEXT NOT NULL, gene_id TEXT NOT NULL, PRIMARY KEY(term_id, gene_id))
    WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT);
"""

INDEXES = """
CREATE INDEX IF NOT EXISTS gene_symbol ON gene(symbol);
CREATE INDEX IF NOT EXISTS alias_gene ON gene_alias(gene_id);
CREATE INDEX IF NOT EXISTS term_library ON term(library);
CREATE INDEX IF NOT EXISTS annotation_term ON annotation(term_id);
CREATE INDEX IF NOT EXISTS term_gene_gene ON term_gene(gene_id);
CREATE INDEX IF NOT EXISTS parent_parent ON term_parent(parent_id);
"""

GO_LIBRARIES = {"GO_BP": "process", "GO_MF": "function", "GO_CC": "component"}
DEFAULT_PROPAGATION = ("is_a", "part_of")
REGULATION_RELATIONS = ("regulates", "positively_regulates", "negatively_regulates")


def normalise_term_name(name: str) -> str:
    """The form in which two term names count as the same (case, underscores, spacing ignored): what
    held-out names, evaluation-name exclusion and name-level splits compare."""
    return " ".join(name.lower().replace("_", " ").split())


def ancestor_closure(parents: dict[str, list[str]]):
    """A memoised ``term -> frozenset(ancestors)`` over a child → parents map (GO is a DAG a few dozen
    levels deep; iterative DFS, reusing the closure of every parent already seen)."""
    memo: dict[str, frozenset[str]] = {}

    def ancestors(term: str) -> frozenset[str]:
        if term in memo:
            return memo[term]
        stack, seen = [term], set()
        while stack:
            for p in parents.get(stack.pop(), ()):
                if p not in seen:
                    seen.add(p)
                    if p in memo:
                        seen |= memo[p]
                    else:
                        stack.append(p)
        memo[term] = frozenset(seen)
        return memo[term]

    return ancestors


def _parent_map(db: sqlite3.Connection, relations: tuple[str, ...]) -> dict[str, list[str]]:
    parents: dict[str, list[str]] = defaultdict(list)
    if relations:
        marks = ",".join("?" * len(relations))
        for child, parent in db.execute(f"SELECT term_id, parent_id FROM term_parent WHERE relation IN ({marks})", relations):
            parents[child].append(parent)
    return parents


@dataclass(frozen=True)
class Term:
    term_id: str
    name: str
    library: str
    relation: str
    definition: str | None = None


@dataclass(frozen=True)
class Gene:
    gene_id: str
    symbol: str
    full_name: str | None
    gene_type: str | None
    chromosome: str | None = None
    map_location: str | None = None


class KBWriter:
    """Write side, used by knowledge sources during ``kb build``. Buffers rows and inserts in bulk."""

    def __init__(self, path: str | Path, *, overwrite: bool = True):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if overwrite and self.path.exists():
            self.path.unlink()
        self.db = sqlite3.connect(self.path)
        self.db.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA temp_store=MEMORY;")
        self.db.executescript(SCHEMA)
        self._symbol_to_id: dict[str, str] = {}
        self._alias_to_ids: dict[str, set[str]] = defaultdict(set)
        self._xrefs: dict[tuple[str, str], str] = {}
        self._unresolved: dict[str, set[str]] = defaultdict(set)
        self.current_source: str | None = None
        self._rows: dict[str, int] = defaultdict(int)

    # -- genes -----------------------------------------------------------------------------
    def add_gene(self, gene_id: str, symbol: str, full_name: str | None = None, gene_type: str | None = None,
                 chromosome: str | None = None, map_location: str | None = None) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO gene VALUES (?,?,?,?,?,?,?)",
            (str(gene_id), symbol, full_name, gene_type, chromosome, map_location, self.current_source),
        )
        self._symbol_to_id[symbol.upper()] = str(gene_id)
        self.add_alias(symbol, gene_id, "symbol")
        self._rows["gene"] += 1

    def add_alias(self, alias: str, gene_id: str, kind: str = "alias") -> None:
        alias = alias.strip()
        if not alias:
            return
        # A previous symbol is the more specific fact when two sources list the same alias.
        self.db.execute("INSERT INTO gene_alias VALUES (?,?,?,?) ON CONFLICT(alias, gene_id) DO UPDATE SET kind=excluded.kind "
                        "WHERE excluded.kind = 'previous'", (alias, str(gene_id), kind, self.current_source))
        self._alias_to_ids[alias.upper()].add(str(gene_id))

    def add_xref(self, gene_id: str, db: str, xref: str) -> None:
        self.db.execute("INSERT OR IGNORE INTO gene_xref VALUES (?,?,?)", (str(gene_id), db, str(xref)))
        self._xrefs.setdefault((db, str(xref)), str(gene_id))

    def gene_id_for(self, symbol_or_id: str, *, db: str | None = None, create: bool = True) -> str | None:
        """Resolve a source's gene reference to a KB gene id.

        Current symbols win over aliases; an alias shared by several genes is not guessed. Symbols
        no gene source knows become their own gene (``gene_type='unknown'``) and are counted per
        source, so ``kb info`` shows how much of each source did not link. With ``create=False`` (an
        identifier that is not a symbol, e.g. a retired Entrez id) the unresolved reference gives None.
        """
        key = str(symbol_or_id).strip()
        if db is not None and (db, key) in self._xrefs:
            return self._xrefs[(db, key)]
        up = key.upper()
        if up in self._symbol_to_id:
            return self._symbol_to_id[up]
        ids = self._alias_to_ids.get(up)
        if ids and len(ids) == 1:
            return next(iter(ids))
        self._unresolved[self.current_source or ""].add(key)
        if not create:
            return None
        gene_id = f"symbol:{key}"
        if up not in self._symbol_to_id:
            self.db.execute("INSERT OR IGNORE INTO gene(gene_id, symbol, gene_type, source) VALUES (?,?,?,?)",
                            (gene_id, key, "unknown", self.current_source))
            self._symbol_to_id[up] = gene_id
        return gene_id

    # -- terms and annotations -------------------------------------------------------------
    def add_term(self, term_id: str, name: str, library: str, relation: str, definition: str | None = None) -> None:
        self.db.execute("INSERT OR REPLACE INTO term VALUES (?,?,?,?,?,?)",
                        (term_id, name, library, relation, definition, self.current_source))
        self._rows["term"] += 1

    def add_terms(self, rows: Iterable[tuple]) -> None:
        """Bulk (term_id, name, library, relation, definition)."""
        n = self.db.executemany("INSERT OR REPLACE INTO term VALUES (?,?,?,?,?,?)",
                                ((*r, self.current_source) for r in rows)).rowcount
        self._rows["term"] += max(n, 0)

    def add_parents(self, rows: Iterable[tuple[str, str, str]]) -> None:
        """Bulk (term_id, parent_id, relation)."""
        n = self.db.executemany("INSERT OR IGNORE INTO term_parent VALUES (?,?,?)", rows).rowcount
        self._rows["term_parent"] += max(n, 0)

    def add_annotation(self, gene_id: str, term_id: str, evidence: str = "", qualifier: str = "") -> None:
        self.add_annotations([(gene_id, term_id, evidence, qualifier)])

    def add_annotations(self, rows: Iterable[tuple]) -> None:
        """Bulk (gene_id, term_id, evidence, qualifier)."""
        src = self.current_source or ""
        n = self.db.executemany("INSERT OR IGNORE INTO annotation VALUES (?,?,?,?,?)",
                                ((str(g), t, e or "", q or "", src) for g, t, e, q in rows)).rowcount
        self._rows["annotation"] += max(n, 0)

    def term_names(self) -> Iterator[str]:
        """Names of the terms written so far (a later source may learn from earlier ones, e.g. their casing)."""
        return (name for (name,) in self.db.execute("SELECT name FROM term"))

    def gene_symbols(self) -> Iterator[str]:
        """Current symbols of the genes a gene source wrote (not the placeholders of unresolved symbols)."""
        return (sym for (sym,) in self.db.execute("SELECT symbol FROM gene WHERE gene_type IS NOT 'unknown'"))

    # -- provenance and finishing ----------------------------------------------------------
    def begin_source(self, name: str) -> None:
        self.current_source = name
        self._rows = defaultdict(int)

    def end_source(self, name: str, kind: str, version: str | None, date: str | None, path: str | None,
                   licence: str | None, detail: dict | None = None) -> dict:
        rows = dict(self._rows)
        detail = dict(detail or {})
        detail["rows"] = rows
        unresolved = self._unresolved.get(name, set())
        if unresolved:
            detail["unresolved_symbols"] = len(unresolved)
            detail["unresolved_examples"] = sorted(unresolved)[:20]
        self.db.execute("INSERT OR REPLACE INTO source VALUES (?,?,?,?,?,?,?,?)",
                        (name, kind, version, date, path, licence, sum(rows.values()), json.dumps(detail)))
        self.db.commit()
        self.current_source = None
        return detail

    def set_meta(self, key: str, value) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta VALUES (?,?)", (key, json.dumps(value)))

    def finish(self, *, propagate: tuple[str, ...] = DEFAULT_PROPAGATION, exclude_evidence: Iterable[str] = (),
               exclude_terms: Iterable[str] = ()) -> dict:
        """Apply evidence filters and held-out terms, build ``term_gene`` (with GO propagation), index, close."""
        exclude_evidence = sorted({e.strip().upper() for e in exclude_evidence if e.strip()})
        exclude_terms = sorted(set(exclude_terms))
        db = self.db
        if exclude_evidence:
            db.executemany("DELETE FROM annotation WHERE evidence=?", [(e,) for e in exclude_evidence])
        if exclude_terms:
            db.execute("CREATE TEMP TABLE held_out(term_id TEXT PRIMARY KEY)")
            db.executemany("INSERT OR IGNORE INTO held_out VALUES (?)", [(t,) for t in exclude_terms])
            db.execute("DELETE FROM annotation WHERE term_id IN (SELECT term_id FROM held_out)")
        db.execute("DELETE FROM annotation WHERE qualifier LIKE 'NOT%'")  # negated statements are not memberships
        db.execute("INSERT OR IGNORE INTO term_gene SELECT DISTINCT term_id, gene_id FROM annotation")
        propagated = self._propagate(propagate)
        if exclude_terms:
            db.execute("DELETE FROM term_gene WHERE term_id IN (SELECT term_id FROM held_out)")
        db.executescript(INDEXES)
        stats = {
            "genes": db.execute("SELECT count(*) FROM gene").fetchone()[0],
            "terms": db.execute("SELECT count(*) FROM term").fetchone()[0],
            "annotations": db.execute("SELECT count(*) FROM annotation").fetchone()[0],
            "term_gene": db.execute("SELECT count(*) FROM term_gene").fetchone()[0],
            "propagated_added": propagated,
        }
        self.set_meta("propagation", list(propagate))
        self.set_meta("exclude_evidence", exclude_evidence)
        self.set_meta("held_out_terms", len(exclude_terms))
        self.set_meta("stats", stats)
        db.commit()
        db.execute("ANALYZE")
        db.close()
        return stats

    def _propagate(self, relations: tuple[str, ...]) -> int:
        """Add every gene of a term to all its ancestors along ``relations`` (GO true-path rule)."""
        if not relations:
            return 0
        ancestors = ancestor_closure(_parent_map(self.db, relations))

        before = self.db.execute("SELECT count(*) FROM term_gene").fetchone()[0]
        direct = self.db.execute("SELECT term_id, gene_id FROM term_gene").fetchall()
        add = set()
        for term, gene in direct:
            for anc in ancestors(term):
                add.add((anc, gene))
        self.db.executemany("INSERT OR IGNORE INTO term_gene VALUES (?,?)", add)
        return self.db.execute("SELECT count(*) FROM term_gene").fetchone()[0] - before


class KnowledgeBase:
    """Read side: every part of gener1 that needs facts asks this; nothing re-reads raw source files."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        if not self.path.exists():
            if self.path.resolve() == paths.default_kb_path().resolve():
                raise Gener1Error("the default knowledge base is not set up: run `gener1 setup` (or pass --kb FILE)",
                                  path=self.path)
            raise Gener1Error("knowledge base not found; run `gener1 setup` for the default KB, or build one with "
                              "`gener1 kb build`", path=self.path)
        try:
            self.db = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, check_same_thread=False)
            self.db.execute("SELECT count(*) FROM term_gene").fetchone()
        except sqlite3.DatabaseError as exc:
            raise Gener1Error(f"not a gener1 knowledge base ({exc})", path=self.path) from None
        self._symbols: dict[str, str] | None = None

    def close(self) -> None:
        self.db.close()

    # -- provenance -------------------------------------------------------------------------
    def sources(self) -> list[dict]:
        rows = self.db.execute("SELECT name, kind, version, date, path, licence, rows, detail FROM source ORDER BY name")
        return [dict(name=r[0], kind=r[1], version=r[2], date=r[3], path=r[4], licence=r[5], rows=r[6],
                     detail=json.loads(r[7] or "{}")) for r in rows]

    def meta(self) -> dict:
        return {k: json.loads(v) for k, v in self.db.execute("SELECT key, value FROM meta")}

    def libraries(self) -> dict[str, int]:
        """Library name → number of terms with at least one gene."""
        return dict(self.db.execute(
            "SELECT t.library, count(DISTINCT t.term_id) FROM term t JOIN term_gene tg USING(term_id) GROUP BY t.library"
        ))

    # -- genes ------------------------------------------------------------------------------
    def symbol_index(self) -> dict[str, str]:
        """Upper-cased current symbol → gene_id, for genes a gene-information source defined."""
        if self._symbols is None:
            self._symbols = {s.upper(): g for g, s in self.db.execute(
                "SELECT gene_id, symbol FROM gene WHERE gene_type IS NOT 'unknown'")}
        return self._symbols

    def gene(self, gene_id: str) -> Gene | None:
        r = self.db.execute("SELECT gene_id, symbol, full_name, gene_type, chromosome, map_location FROM gene WHERE gene_id=?",
                            (gene_id,)).fetchone()
        return Gene(*r) if r else None

    def gene_by_symbol(self, symbol: str) -> Gene | None:
        r = self.db.execute("SELECT gene_id, symbol, full_name, gene_type, chromosome, map_location FROM gene "
                            "WHERE symbol=? ORDER BY gene_type IS 'unknown' LIMIT 1", (symbol,)).fetchone()
        return Gene(*r) if r else None

    def alias_candidates(self, alias: str) -> list[tuple[str, str, str]]:
        """(gene_id, current symbol, alias kind) for every gene that lists ``alias`` (case-insensitive)."""
        return self.db.execute(
            "SELECT a.gene_id, g.symbol, a.kind, g.gene_type FROM gene_alias a JOIN gene g USING(gene_id) "
            "WHERE a.alias=? COLLATE NOCASE", (alias,)).fetchall()

    def xref_to_gene(self, db: str, xref: str) -> list[tuple[str, str]]:
        return self.db.execute("SELECT x.gene_id, g.symbol FROM gene_xref x JOIN gene g USING(gene_id) WHERE x.db=? AND x.xref=?",
                               (db, xref)).fetchall()

    def annotated_symbols(self, libraries: Iterable[str] | None = None) -> set[str]:
        """Symbols with at least one term membership (the default enrichment background)."""
        sql = "SELECT DISTINCT g.symbol FROM term_gene tg JOIN gene g USING(gene_id)"
        args: tuple = ()
        if libraries:
            libs = list(libraries)
            sql += f" JOIN term t USING(term_id) WHERE t.library IN ({','.join('?' * len(libs))})"
            args = tuple(libs)
        return {r[0] for r in self.db.execute(sql, args)}

    # -- terms ------------------------------------------------------------------------------
    def term(self, term_id: str) -> Term | None:
        r = self.db.execute("SELECT term_id, name, library, relation, definition FROM term WHERE term_id=?", (term_id,)).fetchone()
        return Term(*r) if r else None

    def terms(self, library: str | None = None) -> list[Term]:
        if library:
            rows = self.db.execute("SELECT term_id, name, library, relation, definition FROM term WHERE library=?", (library,))
        else:
            rows = self.db.execute("SELECT term_id, name, library, relation, definition FROM term")
        return [Term(*r) for r in rows]

    def parents(self, term_id: str) -> list[tuple[str, str]]:
        return self.db.execute("SELECT parent_id, relation FROM term_parent WHERE term_id=?", (term_id,)).fetchall()

    def gene_sets(self, library: str, *, min_size: int = 1, max_size: int | None = None,
                  exclude_terms: Iterable[str] = (), keep_evidence: Iterable[str] = (),
                  drop_evidence: Iterable[str] = ()) -> dict[str, set[str]]:
        """term_id → set of gene symbols (propagated membership) for one library, held-out terms removed.

        With evidence filters, memberships are rebuilt from the direct annotations whose evidence code
        passes (``keep_evidence``: only these; ``drop_evidence``: not these), propagated exactly as the
        KB build did (``meta()['propagation']``).
        """
        excluded = set(exclude_terms)
        keep = {c.strip().upper() for c in keep_evidence if c.strip()}
        drop = {c.strip().upper() for c in drop_evidence if c.strip()}
        sets: dict[str, set[str]] = defaultdict(set)
        if keep or drop:
            ancestors = ancestor_closure(_parent_map(self.db, tuple(self.meta().get("propagation") or DEFAULT_PROPAGATION)))
            library_terms = {t.term_id for t in self.terms(library)}
            for term_id, symbol, evidence, _ in self.direct_annotations(library):
                code = evidence.upper()
                if (keep and code not in keep) or code in drop:
                    continue
                for t in (term_id, *ancestors(term_id)):
                    if t in library_terms:
                        sets[t].add(symbol)
        else:
            for term_id, symbol in self.db.execute(
                "SELECT tg.term_id, g.symbol FROM term_gene tg JOIN term t USING(term_id) JOIN gene g USING(gene_id) "
                "WHERE t.library=?", (library,)):
                sets[term_id].add(symbol)
        return {t: s for t, s in sets.items()
                if t not in excluded and len(s) >= min_size and (max_size is None or len(s) <= max_size)}

    def direct_annotations(self, library: str) -> Iterator[tuple[str, str, str, str]]:
        """(term_id, symbol, evidence, qualifier) for every direct statement into one library (NOTs are
        already removed at build time)."""
        yield from self.db.execute(
            "SELECT a.term_id, g.symbol, a.evidence, a.qualifier FROM annotation a JOIN term t USING(term_id) "
            "JOIN gene g USING(gene_id) WHERE t.library=?", (library,))

    def gene_annotations(self, symbol: str, *, direct: bool = True, exclude_terms: Iterable[str] = ()) -> list[tuple[Term, str]]:
        """(term, evidence) facts about one gene: direct statements by default, else propagated memberships."""
        excluded = set(exclude_terms)
        if direct:
            rows = self.db.execute(
                "SELECT t.term_id, t.name, t.library, t.relation, t.definition, a.evidence FROM annotation a "
                "JOIN gene g USING(gene_id) JOIN term t USING(term_id) WHERE g.symbol=?", (symbol,))
        else:
            rows = self.db.execute(
                "SELECT t.term_id, t.name, t.library, t.relation, t.definition, '' FROM term_gene tg "
                "JOIN gene g USING(gene_id) JOIN term t USING(term_id) WHERE g.symbol=?", (symbol,))
        out, seen = [], set()
        for r in rows:
            if r[0] in excluded or r[0] in seen:
                continue
            seen.add(r[0])
            out.append((Term(*r[:5]), r[5]))
        return out

    def facts(self, exclude_terms: Iterable[str] = ()) -> Iterator[tuple[Gene, Term, str, str, str]]:
        """Every direct gene–term statement as (gene, term, evidence, qualifier, source), ordered by gene."""
        excluded = set(exclude_terms)
        for r in self.db.execute(
            "SELECT g.gene_id, g.symbol, g.full_name, g.gene_type, g.chromosome, g.map_location, "
            "t.term_id, t.name, t.library, t.relation, t.definition, a.evidence, a.qualifier, a.source "
            "FROM annotation a JOIN gene g USING(gene_id) JOIN term t USING(term_id) ORDER BY g.symbol, t.library, t.term_id"):
            if r[6] in excluded:
                continue
            yield Gene(*r[:6]), Term(*r[6:11]), r[11], r[12], r[13]

    def genes(self, *, known_only: bool = True) -> Iterator[Gene]:
        sql = "SELECT gene_id, symbol, full_name, gene_type, chromosome, map_location FROM gene"
        if known_only:
            sql += " WHERE gene_type IS NOT 'unknown'"
        for r in self.db.execute(sql + " ORDER BY symbol"):
            yield Gene(*r)
