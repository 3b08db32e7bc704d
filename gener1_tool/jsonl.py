"""Reading JSONL files (corpora, traces, task data): one reader, errors with file and line."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Iterator

from .errors import Gener1Error


def open_text(path: Path):
    return gzip.open(path, "rt", encoding="utf-8") if path.suffix == ".gz" else open(path, encoding="utf-8")


def iter_jsonl(path: str | Path) -> Iterator[tuple[int, dict]]:
    """(line number, row dict) for each non-blank line; malformed JSON raises with file and line."""
    path = Path(path)
    if not path.exists():
        raise Gener1Error("file not found", path=path)
    with open_text(path) as fh:
        for lineno, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except ValueError as exc:
                raise Gener1Error(f"not JSON ({exc.msg})", path=path, line=lineno) from None
            if not isinstance(row, dict):
                raise Gener1Error("each line must be a JSON object", path=path, line=lineno)
            yield lineno, row
