"""One reader layer for gene sets: GMT, ID + genes tables (TSV/CSV), gene lists, and DE tables.

``read_gene_sets(path)`` recognises the format (or takes ``format=``) and returns ``GeneSet`` objects that
keep the ID the file gave them. Supported inputs:
- **GMT** (``.gmt``, or any tab-separated file whose lines are ``name<TAB>description<TAB>gene...``).
- **Tables** (TSV/CSV, also ``;``-delimited) with an ID column and a genes column whose cells hold genes
  separated by spaces, commas or semicolons (the Gene-R1 benchmark files as published: ``BP_test.csv``,
  ``NeST.tsv`` with quoted comma lists and CRLF endings, ``MsigDB.csv`` with every field quoted). A gold-name
  column (``Term_Description``, ``gold_name``, ``name`` ...) fills ``gold_name``. A *long* table (one gene per
  row, IDs repeated) is grouped by ID.
- **Gene lists**: one gene per line (``#`` comments and a ``gene``/``symbol`` header allowed); the set ID is
  the file name without extension.
- **Differential-expression tables** from DESeq2 (``padj``, ``log2FoldChange``), edgeR (``FDR``, ``logFC``)
  and limma (``adj.P.Val``, ``logFC``), also Seurat ``p_val_adj``/``avg_log2FC``: the gene column is a
  ``gene``/``symbol``/``ID`` column or the row names (first column, or the unnamed extra column R's
  ``write.table`` leaves). Genes with ``padj < padj`` and ``log2FC >= lfc`` form ``<stem>_up``; with
  ``log2FC <= -lfc`` form ``<stem>_down``, genes ordered most significant first (smallest adjusted p,
  then largest |log2FC|); ``top=N`` keeps the first N of each. NA adjusted p-values (DESeq2 independent
  filtering) never pass. Both sets are always returned (an empty one is flagged ``empty``), and their
  ``metadata`` records the tool, the columns used, the thresholds and how many genes were tested/NA/passing.

Files may be gzip-compressed (``.gz``). Non-UTF-8 files are decoded as Latin-1 with every set flagged
``latin1_decoded`` (``strict_encoding=True`` raises instead), because old Excel exports are Latin-1 and the
gene symbols themselves are ASCII. Malformed input raises ``Gener1Error`` naming the file and line.

Size rules. Readers never drop genes and never drop sets. ``flag_sizes`` marks empty sets, 1-gene sets,
duplicate IDs (each copy is kept, in file order) and sets of ``HUGE_SET_SIZE`` (10,000) genes or more.
What to do with a huge set is the prompt's business, not the reader's: a prompt shows at most
``PROMPT_GENE_CAP`` genes, chosen by ``prompt_sample`` — a deterministic random sample seeded by the set ID
(so reruns give the same prompt), kept in input order; enrichment and evidence always use every gene.

With a knowledge base (``kb=``), symbols go through ``gener1_tool.genes.hygiene.normalise`` (aliases,
previous symbols, Excel dates, Entrez/Ensembl IDs), which records every change on the set.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import math
import random
import re
from pathlib import Path

from ..errors import Gener1Error
from ..io import atomic_open
from .geneset import HUGE_SET_SIZE, GeneSet, flag_sizes
from .hygiene import normalise

FLAG_LATIN1 = "latin1_decoded"

#: The most genes a prompt shows for one set (see ``prompt_sample``); readers themselves never cap.
PROMPT_GENE_CAP = 500

FORMATS = ("auto", "gmt", "table", "list", "de")

_GENE_SPLIT = re.compile(r"[\s,;]+")

# Column names, compared case-insensitively after stripping; first match wins.
ID_COLUMNS = ("id", "set_id", "geneset_id", "gene_set_id", "term_id", "go", "go_id", "set", "gene_set", "geneset",
              "pathway", "term", "name", "set_name")
GENES_COLUMNS = ("genes", "gene_list", "members", "gene_symbols", "symbols", "gene_set_genes", "gene", "symbol",
                 "gene_symbol")
GOLD_COLUMNS = ("term_description", "gold_name", "gold", "term_name", "description", "name", "process")

PADJ_COLUMNS = ("padj", "fdr", "adj.p.val", "p_val_adj", "qvalue", "q_value", "q.value", "adj_pvalue", "adj.pvalue",
                "p.adjust")
LFC_COLUMNS = ("log2foldchange", "logfc", "avg_log2fc", "log2fc", "log2_fold_change", "avg_logfc")
PVALUE_COLUMNS = ("pvalue", "p.value", "p_val", "p_value")
DE_GENE_COLUMNS = ("gene", "symbol", "gene_symbol", "gene_name", "genes", "gene.symbol", "hgnc_symbol", "external_gene_name",
                   "gene_id", "id", "feature", "row", "ensembl", "ensembl_gene_id")
_DE_TOOLS = {"padj": "DESeq2", "fdr": "edgeR", "adj.p.val": "limma", "p_val_adj": "Seurat"}


# ----------------------------------------------------------------------------------------------------------
# Entry point
# ----------------------------------------------------------------------------------------------------------
def read_gene_sets(path: str | Path, *, format: str = "auto", kb=None, padj: float = 0.05, lfc: float = 1.0,
                   top: int | None = None, id_column: str | None = None, genes_column: str | None = None,
                   strict_encoding: bool = False, source: str | None = None) -> list[GeneSet]:
    """Read every gene set in ``path`` (see the module docstring for formats and rules).

    ``format``: auto | gmt | table | list | de. ``padj``/``lfc``/``top`` apply to DE tables.
    ``id_column``/``genes_column`` override column detection for tables. ``kb`` turns on symbol hygiene.
    """
    path = Path(path)
    if format not in FORMATS:
        raise Gener1Error(f"unknown gene-set format {format!r}; expected one of {', '.join(FORMATS)}")
    text, encoding = _read_text(path, strict_encoding)
    lines = text.splitlines()
    if not any(line.strip() and not line.lstrip().startswith("#") for line in lines):
        raise Gener1Error("no gene sets: the file is empty", path=path)

    kind = format if format != "auto" else _detect(path, lines)
    if kind == "gmt":
        sets = _read_gmt(path, lines)
    elif kind == "list":
        sets = _read_list(path, lines)
    elif kind == "de":
        sets = _read_de(path, text, padj=padj, lfc=lfc, top=top, gene_column=genes_column)
    else:
        sets = _read_table(path, text, id_column=id_column, genes_column=genes_column)

    for gs in sets:
        gs.source = source if source is not None else str(path)
        gs.metadata.setdefault("format", kind)
        if encoding != "utf-8":
            gs.flag(FLAG_LATIN1)
            gs.metadata["encoding"] = encoding
    if kb is not None:
        sets = normalise(sets, kb)
    return flag_sizes(sets)


def prompt_sample(gene_set: GeneSet, cap: int = PROMPT_GENE_CAP) -> list[str]:
    """The genes a prompt shows: all of them up to ``cap``, else a sample seeded by the set ID, in input order."""
    genes = gene_set.genes
    if len(genes) <= cap:
        return list(genes)
    seed = int.from_bytes(hashlib.sha256(gene_set.id.encode()).digest()[:8], "big")
    keep = set(random.Random(seed).sample(range(len(genes)), cap))
    return [g for i, g in enumerate(genes) if i in keep]


def write_gene_sets(gene_sets: list[GeneSet], path: str | Path, format: str = "tsv") -> Path:
    """Write sets as GMT (description = gold name or description) or as a TSV with ID, Genes, Term_Description."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if format == "gmt":
        with atomic_open(path, newline="\n") as fh:
            for gs in gene_sets:
                desc = (gs.gold_name or gs.description or "na").replace("\t", " ")
                fh.write("\t".join([gs.id, desc, *gs.genes]) + "\n")
    elif format in ("tsv", "csv"):
        with atomic_open(path, newline="") as fh:
            writer = csv.writer(fh, delimiter="\t" if format == "tsv" else ",", lineterminator="\n")
            writer.writerow(["ID", "Genes", "Gene_Count", "Term_Description"])
            for gs in gene_sets:
                writer.writerow([gs.id, " ".join(gs.genes), gs.size, gs.gold_name or ""])
    else:
        raise Gener1Error(f"unknown output format {format!r}; expected gmt, tsv or csv")
    return path


