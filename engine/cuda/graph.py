"""``DeviceGraph``: runs a network's GPU twins in the model's topological order — a chain or
any DAG whose merges are Add or Concatenate layers (a residual block, parallel branches) or
the second wire of a cross-attention.

- Flatten and rate-0 Dropout have no twin: they are aliases of their source's buffers (every
  device activation is already ``(B, values)`` in the CPU engine's order).
- Forward: each twin reads its sources' output buffers (the Input's is the gathered batch);
  a ``ListInputs`` twin (Add, Concatenate, MultiHeadAttention) gets them all as a list.
- Backward, in reverse topological order: a layer writes dLoss/d(its input) straight into
  its source's ``grad`` buffer when that source feeds only this one input slot; a source that
  feeds several slots (the skip wire of a residual block) gets one edge buffer per slot, and
  the walker sums them into the source's ``grad`` (first + second + …) just before the
  source's own backward — by then every consumer has run, as in ``Model.backward``.
- The Input needs no gradient (``dx`` None).

``engine.cuda.placement`` refuses other layers with several inputs; ``Model`` itself refuses
a network with a branch that does not reach the one output.
"""

from __future__ import annotations

from typing import Any

from engine.cuda import ops, ops_graph
from engine.cuda.device_attention import MultiHeadAttentionGpu, PositionalEncodingGpu
from engine.cuda.device_graph_layers import (
    ActivationGpu,
    AddGpu,
    BatchNormGpu,
    ConcatenateGpu,
    GlobalAvgPoolGpu,
    LayerNormGpu,
)
from engine.cuda.device_layers import GpuLayer, ListInputs, gpu_layers
from engine.cuda.device_sampling import SamplingGpu
from engine.cuda.device_seq_layers import sequence_twin
from engine.layers.activation_layers import ELU, Activation, LeakyReLU
from engine.layers.attention import MultiHeadAttention, PositionalEncoding
from engine.layers.base import Layer
from engine.layers.normalization import BatchNormalization, LayerNormalization
from engine.layers.pooling import GlobalAveragePool2D
from engine.layers.sampling import Sampling
from engine.layers.shape_ops import Add, Concatenate
from engine.model import Model


def is_alias(layer: Layer) -> bool:
    """Layers that change nothing on the device (Flatten, dropout with rate 0)."""
    return layer.kind == "Flatten" or (layer.kind == "Dropout" and not layer.config["rate"])


def twin_of(layer: Layer, slices: dict[Any, slice]) -> Any:
    """The GPU twin of one (non-alias) layer."""
    if isinstance(layer, Add):
        return AddGpu(layer)
    if isinstance(layer, Activation | LeakyReLU | ELU):
        return ActivationGpu(layer)
    if isinstance(layer, GlobalAveragePool2D):
        return GlobalAvgPoolGpu(layer)
    if isinstance(layer, BatchNormalization):
        return BatchNormGpu(layer, slices)
    if isinstance(layer, LayerNormalization):
        return LayerNormGpu(layer, slices)
    if isinstance(layer, Concatenate):
        return ConcatenateGpu(layer)
    if isinstance(layer, PositionalEncoding):
        return PositionalEncodingGpu(layer, slices)
    if isinstance(layer, MultiHeadAttention):
        return MultiHeadAttentionGpu(layer, slices)
    if isinstance(layer, Sampling):
        return SamplingGpu(layer)
    return sequence_twin(layer, slices) or gpu_layers([layer], slices)[0]


class DeviceGraph:
    """The twins of ``model``'s layers and the wiring between their device buffers."""

    def __init__(self, model: Model) -> None:
        self.input = model.order[0]
        resolved: dict[str, str] = {self.input: self.input}
        self.twins: dict[str, GpuLayer] = {}
        self.sources: dict[str, list[str]] = {}
        for name in model.order[1:]:
            layer, srcs = model.layers[name], [resolved[s] for s in model.sources[name]]
            if is_alias(layer):
                resolved[name] = srcs[0]
                continue
            resolved[name] = name
            self.twins[name] = twin_of(layer, model.slices)
            self.sources[name] = srcs
        self.output = resolved[model.output_name]
        self.uses: dict[str, list[tuple[str, int]]] = {}
        for name, srcs in self.sources.items():
            for slot, src in enumerate(srcs):
                self.uses.setdefault(src, []).append((name, slot))
        self._edges: dict[tuple[str, int, int], Any] = {}  # (consumer, slot, width) -> buffer

    @property
    def layers(self) -> list[GpuLayer]:
        return list(self.twins.values())

    def bind(self, d_p: Any, d_g: Any) -> None:
        for twin in self.twins.values():
            twin.bind(d_p, d_g)

    def out_grad(self, batch: int) -> Any:
        """The buffer the loss writes dLoss/d(network output) into."""
        return self.twins[self.output].grad(batch)

    def forward(self, xb: Any, n: int) -> Any:
        """The first n rows of the gathered batch ``xb`` through every twin; the output
        layer's whole-width buffer."""
        self._outs = {self.input: xb}
        for name, twin in self.twins.items():
            xs = [self._outs[s] for s in self.sources[name]]
            self._outs[name] = twin.forward(xs if isinstance(twin, ListInputs) else xs[0], n)
        return self._outs[self.output]

    def add_aux_losses(self, n: int, losses: Any, step: int) -> None:
        """After a forward pass: each Sampling twin's β·KL into ``losses[step]``."""
        for name, twin in self.twins.items():
            if isinstance(twin, SamplingGpu):
                twin.add_aux([self._outs[s] for s in self.sources[name]], n, losses, step)

    def _dx(self, name: str, slot: int, src: str, batch: int) -> Any | None:
        if src == self.input:
            return None
        if len(self.uses[src]) == 1:
            return self.twins[src].grad(batch)
        key = (name, slot, batch)
        if key not in self._edges:
            self._edges[key] = ops.zeros((batch, self.twins[src].width))
        return self._edges[key]

    def backward(self, n: int) -> None:
        """From the output's ``grad`` rows back to the first layers (no input gradient)."""
        batch = self._outs[self.input].shape[0]
        for name in reversed(list(self.twins)):
            twin, srcs = self.twins[name], self.sources[name]
            uses = self.uses.get(name, [])
            if len(uses) > 1:  # sum the consumers' gradients into this layer's grad
                grad = twin.grad(batch)[:n]
                (c0, s0), (c1, s1) = uses[-1], uses[-2]
                ops_graph.add(self._edges[(c0, s0, batch)][:n], self._edges[(c1, s1, batch)][:n],
                              grad)
                for c, s in reversed(uses[:-2]):
                    ops_graph.add(grad, self._edges[(c, s, batch)][:n], grad)
            xs = [self._outs[s] for s in srcs]
            dxs = [self._dx(name, slot, src, batch) for slot, src in enumerate(srcs)]
            if isinstance(twin, ListInputs):
                twin.backward(xs, n, dxs)
            else:
                twin.backward(xs[0], n, dxs[0])
