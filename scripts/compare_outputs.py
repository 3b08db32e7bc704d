#!/usr/bin/env python3
"""Compare two output folders of gener1 commands field by field: is a refactor behaviour-preserving?

    scripts/compare_outputs.py BEFORE_DIR AFTER_DIR

Walks BEFORE_DIR; for every file also in AFTER_DIR it compares
  * ``*.jsonl``: records in order, every field (nested), numbers exactly;
  * ``summary.json`` / ``run.json``: every field except paths and timings;
  * ``*.tsv`` / ``*.md`` / ``*.gmt``: the text, line by line;
  * ``*.png`` / ``*.html``: presence only (HTML carries a time stamp; PNGs the matplotlib build).
Prints one line per difference and a closing count; exits 1 when anything differs.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

#: Fields that name where or when a run happened, not what it computed.
VOLATILE = {"seconds", "path", "file", "kb", "inputs", "output_dir", "outdir", "gold", "plot", "source"}


def diff(a, b, where: str, out: list[str]) -> None:
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b)):
            if key in VOLATILE:
                continue
            if key not in a or key not in b:
                out.append(f"{where}.{key}: only in {'after' if key in b else 'before'}")
            else:
                diff(a[key], b[key], f"{where}.{key}", out)
    elif isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            out.append(f"{where}: {len(a)} items before, {len(b)} after")
        for i, (x, y) in enumerate(zip(a, b)):
            diff(x, y, f"{where}[{i}]", out)
    elif a != b:
        out.append(f"{where}: {a!r} before, {b!r} after")


def compare(before: Path, after: Path) -> list[str]:
    out: list[str] = []
    for path in sorted(p for p in before.rglob("*") if p.is_file()):
        rel = path.relative_to(before)
        other = after / rel
        if not other.exists():
            out.append(f"{rel}: missing after")
        elif path.suffix == ".jsonl":
            rows_a = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
            rows_b = [json.loads(line) for line in other.read_text(encoding="utf-8").splitlines() if line.strip()]
            diff(rows_a, rows_b, str(rel), out)
        elif path.suffix == ".json":
            diff(json.loads(path.read_text(encoding="utf-8")), json.loads(other.read_text(encoding="utf-8")), str(rel), out)
        elif path.suffix in (".tsv", ".md", ".gmt", ".csv", ".txt"):
            lines_a, lines_b = path.read_text(encoding="utf-8").splitlines(), other.read_text(encoding="utf-8").splitlines()
            if len(lines_a) != len(lines_b):
                out.append(f"{rel}: {len(lines_a)} lines before, {len(lines_b)} after")
            for n, (x, y) in enumerate(zip(lines_a, lines_b), 1):
                if x != y:
                    out.append(f"{rel}:{n}: {x[:120]!r} before, {y[:120]!r} after")
    return out


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    before, after = (Path(a) for a in argv)
    differences = compare(before, after)
    for line in differences:
        print(line)
    n_files = sum(1 for p in before.rglob("*") if p.is_file())
    print(f"{len(differences)} differences over {n_files} files")
    return 1 if differences else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
