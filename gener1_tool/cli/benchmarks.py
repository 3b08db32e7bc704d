"""`gener1 benchmark list | export` and `gener1 corpus benchmark` (task-alignment data from the KB)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from .. import datasets, paths
from ..corpora.task_alignment import corpus_benchmark, corpus_named_sets, draw_sets, parse_quota
from ..datasets.contamination import make_contamination_benchmark
from ..errors import Gener1Error
from ..evaluation.contamination import contamination_summary, write_contamination_report
from ..genes.readers import write_gene_sets
from . import benchmark, corpus


@benchmark.command(name="list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def benchmark_list(as_json):
    """List the bundled evaluation sets (from the Gene-R1 paper) with sizes and provenance."""
    rows = []
    for name, b in datasets.BENCHMARKS.items():
        sets = datasets.load(name)
        sizes = [gs.size for gs in sets]
        rows.append({"name": name, "sets": len(sets), "genes_min": min(sizes), "genes_median": sorted(sizes)[len(sizes) // 2],
                     "genes_max": max(sizes), "in_distribution": b.in_distribution, "file": b.filename,
                     "description": b.description})
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    click.echo("name\tsets\tgenes(min/median/max)\tkind\tdescription")
    for r in rows:
        kind = "in-distribution" if r["in_distribution"] else "out-of-distribution"
        click.echo(f"{r['name']}\t{r['sets']}\t{r['genes_min']}/{r['genes_median']}/{r['genes_max']}\t{kind}\t{r['description']}")
    click.echo(f"Provenance: {datasets.data_path('PROVENANCE.md')}", err=True)


@benchmark.command(name="export")
@click.argument("name")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Output file (default: standard output).")
@click.option("--format", "fmt", type=click.Choice(["tsv", "gmt", "csv"]), default="tsv", show_default=True,
              help="tsv/csv: ID, Genes, Gene_Count, Term_Description; gmt: gold name as the description.")
def benchmark_export(name, output, fmt):
    """Write one bundled benchmark (GO_BP, GO_MF, GO_CC, NeST, MSigDB) as TSV, CSV or GMT."""
    sets = datasets.load(name)
    if output:
        write_gene_sets(sets, output, fmt)
        click.echo(f"{len(sets)} sets written to {output}", err=True)
        return
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = write_gene_sets(sets, Path(tmp) / f"out.{fmt}", fmt)
        sys.stdout.write(path.read_text(encoding="utf-8"))


@benchmark.command(name="contaminate")
@click.argument("sets", required=False, type=click.Path(exists=True, dir_okay=False))
@click.option("-b", "--benchmark", "bench", metavar="NAME", help="A bundled benchmark instead of SETS (GO_BP, ...).")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="Every set at every level (<id>|clean, <id>|random50, ...): a TSV with the gold names (or CSV), "
                   "or a GMT (.gmt) with the gold name as description.")
@click.option("--levels", default="0,50,100", show_default=True, help="Percentages of each set's genes replaced.")
@click.option("--sample", type=click.IntRange(min=1), help="A seeded sample of this many sets (Hu et al.: 100).")
@click.option("--seed", default=0, show_default=True, type=click.IntRange(min=0), help="Seed of the sample and draws.")
@click.option("--universe-library", default="GO_BP", show_default=True,
              help="Random genes come from the genes the KB annotates in this library.")
@click.option("--kb", "kb_path", type=click.Path(dir_okay=False), help="Knowledge base (default: the default KB).")
def benchmark_contaminate(sets, bench, output, levels, sample, seed, universe_library, kb_path):
    """Hu et al.'s contamination benchmark from any gene sets: each set clean and with 50% / 100% of its genes
    replaced by random genes of the same universe (same size, seeded). Annotate the GMT, then score it with
    `gener1 benchmark contamination-report`.

    \b
    Example:
      gener1 benchmark contaminate -b GO_BP --sample 100 -o contaminated.tsv
      gener1 annotate contaminated.tsv -o ann/ --hold-out-own-term
      gener1 benchmark contamination-report ann/ -g contaminated.tsv -o report/
    """
    written = make_contamination_benchmark(output, sets=sets, benchmark=bench, levels=levels, sample=sample,
                                           seed=seed, universe_library=universe_library, kb=kb_path)
    click.echo(f"{written['sets']} sets x {len(written['levels'])} levels written to {output}", err=True)


@benchmark.command(name="contamination-report")
@click.argument("annotations", type=click.Path(exists=True))
@click.option("-g", "--gold", type=click.Path(exists=True, dir_okay=False),
              help="The contaminated sets file (gold names); default: the records' own gold names.")
@click.option("-o", "--outdir", required=True, type=click.Path(file_okay=False),
              help="Folder for contamination.json and contamination.md.")
def contamination_report(annotations, gold, outdir):
    """Per level: 'System of unrelated proteins' rate (and with confidence <= 0.1), the confidence distribution,
    the share of contaminated sets less confident than their clean twin, and ROUGE-L on the clean level."""
    summary = contamination_summary(annotations, gold)
    written = write_contamination_report(summary, outdir)
    click.echo(written["table"].read_text(encoding="utf-8"))


@corpus.command(name="benchmark")
@click.option("--kb", "kb_path", type=click.Path(dir_okay=False), help="Knowledge base (default: the default KB).")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="Output JSONL.")
@click.option("-l", "--library", "libraries", multiple=True, metavar="LIB",
              help="Gene-set library, repeatable: GO_BP (default), GO_MF, GO_CC, or a pathway library of the KB "
                   "(see `gener1 kb info`).")
@click.option("--min-size", default=3, show_default=True, type=click.IntRange(min=1), help="Smallest gene set kept.")
@click.option("--max-size", default=500, show_default=True, type=click.IntRange(min=1), help="Largest gene set kept.")
@click.option("--evidence", default="", metavar="CODES",
              help="Keep only GO annotations with these evidence codes, e.g. EXP,IDA,IPI,IMP,IGI,IEP,TAS.")
@click.option("--exclude-evidence", default="", metavar="CODES", help="Drop GO annotations with these codes, e.g. IEA.")
@click.option("--split", default="0.8,0.1,0.1", show_default=True, help="train,validation,test fractions (by term).")
@click.option("--seed", default=0, show_default=True, type=click.IntRange(min=0), help="Seed of the split.")
@click.option("--exclude-terms", type=click.Path(exists=True, dir_okay=False),
              help="File of further term IDs to hold out (one per line; first column of a TSV/CSV).")
@click.option("--keep-evaluation", is_flag=True,
              help="Do NOT exclude the evaluation terms, names and overlapping sets (for ablations only).")
@click.option("--jaccard", default=0.9, show_default=True, type=click.FloatRange(0, 1),
              help="Remove sets whose genes overlap an evaluation set with at least this Jaccard index.")
@click.option("--report", type=click.Path(dir_okay=False), help="Removal report JSON (default: OUTPUT.report.json).")
def corpus_benchmark_cmd(kb_path, output, libraries, min_size, max_size, evidence, exclude_evidence, split, seed,
                         exclude_terms, keep_evaluation, jaccard, report):
    """Build task-alignment data (gene set → gold name) for GRPO from the knowledge base.

    Evaluation terms (the 1,508 GO IDs of the bundled benchmarks), evaluation names and sets overlapping any
    evaluation set with Jaccard >= 0.9 are removed; the report says how many and why. The split is by
    term name, seeded, so a name never appears in two splits.
    """
    result = corpus_benchmark(
        kb_path or paths.default_kb_path(), output, libraries=libraries or ("GO_BP",), min_size=min_size,
        max_size=max_size, evidence=_codes(evidence), exclude_evidence=_codes(exclude_evidence), split=split,
        seed=seed, exclude_terms=_read_ids(exclude_terms), exclude_evaluation=not keep_evaluation, jaccard=jaccard,
        report=report)
    _echo_corpus(result)


def _echo_corpus(result: dict) -> None:
    """What a task-alignment corpus kept (per split) and removed (per rule), and where its report is."""
    click.echo(f"kept {result['kept']} of {result['considered']} sets: "
               + ", ".join(f"{k} {v}" for k, v in result["kept_by_split"].items()))
    click.echo("removed: " + ", ".join(f"{k} {v}" for k, v in result["removed"].items()))
    click.echo(f"report: {result['report']}", err=True)


@corpus.command(name="named-sets")
@click.argument("sets", type=click.Path(exists=True, dir_okay=False))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="Output JSONL.")
@click.option("--library", default="named", show_default=True, help="The rows' library label (not a KB library).")
@click.option("--min-size", default=3, show_default=True, type=click.IntRange(min=1), help="Smallest gene set kept.")
@click.option("--max-size", default=500, show_default=True, type=click.IntRange(min=1), help="Largest gene set kept.")
@click.option("--split", default="0.8,0.1,0.1", show_default=True, help="train,validation,test fractions (by name).")
@click.option("--seed", default=0, show_default=True, type=click.IntRange(min=0), help="Seed of the split.")
@click.option("--keep-evaluation", is_flag=True,
              help="Do NOT exclude evaluation names and sets overlapping evaluation sets (for ablations only).")
@click.option("--jaccard", default=0.9, show_default=True, type=click.FloatRange(0, 1),
              help="Remove sets whose genes overlap an evaluation set with at least this Jaccard index.")
@click.option("--report", type=click.Path(dir_okay=False), help="Removal report JSON (default: OUTPUT.report.json).")
def corpus_named_sets_cmd(sets, output, library, min_size, max_size, split, seed, keep_evaluation, jaccard, report):
    """Task-alignment data from gene sets people named (modules, curated sets): a table with a gold-name column
    or a GMT, under the same leakage rules and name-level split as `gener1 corpus benchmark`.

    \b
    Example (blood transcription modules as chooser training data, docs/results.md section 17):
      gener1 corpus named-sets btm.tsv -o btm_task.jsonl
      gener1 corpus candidates btm_task.jsonl -o btm_cands.jsonl --libraries all
    """
    result = corpus_named_sets(sets, output, library=library, min_size=min_size, max_size=max_size, split=split,
                               seed=seed, exclude_evaluation=not keep_evaluation, jaccard=jaccard, report=report)
    _echo_corpus(result)


@corpus.command(name="draw")
@click.argument("sets", type=click.Path(exists=True, dir_okay=False))
@click.option("-d", "--draw", "draws", multiple=True, required=True, metavar="FILE:QUOTA",
              help="An output JSONL and its quota, repeatable: KIND=COUNT,... with KIND one of GO_BP, GO_MF, GO_CC, "
                   "pathway (any non-GO library), or a single COUNT for a draw of any kind.")
@click.option("--split", default="train", show_default=True, help="Draw from rows of this split; 'all' uses every row.")
@click.option("--seed", default=0, show_default=True, type=click.IntRange(min=0), help="Seed of the shuffle.")
def corpus_draw(sets, draws, split, seed):
    """Draw disjoint, seeded subsets of task-alignment sets with a quota per name kind.

    A plain draw mirrors the KB, where GO:BP terms outnumber pathways eight to one; quotas set the mix of
    process, function, component and pathway names the reasoning corpus and GRPO prompts teach.

    \b
    Example (SFT prompts for two protocols, then GRPO prompts, none shared):
      gener1 corpus draw ta.jsonl -d grounded.jsonl:GO_BP=65,GO_MF=90,GO_CC=125,pathway=215 \\
          -d modelonly.jsonl:GO_BP=65,GO_MF=90,GO_CC=125,pathway=215 -d grpo.jsonl:GO_BP=50,GO_MF=50,GO_CC=50,pathway=50
    """
    parsed = []
    for item in draws:
        path, sep, quota = item.rpartition(":")
        if not sep or not path:
            raise click.BadParameter(f"{item!r}: expected FILE:QUOTA", param_hint="--draw")
        parsed.append((path, parse_quota(quota)))
    for summary in draw_sets(sets, parsed, split=None if split == "all" else split, seed=seed):
        kinds = ", ".join(f"{k} {v}" for k, v in sorted(summary["by_kind"].items()))
        click.echo(f"{summary['output']}\t{summary['rows']} sets ({kinds})")


def _codes(text: str) -> list[str]:
    return [c.strip().upper() for c in text.replace(";", ",").split(",") if c.strip()]


def _read_ids(path: str | None) -> list[str]:
    """Term IDs, one per line (first column of a TSV/CSV also works); '#' comments and blank lines skipped."""
    if not path:
        return []
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise Gener1Error("not UTF-8 text", path=path) from None
    ids = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            ids.append(line.replace(",", "\t").split("\t")[0].strip().strip('"'))
    return ids
