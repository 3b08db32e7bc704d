"""`gener1 kb fetch | build | info`."""

from __future__ import annotations

import json
from pathlib import Path

import click

from .. import paths
from ..knowledge.build import SourceSpec, default_sources, kb_build
from ..knowledge.fetch import fetch_default_data
from ..knowledge.store import KnowledgeBase
from . import kb


def _echo_err(msg: str) -> None:
    click.echo(msg, err=True)


def read_id_file(path: str | None) -> list[str]:
    """Term ids, one per line (first column of a TSV/CSV also works); '#' comments ignored."""
    if not path:
        return []
    ids = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            ids.append(line.replace(",", "\t").split("\t")[0].strip())
    return ids


@kb.command(name="fetch")
@click.option("--dest", type=click.Path(file_okay=False), help="Where to put the data (default: $GENER1_HOME/data).")
@click.option("--force", is_flag=True, help="Download again even if the data is present.")
def fetch(dest, force):
    """Download the default knowledge data from Debian's Bioconductor packages (set-up step).

    Gets GO.db and org.Hs.eg.db (Bioconductor 3.20: GO and NCBI Gene, 2024-09) and MSigDB C2 2011
    (GSVAdata) without installing R: apt downloads the .deb files with a private sources list.
    """
    manifest = fetch_default_data(dest, force=force, progress=_echo_err)
    for name, info in manifest["files"].items():
        click.echo(f"{name}\t{info['package']}")


@kb.command(name="build")
@click.option("--default", "use_default", is_flag=True, help="Build the embedded default human KB (after `gener1 kb fetch`).")
@click.option("--source", "sources", multiple=True, metavar="NAME=PATH",
              help="A knowledge source and its file, repeatable: go_obo=go-basic.obo, gaf=goa_human.gaf.gz, "
                   "gene_info=..., gene2go=..., gmt:REACTOME=ReactomePathways.gmt, corum=allComplexes.txt, "
                   "ctd_chemicals=..., ctd_diseases=..., panther=PTHR19.0_human, uniprot=uniprot_sprot_human.dat.gz, "
                   "hpo[=genes_to_phenotype.txt]. See `gener1 plugins --all` for plugin sources.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="KB file (default: $GENER1_HOME/kb/default.sqlite).")
@click.option("--propagate-regulates", is_flag=True, help="Also propagate GO annotations along regulates edges.")
@click.option("--exclude-evidence", default="", metavar="CODES", help="Comma-separated evidence codes to drop, e.g. IEA,ND.")
@click.option("--exclude-terms", type=click.Path(exists=True, dir_okay=False),
              help="File of term ids to hold out of the KB entirely (e.g. evaluation terms).")
@click.option("--skip-bad-lines", is_flag=True, help="Skip malformed lines (counted in `kb info`) instead of failing.")
def build(use_default, sources, output, propagate_regulates, exclude_evidence, exclude_terms, skip_bad_lines):
    """Build one local knowledge base (SQLite) from knowledge sources."""
    specs = (default_sources() if use_default else []) + [SourceSpec.parse(s) for s in sources]
    summary = kb_build(specs, output or paths.default_kb_path(), propagate_regulates=propagate_regulates,
                       exclude_evidence=[e for e in exclude_evidence.split(",") if e.strip()],
                       exclude_terms=read_id_file(exclude_terms), skip_bad_lines=skip_bad_lines, progress=_echo_err)
    for name, detail in summary["sources"].items():
        rows = ", ".join(f"{k} {v:,}" for k, v in detail["rows"].items())
        click.echo(f"{name}: {rows} ({detail['seconds']} s)")
    t = summary["totals"]
    click.echo(f"KB {summary['path']}: {t['genes']:,} genes, {t['terms']:,} terms, {t['annotations']:,} annotations, "
               f"{t['term_gene']:,} gene-set memberships ({summary['seconds']} s)")


@kb.command(name="info")
@click.option("--kb", "kb_path", type=click.Path(dir_okay=False), help="KB file (default: the default KB).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def info(kb_path, as_json):
    """Show each source's name, version/date, licence and row counts, and the gene-set libraries."""
    summary = kb_info(kb_path)
    if as_json:
        click.echo(json.dumps(summary, indent=2))
        return
    click.echo(f"KB: {summary['path']}")
    for s in summary["sources"]:
        click.echo(f"- {s['name']} [{s['kind']}] version {s['version'] or '-'} date {s['date'] or '-'}: {s['rows']:,} rows"
                   + (f", {s['detail']['unresolved_symbols']:,} unresolved symbols" if s["detail"].get("unresolved_symbols") else "")
                   + (f", {s['detail']['skipped_bad_lines']:,} bad lines skipped" if s["detail"].get("skipped_bad_lines") else ""))
        click.echo(f"    licence: {s['licence'] or '-'}")
    click.echo("Libraries (terms with genes): " + ", ".join(f"{k} {v:,}" for k, v in sorted(summary["libraries"].items())))
    meta = summary["meta"]
    click.echo(f"Propagation: {', '.join(meta.get('propagation', []))}; evidence excluded: "
               f"{', '.join(meta.get('exclude_evidence', [])) or 'none'}; held-out terms: {meta.get('held_out_terms', 0)}")


def kb_info(kb_path: str | None = None) -> dict:
    kb_ = KnowledgeBase(kb_path or paths.default_kb_path())
    try:
        return {"path": str(kb_.path), "sources": kb_.sources(), "libraries": kb_.libraries(), "meta": kb_.meta()}
    finally:
        kb_.close()
