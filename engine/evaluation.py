"""Final evaluation of a trained run, as JSON-safe numbers for reports and the GUI.

Classification: accuracy, confusion matrix, per-class precision/recall/F1 and, for binary
tasks, the ROC curve and its AUC (``engine.metrics.classification_report``). Regression: MSE
and R². Computed on the validation split when it has samples, else on the training split.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from engine.datasets.base import Dataset
from engine.metrics import classification_report, per_position, r2_score

if TYPE_CHECKING:  # engine.training imports this module
    from engine.model import Model
    from engine.targets import TargetCoder
    from engine.trainer_protocol import RecipeTrainer


def final_metrics(trainer: RecipeTrainer, data: Dataset) -> dict[str, Any]:
    """The report's final numbers of any recipe's trainer (each computes its own)."""
    return dict(trainer.final_metrics(data))


def supervised_metrics(model: Model, coder: TargetCoder, data: Dataset) -> dict[str, Any]:
    """Accuracy and per-class report (classification) or MSE and R² (regression) of
    ``model`` on the validation split, else the training split."""
    split = "validation" if len(data.x_val) else "train"
    x, y = (data.x_val, data.y_val) if len(data.x_val) else (data.x_train, data.y_train)
    out: dict[str, Any] = {"split": split}
    predictions = model.predict(x)
    if data.task == "classification":
        scores = coder.scores(predictions)
        out.update(classification_report(*per_position(y, scores), data.n_classes))
    else:
        pred = predictions.reshape(len(x), -1)
        out["mse"] = float(np.mean((pred - y.reshape(len(y), -1)) ** 2))
        out["r2"] = float(r2_score(y, pred))
    return out
