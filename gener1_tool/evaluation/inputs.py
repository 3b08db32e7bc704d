"""Reading what gets evaluated: prediction files and gold names.

Predictions
  * TSV/CSV with an ID column (``id``, ``set_id``, ``GO``, ``term_id`` ...) and either a name column
    (``name``, ``predicted_name``, ``LLM Name``, ``prediction`` ...) or a raw-answer column (``raw``,
    ``answer``, ``completion``, ``response``, ``output``, ``text``) parsed with ``reasoning.answer.parse``.
  * JSONL (one object per line, as ``gener1 annotate`` writes): ``id`` plus ``name`` and/or ``raw``/``answer``
    (and optionally ``steps``).
  * A file that also carries the gold name (``Term_Description``/``gold_name`` column) can be evaluated on
    its own, like Hu et al.'s ``hu2023_gpt4_GO_BP_1000.tsv`` (``GO``, ``Term_Description``, ``LLM Name``).

Gold
  * A bundled benchmark name (``GO_BP``, ``GO_MF``, ``GO_CC``, ``NeST``, ``MSigDB``, or ``all``).
  * Any gene-set file the readers understand with a gold-name column (or GMT descriptions), or a plain
    table of ID + gold name.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from .. import datasets
from ..annotation.records import record_position, validate_record
from ..enrichment.evidence import EvidenceBundle
from ..errors import Gener1Error
from ..genes.readers import read_gene_sets
from ..io import parse_json_records
from ..reasoning import answer as answer_format

ID_COLUMNS = ("id", "set_id", "geneset_id", "gene_set_id", "term_id", "go", "go_id", "set", "gene_set")
NAME_COLUMNS = ("name", "predicted_name", "prediction", "predicted", "llm name", "llm_name", "process", "process_name",
                "pred_name", "label")
RAW_COLUMNS = ("raw", "answer", "raw_answer", "completion", "response", "output", "text", "generation")
GOLD_COLUMNS = ("term_description", "gold_name", "gold", "term_name", "reference", "true_name")

STATUSES = ("ok", "missing", "empty_name", "format_error", "extra")


@dataclass
class Prediction:
    """One prediction row, parsed. ``status`` is ok, empty_name or format_error (missing/extra come later)."""

    id: str
    name: str | None
    status: str
    raw: str | None = None
    format_ok: bool | None = None  # None: no raw answer text, so format compliance cannot be judged
    confidence: float | None = None
    steps: int = 0
    errors: list[str] = field(default_factory=list)
    line: int | None = None
    forced_opening: bool = False  # `gener1 annotate` opened this answer with "Process:" after free attempts failed
    # Where the name came from, for rows that carry the set's evidence (`gener1 annotate` output): the rank of
    # the enriched term it repeats (1 = smallest p-value), 0 when it repeats none; None when it cannot be told.
    evidence_rank: int | None = None
    # The candidate names the prediction was chosen among, best enriched first (`gener1 annotate` records with a
    # chooser, or any JSONL row with a "candidates" list of names or {"name": ...} objects); None when not given.
    candidates: list[str] | None = None


@dataclass
class PredictionFile:
    label: str
    path: Path
    predictions: dict[str, Prediction]
    duplicates: list[str]
    embedded_gold: dict[str, str] | None = None


@dataclass
class GoldItem:
    id: str
    name: str
    dataset: str


class _Row(NamedTuple):
    """One prediction row as read, before judging."""

    line: int
    set_id: str
    name: str | None
    raw: str | None
    steps: object
    gold: str | None
    failed: bool  # `gener1 annotate` found no parseable answer
    forced: bool  # `gener1 annotate` forced the "Process:" opening
    evidence_rank: int | None = None  # as `gener1 annotate` recorded it (name_term), when it did
    evidence: dict | None = None  # the set's evidence bundle, to tell the rank of records written before name_term
    candidates: list[str] | None = None  # the names the prediction was chosen among (JSONL "candidates")


def _evidence_rank(row: _Row, name: str | None) -> int | None:
    if row.evidence_rank is not None:
        return row.evidence_rank
    if not row.evidence or not name:
        return None

    found = EvidenceBundle.from_dict(row.evidence).term_named(name)
    return found[0] if found else 0


# ----------------------------------------------------------------------------------------------------------
def _judge(set_id: str, name: str | None, raw: str | None, steps, require_reasoning: bool, line: int | None) -> Prediction:
    """Turn one row's name and/or raw answer text into a Prediction with a status."""
    name = None if name is None else str(name)
    if name is not None and ("\n" in name.strip() or "process:" in name.lower()) and raw is None:
        raw, name = name, None  # a whole answer pasted into the name column
    if raw is not None and str(raw).strip():
        parsed = answer_format.parse(str(raw))
        chosen = name.strip() if name and name.strip() else parsed.name
        well_formed = parsed.well_formed(require_reasoning)
        if not chosen:
            return Prediction(set_id, None, "format_error", raw=str(raw), format_ok=False, errors=parsed.errors, line=line)
        return Prediction(set_id, " ".join(chosen.split()), "ok", raw=str(raw), format_ok=well_formed,
                          confidence=parsed.confidence, steps=len(parsed.steps), errors=parsed.errors, line=line)
    if name is None or not name.strip():
        return Prediction(set_id, None, "empty_name", raw=raw, format_ok=False if raw is not None else None,
                          errors=["empty name"], line=line)
    name = " ".join(name.split())
    if not any(ch.isalpha() for ch in name):
        return Prediction(set_id, None, "format_error", raw=name, errors=["name has no letters"], line=line)
    format_ok = None
    if steps is not None:  # a structured record (JSONL) that says how many reasoning steps it had
        n_steps = len(steps) if isinstance(steps, list) else int(steps or 0)
        format_ok = bool(n_steps) or not require_reasoning
        return Prediction(set_id, name, "ok", format_ok=format_ok, steps=n_steps, line=line)
    return Prediction(set_id, name, "ok", format_ok=format_ok, line=line)


