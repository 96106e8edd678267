"""Views of issue 13 part B used as a learner does: the Evaluation view's threshold slider,
the regression paths, the initialization small multiples and the sweep dialog."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from sklearn.metrics import f1_score, precision_score, recall_score

from engine.introspection.curves import evaluation_report
from engine.snapshots import Snapshot
from tests.widgets.window_helpers import close_test_window, make_test_window


def snapshot_with(probes: dict) -> Snapshot:
    return Snapshot("epoch", 1, 1, 1.0, 10, (), 0.5, 0.5, {}, 0.01, 1.0, 10.0, None,
                    probes=probes)


def binary_report(n: int = 200, seed: int = 0) -> tuple[np.ndarray, np.ndarray, dict]:
    rng = np.random.default_rng(seed)
    labels = (rng.uniform(size=n) < 0.2).astype(np.int64)  # a rare class 1
    p1 = np.clip(0.35 * labels + rng.uniform(0, 0.65, n), 0, 1)
    return labels, p1, evaluation_report(labels, p1, 2)


def test_threshold_slider_moves_the_operating_point_and_recounts(qtbot) -> None:
    from widgets.views.evaluation_view import EvaluationView

    labels, p1, report = binary_report()
    view = EvaluationView()
    qtbot.addWidget(view)
    view.show()
    view.update(snapshot_with({"introspection:evaluation": report}))
    view.tabs.setCurrentIndex(1)  # ROC
    assert view.threshold.isVisible()
    panel = view.threshold
    for value in (0.3, 0.5, 0.7):
        panel.set_threshold(value)
        pred = p1 >= value
        m = panel.metrics
        assert m is not None
        assert m["precision"] == pytest.approx(precision_score(labels, pred, zero_division=0))
        assert m["recall"] == pytest.approx(recall_score(labels, pred, zero_division=0))
        assert m["f1"] == pytest.approx(f1_score(labels, pred, zero_division=0))
        tp = int(np.sum(pred & (labels == 1)))
        assert panel.cells[1][1].text() == str(tp)
        xs, ys = view.roc_point.getData()
        assert (xs[0], ys[0]) == pytest.approx((m["fpr"], m["recall"]))
        xs, ys = view.pr_point.getData()
        assert (xs[0], ys[0]) == pytest.approx((m["recall"], m["precision"]))
    low_recall = panel.metrics["recall"]
    qtbot.mouseClick(panel.best, Qt.MouseButton.LeftButton)
    assert panel.metrics["f1"] >= f1_score(labels, p1 >= 0.7, zero_division=0)
    assert panel.threshold < 0.7 and panel.metrics["recall"] >= low_recall
    view.tabs.setCurrentIndex(0)
    assert not view.threshold.isVisible()


def test_threshold_panel_picks_a_class_of_a_multiclass_task(qtbot) -> None:
    from widgets.views.evaluation_view import EvaluationView

    rng = np.random.default_rng(4)
    probs = rng.dirichlet(np.ones(3), 120)
    labels = rng.integers(0, 3, 120)
    view = EvaluationView()
    qtbot.addWidget(view)
    view.update(snapshot_with({"introspection:evaluation": evaluation_report(labels, probs, 3)}))
    panel = view.threshold
    assert panel.klass.count() == 3
    panel.klass.setCurrentIndex(2)
    panel.set_threshold(0.4)
    assert panel.metrics["recall"] == pytest.approx(
        recall_score(labels == 2, probs[:, 2] >= 0.4, zero_division=0))


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    from app.examples import example_path

    win = make_test_window(qtbot, tmp_path, monkeypatch)
    assert win.files.open_example(example_path("xor"))
    yield win
    for dialog in list(win.capacity.windows.values()):
        dialog.close()
    close_test_window(win)


def tools_action(win, text: str):
    menu = next(m for m in win.menuBar().actions() if m.text() == "&Tools").menu()
    return next(a for a in menu.actions() if a.text().replace("&", "").startswith(text))


def test_capacity_sweep_runs_in_the_background_plots_and_applies(window, qtbot) -> None:
    from engine.sweep import SweepSpec, run_sweep

    tools_action(window, "Capacity sweep").trigger()
    dialog = window.capacity.windows["sweep"]
    hidden = next(n for n, node in window.doc.graph.nodes.items() if node.kind == "Dense")
    before = window.doc.graph.nodes[hidden].options["units"]
    dialog.values.setText("1, 4")
    dialog.epochs.setValue(5)
    qtbot.mouseClick(dialog.run_button, Qt.MouseButton.LeftButton)
    assert dialog.running  # the GUI thread is free while the copies train
    qtbot.waitUntil(lambda: not dialog.running, timeout=60_000)
    result = dialog.sweep_result
    assert result is not None and result.values == [1.0, 4.0]
    project = window.doc.snapshot_project()
    project.training.epochs = 5
    again = run_sweep(project, SweepSpec("width", [1, 4], epochs=5), window.capacity._data())
    np.testing.assert_allclose(result.val_mean, again.val_mean)
    assert dialog.progress.value() == dialog.progress.maximum() == 2
    assert f"{result.best_value:g}" in dialog.info.text()
    assert dialog.apply_button.isEnabled()
    qtbot.mouseClick(dialog.apply_button, Qt.MouseButton.LeftButton)
    assert window.doc.graph.nodes[hidden].options["units"] == int(result.best_value)
    window.doc.undo_stack.undo()  # one undo step
    assert window.doc.graph.nodes[hidden].options["units"] == before


def test_sweep_dialog_refuses_bad_values_in_plain_words(window, qtbot) -> None:
    tools_action(window, "Capacity sweep").trigger()
    dialog = window.capacity.windows["sweep"]
    dialog.values.setText("1, many")
    qtbot.mouseClick(dialog.run_button, Qt.MouseButton.LeftButton)
    assert not dialog.running and "numbers separated by commas" in dialog.info.text()


def test_initialization_side_by_side_switches_live(window, qtbot) -> None:
    tools_action(window, "Initialization side by side").trigger()
    from widgets.views.init_multiples_view import InitMultiplesView

    view = window.capacity.windows["init"].findChild(InitMultiplesView)
    assert view.stats is not None and view.scheme == "glorot"
    glorot_std = view.stats["act_std"][view.stats["layers"][0]]
    view.set_scheme("zeros")
    assert view.stats["scheme"] == "zeros"
    assert view.stats["act_std"][view.stats["layers"][0]] < glorot_std
    assert "zeros" in view.summary.text()


def test_regression_by_formula_and_by_descent_view(qtbot) -> None:
    from engine.datasets.registry import load_dataset
    from engine.graph import Graph
    from engine.project import Project
    from engine.training import TrainConfig
    from widgets.views.regression_paths_view import RegressionPathsView

    graph = Graph.sequential([{"kind": "Input", "shape": [1]},
                              {"kind": "Dense", "name": "line", "units": 1,
                               "activation": "linear"}])
    project = Project(graph=graph, dataset={"name": "polynomial", "n_samples": 80},
                      training=TrainConfig(optimizer="sgd",
                                           optimizer_options={"learning_rate": 0.3}))
    view = RegressionPathsView(project, load_dataset(project.dataset))
    qtbot.addWidget(view)
    assert view.lr.value() == pytest.approx(0.3) and view.optimizer.currentText() == "sgd"
    view.steps.setValue(1500)
    paths = view.paths
    assert paths is not None and paths.gap < 1e-3
    assert "By formula" in view.summary.text()
    view.degree.setValue(3)
    assert view.paths.theta_star.shape == (4, 1) and len(view.params.getPlotItem()
                                                         .listDataItems()) == 4
    view.step.setValue(0)
    assert "after 0 steps" in view.summary.text()


def test_class_weights_are_chosen_in_the_training_panel(window, qtbot) -> None:
    panel = window.training_panel
    combo = panel.editors["class_weight"]
    combo.setCurrentIndex(combo.findData("balanced"))
    combo.activated.emit(combo.currentIndex())
    assert window.doc.project.training.loss_options["class_weight"] == "balanced"
    combo.setCurrentIndex(combo.findData("none"))
    combo.activated.emit(combo.currentIndex())
    assert "class_weight" not in window.doc.project.training.loss_options
    window.doc.undo_stack.undo()
    assert combo.currentData() == "balanced"


def test_sweep_plot_reads_in_percent_with_the_swept_values_as_ticks(window, qtbot) -> None:
    from engine.sweep import SweepResult

    tools_action(window, "Capacity sweep").trigger()
    dialog = window.capacity.windows["sweep"]
    widths = [1.0, 2.0, 4.0, 8.0, 16.0, 32.0]
    val = np.array([0.4, 0.2, 0.05, 0.004, 0.003, 0.01])  # small errors: once "(×0.001)"
    zero = np.zeros(6)
    dialog.show_result(SweepResult("width", widths, val * 0.5, zero, val, zero, "error rate"))
    item = dialog.plot.getPlotItem()
    left, bottom = item.getAxis("left"), item.getAxis("bottom")
    assert "%" in left.labelText and not left.autoSIPrefix and not bottom.autoSIPrefix
    ys = item.listDataItems()[1].getData()[1]
    np.testing.assert_allclose(ys, 100 * val)  # percent, not fractions with a prefix
    ticks = [text for _, text in bottom._tickLevels[0]]
    assert ticks == ["1", "2", "4", "8", "16", "32"]  # the values, not "8 910¹"
    assert item.legend is None and "validation error" in dialog.key.text()  # key off the plot
    assert "best 16" in dialog.info.text() or "= 16" in dialog.info.text()
    depth = SweepResult("depth", [0.0, 1.0, 2.0, 3.0], val[:4], zero[:4], val[:4], zero[:4],
                        "error rate")
    dialog.show_result(depth)
    assert [t for _, t in bottom._tickLevels[0]] == ["0", "1", "2", "3"]
    assert "log" not in bottom.labelText
    dialog.close()
