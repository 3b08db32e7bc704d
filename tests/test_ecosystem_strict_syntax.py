"""Every Nextflow script and config file parses with Nextflow's strict-syntax grammar (the default parser from
Nextflow 26.04) and passes the post-parse checks nf-lang makes; see tests/nextflow/strict_syntax.py for what
this covers and what it does not. `nextflow lint` itself needs the Nextflow binary, which no registry here has.

Needs Debian's antlr4 tool and antlr4-python3-runtime of the same version (4.7.2; `make install` installs
both); skips, saying so, without them.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "nextflow"))

import strict_syntax  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
NF_FILES = [ROOT / "main.nf", *sorted((ROOT / "workflows").glob("*.nf")), *sorted((ROOT / "modules").rglob("*.nf"))]
CONFIG_FILES = [ROOT / "nextflow.config", *sorted((ROOT / "conf").glob("*.config")),
                *sorted((ROOT / "modules").rglob("*.config")), ROOT / "tests" / "nextflow" / "nextflow.config"]


def _available() -> str | None:
    if shutil.which("antlr4") is None:
        return "Debian's antlr4 tool is not installed (apt-get install antlr4, or make install-system)"
    try:
        import antlr4  # noqa: F401
    except ImportError:
        return "antlr4-python3-runtime==4.7.2 is not installed (pip install -e '.[dev]')"
    return None


pytestmark = pytest.mark.skipif(_available() is not None, reason=_available() or "")


@pytest.fixture(scope="module")
def parsers():
    return strict_syntax.load_parsers()


def test_every_script_and_config_is_strict_syntax_clean(parsers):
    """One test for all files: the Python ANTLR parser is slow to warm up (~30 s on a loaded 2-core machine)."""
    assert len(NF_FILES) >= 17 and len(CONFIG_FILES) >= 6
    problems = [str(p) for path in NF_FILES + CONFIG_FILES for p in strict_syntax.check_file(path)]
    assert not problems, "\n".join(problems)


def test_no_strict_syntax_deprecations():
    problems = [str(p) for path in NF_FILES for p in strict_syntax.deprecations(path)]
    assert not problems, "\n".join(problems)


BAD = {
    # what Nextflow 26.04 rejects, one construct each, with a word of the expected message
    "config_function": ("config", "process {\n    cpus = 2\n}\ndef libraryArgs(x) {\n    x\n}\n", "expecting"),
    "config_variable": ("config", "def x = 1\nprocess {\n    cpus = x\n}\n", "Invalid statement in config"),
    "config_if": ("config", "if (true) {\n    process.cpus = 2\n}\n", "Invalid statement in config"),
    "config_no_equals": ("config", "process {\n    cpus 2\n}\n", ""),
    "config_operator_first": ("config", "params {\n    a = (1\n        + 2)\n}\n", ""),
    "script_import": ("script", "import groovy.json.JsonSlurper\nworkflow {\n}\n", "import"),
    "script_mixed": ("script", "println 'x'\nworkflow {\n}\n", "mixed"),
    "script_for_loop": ("script", "workflow {\n    for (i in [1, 2]) {\n        println i\n    }\n}\n", "loops"),
    "script_switch": ("script", "workflow {\n    switch (1) {\n        case 1: println 1\n    }\n}\n", ""),
    "script_class": ("script", "class Foo {\n}\nworkflow {\n}\n", ""),
    "script_unclosed": ("script", "workflow {\n    def a = [1, 2\n}\n", ""),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_the_check_rejects_what_strict_syntax_rejects(parsers, name):
    kind, text, word = BAD[name]
    problems = strict_syntax.check_text(text, f"{name}.{'config' if kind == 'config' else 'nf'}", kind)
    assert problems, f"{name} was accepted"
    assert word in " ".join(p.message for p in problems)


def test_the_check_accepts_legal_strict_code(parsers):
    good_config = ("params {\n    libraries = null\n}\nprocess {\n    withName: 'A' {\n"
                   "        ext.args = { (params.libraries ? params.libraries.tokenize(',') : []).join(' ') }\n    }\n}\n")
    good_script = ("include { A } from './a'\n\nworkflow {\n    def ch = channel.of(1, 2).map { v -> v * 2 }\n"
                   "    A(ch)\n}\n\ndef helper(x) {\n    return x\n}\n")
    assert strict_syntax.check_text(good_config, "good.config", "config") == []
    assert strict_syntax.check_text(good_script, "good.nf", "script") == []


def test_deprecation_patterns_bite(tmp_path):
    bad = tmp_path / "old.nf"
    bad.write_text("nextflow.enable.dsl = 2\nworkflow {\n    Channel.of(1).map { it * 2 }\n}\n")
    messages = " | ".join(p.message for p in strict_syntax.deprecations(bad))
    assert "nextflow.enable.dsl" in messages and "`Channel`" in messages and "`it`" in messages