def _read_text(path: Path) -> str:
    if not path.exists():
        raise Gener1Error("predictions file not found", path=path)
    if path.is_dir():
        raise Gener1Error("is a directory, expected a predictions file (TSV/CSV/JSONL)", path=path)
    raw = path.read_bytes()
    if b"\x00" in raw[:4096]:
        raise Gener1Error("binary file; expected a TSV/CSV/JSONL predictions file", path=path)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("latin-1")  # names are mostly ASCII; a stray Latin-1 byte must not lose the file


def _find(header: list[str], candidates) -> int | None:
    normed = [h.strip().lower() for h in header]
    for cand in candidates:
        if cand in normed:
            return normed.index(cand)
    return None


def split_label(spec: str | Path) -> tuple[str | None, Path]:
    """``label=path`` → (label, path); a plain path → (None, path). Windows drive letters are not labels."""
    text = str(spec)
    if "=" in text:
        label, _, rest = text.partition("=")
        if label and "/" not in label and "\\" not in label and rest:
            return label, Path(rest)
    return None, Path(text)


def read_predictions(spec: str | Path, *, require_reasoning: bool = False, first_wins: bool = False) -> PredictionFile:
    label, path = split_label(spec)
    label = label or path.name.split(".")[0]
    text = _read_text(path)
    if not text.strip():
        raise Gener1Error("predictions file is empty", path=path)
    first = text.lstrip()[:1]
    if path.suffix.lower() in (".jsonl", ".json", ".ndjson") or first in "{[":
        rows = _jsonl_rows(path, text)
    else:
        rows = _table_rows(path, text)
    predictions: dict[str, Prediction] = {}
    duplicates: list[str] = []
    embedded: dict[str, str] = {}
    for row in rows:
        if row.gold:
            embedded.setdefault(row.set_id, row.gold)
        if row.set_id in predictions:
            duplicates.append(row.set_id)  # the first row wins; later ones are reported, not scored
            continue
        if row.failed and not (row.name or "").strip():
            predictions[row.set_id] = Prediction(row.set_id, None, "format_error", format_ok=False,
                                                 errors=["the annotator found no parseable answer"], line=row.line)
            continue
        prediction = _judge(row.set_id, row.name, row.raw, row.steps, require_reasoning, row.line)
        prediction.forced_opening = row.forced
        prediction.candidates = row.candidates
        if prediction.status == "ok":
            prediction.evidence_rank = _evidence_rank(row, prediction.name)
        predictions[row.set_id] = prediction
    if duplicates and not first_wins:
        raise Gener1Error(f"{len(duplicates)} set id(s) appear more than once ({', '.join(sorted(set(duplicates))[:5])}); "
                          "remove the extra rows, or pass --first-wins to keep each id's first row", path=path)
    return PredictionFile(label, path, predictions, duplicates, embedded or None)


