"""`gener1 plugins`: what is loaded, from where, implementing which hooks."""

from __future__ import annotations

import json

import click

from .. import plugins as plugin_registry
from . import cli


@cli.command(name="plugins")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list instead of a table.")
@click.option("--all", "show_all", is_flag=True, help="Include built-in plugins.")
def plugins_command(as_json, show_all):
    """List installed plugins: name, version and the hooks each implements.

    Third-party plugins are Python packages with an entry point in the group `gener1`
    (see plugins/ in the source tree for an installable example).
    """
    infos = [i for i in plugin_registry.plugins() if show_all or not i.builtin]
    rows = [dict(name=i.name, version=i.version, hooks=i.hooks, builtin=i.builtin) for i in infos]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    if not rows:
        click.echo("No third-party plugins installed (use --all to include built-ins).")
        return
    for r in rows:
        version = f" {r['version']}" if r["version"] else ""
        tag = " (built-in)" if r["builtin"] else ""
        click.echo(f"{r['name']}{version}{tag}")
        click.echo(f"  hooks: {', '.join(r['hooks']) or '-'}")
