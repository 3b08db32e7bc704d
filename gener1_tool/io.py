"""The shared floor for files: one JSONL reader and writer, and one atomic write.

Every command writes its outputs through ``atomic_open``/``atomic_path`` (a temporary name beside the target,
renamed onto it only when the block finishes), so a killed or failed run never leaves a half-written table
that looks finished. Records of long runs are appended whole with ``append_jsonl`` (flushed and fsynced).
"""

from __future__ import annotations

import fcntl
import gzip
import json
import os
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Iterable, Iterator

from .errors import Gener1Error

PARTIAL_SUFFIX = ".partial"


def open_text(path: str | os.PathLike):
    """A text handle for reading, gunzipping ``.gz`` files."""
    path = Path(path)
    return gzip.open(path, "rt", encoding="utf-8") if path.suffix == ".gz" else open(path, encoding="utf-8")


# -- JSONL ------------------------------------------------------------------------------------------
def parse_jsonl(lines: Iterable[str], *, path: str | os.PathLike | None = None,
                skip_invalid: bool = False) -> Iterator[tuple[int, dict]]:
    """(line number, object) for each non-blank line. A line that is not a JSON object raises with file and
    line, or is passed over with ``skip_invalid`` (what a torn last line of a killed run looks like)."""
    for lineno, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError as exc:
            if skip_invalid:
                continue
            raise Gener1Error(f"invalid JSON line ({getattr(exc, 'msg', exc)})", path=path, line=lineno) from None
        if not isinstance(row, dict):
            if skip_invalid:
                continue
            raise Gener1Error("expected a JSON object per line", path=path, line=lineno)
        yield lineno, row


def iter_jsonl(path: str | os.PathLike, *, skip_invalid: bool = False) -> Iterator[tuple[int, dict]]:
    """``parse_jsonl`` over a file (``.gz`` too); a missing file is an error naming it."""
    path = Path(path)
    if not path.exists():
        raise Gener1Error("file not found", path=path)
    if path.is_dir():
        raise Gener1Error("is a folder, expected a JSONL file", path=path)
    with open_text(path) as fh:
        lines = _decoded(fh, path)
        yield from parse_jsonl(lines, path=path, skip_invalid=skip_invalid)


def _decoded(fh, path: Path) -> Iterator[str]:
    """Lines of a text handle; bytes that are not UTF-8 (a binary or gzip-less compressed file) are an error that
    names the file and line, not a bare UnicodeDecodeError."""
    lineno = 0
    try:
        for lineno, line in enumerate(fh, start=1):
            yield line
    except (UnicodeDecodeError, EOFError, OSError) as exc:
        raise Gener1Error(f"not UTF-8 JSONL text ({exc.__class__.__name__}: {exc})"[:200], path=path,
                          line=lineno + 1) from None


def parse_json_records(text: str, *, path: str | os.PathLike | None = None) -> list[tuple[int, dict]]:
    """Records of a JSONL text, or of a JSON array of objects (numbered from 1): what users hand to evaluate."""
    stripped = text.strip()
    if not stripped.startswith("["):
        # split("\n"), not splitlines(): records written with ensure_ascii=False may hold U+2028 and friends raw
        return list(parse_jsonl(text.split("\n"), path=path))
    try:
        records = list(enumerate(json.loads(stripped), start=1))
    except json.JSONDecodeError as exc:
        raise Gener1Error(f"invalid JSON ({exc.msg})", path=path, line=exc.lineno) from None
    for number, rec in records:
        if not isinstance(rec, dict):
            raise Gener1Error("expected a JSON object per line", path=path, line=number)
    return records