def _jsonl_rows(path: Path, text: str):
    records = parse_json_records(text, path=path)  # JSONL, or a JSON array of records
    if records and all("index" in rec for _, rec in records):
        # `gener1 annotate` records, checked as `gener1 report` and --resume check them. A retry or resume appends
        # a new record: the last one per input position wins (files of separate runs can be concatenated).
        for number, rec in records:
            validate_record(rec, path, number, complete=False)

        last = {record_position(rec): (number, rec) for number, rec in records}
        records = [last[key] for key in sorted(last)]
    rows = []
    for number, rec in records:
        set_id = next((rec[k] for k in ("id", "set_id", "gene_set_id", "term_id") if rec.get(k) not in (None, "")), None)
        if set_id is None:
            raise Gener1Error("record has no 'id'", path=path, line=number)
        if not isinstance(set_id, (str, int)) or isinstance(set_id, bool):
            raise Gener1Error(f"field 'id' must be a string, not {json.dumps(set_id)[:40]}", path=path, line=number)
        name = next((rec[k] for k in ("name", "predicted_name", "prediction", "process") if k in rec), None)
        if name is not None and not isinstance(name, str):
            raise Gener1Error(f"the name must be a string or null, not {json.dumps(name)[:40]}", path=path, line=number)
        confidence = rec.get("confidence")
        if confidence is not None and (not isinstance(confidence, (int, float)) or isinstance(confidence, bool)):
            raise Gener1Error(f"field 'confidence' must be a number or null, not {json.dumps(confidence)[:40]}",
                              path=path, line=number)
        raw = next((rec[k] for k in ("raw", "answer", "completion", "response", "output", "text") if rec.get(k)), None)
        if isinstance(raw, dict):  # {"answer": {"name": ..., "steps": [...]}}
            name = name if name is not None else raw.get("name")
            rec = {**rec, "steps": raw.get("steps", rec.get("steps"))}
            raw = None
        steps = rec.get("steps")
        gold = next((rec[k] for k in ("gold_name", "gold", "term_description") if rec.get(k)), None)
        failed = rec.get("status") == "format_error" and not raw
        forced = answer_format.FORCED_OPENING_FLAG in (rec.get("flags") or [])
        # name_term: which enriched term annotate found the name repeats (None: none); older records lack it
        rank = (rec["name_term"] or {}).get("rank", 0) if "name_term" in rec else None
        evidence = rec.get("evidence") if isinstance(rec.get("evidence"), dict) else None
        rows.append(_Row(number, str(set_id).strip(), name, raw, steps, gold, failed, forced, rank, evidence,
                         _candidate_names(rec.get("candidates"), path, number)))
    return rows


def _candidate_names(value, path: Path, line: int) -> list[str] | None:
    if value in (None, []):
        return None
    if not isinstance(value, list):
        raise Gener1Error(f"field 'candidates' must be a list, not {json.dumps(value)[:40]}", path=path, line=line)
    names = []
    for item in value:
        name = item.get("name") if isinstance(item, dict) else item
        if not isinstance(name, str) or not name.strip():
            raise Gener1Error(f"each candidate must be a name or an object with a 'name', not {json.dumps(item)[:40]}",
                              path=path, line=line)
        names.append(name)
    return names


def _rank_cell(text: str | None, path: Path, line: int) -> int:
    text = (text or "").strip()
    if not text:
        return 0
    if not text.isdigit():
        raise Gener1Error(f"name_term_rank must be empty or a whole number; found {text!r}", path=path, line=line)
    return int(text)


