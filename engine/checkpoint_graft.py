"""Fit a checkpoint to an edited network: the layers whose weights still fit keep them.

A timeline branch may change the graph (add or remove a Dropout, change an activation or a
layer's units). ``graft(checkpoint, model)`` returns the checkpoint made fit to ``model``
(built from the edited graph) and a ``TransferReport`` (``engine.weights_transfer``) naming
the layers that kept the checkpoint's weights and those that start fresh:

- a layer whose arrays all have a same-named, same-shaped array in the checkpoint keeps them
  (``match_weights``: whole layers only); the others keep ``model``'s fresh initial weights
  (e.g. a layer whose units changed, and the layer after it, whose kernel no longer fits);
- the optimizer's buffers (``"optimizer/0/J"``, flat over the packed parameter vector
  ``Model.params_flat``) are re-packed for the new layout: a kept layer keeps its memory
  (momentum, Adam's moments), a fresh layer starts with zeros. The old layout is read from
  the checkpoint itself: its ``"layer/param"`` arrays come in packing order (as
  ``Model.get_weights`` lists them). Buffers of any other layout are dropped (an empty memory,
  step count 0);
- step, epoch, sample-order state and the place in the epoch are kept.

A GAN's or the perceptron's moment (``Checkpoint.fits_graph_edits`` False: their trainers
build their networks their own way) is not grafted: ``require_graftable`` (called by ``graft``;
callers call it before building the edited model) raises ``ConfigError`` in plain words.

Pure numpy, no Qt.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from engine.checkpoints import Checkpoint, model_weights
from engine.model import Model
from engine.types import ConfigError
from engine.weights_transfer import TransferReport, match_weights


def _packed_layout(names_shapes: list[tuple[str, tuple[int, ...]]]) -> dict[str, slice]:
    """``{"layer/param": slice}`` of the flat parameter vector, in packing order."""
    out, offset = {}, 0
    for name, shape in names_shapes:
        size = int(np.prod(shape, dtype=np.int64))
        out[name] = slice(offset, offset + size)
        offset += size
    return out


def _params(arrays: dict[str, np.ndarray]) -> list[tuple[str, tuple[int, ...]]]:
    return [(k, tuple(v.shape)) for k, v in arrays.items()
            if not k.startswith("optimizer/") and "/state:" not in k]


def require_graftable(checkpoint: Checkpoint) -> None:
    """``ConfigError`` (plain words) unless ``checkpoint`` may be fitted to an edited network."""
    if not checkpoint.fits_graph_edits:
        raise ConfigError("A GAN or a perceptron branches with its network as it was: undo the "
                          "change to the network (change its settings instead), or press "
                          "'Back to now' to train the changed network from the start.")


def graft(checkpoint: Checkpoint, model: Model) -> tuple[Checkpoint, TransferReport]:
    """``checkpoint`` fitted to ``model`` (its fresh weights where the old ones do not fit)
    and the report of kept and fresh layers; see the module docstring."""
    require_graftable(checkpoint)
    old = model_weights(checkpoint)
    fresh = model.get_weights()
    picked, report = match_weights(fresh, old)
    arrays: dict[str, np.ndarray] = {k: picked.get(k, v) for k, v in fresh.items()}
    old_layout = _packed_layout(_params(old))
    new_layout = _packed_layout(_params(fresh))
    old_total = max((s.stop for s in old_layout.values()), default=0)
    new_total = max((s.stop for s in new_layout.values()), default=0)
    buffers = {k: v for k, v in checkpoint.arrays.items() if k.startswith("optimizer/")}
    iterations = checkpoint.optimizer_iterations
    flat = all(k.startswith("optimizer/0/") and v.size == old_total for k, v in buffers.items())
    if buffers and not flat:
        buffers, iterations = {}, 0
    for key, value in buffers.items():
        moved = np.zeros(new_total, dtype=value.dtype)
        for name, part in new_layout.items():
            if name in picked and name in old_layout:
                moved[part] = value[old_layout[name]]
        arrays[key] = moved
    fitted = replace(checkpoint, arrays=arrays, optimizer_iterations=iterations,
                     new_bytes=sum(v.nbytes for v in arrays.values()))
    return fitted, report


def kept_text(report: TransferReport) -> str:
    """Which layers kept the checkpoint's weights, in a few words for the learner."""
    fresh = [name for name, _why in report.skipped]
    if not fresh:
        return "all layers keep their weights"
    kept = ", ".join(report.loaded) or "none"
    return f"kept weights: {kept}; fresh: {', '.join(fresh)}"
