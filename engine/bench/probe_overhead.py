"""The "probes" competitor of ``main.py bench``: the engine with live introspection probes on.

Trains exactly like the ``engine`` competitor, but between chunks of steps it computes the
probes a learner watching the "Look inside" dock causes, at the app's cadence for full probe
sets (``app/probe_schedule.py``): at most every ``MIN_INTERVAL_S`` and never more than
``COST_SHARE`` of the time, within ``BUDGET_S`` per frame. ``probes ÷ engine`` is the slowdown
probes cost (issue target: ≤ 1.15). The requests are the Coach's dynamics plus one view per family:
saliency for every classifier, feature maps and filters when the network has convolutions.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np

MIN_INTERVAL_S = 1 / 15  # as app.probe_schedule.FULL_MIN_INTERVAL_S
COST_SHARE = 0.07  # as app.probe_schedule.FULL_COST_SHARE
BUDGET_S = 0.03  # as engine.probes.INTROSPECTION_BUDGET_S
CHUNK_STEPS = 8  # steps between two chances to probe (the app pulls ~20 ms chunks)
PROBE_SAMPLES = 256


def requests_for(model: Any) -> dict[str, dict[str, Any]]:
    """What a learner's open views ask for on this network."""
    asked: dict[str, dict[str, Any]] = {"dynamics": {}, "saliency": {"index": 0}}
    if any(type(layer).__name__ in ("Conv2D", "Conv2DTranspose")
           for layer in model.layers.values()):
        asked.update({"cnn_filters": {}, "cnn_maps": {"index": 0}})
    return asked


def make_probed_epoch(run: Any, x: np.ndarray, y: np.ndarray, batch: int,
                      rng: np.random.Generator) -> tuple[Callable[[], tuple[float, int]],
                                                         dict[str, Any]]:
    """An epoch function like ``workloads.engine_epoch`` that also probes; and its counters."""
    from engine import threads
    from engine.bench.workloads import epoch_batches
    from engine.introspection import ProbeBatch, ProbeState, compute_probes

    labels = y if y.ndim == 1 else None
    probe = ProbeBatch(x=np.ascontiguousarray(x[:PROBE_SAMPLES]),
                       labels=None if labels is None else labels[:PROBE_SAMPLES],
                       y_enc=y[:PROBE_SAMPLES], loss=run.loss,
                       n_classes=int(labels.max()) + 1 if labels is not None else 0)
    state, requests = ProbeState(), requests_for(run.model)
    counters = {"probe_frames": 0, "probe_s": 0.0}
    clock = {"last": 0.0, "cost": 0.0}

    def epoch() -> tuple[float, int]:
        batches = epoch_batches(len(x), batch, rng)
        losses: list[float] = []
        for start in range(0, len(batches), CHUNK_STEPS):
            with threads.training(run.model, batch):  # as the trainer runs a chunk
                losses.extend(run.stepper.run(x, y, batches[start:start + CHUNK_STEPS]))
            now = time.perf_counter()
            if now - clock["last"] >= max(MIN_INTERVAL_S, clock["cost"] / COST_SHARE):
                compute_probes(run.model, probe, requests, state, BUDGET_S)
                clock["cost"] = time.perf_counter() - now
                clock["last"] = time.perf_counter()
                counters["probe_frames"] += 1
                counters["probe_s"] += clock["cost"]
        return float(losses[-1]), len(losses)

    return epoch, counters
