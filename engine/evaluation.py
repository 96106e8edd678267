"""Final evaluation of a trained run, as JSON-safe numbers for reports and the GUI.

Classification: accuracy, confusion matrix, per-class precision/recall/F1 and, for binary
tasks, the ROC curve and its AUC (``engine.metrics.classification_report``). Regression: MSE
and R². Computed on the validation split when it has samples, else on the training split.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from engine.datasets.base import Dataset
from engine.metrics import classification_report, per_position, r2_score


def final_metrics(trainer: Any, data: Dataset) -> dict[str, Any]:
    if hasattr(trainer, "final_metrics"):  # recipes with their own numbers (engine.generative)
        return dict(trainer.final_metrics(data))
    split = "validation" if len(data.x_val) else "train"
    x, y = (data.x_val, data.y_val) if len(data.x_val) else (data.x_train, data.y_train)
    out: dict[str, Any] = {"split": split}
    if hasattr(trainer, "coder"):
        predictions = trainer.model.predict(x)
        if data.task == "classification":
            scores = trainer.coder.scores(predictions)
            out.update(classification_report(*per_position(y, scores), data.n_classes))
        else:
            pred = predictions.reshape(len(x), -1)
            out["mse"] = float(np.mean((pred - y.reshape(len(y), -1)) ** 2))
            out["r2"] = float(r2_score(y, pred))
    else:  # perceptron
        out["accuracy"] = float(np.mean(trainer.predict(x) == y))
    return out
