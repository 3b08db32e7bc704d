"""Gene-set readers (GMT, TSV/CSV, gene lists, DE tables). Minimal first version: paper benchmark files.

The full reader layer (formats, DE thresholds, sniffing) is the inputs issue's work.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

from ..errors import Gener1Error
from .geneset import GeneSet

_SPLIT = re.compile(r"[\s,;]+")


def read_gene_sets(path: str | Path) -> list[GeneSet]:
    path = Path(path)
    if not path.exists():
        raise Gener1Error("file not found", path=path)
    delimiter = "\t" if path.suffix.lower() in {".tsv", ".txt"} else ","
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh, delimiter=delimiter)
        cols = {c.lower(): c for c in reader.fieldnames or []}
        if "id" not in cols or "genes" not in cols:
            raise Gener1Error(f"expected columns ID and Genes, found {reader.fieldnames}", path=path, line=1)
        sets = []
        for row in reader:
            genes = [g for g in _SPLIT.split(row[cols["genes"]].strip()) if g]
            gold = row.get(cols.get("term_description", ""), None)
            sets.append(GeneSet(id=row[cols["id"]], genes=genes, source=str(path), gold_name=gold))
    return sets
