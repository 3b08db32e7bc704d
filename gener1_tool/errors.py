"""The one exception type that library code raises for bad input; the CLI turns it into a one-line message."""

from __future__ import annotations


class Gener1Error(Exception):
    """A user-facing failure: says what went wrong, and where (file, line) when known."""

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None):
        self.message = message
        self.path = str(path) if path is not None else None
        self.line = line
        super().__init__(str(self))

    def __str__(self) -> str:
        where = ""
        if self.path:
            where = f"{self.path}:{self.line}: " if self.line else f"{self.path}: "
        return f"{where}{self.message}"


class BadLine(Gener1Error):
    """A malformed line in an input file (skippable with --skip-bad-lines)."""
