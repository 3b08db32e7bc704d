"""Gene symbol hygiene, used by every input path.

Maps what people actually paste into the current HGNC/NCBI symbol: aliases and previous symbols,
wrong case, Excel-mangled dates (``1-Mar`` → MARCHF1, ``SEPT7``/``7-Sep`` → SEPTIN7), Entrez and Ensembl
ids. Every change is recorded on the gene set (``changes``); symbols the KB does not know stay in the
set as given and are listed in ``unknown``; aliases shared by several genes stay as given and are
listed in ``ambiguous`` with their candidates. Nothing is dropped silently.
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from typing import TextIO

from ..knowledge.store import KnowledgeBase
from .geneset import FLAG_NO_KNOWN_GENES, GeneSet, SymbolChange

# Excel turns these symbols into dates; the month decides the family (MARCH1 → 1-Mar, SEPT7 → 7-Sep).
_MONTH_FAMILIES = {"MAR": ("MARCHF", "MARCH"), "SEP": ("SEPTIN", "SEPT"), "DEC": ("DELEC", "DEC"), "OCT": ("OCT",),
                   "NOV": ("NOV",), "FEB": ("FEB",), "APR": ("APR",)}
_DAY_MONTH = re.compile(r"^(\d{1,2})-([A-Za-z]{3})$")
_MONTH_DAY = re.compile(r"^([A-Za-z]{3})-(\d{1,2})$")
_ISO_DATE = re.compile(r"^\d{4}-(\d{2})-(\d{2})(?:[ T]00:00:00)?$")
_MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
_ENSEMBL = re.compile(r"^(ENS[A-Z]*G\d{6,})(?:\.\d+)?$", re.IGNORECASE)
_ENTREZ = re.compile(r"^\d+$")


class SymbolResolver:
    """Look-up tables from one KB, built once and reused for every gene set."""

    def __init__(self, kb: KnowledgeBase):
        self.kb = kb
        self.current: dict[str, str] = {}  # exact symbol → symbol
        self.upper: dict[str, str] = {}
        gene_type: dict[str, str] = {}
        symbol_of: dict[str, str] = {}
        for gene_id, symbol, gtype in kb.db.execute("SELECT gene_id, symbol, gene_type FROM gene WHERE gene_type IS NOT 'unknown'"):
            self.current[symbol] = symbol
            self.upper.setdefault(symbol.upper(), symbol)
            gene_type[symbol] = gtype
            symbol_of[gene_id] = symbol
        self.aliases: dict[str, set[str]] = defaultdict(set)
        self.previous: set[tuple[str, str]] = set()
        for alias, gene_id, kind in kb.db.execute("SELECT alias, gene_id, kind FROM gene_alias WHERE kind != 'symbol'"):
            if gene_id in symbol_of:
                self.aliases[alias.upper()].add(symbol_of[gene_id])
                if kind == "previous":
                    self.previous.add((alias.upper(), symbol_of[gene_id]))
        self.xrefs: dict[tuple[str, str], set[str]] = defaultdict(set)
        for gene_id, db, xref in kb.db.execute("SELECT gene_id, db, xref FROM gene_xref WHERE db IN ('entrez', 'ensembl')"):
            if gene_id in symbol_of:
                self.xrefs[(db, xref.upper())].add(symbol_of[gene_id])
        self.gene_type = gene_type

    def resolve(self, raw: str) -> tuple[str | None, str | None, list[str]]:
        """(symbol, reason, candidates): a symbol with the reason it changed (None if unchanged);
        (None, None, []) if unknown; (None, 'ambiguous', candidates) if several genes claim it."""
        text = raw.strip().strip("\"'").strip()
        if text in self.current:
            return text, ("whitespace" if text != raw else None), []
        up = text.upper()
        if up in self.upper:
            return self.upper[up], "case", []
        if _ENTREZ.match(text):
            return self._pick(self.xrefs.get(("entrez", text), set()), "entrez")
        m = _ENSEMBL.match(text)
        if m:
            return self._pick(self.xrefs.get(("ensembl", m.group(1).upper()), set()), "ensembl")
        for candidate in _excel_date_candidates(text):
            if candidate in self.upper:
                return self.upper[candidate], "excel_date", []
            if candidate in self.aliases:
                symbol, reason, cands = self._pick(self.aliases[candidate], "excel_date")
                if symbol:
                    return symbol, reason, cands
        if up in self.aliases:
            symbol, reason, candidates = self._pick(self.aliases[up], "alias")
            if symbol and (up, symbol) in self.previous:
                reason = "previous"
            return symbol, reason, candidates
        return None, None, []

    def _pick(self, symbols: set[str], reason: str):
        if len(symbols) == 1:
            return next(iter(symbols)), reason, []
        coding = [s for s in symbols if self.gene_type.get(s) == "protein-coding"]
        if len(coding) == 1:  # one protein-coding claimant: the usual meaning in gene-set work
            return coding[0], reason, []
        if symbols:
            return None, "ambiguous", sorted(symbols)
        return None, None, []


def _excel_date_candidates(text: str) -> list[str]:
    m = _DAY_MONTH.match(text) or _MONTH_DAY.match(text)
    if m:
        a, b = m.groups()
        day, month = (a, b) if a.isdigit() else (b, a)
    else:
        iso = _ISO_DATE.match(text)
        if not iso:
            return []
        month_idx, day = int(iso.group(1)), iso.group(2)
        if not 1 <= month_idx <= 12:
            return []
        month = _MONTHS[month_idx - 1]
    families = _MONTH_FAMILIES.get(month.upper(), ())
    return [f"{family}{int(day)}" for family in families]


def normalise(gene_sets: list[GeneSet], kb: KnowledgeBase, resolver: SymbolResolver | None = None) -> list[GeneSet]:
    """Apply symbol hygiene to every set in place (and return them)."""
    resolver = resolver or SymbolResolver(kb)
    for gs in gene_sets:
        genes, changes, unknown, ambiguous = [], [], [], {}
        for raw in gs.input_genes:
            if not raw or not raw.strip():
                continue
            symbol, reason, candidates = resolver.resolve(raw)
            if symbol is None:
                genes.append(raw.strip())
                if reason == "ambiguous":
                    ambiguous[raw.strip()] = candidates
                else:
                    unknown.append(raw.strip())
                continue
            if reason:
                changes.append(SymbolChange(raw, symbol, reason))
            genes.append(symbol)
        gs.genes = list(dict.fromkeys(genes))
        gs.changes, gs.unknown, gs.ambiguous = changes, list(dict.fromkeys(unknown)), ambiguous
        if gs.genes and len(unknown) + len(ambiguous) >= len(gs.genes):
            gs.flag(FLAG_NO_KNOWN_GENES)
    return gene_sets


def hygiene_report(gene_sets: list[GeneSet]) -> list[dict]:
    """One row per input symbol that hygiene changed or could not place, plus one row per flagged set."""
    rows = []
    for gs in gene_sets:
        for change in gs.changes:
            rows.append({"set_id": gs.id, "input": change.original, "symbol": change.symbol, "status": change.reason})
        for symbol in gs.unknown:
            rows.append({"set_id": gs.id, "input": symbol, "symbol": "", "status": "unknown"})
        for symbol, candidates in gs.ambiguous.items():
            rows.append({"set_id": gs.id, "input": symbol, "symbol": "|".join(candidates), "status": "ambiguous"})
        for flag in gs.flags:
            rows.append({"set_id": gs.id, "input": "", "symbol": "", "status": f"set_flag:{flag}"})
    return rows


REPORT_COLUMNS = ("set_id", "input", "symbol", "status")


def write_hygiene_report(rows: list[dict], out: TextIO) -> None:
    """The hygiene report as TSV on an open text handle (a file from ``io.atomic_open``, or standard output)."""
    writer = csv.DictWriter(out, fieldnames=REPORT_COLUMNS, delimiter="\t", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
