"""Small pure helpers of the run controller: comparing training settings and networks, and
a finished run's one-line summary (``widgets.controllers.run_controller``)."""

from __future__ import annotations

from typing import Any


def same_but_learning_rate(a: Any, b: Any) -> bool:
    """Two ``TrainConfig``s equal but for the learning rate (which reaches a run live)."""
    da, db = a.to_dict(), b.to_dict()
    for d in (da, db):
        d["optimizer_options"] = {k: v for k, v in d["optimizer_options"].items()
                                  if k != "learning_rate"}
    return da == db


def run_summary(snap: Any) -> str:
    """A one-line result for a run that ended without a message of its own."""
    if snap.event != "finished":
        return ""
    metrics = snap.metrics or {}
    parts = [f"Finished {snap.epoch} epochs in {snap.elapsed:.1f} s"]
    for key, label in (("val_accuracy", "validation accuracy"), ("train_accuracy", "accuracy")):
        if key in metrics:
            parts.append(f"{label} {metrics[key]:.1%}")
            break
    for key, label in (("val_r2", "validation R²"), ("train_r2", "R²")):
        if key in metrics:
            parts.append(f"{label} {metrics[key]:.3f}")
            break
    return " — ".join(parts) + "."


def network_of(graph: Any) -> tuple[Any, Any]:
    """The network without canvas positions: what decides whether a run can continue."""
    data = graph.to_dict()
    layers = [{k: v for k, v in layer.items() if k != "position"} for layer in data["layers"]]
    return layers, data.get("edges")

