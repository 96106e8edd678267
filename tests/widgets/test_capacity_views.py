"""Views of issue 13 part B used as a learner does: the Evaluation view's threshold slider,
the regression paths, the initialization small multiples and the sweep dialog."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from sklearn.metrics import f1_score, precision_score, recall_score

from engine.introspection.curves import evaluation_report
from engine.snapshots import Snapshot


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
