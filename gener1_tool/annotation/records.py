"""The records of an annotation run: one JSON object per gene set in ``annotations.jsonl`` (appended whole as each
batch finishes, so a killed run resumes), the TSV derived from them, worker part files, and ``gather`` for
`gener1 report` (Nextflow chunks merged into one folder)."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import shutil
from pathlib import Path
from typing import Iterator

from ..errors import Gener1Error
from ..io import (atomic_open, iter_jsonl, output_lock, refuse_overwriting_inputs, truncate_torn_tail,
                  write_json, write_jsonl)
from .report import write_annotation_report

JSONL = "annotations.jsonl"
TSV = "annotations.tsv"
REPORT = "report.html"
PART_GLOB = "annotations.part*.jsonl"
RUN_FILE = "annotate_run.json"  # the run's identity (inputs, answer-changing options), read by --resume
TSV_COLUMNS = ("id", "name", "confidence", "status", "n_genes", "n_known", "top_enriched_term", "top_enriched_library",
               "top_enriched_fdr", "name_term_id", "name_term_rank", "claims_supported", "claims_unsupported",
               "claims_unknown", "flags", "attempts")


def record_position(rec: dict) -> tuple[int, str]:
    """Where a record's set stood in its run's input: (index, source file). A later record at the same position
    replaces an earlier one (retries, resumes). Runs over different files, each numbering its sets from 0,
    stay apart by source, so their outputs can be merged or concatenated; sorting keeps input order."""
    return rec["index"], str(rec.get("source", ""))


#: Fields every record has, and the types they must have (None allowed where a set has no answer yet).
_FIELD_TYPES = {"index": (int,), "id": (str,), "status": (str,), "name": (str, type(None)),
                "confidence": (int, float, type(None)), "genes": (list,), "flags": (list,)}


def validate_record(rec: dict, path: Path, line: int, *, complete: bool = True) -> dict:
    """A record as `gener1 annotate` writes it, or an error naming the file, the line and the field. With
    ``complete=False`` (evaluate reads hand-made and older records too) only the fields present are checked."""
    for field, types in _FIELD_TYPES.items():
        if field not in rec:
            if not complete and field != "index":
                continue
            raise Gener1Error(f"record has no {field!r} field; not a `gener1 annotate` record", path=path, line=line)
        value = rec[field]
        if not isinstance(value, types) or isinstance(value, bool):
            wanted = " or ".join("null" if t is type(None) else {int: "integer", float: "number"}.get(t, t.__name__)
                                 for t in types)
            raise Gener1Error(f"field {field!r} must be {wanted}, not {json.dumps(value)[:40]}", path=path, line=line)
    if rec["index"] < 0:
        raise Gener1Error(f"field 'index' must be at least 0, not {rec['index']}", path=path, line=line)
    if rec.get("confidence") is not None and not 0 <= rec["confidence"] <= 1:
        raise Gener1Error(f"field 'confidence' must lie in [0, 1], not {rec['confidence']}", path=path, line=line)
    return rec


def iter_records(jsonl: Path) -> Iterator[tuple[int, dict]]:
    """(line, record) for every record of an annotations JSONL, validated. A torn or malformed line is an error
    naming the file and line: `annotate --resume` cuts a torn last line off before it reads (``resume_records``)."""
    for line, rec in iter_jsonl(jsonl):
        yield line, validate_record(rec, jsonl, line)


def read_records(jsonl: Path) -> list[dict]:
    """Every record, the last one per position winning (retries and resumes append), in input order."""
    by_position: dict[tuple[int, str], dict] = {}
    if jsonl.exists():
        for _, rec in iter_records(jsonl):
            by_position[record_position(rec)] = rec
    return [by_position[k] for k in sorted(by_position)]


# -- what a run is, so a resume continues the same run ----------------------------------------------------
def file_digest(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def run_identity(inputs: list[str | Path], options: dict) -> dict:
    """What decides a run's answers: the input files' contents and the options that change answers."""
    return {"inputs": [{"file": Path(p).name, "sha256": file_digest(p)} for p in inputs], "options": options}


def set_fingerprint(identity: dict, index: int, set_id: str, genes: list[str]) -> str:
    """A record's claim to a position: the run's identity plus the set's id and genes at that position."""
    text = json.dumps([identity, index, set_id, genes], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]


def check_same_run(out: Path, identity: dict) -> None:
    """Refuse to resume into a folder written from other inputs or with other answer-changing options, saying
    what differs; record the identity for the next resume."""
    manifest = out / RUN_FILE
    if manifest.exists():
        before = json.loads(manifest.read_text(encoding="utf-8"))
        differences = [f"{key}: {before['options'].get(key)!r} then, {value!r} now"
                       for key, value in identity["options"].items() if before.get("options", {}).get(key) != value]
        if before.get("inputs") != identity["inputs"]:
            was = ", ".join(f"{i['file']} ({i['sha256'][:10]})" for i in before.get("inputs", []))
            now = ", ".join(f"{i['file']} ({i['sha256'][:10]})" for i in identity["inputs"])
            differences.insert(0, f"inputs: {was} then, {now} now")
        if differences:
            raise Gener1Error("cannot --resume: this folder holds a run with other inputs or options ("
                              + "; ".join(differences) + "); use a new output folder, or rerun without --resume",
                              path=out)
    write_json(manifest, identity)


