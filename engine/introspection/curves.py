"""Evaluation beyond ``engine.metrics``: per-class curves, calibration, misclassified samples.

Labels are ``(N,)`` ints in ``0..K-1``; scores are ``(N, K)`` class probabilities, or for a
binary task ``(N,)``/``(N, 1)`` probabilities of class 1 (as in ``engine.metrics``).

- ``pr_curve``: precision–recall points (recall ascending) and average precision (AP, the
  step-wise area as scikit-learn's ``average_precision_score``).
- ``one_vs_rest``: per class ``{"fpr", "tpr", "auc", "precision", "recall", "ap"}`` (at most
  ``ROC_POINTS`` points each) — for K == 2 only class 1.
- ``calibration``: reliability bins of the predicted class's confidence: mean confidence,
  accuracy and count per bin, and the expected calibration error (ECE).
- ``misclassified``: indices, true class, predicted class and confidence of every wrong
  prediction, most confident first.
- ``evaluation_report``: all of the above plus per-class precision/recall/F1, and the
  ``labels`` (N,) and ``probs`` (N, K) themselves (``thresholds`` re-counts them at any
  decision threshold).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from engine.metrics import (
    _downsample,
    confusion_matrix,
    labels_of,
    precision_recall_f1,
    roc_auc,
    roc_curve,
)


def class_probabilities(scores: Any) -> np.ndarray:
    """(N, K) probabilities; a binary ``(N,)``/``(N, 1)`` p(class 1) becomes ``[1-p, p]``."""
    s = np.asarray(scores, dtype=np.float64)
    if s.ndim == 1 or s.shape[1] == 1:
        p = s.reshape(-1)
        return np.stack([1 - p, p], axis=1)
    return s


def pr_curve(y_true01: Any, scores: Any) -> tuple[np.ndarray, np.ndarray, float]:
    """(precision, recall, average precision); points per distinct score, recall ascending,
    starting at (precision 1, recall 0). AP = Σ (R_i − R_{i−1}) P_i (NaN without positives)."""
    y = np.asarray(y_true01).reshape(-1).astype(np.float64)
    s = np.asarray(scores, dtype=np.float64).reshape(-1)
    order = np.argsort(-s, kind="mergesort")
    s, y = s[order], y[order]
    if not len(s) or y.sum() == 0:
        return np.array([1.0]), np.array([0.0]), float("nan")
    last = np.r_[np.nonzero(np.diff(s))[0], len(s) - 1]
    tps = np.cumsum(y)[last]
    precision = tps / (last + 1)
    recall = tps / y.sum()
    ap = float(np.sum(np.diff(np.r_[0.0, recall]) * precision))
    return np.r_[1.0, precision], np.r_[0.0, recall], ap


def one_vs_rest(labels: Any, scores: Any) -> dict[int, dict[str, Any]]:
    """Per class k: ROC and PR curves of "class k vs the rest" with AUC and AP."""
    truth, probs = labels_of(labels), class_probabilities(scores)
    classes = [1] if probs.shape[1] == 2 else range(probs.shape[1])
    out: dict[int, dict[str, Any]] = {}
    for k in classes:
        positive = truth == k
        fpr, tpr, _ = roc_curve(positive, probs[:, k])
        precision, recall, ap = pr_curve(positive, probs[:, k])
        keep, keep_pr = _downsample(len(fpr)), _downsample(len(recall))
        out[int(k)] = {"fpr": fpr[keep], "tpr": tpr[keep], "auc": roc_auc(positive, probs[:, k]),
                       "precision": precision[keep_pr], "recall": recall[keep_pr], "ap": ap}
    return out


def calibration(labels: Any, scores: Any, bins: int = 10) -> dict[str, Any]:
    """Reliability diagram over ``bins`` equal-width confidence bins in [0, 1]:
    ``edges`` (bins+1,), ``confidence``/``accuracy`` (bins,) means (NaN in empty bins),
    ``count`` (bins,), ``ece`` = Σ count/N · |accuracy − confidence|."""
    truth, probs = labels_of(labels), class_probabilities(scores)
    pred = np.argmax(probs, axis=1)
    conf = probs[np.arange(len(pred)), pred] if len(pred) else np.zeros(0)
    correct = (pred == truth).astype(np.float64)
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.searchsorted(edges, conf, side="right") - 1, 0, bins - 1)
    count = np.bincount(which, minlength=bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_conf = np.bincount(which, conf, minlength=bins) / count
        acc = np.bincount(which, correct, minlength=bins) / count
    filled = count > 0
    ece = float(np.sum(count[filled] * np.abs(acc[filled] - mean_conf[filled])) / len(conf)) \
        if len(conf) else 0.0
    return {"edges": edges, "confidence": mean_conf, "accuracy": acc,
            "count": count.astype(np.int64), "ece": ece}


def misclassified(labels: Any, scores: Any, limit: int | None = None) -> dict[str, np.ndarray]:
    """Wrong predictions, most confident first: ``index``, ``true``, ``predicted`` (ints) and
    ``confidence`` (probability of the predicted class), at most ``limit`` of them."""
    truth, probs = labels_of(labels), class_probabilities(scores)
    pred = np.argmax(probs, axis=1)
    wrong = np.nonzero(pred != truth)[0]
    conf = probs[wrong, pred[wrong]]
    order = np.argsort(-conf, kind="mergesort")[:limit]
    idx = wrong[order]
    return {"index": idx.astype(np.int64), "true": truth[idx], "predicted": pred[idx],
            "confidence": conf[order]}


def evaluation_report(labels: Any, scores: Any, n_classes: int, bins: int = 10,
                      limit: int = 100) -> dict[str, Any]:
    """Confusion matrix, per-class precision/recall/F1/support, one-vs-rest curves,
    calibration and the ``limit`` most confident mistakes (arrays, for the GUI)."""
    truth, probs = labels_of(labels), class_probabilities(scores)
    cm = confusion_matrix(truth, np.argmax(probs, axis=1), n_classes)
    return {"confusion": cm, **precision_recall_f1(cm), "curves": one_vs_rest(truth, probs),
            "calibration": calibration(truth, probs, bins),
            "misclassified": misclassified(truth, probs, limit),
            "labels": truth, "probs": probs}  # (N,), (N, K): for a threshold slider
