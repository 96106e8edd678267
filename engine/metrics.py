"""Evaluation metrics in plain numpy: accuracy, confusion matrix, precision/recall/F1, ROC, R².

Labels are integers ``0..K-1`` given as ``(N,)`` (or one-hot ``(N, K)``, converted with argmax).
Scores are ``(N, K)`` class scores (the predicted class is the argmax) or, for a binary task,
``(N,)``/``(N, 1)`` probabilities of class 1 (predicted 1 when ``score > 0.5``). Results follow
scikit-learn's definitions (``zero_division=0``); ``classification_report`` returns JSON-safe
Python numbers and lists for reports and the GUI.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from engine.types import DataError

ROC_POINTS = 200  # at most this many points of the ROC curve go into a report


def labels_of(y: Any) -> np.ndarray:
    """y: (N,) / (N, 1) integer labels or (N, K) one-hot -> (N,) int64 labels."""
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] > 1:
        return np.argmax(y, axis=1).astype(np.int64)
    return y.reshape(len(y)).astype(np.int64)


def predicted_labels(scores: Any) -> np.ndarray:
    """scores: (N, K) -> argmax (N,); (N,) or (N, 1) probabilities -> ``score > 0.5`` (N,)."""
    s = np.asarray(scores)
    if s.ndim == 2 and s.shape[1] > 1:
        return np.argmax(s, axis=1).astype(np.int64)
    return (s.reshape(len(s)) > 0.5).astype(np.int64)


def per_position(y_true: Any, scores: Any) -> tuple[np.ndarray, np.ndarray]:
    """Sequence labels y_true: (N, T) with scores (N, T, K), (N, T, 1) or (N·T,) -> every
    position as a sample: ((N·T,) labels, (N·T, K) or (N·T, 1) scores). (N,) labels pass as
    they are, so ``accuracy(*per_position(y, s))`` is per position for sequences."""
    t, s = np.asarray(y_true), np.asarray(scores)
    per_step = s.ndim == t.ndim + 1 or (s.ndim == 1 and s.size == t.size)
    if t.ndim < 2 or not np.issubdtype(t.dtype, np.integer) or not per_step:
        return t, s  # one label (or one-hot row) per sample
    truth = t.reshape(-1)
    return truth, s.reshape(truth.size, -1)


def accuracy(y_true: Any, y_pred_scores: Any) -> float:
    """Fraction of samples whose predicted class equals the true one (0.0 for no samples).

    y_true: (N,) labels or (N, K) one-hot; y_pred_scores: (N, K) scores or (N,)/(N, 1)
    probabilities of class 1 for a binary task.
    """
    truth, pred = labels_of(y_true), predicted_labels(y_pred_scores)
    if len(truth) != len(pred):
        raise DataError(f"Accuracy needs one prediction per label: got {len(pred)} "
                        f"predictions for {len(truth)} labels.")
    return float(np.mean(truth == pred)) if len(truth) else 0.0


def confusion_matrix(y_true: Any, y_pred: Any, n_classes: int) -> np.ndarray:
    """y_true, y_pred: (N,) labels in [0, K) -> (K, K) int64 counts, rows = true class."""
    truth, pred = labels_of(y_true), labels_of(y_pred)
    for what, arr in (("true", truth), ("predicted", pred)):
        if arr.size and (arr.min() < 0 or arr.max() >= n_classes):
            raise DataError(f"A {what} class label is outside 0 to {n_classes - 1}: check that "
                            f"the number of classes is {n_classes}.")
    flat = np.bincount(truth * n_classes + pred, minlength=n_classes * n_classes)
    return flat.reshape(n_classes, n_classes).astype(np.int64)


def _safe_div(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """num / den elementwise with 0 where den == 0 (scikit-learn's zero_division=0)."""
    num, den = np.asarray(num, dtype=np.float64), np.asarray(den, dtype=np.float64)
    return np.divide(num, den, out=np.zeros_like(num), where=den != 0)


def precision_recall_f1(cm: Any) -> dict[str, Any]:
    """cm: (K, K) confusion matrix (rows = true) -> per-class and macro scores.

    Returns ``precision``, ``recall``, ``f1`` (K,) float arrays, ``support`` (K,) int array
    (true samples per class) and the floats ``macro_precision``, ``macro_recall``,
    ``macro_f1`` (unweighted means over all K classes). Any 0/0 counts as 0.
    """
    cm = np.asarray(cm)
    tp = np.diag(cm).astype(np.float64)  # (K,)
    precision = _safe_div(tp, cm.sum(axis=0))  # predicted as k
    recall = _safe_div(tp, cm.sum(axis=1))  # truly k
    f1 = _safe_div(2 * precision * recall, precision + recall)
    return {
        "precision": precision, "recall": recall, "f1": f1,
        "support": cm.sum(axis=1).astype(np.int64),
        "macro_precision": float(precision.mean()) if len(tp) else 0.0,
        "macro_recall": float(recall.mean()) if len(tp) else 0.0,
        "macro_f1": float(f1.mean()) if len(tp) else 0.0,
    }


def roc_curve(y_true01: Any, scores: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """y_true01: (N,) 0/1, scores: (N,) -> (fpr, tpr, thresholds), each (M,), M <= N + 1.

    One point per distinct score, highest threshold first, starting at (0, 0) with threshold
    +inf (as scikit-learn with ``drop_intermediate=False``). Point i counts a sample positive
    when ``score >= thresholds[i]``. A class absent from y_true gives rates of 0.
    """
    y = np.asarray(y_true01).reshape(-1).astype(np.float64)
    s = np.asarray(scores).reshape(-1).astype(np.float64)
    order = np.argsort(-s, kind="mergesort")  # descending, stable
    s, y = s[order], y[order]
    last_of_tie = np.r_[np.nonzero(np.diff(s))[0], len(s) - 1] if len(s) else np.array([], int)
    tps = np.cumsum(y)[last_of_tie]  # true positives at each distinct threshold
    fps = (last_of_tie + 1) - tps
    tpr = _safe_div(np.r_[0.0, tps], np.full(len(tps) + 1, tps[-1] if len(tps) else 0.0))
    fpr = _safe_div(np.r_[0.0, fps], np.full(len(fps) + 1, fps[-1] if len(fps) else 0.0))
    return fpr, tpr, np.r_[np.inf, s[last_of_tie]]


def roc_auc(y_true01: Any, scores: Any) -> float:
    """Area under the ROC curve (trapezoid rule) = P(score of a random positive > score of a
    random negative), ties counting one half (Mann–Whitney). NaN when a class is missing."""
    y = np.asarray(y_true01).reshape(-1)
    if not (np.any(y == 1) and np.any(y == 0)):
        return float("nan")
    fpr, tpr, _ = roc_curve(y, scores)
    return float(np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1]) / 2))


