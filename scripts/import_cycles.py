"""Find import cycles inside our packages (engine, app, widgets, layerlab) statically, via ast.

Every ``import``/``from ... import`` between two of our modules is an edge, of one of three kinds:

- **top**: at module level (also inside a module-level ``try``/``if``), run when the module loads;
- **typing**: under ``if TYPE_CHECKING:`` — never runs;
- **lazy**: inside a function or method body, run when that function is first called.

The rule (what fails the test command):

- A cycle made of *top* edges only fails: importing any of its modules depends on import order,
  and the modules cannot be understood or tested one without the other. Break it by moving the
  shared piece down into a small module both sides import.
- A cycle that needs a *lazy* edge is reported as a note and does not fail: a function-level import
  is the documented way to defer an expensive or optional import (numba kernels, the recipes at
  load time) and Python resolves it at call time, when both modules are loaded. A note is still a
  smell to look at when a module is touched.
- *typing* edges are ignored: they do not run, and mypy handles annotation-only cycles.

``from pkg import name`` where ``pkg.name`` is a submodule counts as an edge to that submodule;
otherwise it is an edge to ``pkg`` (its ``__init__``). Edges to a package's own ``__init__`` from
inside that package are skipped: a package re-exporting its submodules is the normal shape, not a
cycle between the parts.

Usage: ``python scripts/import_cycles.py [--all]`` (``--all`` also lists the lazy cycles).
Exit status 1 when a top-level cycle exists.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

PACKAGES = ("engine", "app", "widgets", "layerlab")
Edges = dict[str, dict[str, str]]  # module -> {imported module: "top" | "lazy"}


def module_name(path: Path) -> str:
    """``engine/layers/core.py`` -> ``engine.layers.core``; ``app/__init__.py`` -> ``app``."""
    parts = list(path.with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _resolve(current: str, is_pkg: bool, level: int, target: str | None) -> str:
    """The absolute dotted name of a (possibly relative) ``from`` import's base module."""
    if level == 0:
        return target or ""
    base = current.split(".")
    base = base if is_pkg else base[:-1]
    base = base[: len(base) - (level - 1)]
    return ".".join(base + ([target] if target else []))


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST) -> list[tuple[ast.Import | ast.ImportFrom, str]]:
    """Every import node with its kind: "top", "lazy" or "typing"."""
    found: list[tuple[ast.Import | ast.ImportFrom, str]] = []

    def walk(node: ast.AST, kind: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.Import, ast.ImportFrom)):
                found.append((child, kind))
            elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                walk(child, "lazy" if kind == "top" else kind)
            elif isinstance(child, ast.If) and _is_type_checking(child):
                for sub in child.body:
                    walk(ast.Module(body=[sub], type_ignores=[]), "typing")
                for sub in child.orelse:
                    walk(ast.Module(body=[sub], type_ignores=[]), kind)
            else:
                walk(child, kind)

    walk(tree, "top")
    return found


def collect(root: Path) -> Edges:
    """Read every module of our packages under ``root`` and return its import edges."""
    files = [p for pkg in PACKAGES for p in sorted((root / pkg).rglob("*.py"))]
    modules = {module_name(p.relative_to(root)): p for p in files}
    edges: Edges = {m: {} for m in modules}
    for mod, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        is_pkg = path.name == "__init__.py"
        for node, kind in _imports(tree):
            if kind == "typing":
                continue
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            else:
                base = _resolve(mod, is_pkg, node.level, node.module)
                for alias in node.names:
                    sub = f"{base}.{alias.name}"
                    targets.append(sub if sub in modules else base)
            for target in targets:
                while target and target not in modules:  # import a.b.c of a non-module attr
                    target = target.rpartition(".")[0]
                if not target or target == mod or mod.startswith(target + "."):
                    continue  # self, or a package's own __init__ seen from inside it
                if edges[mod].get(target) != "top":
                    edges[mod][target] = kind
    return edges


def _sccs(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                comp = []
                while True:
                    top = stack.pop()
                    on_stack.discard(top)
                    comp.append(top)
                    if top == node:
                        break
                if len(comp) > 1:
                    out.append(sorted(comp))
    return out


def cycles(edges: Edges, kinds: tuple[str, ...]) -> list[list[str]]:
    """Groups of modules that import each other through edges of the given kinds."""
    graph = {m: {t for t, k in ts.items() if k in kinds} for m, ts in edges.items()}
    return _sccs(graph)


def describe(group: list[str], edges: Edges) -> str:
    """One line per edge inside the group, e.g. ``app.commands -> app.document (top)``."""
    members = set(group)
    lines = [
        f"    {m} -> {t} ({k})"
        for m in group
        for t, k in sorted(edges[m].items())
        if t in members
    ]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    root = Path(__file__).resolve().parent.parent
    edges = collect(root)
    hard = cycles(edges, ("top",))
    hard_sets = [set(g) for g in hard]
    soft = [g for g in cycles(edges, ("top", "lazy")) if set(g) not in hard_sets]
    for group in hard:
        print(f"error: import cycle: {', '.join(group)}\n{describe(group, edges)}", file=sys.stderr)
    if "--all" in argv:
        for group in soft:
            print(f"note: cycle through lazy imports: {', '.join(group)}\n{describe(group, edges)}")
    elif soft:
        print(f"note: {len(soft)} cycle(s) through function-level imports (--all lists them)")
    print(f"import cycles: {len(hard)} at module level, {len(soft)} through lazy imports")
    return 1 if hard else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