# ----------------------------------------------------------------------------------------------------------
# Decoding and detection
# ----------------------------------------------------------------------------------------------------------
def _read_text(path: Path, strict: bool) -> tuple[str, str]:
    if not path.exists():
        raise Gener1Error("file not found", path=path)
    if path.is_dir():
        raise Gener1Error("is a directory, expected a gene-set file", path=path)
    if path.suffix.lower() in (".xlsx", ".xls"):
        raise Gener1Error("Excel workbooks are not read directly; save the sheet as CSV or TSV", path=path)
    try:
        raw = path.read_bytes()
        if raw[:2] == b"\x1f\x8b":
            raw = gzip.decompress(raw)
    except (OSError, EOFError) as exc:
        raise Gener1Error(f"cannot read file ({exc})", path=path) from None
    if b"\x00" in raw[:4096]:
        raise Gener1Error("binary file (NUL bytes); expected text (GMT, TSV/CSV or a gene list)", path=path)
    try:
        return raw.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        if strict:
            raise Gener1Error(f"not UTF-8 text (byte 0x{raw[exc.start]:02x}); re-save as UTF-8", path=path,
                              line=line) from None
        return raw.decode("latin-1"), "latin-1"


def _norm(name: str) -> str:
    return name.strip().strip('"').strip().lower()


