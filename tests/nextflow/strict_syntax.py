"""Nextflow's strict syntax (the default parser from Nextflow 26.04), checked without Nextflow.

No strict-syntax checker is installable here (the Nextflow language server and `nextflow lint` are Java
programs that no reachable registry carries). What is here instead:

1. Nextflow's own ANTLR grammars of the strict parser (tests/nextflow/strict_grammar/*.g4, copied unchanged
   from nextflow-io/nextflow modules/nf-lang, Apache-2.0; see the README there), with their Java semantic
   predicates and actions rewritten in Python by `_to_python` below, compiled by Debian's `antlr4` tool to a
   Python parser (cached; antlr4-python3-runtime of the same version reads it). Any file this grammar does
   not parse, the strict parser rejects too.
2. Some of the checks that nf-lang makes after parsing (ScriptAstBuilder / ConfigAstBuilder), re-implemented
   for the parse tree: Groovy imports, statements mixed with script declarations, incomplete declarations and
   statements, `if`, `try` and variable definitions in config files (function definitions there are already
   parse errors), config settings without `=` (outside `plugins {}`), Groovy keywords and `_` as identifiers,
   `for`/`while` loops and `switch`.

Not covered (they need nf-lang's type checker / resolver): undefined variables and unknown config scopes,
deprecations that are warnings rather than errors (implicit closure parameter `it`, `Channel` vs `channel`
are reported by `deprecations()` below instead), and typed-process rules.

Usage:  python tests/nextflow/strict_syntax.py FILE...   (prints problems; exit 1 if any)
"""

from __future__ import annotations

import hashlib
import importlib
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

GRAMMAR_DIR = Path(__file__).with_name("strict_grammar")
GRAMMARS = ("ScriptLexer", "ScriptParser", "ConfigLexer", "ConfigParser")


class Unavailable(RuntimeError):
    """The antlr4 tool or its Python runtime is missing (the message says how to install it)."""


# ---------------------------------------------------------------------------------------------------------
# Grammar: Java target -> Python target
# ---------------------------------------------------------------------------------------------------------
# The 4.7 Python target pastes @members into __init__, so the helpers live in base classes, named with
# `options { superClass = ... }` and imported by the generated code from modules of the same name (the Java
# grammars use AbstractLexer/AbstractParser the same way).
LEXER_BASE = '''
import re

from antlr4 import Lexer


class StrictSyntaxLexError(Exception):
    def __init__(self, message, line, column):
        super().__init__(message)
        self.line, self.column = line, column


class StrictLexerBase(Lexer):
    _last_token_type = 0
    _token_index = 0
    _invalid_digits = 0

    def emit(self):
        token = super().emit()
        self._token_index += 1
        if token.channel == 0:
            self._last_token_type = token.type
        return token

    def isRegexAllowed(self):
        return self._last_token_type not in (
            self.RBRACE, self.RBRACK, self.RPAREN, self.GStringEnd, self.TdqGStringEnd, self.NullLiteral,
            self.StringLiteral, self.BooleanLiteral, self.IntegerLiteral, self.FloatingPointLiteral,
            self.Identifier, self.CapitalizedIdentifier)

    def la(self, i):
        c = self._input.LA(i)
        return "" if c < 0 else chr(c)

    def fail(self, message):
        raise StrictSyntaxLexError(message, self.line, self.column)

    @staticmethod
    def java_ident_start(ch):
        return ch.isalpha() or ch in (chr(36), "_") or (bool(ch) and (ch + "a").isidentifier() and not ch.isdigit())

    @staticmethod
    def java_ident_part(ch):
        return ch.isalnum() or ch in (chr(36), "_") or (bool(ch) and ("a" + ch).isidentifier())

    def followed_by_letter_in_gstring(self):
        c1 = self.la(1)
        if c1 == chr(36):
            return False
        return bool(re.match(r"[a-zA-Z_{]", c1)) or (bool(c1) and ord(c1) > 127 and self.java_ident_part(c1))
'''
LEXER_OPTIONS = "superClass = StrictLexerBase;"

PARSER_BASE = '''
from antlr4 import Parser


class StrictParserBase(Parser):
    def isValidDirective(self, ctx):
        cls = type(self)
        if not isinstance(ctx, cls.PathExprAltContext):
            return False
        last = ctx.getChild(ctx.getChildCount() - 1)
        return isinstance(last, (cls.IdentifierPrmrAltContext, cls.PropertyPathExprAltContext))
'''
PARSER_OPTIONS = "superClass = StrictParserBase;"

