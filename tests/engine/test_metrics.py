"""Metrics against worked examples and scikit-learn on seeded random data."""

import json

import numpy as np
import pytest
from sklearn import metrics as skm

from engine.metrics import (
    accuracy,
    classification_report,
    confusion_matrix,
    precision_recall_f1,
    r2_score,
    roc_auc,
    roc_curve,
)
from engine.types import DataError


def test_accuracy_worked_examples():
    scores = np.array([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7], [0.6, 0.4]])
    assert accuracy([1, 0, 0, 0], scores) == 0.75
    assert accuracy(np.eye(2)[[1, 0, 0, 0]], scores) == 0.75  # one-hot truth
    assert accuracy([1, 0, 1], np.array([0.7, 0.5, 0.51])) == pytest.approx(1.0)  # 0.5 -> 0
    assert accuracy([1, 0, 0], np.array([[0.7], [0.2], [0.9]])) == pytest.approx(2 / 3)
    assert accuracy([], np.zeros((0, 3))) == 0.0


def test_confusion_matrix_worked_example():
    cm = confusion_matrix([0, 0, 1, 2, 2, 2], [0, 1, 1, 2, 0, 2], 3)
    assert cm.tolist() == [[1, 1, 0], [0, 1, 0], [1, 0, 2]]
    prf = precision_recall_f1(cm)
    assert prf["precision"].tolist() == pytest.approx([0.5, 0.5, 1.0])
    assert prf["recall"].tolist() == pytest.approx([0.5, 1.0, 2 / 3])
    assert prf["f1"][1] == pytest.approx(2 / 3)
    assert prf["support"].tolist() == [2, 1, 3]


def test_zero_division_counts_as_zero():
    prf = precision_recall_f1(confusion_matrix([0, 0, 1], [0, 0, 0], 3))  # 1, 2 never predicted
    assert prf["precision"].tolist() == pytest.approx([2 / 3, 0.0, 0.0])
    assert prf["recall"].tolist() == pytest.approx([1.0, 0.0, 0.0])
    assert prf["f1"][2] == 0.0 and np.isfinite(prf["macro_f1"])


@pytest.mark.parametrize("seed,k", [(0, 2), (1, 3), (2, 7)])
def test_confusion_and_prf_match_sklearn(seed, k):
    rng = np.random.default_rng(seed)
    y, p = rng.integers(0, k, 200), rng.integers(0, k, 200)
    p[:20] = y[:20]
    if k == 7:
        p[p == 6] = 5  # class 6 never predicted: exercises 0/0
    cm = confusion_matrix(y, p, k)
    assert np.array_equal(cm, skm.confusion_matrix(y, p, labels=range(k)))
    prf = precision_recall_f1(cm)
    sp, sr, sf, ss = skm.precision_recall_fscore_support(y, p, labels=range(k), zero_division=0)
    np.testing.assert_allclose(prf["precision"], sp)
    np.testing.assert_allclose(prf["recall"], sr)
    np.testing.assert_allclose(prf["f1"], sf)
    assert np.array_equal(prf["support"], ss)
    assert prf["macro_f1"] == pytest.approx(
        skm.f1_score(y, p, labels=range(k), average="macro", zero_division=0))
    assert prf["macro_precision"] == pytest.approx(
        skm.precision_score(y, p, labels=range(k), average="macro", zero_division=0))
    assert accuracy(y, np.eye(k)[p]) == pytest.approx(skm.accuracy_score(y, p))


def test_roc_auc_worked_example_with_ties():
    # positives 0.8, 0.4; negatives 0.4, 0.1: pairs (0.8>0.4), (0.8>0.1), (0.4=0.4 → ½), (0.4>0.1)
    assert roc_auc([1, 1, 0, 0], [0.8, 0.4, 0.4, 0.1]) == pytest.approx(3.5 / 4)
    assert roc_auc([1, 0], [0.9, 0.1]) == 1.0 and roc_auc([1, 0], [0.1, 0.9]) == 0.0
    assert np.isnan(roc_auc([1, 1], [0.2, 0.3]))