def _find(header: list[str], candidates: tuple[str, ...], exclude: set[int] = frozenset()) -> int | None:
    normed = [_norm(h) for h in header]
    for cand in candidates:
        for i, h in enumerate(normed):
            if h == cand and i not in exclude:
                return i
    return None


def _delimiter(path: Path, header_line: str) -> str:
    suffix = path.suffix.lower() if path.suffix.lower() != ".gz" else Path(path.stem).suffix.lower()
    if "\t" in header_line:
        return "\t"
    if suffix == ".csv" or "," in header_line:
        # ';'-delimited CSV (European Excel) has no commas in its header.
        return ";" if header_line.count(";") > header_line.count(",") else ","
    if ";" in header_line:
        return ";"
    return "\t"


def _first_data_line(lines: list[str]) -> tuple[int, str]:
    for i, line in enumerate(lines):
        if line.strip() and not line.lstrip().startswith("#"):
            return i, line
    return 0, ""


def _detect(path: Path, lines: list[str]) -> str:
    name = path.name.lower().removesuffix(".gz")
    if name.endswith(".gmt"):
        return "gmt"
    _, header_line = _first_data_line(lines)
    header = next(csv.reader([header_line], delimiter=_delimiter(path, header_line)))
    if _find(header, PADJ_COLUMNS) is not None and _find(header, LFC_COLUMNS) is not None:
        return "de"
    if _find(header, ID_COLUMNS) is not None and _find(header, GENES_COLUMNS) is not None:
        return "table"
    data = [line for line in lines if line.strip() and not line.lstrip().startswith("#")]
    if all(len(_GENE_SPLIT.split(line.strip())) == 1 for line in data):
        return "list"
    if "\t" in header_line and all(len(line.split("\t")) >= 2 for line in data[:50]):
        return "gmt"
    raise Gener1Error(
        "cannot tell the format: expected a GMT file, a table with ID and Genes columns, one gene per line, "
        "or a DE table with padj/FDR/adj.P.Val and log2FoldChange/logFC columns (or pass --format)",
        path=path, line=1)


