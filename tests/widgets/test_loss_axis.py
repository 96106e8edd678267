"""The Loss panel's step axis: it grows in coarse jumps (not with every frame) and a GAN run
shows the discriminator's and the generator's loss, named, on an axis that ends where the
status bar's step count is."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from widgets.plots.coarse_range import nice_ceiling
from widgets.plots.loss_plot import LossPlot


def snap(step, losses, extra=None, rows=()):
    return SimpleNamespace(step=step, batch_losses=tuple(losses), epoch_rows=rows,
                           extra=extra or {})


def plot_of(qtbot):
    plot = LossPlot()
    qtbot.addWidget(plot)
    plot.resize(460, 380)
    plot.show()
    plot.min_redraw_interval = 0.0  # every snapshot redraws at once
    return plot


def test_nice_ceilings():
    assert [nice_ceiling(v) for v in (0.3, 1.3, 130, 210, 2600, 2500, 10_000)] == \
        [1, 2, 200, 250, 5000, 2500, 10_000]


def test_the_step_axis_moves_a_handful_of_times_in_a_long_run(qtbot):
    plot = plot_of(qtbot)
    ranges = []
    plot.loss_plot.vb.sigXRangeChanged.connect(lambda _vb, r: ranges.append(tuple(r)))
    for i in range(1, 601):  # 600 frames of 10 steps, an epoch every 50 frames
        rows = ({"epoch": i // 50, "step": 10 * i, "train_loss": 0.5, "val_loss": 0.6,
                 "train_accuracy": 0.8, "val_accuracy": 0.7},) if i % 50 == 0 else ()
        plot.add_snapshot(snap(10 * i, np.linspace(1.0, 0.5, 10), rows=rows))
    lo, hi = plot.loss_plot.vb.viewRange()[0]
    assert lo == 0 and 6000 <= hi <= 1.25 * 2.5 * 6000  # all the data, room to grow
    assert hi == nice_ceiling(hi)
    assert len(ranges) <= 12  # ~once per doubling, not 600 times
    assert plot.metric_plot.scene() is not None  # the accuracy chart is shown, and linked:
    assert plot.metric_plot.vb.viewRange()[0] == [lo, hi]


def test_a_learner_who_zooms_keeps_the_range_until_the_plots_are_cleared(qtbot):
    plot = plot_of(qtbot)
    plot.add_snapshot(snap(100, np.ones(100)))
    plot.loss_plot.vb.setXRange(20, 40, padding=0)
    plot.loss_plot.vb.sigRangeChangedManually.emit([True, False])  # as a mouse drag does
    plot.add_snapshot(snap(1000, np.ones(900)))
    assert plot.loss_plot.vb.viewRange()[0] == [20, 40]
    plot.clear_runs()
    plot.add_snapshot(snap(300, np.ones(300)))
    assert plot.loss_plot.vb.viewRange()[0] == [0, 500]


def test_a_gan_run_names_both_losses_and_its_axis_ends_at_the_last_step(qtbot):
    plot = plot_of(qtbot)
    assert "discriminator" not in plot.key.text()
    step = 0
    for _ in range(40):  # d_steps = 2: one generator step every second discriminator step
        step += 25
        plot.add_snapshot(snap(step, np.full(25, 1.3), {"g_losses": tuple(np.full(12, 0.7))}))
    key = plot.key.text()
    assert "discriminator" in key and "generator" in key and "validation" not in key
    assert plot.run.steps.x[-1] == step == 1000  # one point per step, not two
    assert plot.generator.raw.n == 40 * 12 and plot.generator.last_x() <= step
    assert np.allclose(plot.generator.smooth_item.yData, 0.7)
    assert step <= plot.loss_plot.vb.viewRange()[0][1] <= nice_ceiling(1.25 * step)
    plot.start_run("run 2")  # a supervised run next: the usual names again
    plot.add_snapshot(snap(10, np.ones(10)))
    assert "discriminator" not in plot.key.text() and plot.generator.raw.n == 0


def test_the_step_axis_ends_at_the_last_step_when_the_run_ends(qtbot):
    plot = plot_of(qtbot)
    for i in range(1, 28):  # 2,700 steps, as the autoencoder example (45 steps × 60 epochs)
        plot.add_snapshot(snap(100 * i, np.ones(100)))
    assert plot.loss_plot.vb.viewRange()[0][1] == 5000  # room to grow while it runs
    final = SimpleNamespace(step=2700, batch_losses=(), epoch_rows=(), extra={}, is_final=True)
    plot.add_snapshot(final)
    lo, hi = plot.loss_plot.vb.viewRange()[0]
    assert lo == 0 and 2700 <= hi <= 1.02 * 2700
    plot.start_run("run 2")  # a new run grows the axis again from the kept run's end
    plot.add_snapshot(snap(3000, np.ones(3000)))
    assert plot.loss_plot.vb.viewRange()[0][1] == nice_ceiling(1.25 * 3000)


def test_a_finished_autoencoder_run_shows_no_empty_steps_after_its_end(qtbot, tmp_path,
                                                                      monkeypatch):
    from app.examples import example_path
    from tests.widgets.window_helpers import close_test_window, make_test_window

    win = make_test_window(qtbot, tmp_path, monkeypatch)
    try:
        assert win.files.open_example(example_path("ae_digits_2d"))
        win.dataset_panel.ensure_current()
        win.doc.set_training({"epochs": 3})
        win.run.toggle_play()
        qtbot.waitUntil(lambda: win.run.state == "finished", timeout=60000)
        loss = win.plots.loss
        last = float(loss.run.steps.x[-1])
        assert last == win.session.last_snapshot.step == 3 * 45
        qtbot.waitUntil(lambda: loss.loss_plot.vb.viewRange()[0][1] <= 1.02 * last)
        lo, hi = loss.loss_plot.vb.viewRange()[0]
        assert lo == 0 and last <= hi  # the axis ends at the last step: no empty stretch
    finally:
        close_test_window(win)
