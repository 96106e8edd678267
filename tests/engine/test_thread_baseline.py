"""Nothing pins BLAS threads process-wide behind the user's back: the tests, the measuring
scripts and the screenshot tool get one BLAS thread outside training calls from
``engine.threads.install(1)`` (threadpoolctl, per call), as the app and the CLI do, and the
tests train on a fixed budget (``tests/conftest.py``) so they give the same numbers on any
machine under any load."""

from __future__ import annotations

import os
from pathlib import Path

from engine import threads

ROOT = Path(__file__).resolve().parents[2]
SETS_BLAS_PER_CALL = ("tests/conftest.py", "scripts/measure_fps.py", "scripts/soak.py",
                      "scripts/measure_introspection.py", "scripts/measure_first_play.py",
                      "docs/make_screenshots.py")


def test_tests_and_scripts_set_blas_per_call_not_by_an_environment_variable():
    for rel in SETS_BLAS_PER_CALL:
        text = (ROOT / rel).read_text(encoding="utf-8")
        assert "OPENBLAS_NUM_THREADS" not in text, f"{rel} pins BLAS threads process-wide"
        assert "threads.install(1)" in text, f"{rel} leaves BLAS at the library's default"


def test_one_blas_thread_outside_training_calls_and_a_fixed_budget():
    assert threads.blas_threads() == 1
    with threads.blas(2):  # what a training call of a large dense step gets
        assert threads.blas_threads() == 2
    assert threads.blas_threads() == 1
    if not os.environ.get(threads.ENV, "").strip():
        assert threads.budget() == 1 and not threads.is_default_budget()