def resume_records(out: Path, fingerprints: dict[int, str]) -> list[dict]:
    """The records a resumed run keeps: the torn tail of a killed run cut off, then every record whose fingerprint
    is the one its position has now. A record that claims a position with another fingerprint means the folder
    holds another run: an error, never a silent mix."""
    jsonl = out / JSONL
    for path in [jsonl, *part_files(out)]:
        truncate_torn_tail(path)
    gather_parts(out)
    kept = []
    for rec in read_records(jsonl):
        expected = fingerprints.get(rec["index"])
        if expected is None:
            continue  # a set outside this run's --start/--limit slice
        if rec.get("fingerprint") != expected:
            raise Gener1Error(f"cannot --resume: the record of set #{rec['index']} ({rec['id']}) was written for other "
                              "genes, inputs or options; use a new output folder, or rerun without --resume", path=jsonl)
        kept.append(rec)
    return kept


def rewrite_in_order(jsonl: Path) -> list[dict]:
    """Rewrite the JSONL in input order with one record per position (batches run in prompt-length order, and
    resumes append); returns the records."""
    records = read_records(jsonl)
    write_jsonl(jsonl, records)
    return records


def part_files(out: Path) -> list[Path]:
    return sorted(out.glob(PART_GLOB))


def gather_parts(out: Path) -> None:
    """Append every worker's part file to the JSONL and delete it (records are complete lines; a torn last
    line stays torn and is redone, as in the JSONL itself)."""
    parts = part_files(out)
    if not parts:
        return
    with open(out / JSONL, "a", encoding="utf-8") as fh:
        for part in parts:
            text = part.read_text(encoding="utf-8")
            fh.write(text if not text or text.endswith("\n") else text + "\n")
        fh.flush()
        os.fsync(fh.fileno())  # the gathered records are on disk before the parts go
    for part in parts:
        part.unlink()


def write_tsv(records: list[dict], path: Path) -> Path:
    with atomic_open(path, newline="") as fh:
        w = csv.writer(fh, delimiter="\t", lineterminator="\n")
        w.writerow(TSV_COLUMNS)
        for r in records:
            top = r.get("enrichment_top") or {}
            cc = r.get("claim_counts") or {}
            conf = r.get("confidence")
            named = r.get("name_term") or {}
            w.writerow([r["id"], r.get("name") or "", "" if conf is None else f"{conf:.2f}", r["status"], r["n_genes"],
                        r["n_known"], top.get("term", ""), top.get("library", ""),
                        "" if top.get("fdr") is None else f"{top['fdr']:.3g}", named.get("term_id", ""),
                        named.get("rank", ""), cc.get("supported", 0),
                        cc.get("unsupported", 0), cc.get("unknown", 0), ";".join(r.get("flags") or []), r.get("attempts", 0)])
    return path


def gather(inputs: list[str | Path], output_dir: str | Path) -> dict:
    """Gather annotation outputs (``annotations.jsonl`` files or folders holding one, e.g. Nextflow chunks
    written with --start/--limit) into one folder: merged JSONL, TSV, plots and report.html."""
    out = Path(output_dir)
    found = []
    for item in inputs:
        item = Path(item)
        jsonl = item / JSONL if item.is_dir() else item
        if not jsonl.exists():
            raise Gener1Error("no annotations.jsonl here; expected `gener1 annotate` output", path=item)
        found.append(jsonl)
    refuse_overwriting_inputs([out / JSONL, out / TSV, out / REPORT], found)
    with output_lock(out):
        return _gather(found, out)


def _gather(found: list[Path], out: Path) -> dict:
    (out / "plots").mkdir(parents=True, exist_ok=True)
    merged: dict[tuple[int, str], dict] = {}
    sources = []
    for jsonl in found:
        sources.append(str(jsonl))
        for rec in read_records(jsonl):
            if rec.get("plot"):
                src = jsonl.parent / rec["plot"]
                if src.exists() and src.resolve() != (out / rec["plot"]).resolve():
                    shutil.copyfile(src, out / rec["plot"])
            merged[record_position(rec)] = rec
    records = [merged[k] for k in sorted(merged)]
    write_jsonl(out / JSONL, records)
    write_tsv(records, out / TSV)
    modes = sorted({r["mode"] for r in records})
    write_annotation_report(records, out / REPORT, settings={"model": "see each input's run", "mode": ", ".join(modes),
                                                             "kb": "", "inputs": sources, "warnings": []})
    return {"sets": len(records), "inputs": sources, "output_dir": str(out)}