def truncate_torn_tail(path: str | os.PathLike) -> int:
    """Cut a file back to its last newline: what a kill during a write leaves after it is a fragment of a record,
    and appending onto it would join the next record to the fragment. Returns the bytes dropped."""
    path = Path(path)
    if not path.exists():
        return 0
    with open(path, "r+b") as fh:
        size = fh.seek(0, os.SEEK_END)
        if size == 0:
            return 0
        fh.seek(size - 1)
        if fh.read(1) == b"\n":
            return 0
        keep, step = 0, 1 << 16  # read backwards to the last newline
        position = size
        while position > 0:
            start = max(0, position - step)
            fh.seek(start)
            block = fh.read(position - start)
            cut = block.rfind(b"\n")
            if cut >= 0:
                keep = start + cut + 1
                break
            position = start
        fh.truncate(keep)
        fh.flush()
        os.fsync(fh.fileno())
        return size - keep


def json_line(row: dict) -> str:
    return json.dumps(row, ensure_ascii=False) + "\n"


def append_jsonl(fh: IO[str], rows: Iterable[dict]) -> None:
    """Append whole records to an open file and make them durable (flush + fsync) before returning."""
    for row in rows:
        fh.write(json_line(row))
    fh.flush()
    os.fsync(fh.fileno())


def write_jsonl(path: str | os.PathLike, rows: Iterable[dict]) -> Path:
    """Write records as JSONL, atomically."""
    with atomic_open(path) as fh:
        for row in rows:
            fh.write(json_line(row))
    return Path(path)


# -- outputs never destroy inputs ------------------------------------------------------------------
def refuse_overwriting_inputs(outputs: Iterable[str | os.PathLike], inputs: Iterable[str | os.PathLike | None]) -> None:
    """Raise before anything is written when an output path resolves to one of the command's inputs (the same
    file under another name, a symlink, ``./x`` for ``x``): a pipeline step must never destroy what it reads."""
    existing = {}
    for item in inputs:
        if item is not None and Path(item).exists():
            existing[Path(item).resolve()] = item
    for out in outputs:
        same = existing.get(Path(out).resolve())
        if same is not None:
            raise Gener1Error(f"the output would overwrite the input {same}; write it somewhere else", path=out)


# -- one writer per output folder --------------------------------------------------------------------
LOCK_NAME = ".gener1.lock"


@contextmanager
def output_lock(folder: str | os.PathLike) -> Iterator[Path]:
    """Hold ``folder`` for this process for the whole block (an advisory ``flock`` on ``.gener1.lock``, released by
    the kernel if the process dies). A second run into the same folder fails at once, naming the holder's pid."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / LOCK_NAME
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.read(fd, 32).decode("ascii", "replace").strip() or "unknown"
        os.close(fd)
        raise Gener1Error(f"another gener1 run (pid {holder}) is writing to this folder; wait for it to finish or "
                          "choose another output folder", path=folder) from None
    os.ftruncate(fd, 0)
    os.write(fd, f"{os.getpid()}\n".encode("ascii"))
    try:
        yield path
    finally:
        path.unlink(missing_ok=True)  # while still holding it, so no second run can lock the old file
        os.close(fd)


# -- atomic writes ----------------------------------------------------------------------------------
@contextmanager
def atomic_path(target: str | os.PathLike, suffix: str = PARTIAL_SUFFIX) -> Iterator[Path]:
    """A temporary path beside ``target`` for a writer that wants a path (SQLite, pandas, matplotlib); it is
    renamed onto ``target`` when the block succeeds and removed when it fails."""
    target = Path(target)
    tmp = target.with_name(target.name + suffix)
    tmp.unlink(missing_ok=True)
    try:
        yield tmp
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


@contextmanager
def atomic_open(target: str | os.PathLike, *, newline: str | None = None) -> Iterator[IO[str]]:
    """A UTF-8 text handle whose content replaces ``target`` only when the block succeeds (fsynced first)."""
    with atomic_path(target) as tmp:
        with open(tmp, "w", encoding="utf-8", newline=newline) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())


def write_text_atomic(target: str | os.PathLike, text: str) -> Path:
    with atomic_open(target) as fh:
        fh.write(text)
    return Path(target)


def write_json(target: str | os.PathLike, data, *, indent: int = 2) -> Path:
    """Pretty JSON (``default=str`` for paths and dates), atomically."""
    return write_text_atomic(target, json.dumps(data, indent=indent, default=str) + "\n")
