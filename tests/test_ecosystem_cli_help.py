"""Every option of every `gener1` command has help text (issue 28): `gener1 CMD --help` explains each one."""

from __future__ import annotations

import inspect

import click

from gener1_tool.cli import cli


def _commands(command, path=()):
    if isinstance(command, click.Group):
        for name, sub in sorted(command.commands.items()):
            yield from _commands(sub, path + (name,))
    else:
        yield " ".join(path), command


def test_every_option_has_help_text():
    missing = [f"gener1 {path} {'/'.join(param.opts)} ({inspect.getmodule(command.callback).__name__})"
               for path, command in _commands(cli)
               for param in command.params
               if isinstance(param, click.Option) and not param.hidden and not (param.help or "").strip()]
    assert not missing, "options without help text:\n" + "\n".join(missing)


def test_setup_is_a_command():
    assert "setup" in cli.commands
