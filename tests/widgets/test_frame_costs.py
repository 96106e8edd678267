"""Live frames skip work that would not change the picture: an unchanged confusion matrix
is not redrawn, and the progress bar (which repaints synchronously) moves only when it shows
a different position — yet the last state always shows."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from app.document import ProjectDocument
from engine.snapshots import STEP, Snapshot
from widgets.panels.training_panel import TrainingPanel
from widgets.plots import ConfusionView


def test_an_unchanged_confusion_matrix_is_not_redrawn(qtbot, monkeypatch):
    view = ConfusionView()
    qtbot.addWidget(view)
    m = np.array([[5, 1], [2, 4]])
    view.update(m, ["a", "b"])
    redraws: list[int] = []
    monkeypatch.setattr(view, "_redraw", lambda *a: redraws.append(1))
    view.update(m.copy(), ["a", "b"])
    assert redraws == []
    view.update(np.array([[6, 0], [2, 4]]), ["a", "b"])
    assert redraws == [1] and view.matrix[0, 0] == 6
    view.update(np.array([[6, 0], [2, 4]]), ["yes", "no"])  # new names: rebuilt
    assert view.class_names == ["yes", "no"]


def _snap(epoch: int) -> Snapshot:
    return Snapshot(event=STEP, step=epoch * 10, epoch=epoch, epoch_progress=0.0,
                    samples_seen=epoch * 100, batch_losses=(0.5,), train_loss=None,
                    val_loss=None, metrics={}, learning_rate=0.1, elapsed=1.0,
                    samples_per_second=100.0, time_to_first_step=None)


def test_progress_bar_moves_only_by_visible_steps_and_ends_exact(qtbot):
    doc = ProjectDocument()
    doc.project.training.epochs = 1000
    panel = TrainingPanel(doc)
    qtbot.addWidget(panel)
    values: list[int] = []
    panel.progress.valueChanged.connect(values.append)
    for epoch in range(1, 1001):
        panel.show_snapshot(_snap(epoch))
    assert panel.progress.maximum() == 1000 and panel.progress.value() == 1000
    assert 150 <= len(values) <= 201  # ~every half percent, not every epoch
    panel.show_snapshot(replace(_snap(3), epoch=3))
    assert panel.progress.value() == 3  # a new run starts over at once


def test_network_view_sets_only_the_bins_whose_connections_changed(qtbot):
    from tests.widgets.test_plots import network, snap

    view = network(qtbot, [("in", 2), ("h", 3)])
    k = np.array([[0.1, -0.5, 1.0], [-2.0, 0.05, 0.3]])
    view.update(snap(1, probes={"weights:h/kernel": k}))
    calls: list[int] = []
    for b, item in enumerate(view.bins):
        item.setData = lambda *a, b=b, **kw: calls.append(b)  # noqa: B023 - bound per item
    view.update(snap(2, probes={"weights:h/kernel": k * 1.0001}))  # same widths and colours
    assert calls == []
    k2 = k.copy()
    old_bin = int(view.group[0])
    k2[0, 0] = -0.1  # one connection changes colour: it leaves one bin for another
    view.update(snap(3, probes={"weights:h/kernel": k2}))
    assert sorted(calls) == sorted({old_bin, int(view.group[0])}) and old_bin != view.group[0]
    calls.clear()
    view.set_structure([("in", 2), ("h", 3)])  # a new layout redraws every bin
    assert sorted(calls) == list(range(len(view.bins)))
