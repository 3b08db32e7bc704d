"""The records of an annotation run: one JSON object per gene set in ``annotations.jsonl`` (appended whole as each
batch finishes, so a killed run resumes), the TSV derived from them, worker part files, and ``gather`` for
`gener1 report` (Nextflow chunks merged into one folder)."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

from ..errors import Gener1Error
from ..io import append_jsonl, atomic_open, iter_jsonl, write_jsonl
from .report import write_annotation_report

JSONL = "annotations.jsonl"
TSV = "annotations.tsv"
REPORT = "report.html"
PART_GLOB = "annotations.part*.jsonl"
TSV_COLUMNS = ("id", "name", "confidence", "status", "n_genes", "n_known", "top_enriched_term", "top_enriched_library",
               "top_enriched_fdr", "name_term_id", "name_term_rank", "claims_supported", "claims_unsupported",
               "claims_unknown", "flags", "attempts")


def record_position(rec: dict) -> tuple[int, str]:
    """Where a record's set stood in its run's input: (index, source file). A later record at the same position
    replaces an earlier one (retries, resumes). Runs over different files, each numbering its sets from 0,
    stay apart by source, so their outputs can be merged or concatenated; sorting keeps input order."""
    return rec["index"], str(rec.get("source", ""))


def read_records(jsonl: Path) -> list[dict]:
    """Every complete record, the last one per position winning, in input order."""
    by_position: dict[tuple[int, str], dict] = {}
    if jsonl.exists():
        # A torn last line from a killed run is passed over: that set is simply redone.
        for _, rec in iter_jsonl(jsonl, skip_invalid=True):
            try:
                int(rec["index"])  # a record without a usable index is a torn line
            except (ValueError, KeyError, TypeError):
                continue
            by_position[record_position(rec)] = rec
    return [by_position[k] for k in sorted(by_position)]


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
        append_jsonl(fh, [])  # flush + fsync before the parts go
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
    (out / "plots").mkdir(parents=True, exist_ok=True)
    merged: dict[tuple[int, str], dict] = {}
    sources = []
    for item in inputs:
        item = Path(item)
        jsonl = item / JSONL if item.is_dir() else item
        if not jsonl.exists():
            raise Gener1Error("no annotations.jsonl here; expected `gener1 annotate` output", path=item)
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
