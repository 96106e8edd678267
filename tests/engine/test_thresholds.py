"""Metrics at a decision threshold equal scikit-learn's; the operating point lies on the
ROC and precision–recall curves the Evaluation view draws."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import confusion_matrix, f1_score, precision_score, recall_score, roc_curve

from engine.introspection.curves import evaluation_report
from engine.introspection.thresholds import best_f1_threshold, class_scores, threshold_metrics


@pytest.mark.parametrize("threshold", [0.0, 0.1, 0.35, 0.5, 0.8, 0.99, 1.0])
def test_threshold_metrics_match_scikit_learn(threshold: float) -> None:
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 300).astype(bool)
    scores = np.clip(0.3 * y + rng.uniform(0, 0.7, 300), 0, 1)
    got = threshold_metrics(y, scores, threshold)
    pred = scores >= threshold
    np.testing.assert_array_equal(got["confusion"], confusion_matrix(y, pred, labels=[0, 1]))
    assert got["precision"] == pytest.approx(precision_score(y, pred, zero_division=0))
    assert got["recall"] == pytest.approx(recall_score(y, pred, zero_division=0))
    assert got["f1"] == pytest.approx(f1_score(y, pred, zero_division=0))


def test_operating_points_lie_on_the_roc_curve() -> None:
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 200).astype(bool)
    scores = rng.uniform(0, 1, 200) * 0.6 + 0.4 * y
    fpr, tpr, thresholds = roc_curve(y, scores)
    for t, f, r in list(zip(thresholds, fpr, tpr))[1:]:
        got = threshold_metrics(y, scores, float(t))
        assert (got["fpr"], got["recall"]) == pytest.approx((f, r))


def test_multiclass_report_carries_scores_for_one_class_vs_rest() -> None:
    rng = np.random.default_rng(2)
    logits = rng.standard_normal((150, 3))
    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    labels = rng.integers(0, 3, 150)
    report = evaluation_report(labels, probs, 3)
    positive, score = class_scores(report["labels"], report["probs"], 2)
    got = threshold_metrics(positive, score, 0.4)
    assert got["recall"] == pytest.approx(recall_score(labels == 2, probs[:, 2] >= 0.4))
    assert got["tp"] + got["fp"] + got["fn"] + got["tn"] == 150


def test_best_f1_threshold_beats_one_half_on_a_rare_class() -> None:
    rng = np.random.default_rng(3)
    y = np.r_[np.ones(20, bool), np.zeros(180, bool)]
    scores = np.r_[rng.uniform(0.2, 0.6, 20), rng.uniform(0.0, 0.35, 180)]
    best = best_f1_threshold(y, scores)
    assert threshold_metrics(y, scores, best)["f1"] > threshold_metrics(y, scores, 0.5)["f1"]
