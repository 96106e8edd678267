"""scripts/line_budget.py: function lengths without docstrings, the kernel cap for @njit, nested
functions and methods named by their qualified name; every EXEMPT entry gives a reason."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("line_budget", ROOT / "scripts/line_budget.py")
assert _spec is not None and _spec.loader is not None
budget = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(budget)


def _function(name: str, body_lines: int, decorator: str = "", doc_lines: int = 0) -> str:
    head = f"{decorator}\n" if decorator else ""
    doc = '    """' + "\n" * doc_lines + '    """\n' if doc_lines else ""
    return head + f"def {name}():\n" + doc + "    x = 1\n" * body_lines


def test_a_function_over_40_lines_is_reported_and_its_docstring_is_free():
    text = _function("ok", 39, doc_lines=30) + _function("long", 40)
    assert budget.long_functions(Path("m.py"), text) == [("long", 41, 40)]


def test_numba_kernels_may_run_to_60_lines():
    text = ("from numba import njit\n" + _function("kernel", 59, "@njit(cache=True)")
            + _function("big_kernel", 60, "@numba.njit"))
    assert budget.long_functions(Path("m.py"), text) == [("big_kernel", 61, 60)]


def test_methods_and_nested_functions_are_named_by_their_path():
    inner = "\n".join("    " + line for line in _function("inner", 41).splitlines())
    text = "class Panel:\n" + inner + "\n"
    assert budget.long_functions(Path("m.py"), text) == [("Panel.inner", 42, 40)]


def test_every_exemption_names_a_shipped_function_and_says_why():
    for key, reason in budget.EXEMPT.items():
        path, _, name = key.partition(":")
        assert (ROOT / path).exists() and name, key
        assert len(reason) > 20, key
