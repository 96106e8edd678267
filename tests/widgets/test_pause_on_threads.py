"""Pause answers at once while training runs on the thread budget (issue 16: ≤ 100 ms).

What a learner does: open the digits network, make its hidden layer wide (1024 units, batches
of 128: a step of ~10 M multiply-adds, so the engine raises BLAS to the budget), pick
"2 threads" under *Threads for training*, press Play, then Pause and Play again a few times.
Each Pause is timed from the press to the session's "paused" state (the worker's
acknowledgement, as the window shows it); a spy on ``engine.threads.blas_threads_for`` counts
the chunks that really ran on 2 BLAS threads, and the trainer's step counter shows the worker
stopped after the chunk in flight (the steps taken after the press are at most that chunk's).

On a shared machine the wall clock mostly measures waiting for a core (on this 2-core machine
under a load of 15, one step of this network took ~250 ms of wall time, so one chunk was one
step), so the 100 ms bound is asserted on every Pause when other programs left the cores quiet
(< 0.3 of each core busy, as ``main.py bench`` marks runs under load; ``engine.thread_load``)
and a loose bound otherwise; the chunk-in-flight check holds under any load.
"""

from __future__ import annotations

import time

import pytest

from app.examples import example_path
from engine import threads
from engine.thread_load import OthersMeter
from tests.widgets.window_helpers import close_test_window, make_test_window

BOUND_S = 0.1  # the bound on Pause
LOADED_WORST_S = 2.0  # under load: a sanity bound (seen: 130-660 ms at a load of 12-17 on 2 cores)
QUIET_SHARE = 0.3  # other processes' busy share of each core below which the machine is quiet
PAUSES = 5
TIMEOUT_MS = 60_000


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    saved = threads._state["budget"]
    monkeypatch.delenv(threads.ENV, raising=False)
    win = make_test_window(qtbot, tmp_path, monkeypatch, keep_weights=False)
    yield win
    close_test_window(win)
    threads.set_budget(saved)


def test_pause_answers_within_100_ms_on_two_threads(qtbot, window, monkeypatch):
    if threads.available_cores() < 2:
        pytest.skip("two threads need two cores")
    win, session = window, window.session
    blas_counts: list[int] = []
    policy = threads.blas_threads_for

    def spy(model, batch):  # runs on the training thread, once per chunk of steps
        n = policy(model, batch)
        blas_counts.append(n)
        return n

    monkeypatch.setattr(threads, "blas_threads_for", spy)
    assert win.files.open_example(example_path("digits_mlp"))
    win.dataset_panel.ensure_current()
    win.doc.set_layer_options("hidden", {**win.doc.graph.nodes["hidden"].options,
                                         "units": 1024})
    win.doc.set_training({"batch_size": 128, "epochs": 1000})
    combo = win.thread_choice.combo
    combo.setCurrentIndex(combo.findData(2))
    combo.activated.emit(combo.currentIndex())
    assert threads.budget() == 2

    paused_at: list[float] = []
    session.state_changed.connect(
        lambda state: paused_at.append(time.perf_counter()) if state == "paused" else None)
    win.actions["play"].trigger()
    qtbot.waitUntil(lambda: session.history.steps_seen > 0, timeout=TIMEOUT_MS)
    meter = OthersMeter()
    meter.sample()
    start = time.perf_counter()
    latencies: list[float] = []
    extra_steps: list[tuple[int, int]] = []  # (steps after the press, the chunk in flight)
    for _ in range(PAUSES):
        seen = session.history.steps_seen
        qtbot.waitUntil(lambda s=seen: session.history.steps_seen > s + 3, timeout=TIMEOUT_MS)
        qtbot.wait(50)  # mid-run: a chunk is in flight
        step = session.trainer.step
        pressed = time.perf_counter()
        win.actions["play"].trigger()  # Pause
        chunk = session.trainer.config.snapshot_every  # the chunk in flight (none starts now)
        qtbot.waitUntil(lambda: session.state == "paused", timeout=10_000)
        latencies.append(paused_at[-1] - pressed)
        extra_steps.append((session.trainer.step - step, chunk))
        win.actions["play"].trigger()  # Play again
        qtbot.waitUntil(lambda: session.state == "running", timeout=10_000)
    while time.perf_counter() - start < 0.6:  # the meter needs ≥ 0.5 s between samples
        qtbot.wait(50)
    others = meter.sample()
    win.actions["stop"].trigger()
    qtbot.waitUntil(lambda: session.state == "stopped", timeout=5000)

    cores = threads.available_cores()
    quiet = others is not None and others < QUIET_SHARE * cores
    figures = (f"Pause took {', '.join(f'{s * 1000:.0f}' for s in latencies)} ms; "
               f"others busy {others if others is None else round(others, 2)} of {cores} "
               f"cores; BLAS threads per chunk {sorted(set(blas_counts))}; steps after the "
               f"press / chunk in flight {extra_steps}")
    print(figures)
    assert 2 in blas_counts, figures  # the steps really ran on the 2-thread budget
    assert all(extra <= chunk for extra, chunk in extra_steps), figures
    assert max(latencies) < (BOUND_S if quiet else LOADED_WORST_S), figures
