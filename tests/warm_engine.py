"""Compile the engine's numba kernels once per test session, before any timed wait.

Qt tests wait for a training thread's first snapshot with a timeout; on a cold numba cache
(a fresh CI clone, 2 cores) the first step compiles kernels for tens of seconds. Warming here,
outside any timeout, keeps those waits about behaviour, not about the compiler. The same
warm-up as ``main.py warmup`` and the app's start-up (``engine.warmup``): every family, so a
CNN, LSTM or attention test does not compile either; a few seconds when the cache is warm.
"""

from __future__ import annotations


def warm_engine_kernels() -> None:
    """Run ``engine.warmup.warm_engine`` (every family; failures are left to the tests)."""
    from engine.warmup import warm_engine

    warm_engine()
