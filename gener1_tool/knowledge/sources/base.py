"""The knowledge-source plugin contract and the line-reading helpers every source shares."""

from __future__ import annotations

import csv
import gzip
import io
import sqlite3
from pathlib import Path
from typing import Iterator

from ...errors import BadLine, Gener1Error


class KnowledgeSource:
    """A reader for one official file format that writes genes, terms and annotations into the KB.

    Subclasses set ``name``, ``description``, ``relations`` (what kinds of facts they add), ``licence``,
    and implement ``load(writer) -> dict`` (extra provenance detail) and optionally ``version()``.
    Sources that need gene symbols resolved should be loaded after a gene-information source.
    """

    name: str = ""
    description: str = ""
    relations: tuple[str, ...] = ()
    licence: str = ""
    formats: str = ""
    #: Gene-information sources load first so later sources resolve symbols against them.
    provides_genes: bool = False

    def __init__(self, path: str | Path | None = None, *, skip_bad_lines: bool = False, **options):
        self.path = Path(path) if path is not None else None
        self.skip_bad_lines = skip_bad_lines
        self.options = options
        self.bad_lines = 0
        self.bad_line_examples: list[str] = []

    @property
    def label(self) -> str:
        """The name recorded in the KB (a GMT source carries its library name)."""
        return self.name

    def require_path(self) -> Path:
        if self.path is None:
            raise Gener1Error(f"knowledge source {self.name!r} needs a file path ({self.formats})")
        if not self.path.exists():
            raise Gener1Error(f"{self.name} file not found", path=self.path)
        if self.path.is_file() and self.path.stat().st_size == 0:
            raise Gener1Error(f"{self.name} file is empty", path=self.path)
        return self.path

    def version(self) -> tuple[str | None, str | None]:
        """(version, date) of the data, when the file says so."""
        return None, None

    def load(self, writer) -> dict:  # pragma: no cover - abstract
        raise NotImplementedError

    # -- shared helpers ------------------------------------------------------------------------
    def bad_line(self, line_no: int, message: str) -> None:
        """Raise for a malformed line, or count it when --skip-bad-lines is on."""
        if not self.skip_bad_lines:
            raise BadLine(f"{message} (use --skip-bad-lines to skip such lines)", path=self.path, line=line_no)
        self.bad_lines += 1
        if len(self.bad_line_examples) < 5:
            self.bad_line_examples.append(f"line {line_no}: {message}")

    def detail(self, **extra) -> dict:
        d = dict(extra)
        if self.bad_lines:
            d["skipped_bad_lines"] = self.bad_lines
            d["bad_line_examples"] = self.bad_line_examples
        return d


def open_text(path: Path) -> io.TextIOBase:
    """Open plain or gzip text as UTF-8, with a clear error for binary or mis-encoded files."""
    raw = open(path, "rb")
    head = raw.read(2)
    raw.seek(0)
    stream = gzip.open(raw) if head == b"\x1f\x8b" else raw
    return io.TextIOWrapper(stream, encoding="utf-8", errors="strict", newline="")


def iter_lines(path: Path) -> Iterator[tuple[int, str]]:
    """(line number, line without newline), with decoding errors reported by line."""
    with open_text(path) as fh:
        line_no = 0
        try:
            for line_no, line in enumerate(fh, start=1):
                yield line_no, line.rstrip("\r\n")
        except UnicodeDecodeError as exc:
            raise Gener1Error(f"not UTF-8 text ({exc.reason})", path=path, line=line_no + 1) from None


def iter_tsv(path: Path, *, comment: str = "#") -> Iterator[tuple[int, list[str]]]:
    for line_no, line in iter_lines(path):
        if not line.strip() or (comment and line.startswith(comment)):
            continue
        yield line_no, next(csv.reader([line], delimiter="\t", quoting=csv.QUOTE_NONE))


def open_sqlite(path: Path, probe_table: str, what: str) -> sqlite3.Connection:
    """Open a source's SQLite file read-only, checking it has ``probe_table`` (so a wrong file fails clearly)."""
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        db.execute(f"SELECT count(*) FROM {probe_table}").fetchone()
    except sqlite3.DatabaseError as exc:
        raise Gener1Error(f"not a {what} SQLite file ({exc})", path=path) from None
    return db
