"""A trained run as saved beside a project: its weights and its history (the ``.npz`` sidecar).

``history_arrays`` turns the session's ``TrainingHistory`` into the sidecar's lists
(``step_loss``: one loss per optimizer step; ``epoch``: the epoch number of each metrics row;
one list per metric, e.g. ``val_accuracy``, aligned with ``epoch``). ``fit_problem`` says in
words why saved weights do not fit a model (a layer missing or of another shape, values that
are not finite numbers), and ``history_snapshot`` rebuilds one ``Snapshot`` that carries the
whole saved history, so the views redraw the curves and metrics of the saved run. Sidecars
written by ``main.py train --save-weights`` have no ``step_loss``/``epoch`` lists: their epochs
are numbered 1, 2, …. The step at which each epoch ended is not stored: it is spread evenly
(epoch × steps per epoch), which is exact for runs that started at epoch 0.
"""

from __future__ import annotations

import math
from typing import Any, Protocol

import numpy as np

from engine.graph import Graph
from engine.snapshots import STEP, Snapshot

SKIPPED = ("step_loss", "epoch", "epoch_time", "step")


class History(Protocol):
    """What ``app.session.TrainingHistory`` offers."""

    step_losses: list[float]
    epochs: list[int]
    metrics: dict[str, list[float]]


def history_arrays(history: History) -> dict[str, list[float]]:
    """The run's history as plain lists of floats (what the sidecar stores)."""
    out: dict[str, list[float]] = {"step_loss": [float(v) for v in history.step_losses],
                                   "epoch": [float(e) for e in history.epochs]}
    out.update({k: [float(v) for v in vals] for k, vals in history.metrics.items()})
    return out


def same_network(a: Graph, b: Graph) -> bool:
    """Whether two graphs compute the same thing (canvas positions ignored)."""
    return _network(a) == _network(b)


def _network(graph: Graph) -> tuple[Any, Any]:
    data = graph.to_dict()
    layers = [{k: v for k, v in layer.items() if k != "position"} for layer in data["layers"]]
    return layers, data.get("edges")


def fit_problem(expected: dict[str, np.ndarray], saved: dict[str, np.ndarray]) -> str | None:
    """Why ``saved`` cannot replace ``expected`` (a model's ``get_weights()``), or None.

    Every array of the model must be present with the same shape and hold finite numbers.
    """
    missing = [k for k in expected if k not in saved]
    if missing:
        layer = missing[0].split("/")[0]
        return f"they have no weights for layer '{layer}'"
    for key, value in expected.items():
        new = saved[key]
        layer, param = (key.split("/", 1) + [""])[:2]
        if not isinstance(new, np.ndarray) or new.dtype.kind not in "fiu":
            return f"the {param} of layer '{layer}' is not stored as numbers"
        if new.shape != value.shape:
            return (f"the {param} of layer '{layer}' has shape {tuple(new.shape)}, the network "
                    f"needs {tuple(value.shape)}")
        if not np.all(np.isfinite(new)):
            return f"the {param} of layer '{layer}' holds values that are not finite numbers"
    extra = [k for k in saved if k not in expected]
    if extra:
        layer = extra[0].split("/")[0]
        return f"they hold weights for a layer the network no longer has ('{layer}')"
    return None


def history_snapshot(history: dict[str, list[float]], learning_rate: float,
                     probes: dict[str, Any]) -> Snapshot:
    """One step snapshot carrying every saved step loss and one ``epoch_rows`` entry per
    saved epoch; its readouts (epoch, step, losses, metrics) are those of the last epoch."""
    losses = tuple(float(v) for v in history.get("step_loss", []) if math.isfinite(float(v)))
    metric_keys = [k for k in history if k not in SKIPPED]
    n = max((len(history[k]) for k in metric_keys), default=0)
    epochs = history.get("epoch") or [float(i + 1) for i in range(n)]
    # the step each epoch ended at (not stored): steps are spread evenly over the epochs
    per_epoch = len(losses) / max(float(epochs[-1]), 1.0) if losses and epochs else 1.0
    rows = []
    for i, epoch in enumerate(epochs[:n]):
        step = min(round(float(epoch) * per_epoch), len(losses)) if losses else int(epoch)
        row = {"epoch": float(epoch), "step": float(step)}
        for key in metric_keys:
            values = history[key]
            if i < len(values) and math.isfinite(float(values[i])):
                row[key] = float(values[i])
        rows.append(row)
    last = {k: v for k, v in (rows[-1] if rows else {}).items() if k not in ("epoch", "step")}
    return Snapshot(
        event=STEP, step=len(losses), epoch=int(rows[-1]["epoch"]) if rows else 0,
        epoch_progress=0.0, samples_seen=0, batch_losses=losses,
        train_loss=last.get("train_loss"), val_loss=last.get("val_loss"), metrics=last,
        learning_rate=learning_rate, elapsed=0.0, samples_per_second=0.0,
        time_to_first_step=None, probes=probes, epoch_rows=tuple(rows),
    )
