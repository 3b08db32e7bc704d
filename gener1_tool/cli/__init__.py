"""The `gener1` command line: a thin shell over library functions of the same names.

Each area keeps its commands in its own module here (``cli/kb.py``, ``cli/evaluate.py``, ...), attached
to the groups defined below. Commands parse options, call one library function, and print.
"""

from __future__ import annotations

import importlib
import sys
import traceback
from contextlib import contextmanager

import click

from .. import __version__
from ..errors import Gener1Error


class Gener1Group(click.Group):
    """Turns library errors into a one-line message and exit code 1 (traceback only with --debug)."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except Gener1Error as exc:
            if ctx.obj and ctx.obj.get("debug"):
                traceback.print_exc()
            click.echo(f"Error: {exc}", err=True)
            ctx.exit(1)
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
            ctx.exit(130)
        except Exception as exc:  # noqa: BLE001 - last-resort message; --debug shows the traceback
            if ctx.obj and ctx.obj.get("debug"):
                traceback.print_exc()
            click.echo(f"Error: {type(exc).__name__}: {exc} (run with --debug for a traceback)", err=True)
            ctx.exit(1)


@click.group(cls=Gener1Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="gener1")
@click.option("--debug", is_flag=True, help="Show full tracebacks on errors.")
@click.pass_context
def cli(ctx, debug):
    """gener1: name the biological function of gene sets, with step-by-step reasoning,
    using a small language model trained the Gene-R1 way. Everything runs locally.

    \b
    Typical use, right after a differential-expression analysis:
      gener1 kb fetch && gener1 kb build --default     # once: the local knowledge base
      gener1 annotate deseq2_results.csv -o out/       # names, reasoning, enrichment, report
    """
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug


@cli.group()
def kb():
    """Build and inspect the local knowledge base (GO, NCBI genes, pathways, complexes, ...)."""


@cli.group()
def corpus():
    """Build training corpora: knowledge warm-up sentences, reasoning examples, task-alignment sets."""


@cli.group()
def train():
    """Train a model in Gene-R1's three stages: warmup, reason (SFT), align (GRPO / online DPO)."""


@cli.group()
def benchmark():
    """The bundled evaluation sets of the Gene-R1 paper (GO:BP/MF/CC, NeST, MSigDB)."""


@cli.group()
def baseline():
    """Non-LLM baselines that name gene sets (top enriched term, nearest known set)."""


@contextmanager
def progress_bar(desc: str, **options):
    """A tqdm bar on stderr and its ``progress(done, total)`` callback, the form in which library functions report
    long work. tqdm rather than click's bar: it also reports in logs (no terminal), where click's prints its label."""
    from tqdm import tqdm  # only the commands that report progress pay for the import

    with tqdm(desc=desc, file=click.get_text_stream("stderr"), **options) as bar:
        def progress(done, total):
            bar.total = total
            bar.update(done - bar.n)

        yield progress


# Command modules, in pipeline order. A module not written yet is skipped; any other import error is real.
COMMAND_MODULES = ("kb", "corpus_knowledge", "corpus_candidates", "plugins_cmd", "genes", "benchmarks", "evaluate", "enrich",
                   "baselines", "corpus_reasoning", "training", "training_chooser", "annotate", "report", "setup")

for _name in COMMAND_MODULES:
    try:
        importlib.import_module(f"{__name__}.{_name}")
    except ModuleNotFoundError as _exc:
        if _exc.name != f"{__name__}.{_name}":
            raise


def main():
    cli(prog_name="gener1")


if __name__ == "__main__":
    sys.exit(main())