# Each Java predicate/action of the lexers, and its Python translation (exact text match: a grammar update
# that changes one fails loudly in `_to_python` instead of silently dropping a check).
LEXER_CODE = {
    "{ this.isRegexAllowed() && _input.LA(1) != '*' }?": "{self.isRegexAllowed() and self.la(1) != '*'}?",
    "{ require(errorIgnored, \"Unexpected character: '\" + getText().replace(\"'\", \"\\\\'\") + \"'\", -1, false); }":
        "{self.fail('Unexpected character: ' + repr(self.text))}",
    "{ _input.LA(1) != '\"' || _input.LA(2) != '\"' || _input.LA(3) == '\"' && (_input.LA(4) != '\"' || _input.LA(5) != '\"') }?":
        "{self.la(1) != '\"' or self.la(2) != '\"' or (self.la(3) == '\"' and (self.la(4) != '\"' or self.la(5) != '\"'))}?",
    "{ _input.LA(1) != '\\'' || _input.LA(2) != '\\'' || _input.LA(3) == '\\'' && (_input.LA(4) != '\\'' || _input.LA(5) != '\\'') }?":
        "{self.la(1) != \"'\" or self.la(2) != \"'\" or (self.la(3) == \"'\" and (self.la(4) != \"'\" or self.la(5) != \"'\"))}?",
    "{ !isFollowedByJavaLetterInGString(_input) }?": "{not self.followed_by_letter_in_gstring()}?",
    "{ require(errorIgnored, \"Number ending with underscores is invalid\", -1, true); }":
        "{self.fail('Number ending with underscores is invalid')}",
    "{ invalidDigitCount++; }": "{self._invalid_digits += 1}",
    "{ require(errorIgnored, \"Invalid octal number\", -(invalidDigitCount + 1), true); }":
        "{self.fail('Invalid octal number')}",
    "{ isFollowedBy(_input, ' ', '\\t', '\\r', '\\n') }?": "{self.la(1) in (' ', '\\t', '\\r', '\\n')}?",
    "{ isFollowedBy(_input, ' ', '\\t', '\\r', '\\n', '[', '(', '{') }?":
        "{self.la(1) in (' ', '\\t', '\\r', '\\n', '[', '(', '{')}?",
    "{ Character.isUpperCase(_input.LA(-1)) }?": "{self.la(-1).isupper()}?",
    "{ isJavaIdentifierStartAndNotIdentifierIgnorable(_input.LA(-1)) }?": "{self.java_ident_start(self.la(-1))}?",
    "{ Character.isJavaIdentifierStart(Character.toCodePoint((char) _input.LA(-2), (char) _input.LA(-1))) }?":
        "{False}?",  # UTF-16 surrogate pairs: Python streams hold code points, never surrogates
    "{ _input.LA(-1) != '$' }?": "{self.la(-1) != chr(36)}?",
    "{ isJavaIdentifierPartAndNotIdentifierIgnorable(_input.LA(-1)) }?": "{self.java_ident_part(self.la(-1))}?",
    "{ Character.isJavaIdentifierPart(Character.toCodePoint((char) _input.LA(-2), (char) _input.LA(-1))) }?":
        "{False}?",
    "{ require(errorIgnored || 0 == this.tokenIndex, \"Shebang comment should appear at the first line\", -2, true); }":
        "{(self._token_index == 0) or self.fail('Shebang comment should appear at the first line')}",
}
PARSER_CODE = {"{ isValidDirective($expression.ctx) }?": "{self.isValidDirective($expression.ctx)}?"}


def _strip_block(text: str, keyword: str) -> str:
    """Remove `@header { ... }` / `@members { ... }` (brace-matched) and `options { superClass ... }` lines."""
    start = text.find(keyword)
    if start < 0:
        return text
    depth, i = 0, text.index("{", start)
    while True:
        depth += {"{": 1, "}": -1}.get(text[i], 0)
        i += 1
        if depth == 0:
            return text[:start] + text[i:]


def _to_python(name: str, text: str) -> str:
    text = _strip_block(_strip_block(text, "@header"), "@members")
    base = LEXER_OPTIONS if name.endswith("Lexer") else PARSER_OPTIONS
    text = re.sub(r"^\s*superClass\s*=\s*\w+;\s*$", "    " + base, text, count=1, flags=re.M)
    # Code in comments (/* { this.enterParen(); } */) stays a comment; only live code is translated.
    table = LEXER_CODE if name.endswith("Lexer") else PARSER_CODE
    for java, python in table.items():
        text = text.replace(java, python)
    leftover = [m for m in re.findall(r"\{ [^{}\n]*(?:\{[^{}\n]*\}[^{}\n]*)*\}\??", re.sub(r"/\*.*?\*/", "", text, flags=re.S))
                if ("_input" in m or "require(" in m or "Character." in m)]
    if leftover:
        raise RuntimeError(f"{name}.g4: untranslated Java code {leftover[:3]} (the grammar changed: update LEXER_CODE)")
    if name.endswith("Parser"):
        # rule names that clash with Python names of the generated code (list, map, type) get a trailing _
        text = re.sub(r"(?<![\w'$.])(list|map|type)(?![\w'])", r"\1_", text)
    return text


