"""The package tree reads like the pipeline: data flows one way, and this test keeps it so.

Every import of a ``gener1_tool`` module is read from the source (module level and inside functions alike).
A room (subpackage) may import the shared floor and the rooms to its left in ``ROOMS``, never one to its right;
the floor imports only the floor; no module takes part in an import cycle. An import inside a function is
allowed only to defer a heavy dependency for start-up time, and says so with a ``# deferred:`` comment.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "gener1_tool"

#: The shared floor: modules every room may use; they import nothing from a room.
FLOOR = ("__init__", "errors", "paths", "io", "hookspecs", "plugins", "html")
#: The pipeline, left to right (also in CONTRIBUTING.md). ``__main__`` is a shell like ``cli``.
ROOMS = ("knowledge", "genes", "datasets", "enrichment", "similarity", "model", "reasoning", "corpora", "training",
         "annotation", "evaluation", "cli")
DEFERRED = "# deferred:"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports():
    """(importing module, imported module, line, inside a function, source line) for every internal import."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = _module_name(path)
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        source = path.read_text(encoding="utf-8")
        lines = source.splitlines()
        tree = ast.parse(source)

        def visit(node, in_function):
            for child in ast.iter_child_nodes(node):
                nested = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
                targets = []
                if isinstance(child, ast.Import):
                    targets = [alias.name for alias in child.names]
                elif isinstance(child, ast.ImportFrom):
                    if child.level:
                        base = package.split(".")[: len(package.split(".")) - (child.level - 1)]
                        origin = ".".join(base + ([child.module] if child.module else []))
                    else:
                        origin = child.module or ""
                    # `from pkg import submodule` imports the submodule
                    targets = [f"{origin}.{alias.name}" if _is_module(f"{origin}.{alias.name}") else origin
                               for alias in child.names]
                for target in targets:
                    if target == "gener1_tool" or target.startswith("gener1_tool."):
                        above = lines[child.lineno - 2] if child.lineno > 1 else ""
                        found.append((module, target, child.lineno, in_function,
                                      lines[child.lineno - 1] + "\n" + above))
                visit(child, nested)

        visit(tree, False)
    return found


def _is_module(dotted: str) -> bool:
    rel = Path(*dotted.split(".")[1:])
    return (PACKAGE / rel).with_suffix(".py").exists() or (PACKAGE / rel / "__init__.py").exists()


def _room(module: str) -> str:
    parts = module.split(".")
    if len(parts) == 1:
        return "__init__"
    return "cli" if parts[1] == "__main__" else parts[1]


def _rank(room: str) -> int:
    return -1 if room in FLOOR else ROOMS.index(room)


def test_every_module_belongs_to_the_floor_or_a_room():
    rooms = {_room(_module_name(p)) for p in PACKAGE.rglob("*.py")}
    assert rooms <= set(FLOOR) | set(ROOMS), f"not on the map: {sorted(rooms - set(FLOOR) - set(ROOMS))}"


def test_no_import_from_a_room_to_one_on_its_right():
    backward = [f"{src} -> {dst} (line {line})" for src, dst, line, _, _ in _imports()
                if _rank(_room(dst)) > _rank(_room(src)) or (_room(src) in FLOOR and _room(dst) not in FLOOR)]
    assert not backward, "imports against the flow of the pipeline:\n" + "\n".join(backward)


def test_no_import_cycles_between_modules():
    graph: dict[str, set[str]] = {}
    for src, dst, _, _, _ in _imports():
        if src != dst:
            graph.setdefault(src, set()).add(dst)
    # Tarjan's strongly connected components: any component with two or more modules is a cycle.
    index, low, stack, on_stack, cycles, counter = {}, {}, [], set(), [], [0]

    def connect(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            connect(v)
    edges = [f"{a} -> {b}" for cycle in cycles for a in cycle for b in sorted(graph.get(a, ())) if b in cycle]
    assert not cycles, "import cycles:\n" + "\n".join(edges)


def test_imports_inside_functions_only_defer_heavy_dependencies_and_say_so():
    undeclared = [f"{src}:{line} imports {dst}" for src, dst, line, in_function, text in _imports()
                  if in_function and DEFERRED not in text]
    assert not undeclared, (f"an import inside a function must defer a heavy dependency and say which with a "
                            f"'{DEFERRED} …' comment on its line or the line above:\n" + "\n".join(undeclared))


def test_the_checker_reads_module_and_function_level_imports():
    # The rules above are only as good as the import reader: it must see both kinds.
    found = _imports()
    assert len(found) > 150
    assert any(in_function for *_, in_function, _ in found) and any(not in_function for *_, in_function, _ in found)
