"""scripts/import_cycles.py: the repository has no import cycle, and the check does catch one
(module-level both ways, or closed by a function-level import) while ignoring TYPE_CHECKING."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("import_cycles", ROOT / "scripts/import_cycles.py")
assert _spec is not None and _spec.loader is not None
cycles_script = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(cycles_script)


def _package(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def test_the_repository_has_no_import_cycle(capsys):
    assert cycles_script.main([]) == 0
    assert "import cycles: 0" in capsys.readouterr().out


def test_a_lazy_import_back_is_a_cycle(tmp_path, capsys):
    root = _package(tmp_path, {
        "engine/__init__.py": "",
        "engine/a.py": "from engine.b import thing\n",
        "engine/b.py": "def thing():\n    from engine import a\n    return a\n",
    })
    assert cycles_script.main([], root) == 1
    err = capsys.readouterr().err
    assert "engine.a, engine.b" in err and "engine.b -> engine.a (lazy)" in err


def test_relative_imports_and_submodules_are_followed(tmp_path):
    root = _package(tmp_path, {
        "app/__init__.py": "",
        "app/pkg/__init__.py": "from . import low\n",  # a package re-exporting: no cycle
        "app/pkg/low.py": "from ..top import X\n",
        "app/top.py": "from app.pkg import low\nX = 1\n",
    })
    edges = cycles_script.collect(root)
    assert edges["app.pkg.low"] == {"app.top": "top"}
    assert edges["app.top"] == {"app.pkg.low": "top"}
    assert cycles_script.cycles(edges, ("top", "lazy")) == [["app.pkg.low", "app.top"]]


def test_type_checking_imports_do_not_count(tmp_path, capsys):
    root = _package(tmp_path, {
        "engine/__init__.py": "",
        "engine/a.py": "from engine.b import thing\n",
        "engine/b.py": ("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                        "    from engine.a import Other\nthing = 1\n"),
    })
    assert cycles_script.main(["--all"], root) == 0
    assert "TYPE_CHECKING imports: engine.a, engine.b" in capsys.readouterr().out
