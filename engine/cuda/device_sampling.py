"""The GPU twin of the VAE's Sampling layer (``engine.layers.sampling``): inputs mu and
log_var ``(B, d)``, output ``z = mu + exp(½·log_var)·eps`` (the GPU only trains, so always
the training form), and the β·KL term the layer adds to the loss (``add_aux``, called by
the stepper after the loss kernel: β is the CPU layer's ``aux_weight``, read once a chunk).

The noise ``eps`` is drawn on the host by the CPU layer's own generator for a whole chunk at
once (``draw``), in the order the CPU layer draws it step by step (or the layer's fixed
``noise`` for every step, as on the CPU), then uploaded as float32: a seed gives the same
codes on both engines. After a chunk ``download`` leaves the last step's KL in the layer's
``kl`` and ``aux_loss``, as a CPU chunk does.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from engine.cuda import ops, ops_graph
from engine.cuda.device_layers import ListInputs
from engine.layers.sampling import Sampling


class SamplingGpu(ListInputs):
    """[mu (B, d), log_var (B, d)] -> z (B, d)."""

    def __init__(self, layer: Sampling) -> None:
        self.layer = layer
        self.width = int(layer.input_shapes[0][0])
        self._eps: Any = None
        self._next = self._at = 0
        self._kl = ops.zeros(1, np.float64)
        self.weight = 1.0

    def draw(self, sizes: list[int]) -> None:
        """This chunk's noise for batches of ``sizes`` rows, uploaded; β read once."""
        layer = self.layer
        self.weight = float(getattr(layer, "aux_weight", 1.0))
        if layer.noise is not None:
            eps = np.concatenate([np.asarray(layer.noise)[:n] for n in sizes])
        else:
            eps = np.concatenate([layer._draw((n, self.width)) for n in sizes])
        self._eps = ops.to_device(eps.reshape(-1).astype(np.float32))
        self._next = 0

    def forward(self, xs: list[Any], n: int) -> Any:
        out = self._bufs(xs[0].shape[0])["out"]
        self._at, self._next = self._next, self._next + n * self.width
        ops_graph.sampling_forward(xs[0][:n], xs[1][:n], self._eps, self._at, n, out[:n])
        return out

    def add_aux(self, xs: list[Any], n: int, losses: Any, step: int) -> None:
        """losses[step] += β·(the batch's mean KL)."""
        ops_graph.sampling_kl(xs[0][:n], xs[1][:n], n, self.weight, losses, step, self._kl)

    def backward(self, xs: list[Any], n: int, dxs: list[Any | None]) -> None:
        batch = xs[0].shape[0]
        bufs = self._bufs(batch)
        scratch = self.__dict__.setdefault("_scratch", {})
        if batch not in scratch:  # for an input whose gradient nobody wants
            scratch[batch] = ops.zeros((batch, self.width))
        dmu, dlv = (scratch[batch] if d is None else d for d in dxs)
        ops_graph.sampling_backward(bufs["grad"][:n], xs[0][:n], xs[1][:n], self._eps, self._at,
                                    n, self.weight / max(n, 1), dmu[:n], dlv[:n])

    def download(self) -> None:
        """The last step's KL into the CPU layer (``kl``, ``aux_loss``)."""
        kl = float(self._kl.copy_to_host()[0])
        self.layer.kl, self.layer.aux_loss = kl, self.weight * kl
