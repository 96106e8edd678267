"""The NumPy script's class-weighted and summed losses, written as the engine computes them
(``engine.class_weights``, ``engine.losses``).

Class weights (the loss option ``class_weight``; the plan carries the weights the trainer
fits to the training labels, ``balanced`` resolved): every row r of a cross-entropy gets the
weight of its class, ``w_r = w[c_r]`` for labels and ``w_r = Σ_k y_rk·w_k`` for one-hot or
soft rows; binary cross-entropy on one output weighs each value by ``w[1]·y + w[0]·(1 − y)``,
on K one-hot outputs each row by its class's weight. "mean" is ``Σ w·l / Σ w``, "sum"
``Σ w·l``. An unweighted summed loss (``reduction: sum``) is the mean times the number of
items (rows for cross-entropy, values otherwise).

The blocks ``weighted_softmax_cross_entropy`` / ``weighted_sigmoid_cross_entropy`` are pasted
into the script (plain numpy, shapes in the docstrings); ``loss_block`` writes ``loss_fn``.
"""

from __future__ import annotations

import numpy as np

from engine.export.code_text import loss_block as plain_loss_block
from engine.export.plan_steps import ExportError, Plan

WEIGHTED = {"softmax_cross_entropy": "weighted_softmax_cross_entropy",
            "sigmoid_cross_entropy": "weighted_sigmoid_cross_entropy"}
WORDS = {"softmax_cross_entropy": "cross-entropy of the softmax of the scores",
         "sigmoid_cross_entropy": "binary cross-entropy of the sigmoid of the scores",
         "mean_squared_error": "mean squared error", "mean_absolute_error": "mean absolute error"}


def weighted_softmax_cross_entropy(logits, y, weights, summed=False):
    """logits: (N, K) (or (N, T, K)); y: labels (N,) (or (N, T)) or one-hot / soft rows shaped
    like logits; weights: (K,) one per class. Each row's −Σ_k y_k·log softmax_k is weighted by
    its class (labels: w[label]; rows: Σ_k y_k·w_k) -> (Σ w·l / Σ w, or Σ w·l when summed,
    and its gradient like logits)."""
    k = logits.shape[-1]
    rows = logits.reshape(-1, k)
    if y.shape == logits.shape:  # one-hot or soft rows
        target = y.reshape(-1, k).astype(np.float64)
    else:  # whole-number labels
        target = np.eye(k)[y.reshape(-1).astype(np.int64)]
    w = target @ weights  # (N,) each row's weight
    shifted = rows - rows.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    per = -(target * log_p).sum(axis=1)  # (N,)
    total = w.sum()
    scale = 1.0 if summed else (1.0 / total if total > 0 else 0.0)
    grad = (np.exp(log_p) * target.sum(axis=1, keepdims=True) - target) * (w * scale)[:, None]
    return float(np.sum(w * per)) * scale, grad.reshape(logits.shape)


def weighted_sigmoid_cross_entropy(logits, targets, weights, summed=False):
    """logits and 0/1 targets of the same shape (B, ...); weights: (2,) (no, yes) for one
    output, each value weighted w[1]·y + w[0]·(1 − y), or (K,) for K one-hot outputs, each row
    weighted by its class -> (Σ w·l / Σ w, or Σ w·l when summed, and its gradient)."""
    y = targets.reshape(logits.shape).astype(np.float64)
    k = len(weights)
    if logits.ndim >= 2 and logits.shape[-1] == k > 1:  # one-hot rows: the row's class
        w = np.broadcast_to((y.reshape(-1, k) @ weights).reshape(y.shape[:-1] + (1,)), y.shape)
    else:
        w = weights[1] * y + weights[0] * (1.0 - y)
    per = np.logaddexp(0.0, logits) - y * logits
    p = 0.5 * (1.0 + np.tanh(0.5 * logits))  # sigmoid(logits)
    total = w.sum()
    scale = 1.0 if summed else (1.0 / total if total > 0 else 0.0)
    return float(np.sum(w * per)) * scale, (p - y) * w * scale


def loss_blocks(plan: Plan, function: str) -> list[str]:
    """The loss blocks the script pastes: the weighted one as well for class weights."""
    return [function] + ([WEIGHTED[function]] if plan.class_weights is not None
                         and function in WEIGHTED else [])


def loss_block(plan: Plan, function: str) -> str:
    """``loss_fn(out, y)`` for the plan: plain, class-weighted (``CLASS_WEIGHTS``) or summed;
    ExportError for class weights on a loss without them."""
    summed = (plan.training.loss_options or {}).get("reduction", "mean") == "sum"
    if plan.class_weights is not None:
        if function not in WEIGHTED:
            raise ExportError(f"This project weights its {plan.loss.replace('_', ' ')} loss by "
                              "class, which only cross-entropy takes; set the loss option "
                              "class_weight to none.")
        weights = ", ".join(repr(w) for w in plan.class_weights)
        how = "summed" if summed else "a weighted mean: sum of w·loss over sum of w"
        return ("# the loss's class weights, fitted by LayerLab to the training labels\n"
                f"CLASS_WEIGHTS = np.array([{weights}])\n\n\n"
                "def loss_fn(out, y):\n"
                f'    """The loss LayerLab trains this project with: {WORDS[function]}, each '
                f'item weighted by its class ({how})."""\n'
                f"    return {WEIGHTED[function]}(out, y, CLASS_WEIGHTS, summed={summed})")
    if not summed:
        return plain_loss_block(plan, function)
    items = "out.size // out.shape[-1]  # rows" if function == "softmax_cross_entropy" else \
        "out.size  # values"
    return ("def loss_fn(out, y):\n"
            f'    """The loss LayerLab trains this project with: {WORDS[function]}, summed '
            'over the items (the mean times their number)."""\n'
            f"    value, grad = {function}(out, y)\n"
            f"    n = {items}\n"
            "    return value * n, grad * n")
