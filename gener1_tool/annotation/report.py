"""The annotation report: one card per gene set (name, confidence, reasoning, claim check, the enrichment
dot plot, flags), self-contained HTML that opens offline."""

from __future__ import annotations

import base64
from pathlib import Path

from ..html import esc, page, table
from ..io import write_text_atomic

STATUS_CLASS = {"ok": "status-ok", "format_error": "status-format_error", "empty_set": "status-missing"}


def _png(path: Path) -> str:
    if not path.exists():
        return ""
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return f'<figure><img alt="enrichment dot plot" src="data:image/png;base64,{data}"></figure>'


def _card(rec: dict, root: Path) -> str:
    name = rec.get("name") or ("(empty gene set)" if rec["status"] == "empty_set" else "(no parseable name)")
    conf = rec.get("confidence")
    head = (f'<h2 id="set-{rec["index"]}">{esc(rec["id"])}: {esc(name)}'
            + (f" <small>({conf:.2f})</small>" if conf is not None else "") + "</h2>")
    meta = [f'status <span class="{STATUS_CLASS.get(rec["status"], "")}">{esc(rec["status"])}</span>',
            f"{rec['n_genes']} genes, {rec['n_known']} known to the KB", f"mode {esc(rec['mode'])}",
            f"attempts {rec.get('attempts', 0)}"]
    if rec.get("gold_name"):
        meta.append(f"gold name: {esc(rec['gold_name'])}")
    parts = [head, f'<p class="note">{" · ".join(meta)}</p>']
    if rec.get("flags"):
        parts.append(f'<p class="status-extra">Flags: {esc(", ".join(rec["flags"]))}</p>')
    overlap = rec.get("name_overlap") or {}
    shared = set(overlap.get("genes") or [])
    if rec.get("genes"):  # the set's genes, those in the named term in bold
        parts.append("<h3>Genes</h3><p>" + ", ".join(f"<b>{esc(g)}</b>" if g in shared else esc(g)
                                                      for g in rec["genes"]) + "</p>")
    if overlap:
        parts.append(f'<p class="note">Overlap with the named term {esc(overlap["term_id"])} ({esc(overlap["name"])}, '
                     f'{len(shared)} of its {overlap["term_size"]} genes, FDR {overlap["fdr"]:.3g}): '
                     f'{esc(", ".join(overlap["genes"]))}.</p>')
    steps = (rec.get("answer") or {}).get("steps") or []
    if steps:
        parts.append("<h3>Reasoning</h3><ol>" + "".join(f"<li>{esc(s)}</li>" for s in steps) + "</ol>")
    if rec["status"] == "format_error" and rec.get("raw"):
        parts.append(f"<details><summary>Raw model output</summary><pre>{esc(rec['raw'])}</pre></details>")
    claims = rec.get("claims") or []
    if claims:
        cc = rec.get("claim_counts", {})
        parts.append(f"<h3>Claim check</h3><p>{cc.get('supported', 0)} supported, {cc.get('unsupported', 0)} unsupported, "
                     f"{cc.get('unknown', 0)} unknown</p>")
        parts.append(table(["gene", "claim", "status", "KB evidence"],
                           [[c["gene"], c["text"], c["status"], c.get("evidence") or ""] for c in claims],
                           row_classes=[f"claim-{c['status']}" for c in claims]))
    top = rec.get("enrichment_top")
    if top:
        parts.append(f"<h3>Classical enrichment (ORA, terms of 3–500 genes)</h3><p>Top term: <b>{esc(top['term'])}</b> "
                     f"({esc(top['library'])}, FDR {top['fdr']:.3g}, overlap {esc(top['overlap'])})</p>")
    parts.append(_name_source(rec))
    if rec.get("plot"):
        parts.append(_png(root / rec["plot"]))
    hyg = rec.get("hygiene") or {}
    if hyg.get("changes") or hyg.get("unknown") or hyg.get("ambiguous"):
        changes = ", ".join(f"{c['original']}→{c['symbol']} ({c['reason']})" for c in hyg.get("changes", []))
        parts.append("<details><summary>Gene symbol hygiene</summary>"
                     + (f"<p>Mapped: {esc(changes)}</p>" if changes else "")
                     + (f"<p>Unknown: {esc(', '.join(hyg.get('unknown', [])))}</p>" if hyg.get("unknown") else "")
                     + (f"<p>Ambiguous: {esc(', '.join(hyg.get('ambiguous', {})))}</p>" if hyg.get("ambiguous") else "")
                     + "</details>")
    return '<section class="card">' + "".join(parts) + "</section>"


def _name_source(rec: dict) -> str:
    """Say whether the name repeats one of the enriched terms the set's evidence listed, and which."""
    named = rec.get("name_term")
    if named:
        return (f'<p class="note">The name repeats enriched term #{named["rank"]} of the evidence: '
                f'{esc(named["term_id"])} ({esc(named["library"])}, FDR {named["fdr"]:.3g}).</p>')
    if rec.get("name") and "name_term" in rec:
        return '<p class="note">The name is none of the enriched terms the evidence listed.</p>'
    return ""


def write_annotation_report(records: list[dict], path: str | Path, *, settings: dict) -> Path:
    path = Path(path)
    root = path.parent
    overview = table(["#", "id", "name", "confidence", "status", "genes", "top enriched term", "name = enriched term #"],
                     [[r["index"], r["id"], r.get("name") or "", r.get("confidence"), r["status"], r["n_genes"],
                       (r.get("enrichment_top") or {}).get("term", ""), (r.get("name_term") or {}).get("rank", "")]
                      for r in records],
                     numeric={0, 3, 5, 7}, row_classes=[STATUS_CLASS.get(r["status"], "") for r in records])
    warn = "".join(f'<p class="status-format_error">Warning: {esc(w)}</p>' for w in settings.get("warnings", []))
    info = (f'<p class="note">Model: {esc(settings.get("model"))} · mode: {esc(settings.get("mode"))} · KB: '
            f'{esc(settings.get("kb"))} · inputs: {esc(", ".join(settings.get("inputs", [])))}</p>')
    body = warn + info + "<h2>Overview</h2>" + overview + "".join(_card(r, root) for r in records)
    return write_text_atomic(path, page("gener1 annotation report", body, subtitle=f"{len(records)} gene sets"))
