"""A decision threshold on one class's score: the operating point on the ROC and
precision–recall curves and the counts and scores at that point.

``positive: (N,)`` booleans ("is of class k"), ``scores: (N,)`` that class's probability;
a sample is predicted positive when ``score >= threshold`` (scikit-learn's convention for
``roc_curve`` thresholds). Precision, recall and F1 are 0 where their denominator is 0
(scikit-learn's ``zero_division=0``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from engine.introspection.curves import class_probabilities
from engine.metrics import labels_of


def threshold_metrics(positive: Any, scores: Any, threshold: float) -> dict[str, Any]:
    """Counts and scores at ``threshold``: ``confusion`` (2, 2) ``[[tn, fp], [fn, tp]]``
    (rows truth, columns prediction: rest, class), ``tp``/``fp``/``fn``/``tn`` (ints),
    ``precision``, ``recall`` (= true positive rate), ``f1``, ``fpr``, ``accuracy``."""
    truth = np.asarray(positive).reshape(-1).astype(bool)
    pred = np.asarray(scores, dtype=np.float64).reshape(-1) >= threshold
    tp = int(np.sum(truth & pred))
    fp = int(np.sum(~truth & pred))
    fn = int(np.sum(truth & ~pred))
    tn = int(np.sum(~truth & ~pred))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    n = max(len(truth), 1)
    return {"confusion": np.array([[tn, fp], [fn, tp]], dtype=np.int64), "tp": tp, "fp": fp,
            "fn": fn, "tn": tn, "precision": precision, "recall": recall, "f1": f1,
            "fpr": fp / (fp + tn) if fp + tn else 0.0, "accuracy": (tp + tn) / n}


def class_scores(labels: Any, scores: Any, k: int) -> tuple[np.ndarray, np.ndarray]:
    """``(positive (N,) bool, score of class k (N,))`` from labels and (N, K) / binary
    (N,) probabilities (one class against the rest)."""
    probs = class_probabilities(scores)
    return labels_of(labels) == k, probs[:, k]


def best_f1_threshold(positive: Any, scores: Any) -> float:
    """The threshold (one of the distinct scores) with the highest F1; 0.5 without data."""
    s = np.unique(np.asarray(scores, dtype=np.float64).reshape(-1))
    if not len(s):
        return 0.5
    f1 = [threshold_metrics(positive, scores, float(t))["f1"] for t in s]
    return float(s[int(np.argmax(f1))])