def _table_rows(path: Path, text: str):
    first_line = text.splitlines()[0]
    delimiter = "\t" if "\t" in first_line else ("," if "," in first_line or path.suffix.lower() == ".csv" else "\t")
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        header = next(reader)
    except (StopIteration, csv.Error) as exc:
        raise Gener1Error(f"cannot read the header ({exc})", path=path, line=1) from None
    id_idx = _find(header, ID_COLUMNS)
    name_idx = _find(header, NAME_COLUMNS)
    raw_idx = _find(header, RAW_COLUMNS)
    gold_idx = _find(header, GOLD_COLUMNS)
    status_idx = _find(header, ("status",))
    flags_idx = _find(header, ("flags",))
    rank_idx = _find(header, ("name_term_rank",))  # `gener1 annotate` TSV: empty = the name is no enriched term
    if id_idx is None or (name_idx is None and raw_idx is None):
        raise Gener1Error(f"a predictions table needs an ID column ({', '.join(ID_COLUMNS[:4])} ...) and a name "
                          f"column ({', '.join(NAME_COLUMNS[:4])} ...) or a raw answer column (raw, answer ...); "
                          f"found {header}", path=path, line=1)
    rows = []
    try:
        for fields in reader:
            number = reader.line_num
            if not fields or all(not f.strip() for f in fields):
                continue
            if len(fields) <= id_idx or not fields[id_idx].strip():
                raise Gener1Error("row without an ID", path=path, line=number)
            cell = lambda i: fields[i] if i is not None and i < len(fields) else None  # noqa: E731
            failed = (cell(status_idx) or "").strip() == "format_error"  # `gener1 annotate` TSV: no parseable answer
            forced = answer_format.FORCED_OPENING_FLAG in (cell(flags_idx) or "").split(";")
            rank = None if rank_idx is None else _rank_cell(cell(rank_idx), path, number)
            rows.append(_Row(number, fields[id_idx].strip(), cell(name_idx), cell(raw_idx), None,
                             (cell(gold_idx) or "").strip() or None, failed, forced, rank))
    except csv.Error as exc:
        raise Gener1Error(f"malformed table ({exc})", path=path, line=reader.line_num) from None
    return rows


# ----------------------------------------------------------------------------------------------------------
def read_gold(spec: str | Path | list) -> list[GoldItem]:
    """Gold names from benchmark names (``GO_BP``, ``all``, ...) and/or files; IDs must be unique."""
    specs = spec if isinstance(spec, (list, tuple)) else [spec]
    items: list[GoldItem] = []
    for one in specs:
        items.extend(_read_one_gold(one))
    seen: dict[str, str] = {}
    for item in items:
        if item.id in seen:
            raise Gener1Error(f"gold ID {item.id!r} appears twice (in {seen[item.id]} and {item.dataset}); "
                              "IDs must be unique across the gold sets of one evaluation")
        seen[item.id] = item.dataset
    return items


def _read_one_gold(spec) -> list[GoldItem]:
    text = str(spec)
    if text.lower() == "all":
        return [g for name in datasets.BENCHMARKS for g in _read_one_gold(name)]
    path = Path(text)
    if not path.exists():
        try:
            bench = datasets.get(text)
        except Gener1Error:
            raise Gener1Error(f"gold {text!r} is neither a file nor a benchmark name "
                              f"({', '.join(datasets.BENCHMARKS)}, all)") from None
        return [GoldItem(gs.id, gs.gold_name or "", bench.name) for gs in datasets.load(bench.name)]
    dataset = path.name.split(".")[0]
    # A plain ID + gold-name table (no genes) first; otherwise any gene-set file with gold names.
    content = _read_text(path)
    first_line = content.splitlines()[0] if content.strip() else ""
    delimiter = "\t" if "\t" in first_line else ","
    header = next(csv.reader([first_line], delimiter=delimiter)) if first_line else []
    id_idx, gold_idx = _find(header, ID_COLUMNS), _find(header, GOLD_COLUMNS)
    if id_idx is not None and gold_idx is not None:
        out = []
        reader = csv.reader(io.StringIO(content), delimiter=delimiter)
        next(reader)
        for fields in reader:
            if not fields or all(not f.strip() for f in fields):
                continue
            if len(fields) <= max(id_idx, gold_idx):
                raise Gener1Error(f"expected {len(header)} fields, found {len(fields)}", path=path, line=reader.line_num)
            out.append(GoldItem(fields[id_idx].strip(), fields[gold_idx].strip(), dataset))
        return out

    sets = read_gene_sets(path)
    missing = [gs.id for gs in sets if not (gs.gold_name or gs.description)]
    if missing:
        raise Gener1Error(f"{len(missing)} gold sets have no gold name (first: {missing[0]}); expected a "
                          "Term_Description/gold_name column or GMT descriptions", path=path)
    return [GoldItem(gs.id, gs.gold_name or gs.description, dataset) for gs in sets]
