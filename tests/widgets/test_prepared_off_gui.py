"""Issue 21: slow work off the GUI thread — a timeline branch is prepared in the background,
and a VAE opened fresh gets its latent decoder on its first run.

What a learner does: train, drag back on the timeline, press "Branch from here" (or Stop
while it is still being prepared); open the VAE example and press Play once.
"""

from __future__ import annotations

import time

import numpy as np
import pytest

from app.examples import example_path
from tests.widgets.window_helpers import close_test_window, make_test_window

TIMEOUT_MS = 60_000


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    win = make_test_window(qtbot, tmp_path, monkeypatch, keep_weights=False)
    yield win
    close_test_window(win)
    assert win.session.wait_for_preparation(30.0)


def open_example(win, key: str) -> None:
    assert win.files.open_example(example_path(key))
    win.dataset_panel.ensure_current()


def look_back(win, qtbot, epochs: int = 4):
    """Train ``epochs`` to the end, then drag the timeline to a moment in the middle."""
    win.doc.set_training({"epochs": epochs})
    win.run.toggle_play()
    qtbot.waitUntil(lambda: win.run.state == "finished", timeout=TIMEOUT_MS)
    bar = win.timeline
    bar.refresh()
    index = len(bar.items) // 2
    bar.drag_to(index)
    qtbot.waitUntil(lambda: bar.controller.last_past is not None, timeout=TIMEOUT_MS)
    return bar, bar.items[index]


def test_branch_is_prepared_in_the_background_then_trains_from_its_moment(window, qtbot):
    win, session = window, window.session
    open_example(win, "spiral")
    bar, fork = look_back(win, qtbot)
    states: list[str] = []
    session.state_changed.connect(states.append)
    cpu = time.thread_time()
    bar.branch_button.click()  # clicked(bool): the mode is still "running"
    press_cpu = time.thread_time() - cpu
    assert session.state == "preparing" and session.preparing_branch
    assert session.prepared is None and win.state_label.text() == "Preparing…"
    assert session.present_checkpoint() is not None  # the branch's start, for a switch
    assert bar.controller.current == 1 and len(bar.controller.branches) == 2
    qtbot.waitUntil(lambda: win.run.state == "finished", timeout=TIMEOUT_MS)
    assert states[:2] == ["preparing", "running"]
    loss = win.plots.loss
    assert loss.run.steps.x[0] == fork.step + 1  # no step-0 snapshot: it starts at the fork
    assert session.checkpoints.checkpoints()[0].step == 0  # the moments up to the fork kept
    assert press_cpu < 0.5  # the press itself: a copy of the settings, no model built


def test_stop_while_a_branch_is_prepared_drops_it(window, qtbot):
    win, session = window, window.session
    open_example(win, "spiral")
    bar, _fork = look_back(win, qtbot)
    snaps: list[object] = []
    assert bar.controller.branch_here()
    session.snapshot_ready.connect(snaps.append)
    win.run.stop()
    assert session.state == "idle" and not session.preparing
    assert session.wait_for_preparation(30.0)
    qtbot.wait(100)  # the preparer's timer would have handed a result over by now
    assert session.prepared is None and snaps == [] and not session.is_worker_alive()


def test_vae_opened_fresh_decodes_on_its_first_run(window, qtbot):
    win, session = window, window.session
    open_example(win, "vae_digits_2d")
    inside = win.inside
    assert inside.decoder is None  # nothing prepared yet
    win.doc.set_training({"epochs": 1})
    win.run.toggle_play()
    qtbot.waitUntil(lambda: session.history.steps_seen > 0, timeout=TIMEOUT_MS)
    assert inside.decoder is not None  # the first run, not only the second
    assert inside.latent.decode_point is not None and inside.traversal.decode_point is not None
    qtbot.waitUntil(lambda: win.run.state == "finished", timeout=TIMEOUT_MS)
    # the decoder follows the run's weights (the snapshots' "weights" probe), not the seed's
    weights = {k[len("weights:"):]: v for k, v in session.last_snapshot.probes.items()
               if k.startswith("weights:")}
    assert weights
    own = inside.decoder.model.get_weights()
    assert all(np.allclose(own[k], v) for k, v in weights.items())
    out = inside.decoder.decode_point(np.array([0.5, -0.5]))
    assert out.size == int(np.prod(session.model.output_shape)) and np.all(np.isfinite(out))


def test_gan_views_get_the_data_on_the_first_run(window, qtbot):
    win, session = window, window.session
    open_example(win, "gan_ring_of_gaussians")
    win.doc.set_training({"epochs": 1})
    win.run.toggle_play()
    qtbot.waitUntil(lambda: win.run.state == "finished", timeout=TIMEOUT_MS)
    assert "gan_samples" in session.last_snapshot.probes
    assert win.inside.gan.data_shape == (2,)


def test_opening_a_file_infers_its_shapes_once(window, tmp_path, monkeypatch):
    """File → Open checks the graph before anything changes (``read_checked``) and hands
    that report to the document instead of inferring the 2,000-layer chain again."""
    from engine.graph import Graph
    from tests.widgets.test_canvas_limit import chain_project

    path = chain_project(tmp_path, 2000)
    calls: list[int] = []
    infer = Graph.infer_shapes

    def counted(graph):
        calls.append(len(graph.nodes))
        return infer(graph)

    monkeypatch.setattr(Graph, "infer_shapes", counted)
    cpu = time.thread_time()
    assert window.files.open_path(path, ask=False)
    opened_cpu = time.thread_time() - cpu
    assert calls.count(2000) == 1 and len(window.doc.graph.nodes) == 2000
    assert not window.doc.report.errors
    assert opened_cpu < 2.0  # ~0.14 s measured on the 2-core machine (0.17-0.30 s before)


def test_play_right_after_a_dataset_change_waits_for_the_data_off_the_gui_thread(window, qtbot):
    """finetune_digits trains on digits28 (~0.3 s to load): Play pressed at once used to load
    it on the GUI thread; now the press returns at once and the run starts on that data."""
    win, session = window, window.session
    open_example(win, "finetune_digits")
    win.doc.set_training({"epochs": 1})
    spec = {**win.doc.project.dataset, "n_samples": 300}
    win.doc.set_dataset(spec)
    assert win.dataset_panel.loading
    cpu = time.thread_time()
    win.actions["play"].trigger()
    press_cpu = time.thread_time() - cpu
    assert win.state_label.text() == "Preparing…" and session.state == "idle"
    qtbot.waitUntil(lambda: win.run.state == "finished", timeout=TIMEOUT_MS)
    assert session.project.dataset == spec and len(session.data.y_train) < 300
    assert win.problems.ready  # the panel checked the data Play trained on
    assert press_cpu < 0.1  # 0.14-0.28 s before (digits28 loaded on the GUI thread)


def test_play_right_after_a_dataset_that_does_not_fit_is_refused_like_the_panel_says(
        window, qtbot):
    win, session = window, window.session
    open_example(win, "xor")
    win.doc.set_dataset({"name": "digits"})  # 64 pixels into a 2-wide Input
    win.actions["play"].trigger()
    assert win.dataset_panel.loading and session.state == "idle"
    qtbot.waitUntil(lambda: not win.dataset_panel.loading, timeout=TIMEOUT_MS)
    qtbot.wait(50)
    assert not win.problems.ready and session.prepared is None
    assert win.state_label.text() == "Cannot train"
    assert "64" in win.training_panel.message.text()
