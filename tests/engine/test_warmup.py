"""The shared warm-up (engine/warmup.py): what it covers, how it reports, and that a fresh
process reuses what it compiled (numba's on-disk cache)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from engine import warmup
from engine.warmup import FAMILIES, TASKS, WarmupTask, shrink, warm_engine

ROOT = Path(__file__).resolve().parents[2]


def test_every_family_and_every_bundled_example_is_warmed():
    families = {task.family for task in TASKS}
    assert families == set(FAMILIES)
    labels = {task.label for task in TASKS}
    examples = {p.name.removesuffix(".layerlab.json")
                for p in (ROOT / "assets" / "examples").glob("*.layerlab.json")}
    assert examples <= labels, f"not warmed: {sorted(examples - labels)}"


def test_every_extra_network_builds_and_trains():
    """The hand-built networks (layers no example uses) are valid projects."""
    extra = tuple(t for t in TASKS if " " in t.label or t.label[0].isupper())
    assert {"GRU on tokens", "Conv1D", "Bidirectional"} <= {t.label for t in extra}
    report = warm_engine(extra)
    assert report.failed == [] and report.tasks == len(extra)


def test_progress_counts_per_family_and_a_failure_is_reported_not_raised():
    def broken():
        raise ValueError("no such file")

    tasks = (WarmupTask("dense", "xor", warmup._example("xor")),
             WarmupTask("dense", "broken", broken),
             WarmupTask("conv", "Conv1D", next(t.make for t in TASKS if t.label == "Conv1D")))
    lines: list[str] = []
    report = warm_engine(tasks, progress=lambda p: lines.append(p.line()))
    assert lines == ["Preparing the engine: dense 1/2 (xor)…",
                     "Preparing the engine: dense 2/2 (broken)…",
                     "Preparing the engine: conv 1/1 (Conv1D)…"]
    assert report.tasks == 3 and [label for label, _ in report.failed] == ["broken"]
    assert "no such file" in report.failed[0][1]


def test_should_stop_ends_the_warm_up_between_tasks():
    report = warm_engine(TASKS, should_stop=lambda: True)
    assert report.tasks == 0


def test_shrink_cuts_every_per_sample_array_alike():
    from engine.datasets.registry import load_dataset

    data = load_dataset({"name": "spiral"})
    small = shrink(data, 20, 6)
    assert len(small.x_train) == len(small.y_train) == len(small.x_train_raw) == 20
    assert len(small.x_val) == len(small.y_val) == len(small.x_val_raw) == 6
    np.testing.assert_array_equal(small.x_train, data.x_train[:20])


def test_cli_warmup_prints_a_progress_line_per_network(capsys):
    from engine.cli import main

    assert main(["warmup", "--only", "dense"]) == 0
    out = capsys.readouterr().out
    assert "Preparing the engine: dense 1/6 (xor)…" in out
    assert "Engine ready: 6 networks prepared" in out
    assert main(["warmup", "--only", "video"]) == 1


@pytest.mark.slow
def test_a_fresh_process_reuses_the_compiled_kernels(tmp_path):
    """After the warm-up (its own empty numba cache), a new process training the same network
    loads every kernel from the cache: NUMBA_DEBUG_CACHE reports no "data saved" (a compile)."""
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path), "OPENBLAS_NUM_THREADS": "1"}
    subprocess.run([sys.executable, "main.py", "warmup", "--only", "dense", "--quiet"],
                   cwd=ROOT, env=env, check=True, capture_output=True, timeout=600)
    assert list(tmp_path.rglob("*.nbc")), "the warm-up wrote no cache"
    code = ("from engine.warmup import TASKS, warm_engine; "
            "warm_engine(tuple(t for t in TASKS if t.label in ('spiral', 'digits_mlp')))")
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         env={**env, "NUMBA_DEBUG_CACHE": "1"}, check=True, timeout=600)
    assert "[cache] data loaded" in run.stdout
    assert "[cache] data saved" not in run.stdout, run.stdout