def _cache_dir() -> Path:
    digest = hashlib.sha256(Path(__file__).read_bytes()
                            + b"".join((GRAMMAR_DIR / f"{g}.g4").read_bytes() for g in GRAMMARS)).hexdigest()[:16]
    base = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "gener1-dev" / f"nf-strict-{digest}"
    return base


def _antlr_tool() -> list[str]:
    tool = shutil.which("antlr4")
    if tool is None:
        raise Unavailable("the ANTLR tool is not installed (apt-get install antlr4; `make install-system` does it)")
    return [tool]


def _runtime_version() -> str:
    try:
        from importlib.metadata import version

        return version("antlr4-python3-runtime")
    except Exception:  # noqa: BLE001
        raise Unavailable("the ANTLR Python runtime is missing (pip install antlr4-python3-runtime==4.7.2, "
                          "the version of Debian's antlr4 tool)") from None


def load_parsers():
    """Compile the grammars once (cached by content) and import the four generated modules."""
    cache = _cache_dir()
    if not (cache / "ok").exists():
        _runtime_version()
        tool = _antlr_tool()
        tmp = cache.with_name(cache.name + f".tmp{os.getpid()}")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        (tmp / "StrictLexerBase.py").write_text(LEXER_BASE)
        (tmp / "StrictParserBase.py").write_text(PARSER_BASE)
        for name in GRAMMARS:
            (tmp / f"{name}.g4").write_text(_to_python(name, (GRAMMAR_DIR / f"{name}.g4").read_text()))
        for name in GRAMMARS:  # lexers first: the parsers read their token vocabularies
            proc = subprocess.run([*tool, "-Dlanguage=Python3", "-no-listener", "-no-visitor", f"{name}.g4"],
                                  cwd=tmp, capture_output=True, text=True, timeout=600)
            if proc.returncode != 0:
                raise RuntimeError(f"antlr4 failed on {name}.g4:\n{proc.stdout}{proc.stderr}")
        (tmp / "ok").write_text("")
        shutil.rmtree(cache, ignore_errors=True)
        tmp.rename(cache)
    if str(cache) not in sys.path:
        sys.path.insert(0, str(cache))
    return {name: getattr(importlib.import_module(name), name) for name in GRAMMARS}


# ---------------------------------------------------------------------------------------------------------
# Parse and check
# ---------------------------------------------------------------------------------------------------------
@dataclass
class Problem:
    path: str
    line: int
    column: int
    message: str

    def __str__(self):
        return f"{self.path}:{self.line}:{self.column}: {self.message}"


GROOVY_KEYWORDS = {"abstract", "break", "case", "class", "const", "continue", "default", "do", "extends", "final",
                   "finally", "for", "goto", "implements", "interface", "native", "new", "package", "private",
                   "protected", "public", "static", "strictfp", "super", "switch", "synchronized", "this",
                   "threadsafe", "throws", "transient", "volatile", "while"}


def _error_listener(problems: list[Problem], path: str):
    from antlr4.error.ErrorListener import ErrorListener

    class Collect(ErrorListener):
        def syntaxError(self, recognizer, offendingSymbol, line, column, msg, e):  # noqa: N802 - ANTLR's API
            problems.append(Problem(path, line, column + 1, msg))

    return Collect()


def _walk(tree):
    from antlr4.tree.Tree import TerminalNode

    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(node, TerminalNode) and node.children:
            stack.extend(reversed(node.children))


def _pos(ctx):
    token = getattr(ctx, "start", None) or getattr(ctx, "symbol", None)
    return (token.line, token.column + 1) if token is not None else (0, 0)


