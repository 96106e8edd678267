"""Compile the engine's numba kernels once per test session, before any timed wait.

Qt tests wait for a training thread's first snapshot with a timeout; on a cold numba cache
(a fresh CI clone, 2 cores) the first step compiles kernels for tens of seconds. Warming here,
outside any timeout, keeps those waits about behaviour, not about the compiler.
"""

from __future__ import annotations

from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[1] / "assets" / "examples"


WARM_EXAMPLES = ("xor", "spiral", "circles", "regression_sine")


def warm_engine_kernels(names: tuple[str, ...] = WARM_EXAMPLES) -> None:
    """Train each bundled example for one epoch headless (compiles and caches kernels)."""
    from engine.project import load_project
    from engine.recipes import prepare

    for name in names:
        path = EXAMPLES / f"{name}.layerlab.json"
        if not path.is_file():
            continue
        project = load_project(path)
        project.training.epochs = 1
        for _ in prepare(project).trainer.run():
            pass
