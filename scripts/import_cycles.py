"""Find import cycles inside our packages (engine, app, widgets, layerlab) statically, via ast.

It reads the files git tracks (as they are on disk), like scripts/line_budget.py.

Every ``import``/``from ... import`` between two of our modules is an edge, of one of three kinds:

- **top**: at module level (also inside a module-level ``try``/``if``), run when the module loads;
- **typing**: under ``if TYPE_CHECKING:`` — never runs;
- **lazy**: inside a function or method body, run when that function is first called.

The rule (what fails the test command): **any cycle of top and lazy edges fails**.

- A cycle of *top* edges makes importing any of its modules depend on import order, and the
  modules cannot be read or tested one without the other.
- A cycle closed by a *lazy* edge fails too. Every cycle this script found on its first run
  (datasets registry ring, recurrent/token fusion, recipes/generative setup, readiness, fuzz)
  was a module-level import one way and a function-level import back: the lazy import only
  hid the coupling from Python's import machinery. A function-level import that goes one way
  (deferring numba kernels, the generative recipes, matplotlib-sized dependencies) is fine.
- *typing* edges (``if TYPE_CHECKING:``) never run and are ignored; ``--all`` lists cycles
  that exist only through them, as notes. Prefer a small Protocol module over such a cycle
  (``app/edit_target.py`` replaced ``app.commands`` <-> ``app.document``).

Break a cycle by moving the shared piece down into a small module both sides import.

``from pkg import name`` where ``pkg.name`` is a submodule counts as an edge to that submodule;
otherwise it is an edge to ``pkg`` (its ``__init__``). Edges to a package's own ``__init__`` from
inside that package are skipped: a package re-exporting its submodules is the normal shape, not a
cycle between the parts.

Usage: ``python scripts/import_cycles.py [--all]`` (``--all`` also lists typing-only cycles).
Exit status 1 when a cycle of top and lazy imports exists.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGES = ("engine", "app", "widgets", "layerlab")
RANK = {"top": 0, "lazy": 1, "typing": 2}  # a module imported two ways counts as the first
Edges = dict[str, dict[str, str]]  # module -> {imported module: "top" | "lazy" | "typing"}


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


def _tracked(root: Path) -> list[Path]:
    """Our packages' ``*.py`` files that git tracks under ``root`` (as they are on disk), like
    scripts/line_budget.py: a file someone has not added yet is not checked. Empty outside a
    git checkout."""
    try:
        listed = subprocess.run(["git", "ls-files", "--", *(f"{p}/*.py" for p in PACKAGES)],
                                cwd=root, capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return []
    return [root / p for p in listed.stdout.split() if (root / p).exists()]


def collect(root: Path) -> Edges:
    """Read every module of our packages under ``root`` and return its import edges."""
    files = _tracked(root) or [p for pkg in PACKAGES for p in sorted((root / pkg).rglob("*.py"))]
    modules = {module_name(p.relative_to(root)): p for p in files}
    edges: Edges = {m: {} for m in modules}
    for mod, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        is_pkg = path.name == "__init__.py"
        for node, kind in _imports(tree):
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
                known = edges[mod].get(target)
                if known is None or RANK[kind] < RANK[known]:
                    edges[mod][target] = kind  # keep the strongest kind of import
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


def main(argv: list[str], root: Path | None = None) -> int:
    edges = collect(root or Path(__file__).resolve().parent.parent)
    hard = cycles(edges, ("top", "lazy"))
    hard_sets = [set(g) for g in hard]
    typing_only = [g for g in cycles(edges, ("top", "lazy", "typing")) if set(g) not in hard_sets]
    for group in hard:
        print(f"error: import cycle: {', '.join(group)}\n{describe(group, edges)}", file=sys.stderr)
    if hard:
        print("fix: move what both sides need into a small module that both import (a function-"
              "level import back does not count as a fix); docs/ARCHITECTURE.md, 'Code health'",
              file=sys.stderr)
    if "--all" in argv:
        for group in typing_only:
            print(f"note: cycle through TYPE_CHECKING imports: {', '.join(group)}\n"
                  f"{describe(group, edges)}")
    print(f"import cycles: {len(hard)} (module-level and function-level imports); "
          f"{len(typing_only)} through TYPE_CHECKING imports only (not run, not counted)")
    return 1 if hard else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
