"""Live plot views (offscreen): curves grow, runs are kept, maps land where the data is.

Snapshots are built with the engine's ``Snapshot`` dataclass; no training runs here.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import QPointF

from engine.snapshots import Snapshot
from widgets.plots import ConfusionView, DecisionPlot, LossPlot, NetworkView, RegressionPlot
from widgets.plots.confusion_view import row_normalized
from widgets.plots.network_view import TOO_LARGE
from widgets.plots.palette import diverging_lut, plot_style

G = 20


def snap(step: int, epoch: int = 0, losses=(), train=None, val=None, metrics=None, probes=None,
         event: str = "step") -> Snapshot:
    rows = ()
    if train is not None or event != "step":  # an epoch ended in this snapshot
        rows = ({"epoch": epoch, "step": step, "train_loss": train, "val_loss": val,
                 **(metrics or {})},)
    return Snapshot(event=event, step=step, epoch=epoch, epoch_progress=0.0,
                    samples_seen=step * 8, batch_losses=tuple(losses), train_loss=train,
                    val_loss=val, metrics=metrics or {}, learning_rate=0.01, elapsed=0.1,
                    samples_per_second=100.0, time_to_first_step=0.01, probes=probes or {},
                    epoch_rows=rows)


def feed(plot: LossPlot, steps: int = 15, every: int = 5, per_epoch: int = 10) -> None:
    for end in range(every, steps + 1, every):
        losses = [1.0 / s for s in range(end - every + 1, end + 1)]
        epoch = end // per_epoch
        plot.add_snapshot(snap(end, epoch, losses, train=0.5 / (epoch or 1), val=0.6,
                               metrics={"train_accuracy": 0.8, "val_accuracy": 0.7}))


def eager(plot: LossPlot) -> LossPlot:
    """Redraw on every snapshot (the app coalesces redraws to ~12 Hz; tests read at once)."""
    plot.min_redraw_interval = 0.0
    return plot


# -- loss plot ---------------------------------------------------------------------------------
def test_redraws_are_coalesced_but_never_lost(qtbot):
    plot = LossPlot()
    qtbot.addWidget(plot)
    plot.min_redraw_interval = 0.2
    plot.add_snapshot(snap(1, 0, [1.0]))  # the first redraw happens at once
    assert len(plot.raw_item.getData()[0]) == 1
    for step in range(2, 6):
        plot.add_snapshot(snap(step, 0, [1.0 / step]))
    assert len(plot.raw_item.getData()[0]) == 1 and plot.run.steps.n == 5  # buffered
    qtbot.waitUntil(lambda: len(plot.raw_item.getData()[0]) == 5, timeout=2000)


def test_loss_curve_grows_with_snapshots(qtbot):
    plot = eager(LossPlot())
    qtbot.addWidget(plot)
    feed(plot, steps=10)
    x, y = plot.raw_item.getData()
    assert len(x) == 10 and list(x) == list(range(1, 11))
    assert y[0] == pytest.approx(1.0) and y[-1] == pytest.approx(0.1)
    feed_more = snap(15, 1, [0.05] * 5)
    plot.add_snapshot(feed_more)
    assert len(plot.raw_item.getData()[0]) == 15
    assert len(plot.smooth_item.getData()[0]) == 15
    assert len(plot.train_item.getData()[0]) == 1  # one finished epoch (at step 10)
    assert plot.val_item.getData()[1][0] == pytest.approx(0.6)
    assert plot.acc_val_item.getData()[1][0] == pytest.approx(0.7)
    assert plot.metric_plot.scene() is not None  # accuracy plot appeared


def test_buffers_grow_past_their_capacity(qtbot):
    plot = eager(LossPlot())
    qtbot.addWidget(plot)
    for end in range(500, 3001, 500):
        plot.add_snapshot(snap(end, 0, np.linspace(1, 0.5, 500)))
    x, _ = plot.raw_item.getData()
    assert len(x) == 3000 and x[-1] == 3000


def test_log_toggle_changes_axis_mode(qtbot):
    plot = eager(LossPlot())
    qtbot.addWidget(plot)
    feed(plot)
    assert not plot.log_scale
    plot.log_box.setChecked(True)
    assert plot.log_scale and plot.loss_plot.getAxis("left").logMode
    plot.set_log_scale(False)
    assert not plot.log_scale and not plot.log_box.isChecked()


def test_smoothing_slider_recomputes_the_ema(qtbot):
    plot = eager(LossPlot())
    qtbot.addWidget(plot)
    plot.add_snapshot(snap(40, 0, [1.0, 0.0] * 20))
    plot.set_smoothing(0.0)
    assert np.allclose(plot.smooth_item.getData()[1], plot.raw_item.getData()[1])
    plot.set_smoothing(0.9)
    smooth = plot.smooth_item.getData()[1]
    assert smooth[0] == pytest.approx(1.0)  # debiased: the first value is the first loss
    assert np.ptp(smooth[20:]) < 0.2  # zig-zag flattened around 0.5


def test_start_run_keeps_the_old_curve_dimmed(qtbot):
    plot = eager(LossPlot())
    qtbot.addWidget(plot)
    plot.start_run("sgd lr=0.1")
    feed(plot, steps=20)
    plot.start_run("adam lr=0.01")
    assert len(plot.kept) == 1 and plot.kept[0].label == "sgd lr=0.1"
    old = plot.kept[0].items[0]
    assert len(old.getData()[0]) == 20 and old in plot.loss_plot.listDataItems()
    assert plot.raw_item.getData()[0] is None  # pyqtgraph's "no data"
    assert "earlier: sgd lr=0.1" in plot.key.text() and "adam lr=0.01" in plot.key.text()
    feed(plot, steps=10)
    assert list(plot.raw_item.getData()[0][:2]) == [1, 2]  # the new run starts at step 1
    plot.clear_runs()
    assert not plot.kept and old not in plot.loss_plot.listDataItems()
    assert "earlier" not in plot.key.text()


def test_restarted_counters_continue_the_curves(qtbot):
    plot = eager(LossPlot())
    qtbot.addWidget(plot)
    plot.add_snapshot(snap(5, 1, [1.0] * 5, train=1.0, val=1.0, event="epoch"))
    plot.add_snapshot(snap(3, 0, [0.5] * 3))  # weights kept, the session restarted counting
    plot.add_snapshot(snap(5, 1, [0.5] * 2, train=0.5, val=0.6, event="epoch"))
    assert list(plot.raw_item.getData()[0]) == list(range(1, 11))
    assert list(plot.val_item.getData()[0]) == [5, 10] and plot.run.epochs == [1, 2]


def test_diverged_losses_leave_a_gap_not_a_broken_average(qtbot):
    plot = eager(LossPlot())
    qtbot.addWidget(plot)
    plot.add_snapshot(snap(4, 0, [1.0, 1.0, float("nan"), 1.0]))
    smooth = plot.smooth_item.getData()[1]
    assert np.isnan(smooth[2]) and smooth[3] == pytest.approx(1.0)


def test_hover_readout_names_step_and_epoch(qtbot):
    plot = eager(LossPlot())
    qtbot.addWidget(plot)
    feed(plot, steps=20)
    text = plot.readout_at(12.2)
    assert "step 13" in text and "epoch 2" in text and "val loss 0.6" in text
    assert "val accuracy 0.7" in text


# -- decision plot -----------------------------------------------------------------------------
def decision(qtbot, points, labels, n_classes=2) -> DecisionPlot:
    plot = DecisionPlot()
    qtbot.addWidget(plot)
    pts = np.asarray(points, np.float32)
    plot.set_data(pts[:-1], np.asarray(labels[:-1]), pts[-1:], np.asarray(labels[-1:]),
                  n_classes)
    return plot


def test_decision_image_is_the_grid_over_its_extent(qtbot):
    plot = decision(qtbot, [(-2, -1), (4, 1), (0, 0)], [0, 1, 0])
    grid = np.random.default_rng(0).random((G, G)).astype(np.float32)
    extent = np.array([-2.0, 4.0, -1.0, 1.0], np.float32)
    plot.update(snap(1, probes={"decision_grid": grid, "grid_extent": extent}))
    assert np.array_equal(plot.image.image, grid)
    dx, dy = 6.0 / (G - 1), 2.0 / (G - 1)
    rect = plot.image.mapRectToParent(plot.image.boundingRect())
    assert rect.left() == pytest.approx(-2 - dx / 2) and rect.width() == pytest.approx(G * dx)
    assert rect.top() == pytest.approx(-1 - dy / 2) and rect.height() == pytest.approx(G * dy)
    # row = y, column = x: the centre of cell (row 3, column 7) sits at (x0 + 7 dx, y0 + 3 dy)
    centre = plot.image.mapToParent(QPointF(7.5, 3.5))
    assert centre.x() == pytest.approx(-2 + 7 * dx) and centre.y() == pytest.approx(-1 + 3 * dy)


def test_decision_updates_reuse_their_items(qtbot):
    plot = decision(qtbot, [(-1, -1), (1, 1), (0, 0)], [0, 1, 0])
    extent = np.array([-1.0, 1.0, -1.0, 1.0])
    image, items = plot.image, list(plot.plot.items)
    for k in range(5):
        grid = np.full((G, G), k / 5, np.float32)
        plot.update(snap(k, probes={"decision_grid": grid, "grid_extent": extent}))
    assert plot.image is image and list(plot.plot.items) == items
    assert np.all(plot.image.image == np.float32(0.8))


def test_misclassified_points_come_from_the_nearest_cell(qtbot):
    # class 1 where x > 0; points 1 (train) and 3 (validation) sit on the wrong side
    points = [(-1, 0), (1, 0), (1, 0.5), (-1, 0.5)]
    plot = decision(qtbot, points, [0, 0, 1, 1])
    grid = np.zeros((G, G), np.float32)
    grid[:, G // 2:] = 0.9
    extent = np.array([-2.0, 2.0, -2.0, 2.0])
    plot.update(snap(1, probes={"decision_grid": grid, "grid_extent": extent}))
    assert list(plot.misclassified) == [1, 3]
    x, y = plot.mistakes.getData()
    assert sorted(zip(x.tolist(), y.tolist())) == [(-1.0, 0.5), (1.0, 0.0)]


def test_multiclass_grid_predicts_by_argmax_and_is_shaded(qtbot):
    points = [(0, -1.5), (0, 0), (0, 1.5), (0, 1.4)]
    plot = decision(qtbot, points, [0, 1, 1, 2], n_classes=3)
    probs = np.zeros((G, G, 3), np.float32)  # class = horizontal band (rows = y)
    probs[: G // 3, :, 0] = probs[G // 3 : 2 * G // 3, :, 1] = probs[2 * G // 3 :, :, 2] = 1
    extent = np.array([-2.0, 2.0, -2.0, 2.0])
    plot.update(snap(1, probes={"decision_grid": probs, "grid_extent": extent}))
    assert list(plot.misclassified) == [2]
    assert plot.image.image.shape == (G, G, 4) and plot.image.image.dtype == np.uint8


# -- regression plot ---------------------------------------------------------------------------
def test_regression_curve_follows_the_probe(qtbot):
    plot = RegressionPlot()
    qtbot.addWidget(plot)
    x = np.linspace(-1, 1, 30).reshape(-1, 1)
    plot.set_data(x, x**2, x[:5], x[:5] ** 2)
    assert len(plot.train_points.getData()[0]) == 30
    cx, cy = np.linspace(-1, 1, 200), np.linspace(0, 1, 200)
    plot.update(snap(1, probes={"curve_x": cx, "curve_y": cy}))
    assert np.allclose(plot.curve.getData()[0], cx) and np.allclose(plot.curve.getData()[1], cy)


# -- network view ------------------------------------------------------------------------------
def network(qtbot, layers) -> NetworkView:
    view = NetworkView()
    qtbot.addWidget(view)
    view.set_structure(layers)
    return view


def test_network_line_widths_follow_weight_magnitude(qtbot):
    view = network(qtbot, [("in", 2), ("h", 3), ("out", 1)])
    k1 = np.array([[0.1, -0.5, 1.0], [-2.0, 0.05, 0.3]])
    k2 = np.array([[0.7], [-0.2], [1.5]])
    view.update(snap(1, probes={"weights:h/kernel": k1, "weights:out/kernel": k2}))
    w = np.concatenate([k1.ravel(), k2.ravel()])
    assert np.allclose(view.weights, w)
    order = np.argsort(np.abs(w))
    assert np.all(np.diff(view.widths[order]) > 0)
    drawn = [view.drawn_width(i) for i in order]
    assert drawn == sorted(drawn) and drawn[-1] > 3 * drawn[0]
    blue = {view.group[i] for i in np.flatnonzero(w > 0)}
    orange = {view.group[i] for i in np.flatnonzero(w < 0)}
    assert blue.isdisjoint(orange)


def test_network_passes_layers_without_kernel_one_to_one(qtbot):
    view = network(qtbot, [("in", 2), ("h", 3), ("relu", 3), ("out", 1)])
    view.update(snap(1, probes={"weights:h/kernel": np.ones((2, 3)),
                                "weights:out/kernel": np.ones((3, 1))}))
    part = view.geo.pair == 2
    shown = ~np.isnan(view.weights[part])
    assert shown.sum() == 3 and view.neutral[part].sum() == 3


def test_network_hover_reports_the_weight(qtbot):
    view = network(qtbot, [("in", 2), ("h", 3)])
    view.update(snap(1, probes={"weights:h/kernel": np.array([[0.25, -1, 2], [3, 4, 5]])}))
    seg = view.geo.seg[1]  # in neuron 1 -> h neuron 2
    index = view.connection_at((seg[0] + seg[2]) / 2, (seg[1] + seg[3]) / 2)
    assert index == 1
    assert "weight = -1.0000" in view.describe(index)
    assert view.connection_at(-50.0, -50.0) is None


def test_network_neuron_maps_are_drawn_top_down(qtbot):
    view = network(qtbot, [("in", 2), ("h", 2)])
    maps = np.zeros((G, G, 2), np.float32)
    maps[..., 0], maps[..., 1] = 1.0, -1.0  # top neuron positive, bottom negative
    view.update(snap(1, probes={"neuron_map:h": maps}))
    image = view.images[1].image
    lut = diverging_lut(plot_style("light"), strength=0.95)
    rows = image.shape[0] // 2
    assert np.array_equal(image[rows + rows // 2, 0], lut[255])  # upper block: blue
    assert np.array_equal(image[rows // 2, 0], lut[0])  # lower block: orange
    assert view.images[0].image is not None  # the inputs x1, x2 drawn too


def test_network_too_large_shows_a_note(qtbot):
    view = network(qtbot, [("in", 784), ("h", 32), ("out", 10)])
    assert view.stack.currentWidget() is view.message
    assert TOO_LARGE in view.message.text()
    view.update(snap(1, probes={"weights:h/kernel": np.ones((784, 32))}))  # ignored
    view.set_structure([("in", 2), ("h", 4)])
    assert view.stack.currentWidget() is view.plot_widget


# -- confusion view ----------------------------------------------------------------------------
def test_confusion_counts_and_normalized_values(qtbot):
    view = ConfusionView()
    qtbot.addWidget(view)
    m = np.array([[8, 2, 0], [1, 3, 0], [0, 0, 0]])
    view.update(m, ["a", "b", "c"])
    assert len(view.texts) == 9 and view.texts[1].textItem.toPlainText() == "2"
    view.set_normalized(True)
    assert np.allclose(view.values()[0], [80, 20, 0]) and np.allclose(view.values()[1], [25, 75, 0])
    assert np.allclose(view.values()[2], 0)  # a class without samples stays 0
    assert view.texts[0].textItem.toPlainText() == "80%"
    assert view.texts[4].textItem.toPlainText() == "75%"
    assert np.allclose(row_normalized(m).sum(axis=1), [1, 1, 0])
    assert "accuracy 78.6%" in view.summary.text()
    assert view.image.image.shape == (3, 3, 4)


def test_views_repaint_with_plain_update(qtbot):
    for cls in (LossPlot, DecisionPlot, RegressionPlot, NetworkView, ConfusionView):
        view = cls()
        qtbot.addWidget(view)
        view.update()  # QWidget.update(): schedules a repaint, no snapshot needed
        assert isinstance(view.findChild(pg.GraphicsView), pg.GraphicsView)