# ----------------------------------------------------------------------------------------------------------
# GMT and gene lists
# ----------------------------------------------------------------------------------------------------------
def _read_gmt(path: Path, lines: list[str]) -> list[GeneSet]:
    sets = []
    for number, line in enumerate(lines, start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        fields = line.rstrip("\r\n").split("\t")
        if len(fields) < 2 or not fields[0].strip():
            raise Gener1Error("a GMT line needs a set name, a description and genes, separated by tabs",
                              path=path, line=number)
        genes = [g for f in fields[2:] for g in _GENE_SPLIT.split(f.strip()) if g]
        description = fields[1].strip()
        sets.append(GeneSet(id=fields[0].strip(), genes=genes,
                            description=description if description.lower() not in ("", "na") else None,
                            metadata={"line": number}))
    return sets


_LIST_HEADERS = {"gene", "genes", "symbol", "gene_symbol", "gene symbol", "hgnc_symbol", "id"}


def _read_list(path: Path, lines: list[str]) -> list[GeneSet]:
    genes = []
    first = True
    for line in lines:
        token = line.strip().strip('"').strip()
        if not token or token.startswith("#"):
            continue
        if first and token.lower() in _LIST_HEADERS:
            first = False
            continue
        first = False
        genes.append(token)
    stem = path.name.removesuffix(".gz")
    stem = stem.rsplit(".", 1)[0] if "." in stem else stem
    return [GeneSet(id=stem, genes=genes)]


# ----------------------------------------------------------------------------------------------------------
# ID + genes tables
# ----------------------------------------------------------------------------------------------------------
def _rows(path: Path, text: str) -> tuple[list[str], list[tuple[int, list[str]]], str]:
    """Header and (line number, fields) rows of a delimited text, with comment lines skipped."""
    lines = text.splitlines()
    start, header_line = _first_data_line(lines)
    delimiter = _delimiter(path, header_line)
    body = "\n".join(lines[start:])
    reader = csv.reader(io.StringIO(body), delimiter=delimiter)
    try:
        header = next(reader)
        rows = []
        for fields in reader:
            if not fields or all(not f.strip() for f in fields):
                continue
            rows.append((start + reader.line_num, fields))
    except csv.Error as exc:
        raise Gener1Error(f"malformed {'TSV' if delimiter == chr(9) else 'CSV'} ({exc})", path=path,
                          line=start + reader.line_num) from None
    return [h.strip() for h in header], rows, delimiter


def _column(header: list[str], wanted: str | None, candidates: tuple[str, ...], what: str, path: Path,
            exclude: set[int] = frozenset()) -> int | None:
    if wanted:
        idx = _find(header, (wanted.lower(),))
        if idx is None:
            raise Gener1Error(f"no {what} column named {wanted!r}; columns are {header}", path=path, line=1)
        return idx
    return _find(header, candidates, exclude)


def _read_table(path: Path, text: str, *, id_column: str | None, genes_column: str | None) -> list[GeneSet]:
    header, rows, _ = _rows(path, text)
    id_idx = _column(header, id_column, ID_COLUMNS, "ID", path)
    genes_idx = _column(header, genes_column, GENES_COLUMNS, "genes", path, exclude={id_idx} if id_idx is not None else set())
    if id_idx is None or genes_idx is None:
        raise Gener1Error(f"expected an ID column and a genes column (e.g. ID, Genes); found {header}", path=path, line=1)
    gold_idx = _find(header, GOLD_COLUMNS, exclude={id_idx, genes_idx})

    parsed = []
    for number, fields in rows:
        if len(fields) <= max(id_idx, genes_idx):
            raise Gener1Error(f"expected {len(header)} fields, found {len(fields)}", path=path, line=number)
        set_id = fields[id_idx].strip()
        if not set_id:
            raise Gener1Error("empty set ID", path=path, line=number)
        genes = [g.strip('"') for g in _GENE_SPLIT.split(fields[genes_idx].strip()) if g.strip('"')]
        gold = fields[gold_idx].strip() if gold_idx is not None and gold_idx < len(fields) else None
        parsed.append((number, set_id, genes, gold or None))

    ids = [p[1] for p in parsed]
    long_format = len(set(ids)) < len(ids) and all(len(p[2]) <= 1 for p in parsed)
    if long_format:  # one gene per row: group rows by ID, in order of first appearance
        grouped: dict[str, GeneSet] = {}
        for number, set_id, genes, gold in parsed:
            gs = grouped.get(set_id)
            if gs is None:
                gs = grouped[set_id] = GeneSet(id=set_id, genes=[], gold_name=gold, metadata={"line": number})
            gs.genes.extend(genes)
            gs.input_genes.extend(genes)
        for gs in grouped.values():
            gs.genes = list(dict.fromkeys(gs.genes))
        return list(grouped.values())
    return [GeneSet(id=set_id, genes=genes, gold_name=gold, metadata={"line": number})
            for number, set_id, genes, gold in parsed]


# ----------------------------------------------------------------------------------------------------------
# Differential-expression tables
# ----------------------------------------------------------------------------------------------------------
def _number(value: str, path: Path, line: int, column: str) -> float:
    v = value.strip().strip('"')
    if v.upper() in ("", "NA", "NAN", "NULL", "NONE", "-"):
        return math.nan
    try:
        return float(v)
    except ValueError:
        raise Gener1Error(f"column {column!r}: {value!r} is not a number", path=path, line=line) from None


def _read_de(path: Path, text: str, *, padj: float, lfc: float, top: int | None, gene_column: str | None) -> list[GeneSet]:
    if not 0 < padj <= 1:
        raise Gener1Error(f"--padj must be in (0, 1], got {padj}")
    if lfc < 0:
        raise Gener1Error(f"--lfc must be >= 0 (it applies to |log2 fold change|), got {lfc}")
    if top is not None and top < 1:
        raise Gener1Error(f"--top must be a positive number of genes, got {top}")
    header, rows, _ = _rows(path, text)
    if rows and len(rows[0][1]) == len(header) + 1:
        header = [""] + header  # R's write.table: the row-names column has no header field
    padj_idx = _find(header, PADJ_COLUMNS)
    lfc_idx = _find(header, LFC_COLUMNS)
    if padj_idx is None or lfc_idx is None:
        raise Gener1Error(f"a DE table needs an adjusted p-value column ({'/'.join(('padj', 'FDR', 'adj.P.Val'))}) "
                          f"and a log2 fold-change column (log2FoldChange/logFC); found {header}", path=path, line=1)
    gene_idx = _column(header, gene_column, DE_GENE_COLUMNS, "gene", path, exclude={padj_idx, lfc_idx})
    if gene_idx is None:
        if header[0].strip() in ("", "row.names", "rownames", "X", "Unnamed: 0") or _find(header[:1], PVALUE_COLUMNS + LFC_COLUMNS) is None:
            gene_idx = 0  # row names
        else:
            raise Gener1Error(f"cannot find the gene column (gene/symbol/ID or row names); found {header}", path=path, line=1)
    tool = _DE_TOOLS.get(_norm(header[padj_idx]), "DE table")

    up, down, tested, na = [], [], 0, 0
    for number, fields in rows:
        if len(fields) != len(header):
            raise Gener1Error(f"expected {len(header)} fields, found {len(fields)}", path=path, line=number)
        gene = fields[gene_idx].strip().strip('"')
        if not gene:
            continue
        tested += 1
        p = _number(fields[padj_idx], path, number, header[padj_idx])
        fc = _number(fields[lfc_idx], path, number, header[lfc_idx])
        if math.isnan(p) or math.isnan(fc):
            na += 1
            continue
        if p < padj and fc >= lfc and fc > 0:
            up.append((p, -abs(fc), gene))
        elif p < padj and fc <= -lfc and fc < 0:
            down.append((p, -abs(fc), gene))

    stem = path.name.removesuffix(".gz")
    stem = stem.rsplit(".", 1)[0] if "." in stem else stem
    sets = []
    for direction, hits in (("up", up), ("down", down)):
        passing = len(hits)
        hits = sorted(hits, key=lambda h: (h[0], h[1]))  # most significant first, so prompts lead with them
        if top is not None:
            hits = hits[:top]
        sets.append(GeneSet(
            id=f"{stem}_{direction}", genes=[h[2] for h in hits],
            description=f"{direction}-regulated genes (adjusted p < {padj:g}, |log2FC| >= {lfc:g}"
                        f"{f', top {top}' if top else ''}) from {tool} table {path.name}",
            metadata={"direction": direction, "tool": tool, "padj": padj, "lfc": lfc, "top": top,
                      "padj_column": header[padj_idx], "lfc_column": header[lfc_idx],
                      "gene_column": header[gene_idx] or "(row names)", "tested": tested, "na": na,
                      "passing": passing}))
    return sets


__all__ = ["read_gene_sets", "write_gene_sets", "prompt_sample", "PROMPT_GENE_CAP", "FLAG_LATIN1", "FORMATS",
           "HUGE_SET_SIZE"]