@pytest.mark.parametrize("seed,rounded", [(3, False), (4, True)])
def test_roc_matches_sklearn_and_mann_whitney(seed, rounded):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, 300)
    s = rng.normal(size=300) + 0.8 * y
    if rounded:
        s = np.round(s, 1)  # many ties
    fpr, tpr, thr = roc_curve(y, s)
    sfpr, stpr, sthr = skm.roc_curve(y, s, drop_intermediate=False)
    np.testing.assert_allclose(fpr, sfpr)
    np.testing.assert_allclose(tpr, stpr)
    np.testing.assert_array_equal(thr, sthr)
    auc = roc_auc(y, s)
    assert auc == pytest.approx(skm.roc_auc_score(y, s), rel=1e-12)
    pos, neg = s[y == 1], s[y == 0]
    diff = pos[:, None] - neg[None, :]
    mann_whitney = np.mean((diff > 0) + 0.5 * (diff == 0))
    assert auc == pytest.approx(mann_whitney, rel=1e-12)


@pytest.mark.parametrize("seed,d", [(5, 1), (6, 3)])
def test_r2_matches_sklearn(seed, d):
    rng = np.random.default_rng(seed)
    y = rng.normal(size=(50, d))
    p = y + 0.5 * rng.normal(size=(50, d))
    assert r2_score(y, p) == pytest.approx(skm.r2_score(y, p), rel=1e-12)
    assert r2_score(y.ravel()[:50], p.ravel()[:50].reshape(50, 1)) == pytest.approx(
        skm.r2_score(y.ravel()[:50], p.ravel()[:50]), rel=1e-12)


def test_r2_worked_values():
    assert r2_score([1.0, 2.0, 3.0], [1.0, 2.0, 3.0]) == 1.0
    assert r2_score([1.0, 2.0, 3.0], [2.0, 2.0, 2.0]) == 0.0  # predicting the mean
    assert r2_score([1.0, 2.0, 3.0], [3.0, 2.0, 1.0]) == pytest.approx(-3.0)
    assert r2_score([5.0, 5.0], [5.0, 5.0]) == 1.0 and r2_score([5.0, 5.0], [4.0, 5.0]) == 0.0


def test_classification_report_binary_is_json_safe_and_downsampled():
    rng = np.random.default_rng(7)
    y = rng.integers(0, 2, 1000)
    p = 1 / (1 + np.exp(-(rng.normal(size=1000) + 1.5 * (y - 0.5))))
    report = classification_report(y, p, 2)
    assert json.loads(json.dumps(report, allow_nan=False)) == report
    assert report["accuracy"] == pytest.approx(skm.accuracy_score(y, p > 0.5))
    assert report["confusion_matrix"] == skm.confusion_matrix(y, p > 0.5).tolist()
    assert report["auc"] == pytest.approx(skm.roc_auc_score(y, p))
    assert report["macro_f1"] == pytest.approx(skm.f1_score(y, p > 0.5, average="macro"))
    roc = report["roc"]
    assert 2 <= len(roc["fpr"]) <= 200 and len(roc["fpr"]) == len(roc["tpr"])
    assert roc["fpr"][0] == 0.0 and roc["tpr"][0] == 0.0 and roc["fpr"][-1] == 1.0
    assert roc["thresholds"][0] > p.max() and np.all(np.diff(roc["fpr"]) >= 0)
    assert report["n_samples"] == 1000 and report["support"] == np.bincount(y).tolist()


def test_classification_report_two_column_scores_and_multiclass():
    y = np.array([0, 1, 1, 0])
    two = classification_report(y, np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.3, 0.7]]), 2)
    # class-1 scores: positives 0.8, 0.4 vs negatives 0.1, 0.7 -> 3 of 4 pairs ordered right
    assert two["accuracy"] == 0.5 and two["auc"] == pytest.approx(0.75)
    three = classification_report([0, 1, 2], np.eye(3)[[0, 2, 2]], 3)
    assert "auc" not in three and three["confusion_matrix"] == [[1, 0, 0], [0, 0, 1], [0, 0, 1]]
    one_class = classification_report([1, 1], np.array([0.7, 0.2]), 2)
    assert one_class["auc"] is None and json.dumps(one_class, allow_nan=False)


def test_bad_labels_are_learner_readable():
    with pytest.raises(DataError, match="outside 0 to 1"):
        confusion_matrix([0, 2], [0, 1], 2)
    with pytest.raises(DataError, match="one prediction per label"):
        accuracy([0, 1, 1], np.zeros((2, 2)))