def r2_score(y_true: Any, y_pred: Any) -> float:
    """Coefficient of determination ``1 - SS_res / SS_tot`` per output, averaged over outputs.

    y_true, y_pred: (N,) or (N, D) with the same size. A constant target column scores 1.0
    when predicted exactly, else 0.0 (scikit-learn's ``force_finite``).
    """
    t = np.asarray(y_true, dtype=np.float64)
    t = t.reshape(len(t), -1)  # (N, D)
    p = np.asarray(y_pred, dtype=np.float64).reshape(t.shape)
    ss_res = np.sum((t - p) ** 2, axis=0)  # (D,)
    ss_tot = np.sum((t - t.mean(axis=0)) ** 2, axis=0)  # (D,)
    per = np.where(ss_tot != 0, 1 - _safe_div(ss_res, ss_tot), np.where(ss_res == 0, 1.0, 0.0))
    return float(per.mean())


def _downsample(n: int, limit: int = ROC_POINTS) -> np.ndarray:
    """At most ``limit`` indices into range(n), evenly spread, first and last kept."""
    if n <= limit:
        return np.arange(n)
    return np.unique(np.round(np.linspace(0, n - 1, limit)).astype(np.int64))


def _finite_or_none(x: float) -> float | None:
    return float(x) if np.isfinite(x) else None


def classification_report(y_true: Any, scores: Any, n_classes: int) -> dict[str, Any]:
    """y_true: (N,) labels or (N, K) one-hot; scores as in ``accuracy``.

    Returns ``n_samples``, ``accuracy``, ``confusion_matrix`` (K lists of K ints, rows =
    true), ``precision``/``recall``/``f1``/``support`` (K-lists), ``macro_precision``,
    ``macro_recall``, ``macro_f1``; and for K == 2 ``auc`` (None if a class is missing) and
    ``roc`` = {"fpr", "tpr", "thresholds"} with at most 200 points. The first ROC point's
    threshold (+inf: nothing predicted positive) is written as max(score) + 1.
    """
    truth, pred = labels_of(y_true), predicted_labels(scores)
    cm = confusion_matrix(truth, pred, n_classes)
    prf = precision_recall_f1(cm)
    report: dict[str, Any] = {
        "n_samples": int(len(truth)), "accuracy": accuracy(truth, scores),
        "confusion_matrix": cm.tolist(),
        **{k: prf[k].tolist() for k in ("precision", "recall", "f1", "support")},
        **{k: prf[k] for k in ("macro_precision", "macro_recall", "macro_f1")},
    }
    if n_classes == 2:
        s = np.asarray(scores, dtype=np.float64)
        positive = s[:, 1] if s.ndim == 2 and s.shape[1] > 1 else s.reshape(-1)
        fpr, tpr, thresholds = roc_curve(truth == 1, positive)
        if len(positive):
            thresholds[0] = positive.max() + 1.0
        keep = _downsample(len(fpr))
        report["auc"] = _finite_or_none(roc_auc(truth == 1, positive))
        report["roc"] = {"fpr": fpr[keep].tolist(), "tpr": tpr[keep].tolist(),
                         "thresholds": thresholds[keep].tolist()}
    return report