def check_text(text: str, path: str = "<string>", kind: str | None = None) -> list[Problem]:
    """Problems of one Nextflow script (`kind='script'`) or config file (`'config'`); [] when strict-clean."""
    from antlr4 import CommonTokenStream, InputStream

    kind = kind or ("config" if path.endswith(".config") else "script")
    parsers = load_parsers()
    lexer_cls, parser_cls = ((parsers["ConfigLexer"], parsers["ConfigParser"]) if kind == "config"
                             else (parsers["ScriptLexer"], parsers["ScriptParser"]))
    problems: list[Problem] = []

    def make_parser():
        lexer = lexer_cls(InputStream(text))
        lexer.removeErrorListeners()
        lexer.addErrorListener(_error_listener(problems, path))
        parser = parser_cls(CommonTokenStream(lexer))
        parser.removeErrorListeners()
        parser.addErrorListener(_error_listener(problems, path))
        return parser

    parser = make_parser()
    # SLL prediction first (fast); if it reports anything, parse again with full LL, as nf-lang does
    from antlr4.atn.PredictionMode import PredictionMode

    parser._interp.predictionMode = PredictionMode.SLL
    try:
        tree = parser.compilationUnit()
        if problems:
            problems.clear()
            parser = make_parser()
            tree = parser.compilationUnit()
    except Exception as exc:  # noqa: BLE001 - the lexer's fail() or an ANTLR error: report, do not crash
        line, column = getattr(exc, "line", 0), getattr(exc, "column", 0) + 1
        return problems + [Problem(path, line, column, str(exc))]
    if problems:
        return problems

    def report(ctx, message):
        problems.append(Problem(path, *_pos(ctx), message))

    if kind == "script":
        declarations, statements = [], []
        for item in tree.scriptDeclarationOrStatement() or []:
            (declarations if item.scriptDeclaration() is not None else statements).append(item)
            decl = item.scriptDeclaration()
            alt = type(decl).__name__ if decl is not None else ""
            if alt == "ImportDeclAltContext":
                report(item, "Groovy `import` declarations are not supported -- use fully-qualified name inline instead")
            elif alt == "IncompleteScriptDeclAltContext":
                report(item, "Incomplete declaration")
        if declarations and statements:
            for stmt in statements:
                report(stmt, "Statements cannot be mixed with script declarations -- move statements into a process, "
                             "workflow, or function")
    else:
        for node in _walk(tree):
            alt = type(node).__name__
            if alt in ("ConfigInvalidStmtAltContext", "ConfigInvalidBlockStmtAltContext"):
                report(node, f"Invalid statement in config: {node.getText()[:60]!r} -- config files allow only "
                             "assignments, blocks and includeConfig (no `def`, `if`, `try` or functions)")
            elif alt in ("ConfigIncompleteStmtAltContext", "ConfigIncompleteBlockStmtAltContext"):
                report(node, "Incomplete statement")
            elif alt == "ConfigApplyBlockContext" and node.configPrimary().getText() != "plugins":
                report(node, "Config settings must be assigned with an equals sign (`=`)")
    for node in _walk(tree):
        alt = type(node).__name__
        if alt == "IdentifierContext":
            name = node.getText()
            if name == "_":
                report(node, "`_` is not allowed as an identifier because it is reserved for future use")
            elif name in ("for", "while"):
                report(node, f"`{name}` loops are no longer supported")
            elif name == "switch":
                report(node, "`switch` statements are no longer supported")
            elif name in GROOVY_KEYWORDS:
                report(node, f"`{name}` is not allowed as an identifier because it is a Groovy keyword")
    return problems


def check_file(path: str | os.PathLike) -> list[Problem]:
    path = Path(path)
    return check_text(path.read_text(encoding="utf-8"), str(path), "config" if path.suffix == ".config" else "script")


DEPRECATIONS = [
    (re.compile(r"\bChannel\s*\."), "`Channel` is deprecated in the strict syntax: use `channel`"),
    (re.compile(r"\{\s*(?![\w\s,]*->)[^{}]*\bit\b[^{}]*\}"), "implicit closure parameter `it`: name the parameter"),
    (re.compile(r"^\s*nextflow\.enable\.dsl\b", re.M), "`nextflow.enable.dsl` is deprecated (DSL2 is the only DSL)"),
    (re.compile(r"\baddParams\b|\bparams\s*\(", re.M), "include `addParams`/`params` are not supported"),
    (re.compile(r"^\s*shell:\s*$", re.M), "the `shell:` section is deprecated: use `script:`"),
]


def deprecations(path: str | os.PathLike) -> list[Problem]:
    """Warnings of the strict syntax that the parse does not raise (pattern checks on code, not comments)."""
    text = Path(path).read_text(encoding="utf-8")
    code = re.sub(r"/\*.*?\*/", lambda m: re.sub(r"[^\n]", " ", m.group()), text, flags=re.S)
    code = re.sub(r"//[^\n]*", "", code)
    found = []
    for pattern, message in DEPRECATIONS:
        for match in pattern.finditer(code):
            found.append(Problem(str(path), code.count("\n", 0, match.start()) + 1, 1, message))
    return found


if __name__ == "__main__":
    all_problems = [p for arg in sys.argv[1:] for p in check_file(arg) + deprecations(arg)]
    for problem in all_problems:
        print(problem)
    sys.exit(1 if all_problems else 0)
