"""Per-class curves, calibration and misclassified samples (checked against scikit-learn)."""

import numpy as np
import pytest

from engine.introspection.curves import (
    calibration,
    class_probabilities,
    evaluation_report,
    misclassified,
    one_vs_rest,
    pr_curve,
)


def three_class(n=300, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    logits = rng.normal(size=(n, 3)) + 1.5 * np.eye(3)[y]
    p = np.exp(logits)
    return y, p / p.sum(axis=1, keepdims=True)


def test_pr_curve_worked_example():
    precision, recall, ap = pr_curve([1, 0, 1, 0], [0.9, 0.8, 0.7, 0.1])
    np.testing.assert_allclose(recall, [0, 0.5, 0.5, 1.0, 1.0])
    np.testing.assert_allclose(precision, [1, 1, 0.5, 2 / 3, 0.5])
    assert abs(ap - (0.5 * 1 + 0.5 * 2 / 3)) < 1e-12


def test_pr_and_roc_match_scikit_learn():
    metrics = pytest.importorskip("sklearn.metrics")
    y, p = three_class()
    curves = one_vs_rest(y, p)
    assert set(curves) == {0, 1, 2}
    for k in range(3):
        assert abs(curves[k]["ap"] - metrics.average_precision_score(y == k, p[:, k])) < 1e-12
        assert abs(curves[k]["auc"] - metrics.roc_auc_score(y == k, p[:, k])) < 1e-12
    ovr = metrics.roc_auc_score(y, p, multi_class="ovr", average="macro")
    assert abs(np.mean([c["auc"] for c in curves.values()]) - ovr) < 1e-12


def test_binary_scores_give_only_the_positive_class():
    y = np.array([0, 1, 1, 0, 1])
    s = np.array([0.2, 0.9, 0.4, 0.6, 0.7])
    np.testing.assert_allclose(class_probabilities(s)[:, 0], 1 - s)
    curves = one_vs_rest(y, s)
    assert list(curves) == [1]
    assert abs(curves[1]["auc"] - 5 / 6) < 1e-12


def test_calibration_worked_example():
    y = np.array([0, 1, 1, 0])
    p = np.array([[0.95, 0.05], [0.15, 0.85], [0.75, 0.25], [0.35, 0.65]])
    # confidences 0.95 (right), 0.85 (right), 0.75 (wrong), 0.65 (wrong)
    cal = calibration(y, p, bins=5)
    np.testing.assert_array_equal(cal["count"], [0, 0, 0, 2, 2])
    np.testing.assert_allclose(cal["confidence"][3:], [0.7, 0.9])
    np.testing.assert_allclose(cal["accuracy"][3:], [0.0, 1.0])
    assert np.isnan(cal["confidence"][0])
    assert abs(cal["ece"] - (2 * 0.7 + 2 * 0.1) / 4) < 1e-12


def test_misclassified_are_sorted_by_confidence():
    y = np.array([0, 1, 2, 0, 1])
    p = np.array([[0.1, 0.8, 0.1], [0.1, 0.8, 0.1], [0.6, 0.2, 0.2],
                  [0.3, 0.3, 0.4], [0.9, 0.05, 0.05]])
    m = misclassified(y, p)
    assert m["index"].tolist() == [4, 0, 2, 3]
    assert m["true"].tolist() == [1, 0, 2, 0] and m["predicted"].tolist() == [0, 1, 0, 2]
    np.testing.assert_allclose(m["confidence"], [0.9, 0.8, 0.6, 0.4])
    assert misclassified(y, p, limit=2)["index"].tolist() == [4, 0]


def test_evaluation_report_per_class_scores():
    metrics = pytest.importorskip("sklearn.metrics")
    y, p = three_class(seed=2)
    rep = evaluation_report(y, p, 3)
    pred = p.argmax(axis=1)
    np.testing.assert_allclose(rep["f1"], metrics.f1_score(y, pred, average=None))
    np.testing.assert_allclose(rep["precision"], metrics.precision_score(y, pred, average=None))
    assert rep["confusion"].sum() == len(y)
    assert len(rep["misclassified"]["index"]) == int(np.sum(pred != y))
