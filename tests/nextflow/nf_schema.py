"""Validate params and samplesheets against the pipeline's JSON schemas the way the nf-schema plugin does,
with `jsonschema` (draft 2020-12) — so the offline test suite sees the same rules and messages users see.

nf-schema conventions handled here: CSV/TSV rows become objects, empty cells are absent, cells are cast to
the type the schema gives; the custom keywords `exists` (a file-path/directory-path must exist; relative
paths resolve from the launch directory) and `uniqueEntries` (no two rows share these columns); the
`errorMessage` of a property replaces jsonschema's wording. Unknown keywords (`meta`, `mimetype`, `schema`,
`fa_icon`, ...) are ignored, as draft 2020-12 allows.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

from jsonschema import Draft202012Validator, validators
from jsonschema.exceptions import ValidationError


class SchemaError(ValueError):
    """Every problem found, one readable line each (`.problems`)."""

    def __init__(self, what: str, problems: list[str]):
        self.problems = problems
        super().__init__(f"{what} is not valid:\n" + "\n".join(f"  - {p}" for p in problems))


def _validator_class(base_dir: Path):
    def exists(validator, wanted, value, schema):
        if not wanted or not isinstance(value, str):
            return
        path = Path(value)
        path = path if path.is_absolute() else base_dir / path
        kind = schema.get("format", "file-path")
        if kind == "directory-path" and not path.is_dir():
            yield ValidationError(f"directory does not exist: {value}")
        elif kind != "directory-path" and not path.is_file():
            yield ValidationError(f"file does not exist: {value}")

    def unique_entries(validator, columns, rows, schema):
        if not isinstance(rows, list):
            return
        seen: dict[tuple, int] = {}
        for number, row in enumerate(rows, start=1):
            key = tuple(row.get(c) for c in columns)
            if key in seen:
                yield ValidationError(f"row {number} repeats {', '.join(columns)} = {', '.join(map(str, key))} "
                                      f"of row {seen[key]}; entries must be unique")
            seen.setdefault(key, number)

    return validators.extend(Draft202012Validator, {"exists": exists, "uniqueEntries": unique_entries})


def _cast(value: str, prop: dict):
    kind = prop.get("type")
    try:
        if kind == "integer":
            return int(value)
        if kind == "number":
            return float(value)
    except ValueError:
        return value  # left as a string: the type check then reports it with the column's message
    if kind == "boolean" and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return value


def read_sheet(path: str | Path, schema: dict) -> list[dict]:
    path = Path(path)
    text = path.read_text(encoding="utf-8-sig")
    delimiter = "\t" if path.suffix == ".tsv" else ","
    properties = schema["items"]["properties"]
    rows = []
    for row in csv.DictReader(text.splitlines(), delimiter=delimiter):
        rows.append({k.strip(): _cast(v.strip(), properties.get(k.strip(), {}))
                     for k, v in row.items() if k is not None and v is not None and v.strip() != ""})
    return rows


def _describe(error: ValidationError, schema_root: dict, what: str) -> str:
    location = list(error.absolute_path)
    if error.validator == "required":
        missing = error.message.split("'")[1]
        prefix = f"row {location[0] + 1} (line {location[0] + 2}): " if location else ""
        return f"{prefix}missing required column '{missing}'"
    message = error.message
    sub = error.schema if isinstance(error.schema, dict) else {}
    if "errorMessage" in sub and error.validator != "exists":  # "file does not exist: X" says it better
        message = sub["errorMessage"]
    if len(location) >= 2 and isinstance(location[0], int):
        return (f"row {location[0] + 1} (line {location[0] + 2}), column '{location[1]}': {message} "
                f"(got {error.instance!r})")
    if location:
        return f"{what} '{'.'.join(map(str, location))}': {message} (got {error.instance!r})"
    return message


def resolve_from_sheet(value: str, sheet: str | Path, launch_dir: str | Path) -> Path | None:
    """main.nf's `fromSheet`: absolute paths and URLs as given; a relative path from the sheet's folder first,
    then from the launch directory. None when no such file exists (URLs are not checked here)."""
    if "://" in value:
        return Path(value)
    path = Path(value)
    candidates = [path] if path.is_absolute() else [Path(sheet).resolve().parent / path, Path(launch_dir) / path]
    return next((c for c in candidates if c.exists()), None)


def validate_samplesheet(path: str | Path, schema_path: str | Path, base_dir: str | Path,
                         path_columns: tuple[str, ...] = ("file", "path")) -> list[dict]:
    """Rows of a valid samplesheet; a `SchemaError` listing every problem otherwise. Values of `path_columns`
    are resolved as main.nf resolves them (`resolve_from_sheet`) and replaced by the resolved path."""
    schema = json.loads(Path(schema_path).read_text(encoding="utf-8"))
    header = next(csv.reader(Path(path).read_text(encoding="utf-8-sig").splitlines()[:1]), [])
    problems = []
    required = schema["items"].get("required", [])
    absent = [c for c in required if c not in [h.strip() for h in header]]
    if absent:
        problems.append(f"header lacks required column(s) {', '.join(absent)}; expected columns "
                        f"{','.join(schema['items']['properties'])} (got {','.join(header) or 'nothing'})")
    rows = read_sheet(path, schema)
    validator = _validator_class(Path(base_dir))(schema)
    for error in sorted(validator.iter_errors(rows), key=lambda e: [(0, p) if isinstance(p, int) else (1, str(p)) for p in e.absolute_path]):
        if absent and error.validator == "required":
            continue  # already said once for the header
        problems.append(_describe(error, schema, "row"))
    for number, row in enumerate(rows, start=1):
        for column in path_columns:
            if isinstance(row.get(column), str):
                resolved = resolve_from_sheet(row[column], path, base_dir)
                if resolved is None:
                    problems.append(f"row {number} (line {number + 1}), column '{column}': file does not exist: "
                                    f"{row[column]} (looked in {Path(path).resolve().parent} and {base_dir})")
                else:
                    row[column] = str(resolved)
    if problems:
        raise SchemaError(f"samplesheet {path}", problems)
    return rows


def validate_params(params: dict, schema_path: str | Path, base_dir: str | Path) -> None:
    """nextflow_schema.json: params with value None count as unset, as in Nextflow."""
    schema = json.loads(Path(schema_path).read_text(encoding="utf-8"))
    given = {k: v for k, v in params.items() if v is not None}
    validator = _validator_class(Path(base_dir))(schema)
    problems = [_describe(e, schema, "param") for e in validator.iter_errors(given)]
    if problems:
        raise SchemaError("params", problems)


def schema_defaults(schema_path: str | Path) -> dict:
    schema = json.loads(Path(schema_path).read_text(encoding="utf-8"))
    return {name: prop["default"] for group in schema["$defs"].values()
            for name, prop in group["properties"].items() if "default" in prop}


def schema_params(schema_path: str | Path) -> set[str]:
    schema = json.loads(Path(schema_path).read_text(encoding="utf-8"))
    return {name for group in schema["$defs"].values() for name in group["properties"]}


def config_params(config_path: str | Path, project_dir: str | Path) -> dict:
    """The `params { name = literal }` block of a Nextflow config, read as Nextflow would for plain
    literals (strings, numbers, true/false, null; `${projectDir}` substituted). Anything else is an error,
    so a config that this reader cannot follow is noticed rather than skipped."""
    import re

    text = Path(config_path).read_text(encoding="utf-8")
    match = re.search(r"^params\s*\{(.*?)^\}", text, re.S | re.M)
    if not match:
        return {}
    params = {}
    for number, line in enumerate(match.group(1).splitlines(), start=1):
        line = re.sub(r"\s+//.*$", "", line).strip()
        if not line or line.startswith("//"):
            continue
        name, sep, value = (part.strip() for part in line.partition("="))
        if not sep:
            raise ValueError(f"{config_path}: cannot read params line {line!r}")
        if value in ("null",):
            params[name] = None
        elif value in ("true", "false"):
            params[name] = value == "true"
        elif re.fullmatch(r"-?\d+", value):
            params[name] = int(value)
        elif re.fullmatch(r"-?\d*\.\d+(e-?\d+)?", value):
            params[name] = float(value)
        elif value[:1] in "'\"" and value[-1:] == value[:1]:
            params[name] = value[1:-1].replace("${projectDir}", str(project_dir))
        else:
            raise ValueError(f"{config_path}: params.{name} = {value} is not a plain literal")
    return params
