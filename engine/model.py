"""Executes a validated ``Graph``: builds layers, owns the flat parameter buffers, runs passes.

All trainable parameters live in one contiguous 1-D buffer ``params_flat`` (layers hold
reshaped views into it) and all gradients in ``grads_flat``, so an optimizer updates every
weight in a single fused pass. The supervised recipe needs one output and one Input, or
several Inputs that each receive a named *part* of a sample (an encoder–decoder reads the
"source" and the "decoder input" of the dates dataset).

Several inputs travel as one packed array per batch, ``x: (B, total)``: each part flattened
and laid side by side in the dataset's part order (``Dataset.input_parts``), so batching,
shuffling and probes handle one array as for any dataset. ``bind_parts`` tells the model
where each Input's part lies; ``forward`` cuts the packed array into the Inputs' arrays and
``backward`` returns the input gradient packed the same way. ``forward`` also takes a dict
``{Input layer name: (B, *shape)}``.

Output activations and the loss: when the output layer ends in softmax (or sigmoid) and the
loss is cross-entropy, the model runs in *logits mode* — the output layer skips its final
activation and the loss applies it itself (fused, numerically stable softmax + CE).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from engine import activations
from engine.graph import Graph
from engine.layers.base import Layer
from engine.layers.token_links import link_token_tables
from engine.types import DataError, GraphError, Shape, format_shape


class Model:
    """A built network. ``forward(x)``: ``(B, *input_shape) -> (B, *output_shape)``."""

    def __init__(self, graph: Graph, seed: int = 0, dtype: Any = np.float32) -> None:
        self.graph = graph
        self.report = graph.validate()
        inputs, outputs = graph.input_nodes(), graph.output_nodes()
        if not inputs or len(outputs) != 1:
            raise GraphError(
                f"This training recipe needs an Input layer and exactly one output layer, but "
                f"the network has {len(inputs)} input(s) and {len(outputs)} output(s) "
                f"({', '.join(outputs) or 'none'}). Connect or remove the extra layers."
            )
        if len(inputs) > 1:
            check_input_parts(graph, inputs)
        self.input_names = inputs
        self.input_name, self.output_name = inputs[0], outputs[0]
        self.order = graph.topological_order()
        self.sources = {name: graph.inputs_of(name) for name in self.order}
        self.dtype = np.dtype(dtype)
        self.layers: dict[str, Layer] = {n: graph.nodes[n].make_layer() for n in self.order}
        self.logits_mode = False
        # layers whose every input is data: their input gradient is optional
        self.input_fed = [n for n in self.order if n not in inputs and self.sources[n]
                          and all(s in inputs for s in self.sources[n])]
        self.bind_parts(None)
        self.build(seed)
        # Embedding -> recurrent pairs whose input projection is a table lookup (token_fusion)
        self.token_links = link_token_tables(self)

    # -- inputs ------------------------------------------------------------------------------
    def part_of(self, input_name: str) -> str:
        """The sample part an Input receives ("" = the whole sample)."""
        return str(self.graph.nodes[input_name].options.get("part", "")).strip()

    def bind_parts(self, parts: list[tuple[str, Shape]] | None, dataset: str = "the dataset"
                   ) -> None:
        """Say how a packed sample is laid out: ``parts`` = the dataset's ``(name, shape)``
        in packing order, or None for the Inputs' own shapes in graph order. One Input that
        takes the whole sample needs no layout. Raises DataError when an Input's part is
        missing from ``parts`` or has another shape (``check_data_fits`` explains data
        without parts first)."""
        shapes = self.report.shapes
        if len(self.input_names) == 1 and not (parts and self.part_of(self.input_name)):
            self.layout: list[tuple[str, int, int, Shape]] | None = None
            self.packed_width = 0
            return
        if not parts:
            parts = [(self.part_of(n), shapes[n]) for n in self.input_names]
        offsets, offset = {}, 0
        for name, shape in parts:
            size = int(np.prod(shape))
            offsets[name] = (offset, size, tuple(shape))
            offset += size
        layout = []
        for node in self.input_names:
            part = self.part_of(node)
            if part not in offsets:
                raise DataError(
                    f"The Input layer '{node}' receives the part '{part}', but {dataset} has "
                    f"the parts {', '.join(repr(p) for p, _ in parts)} — pick one of them.")
            start, size, shape = offsets[part]
            if tuple(shapes[node]) != shape:
                raise DataError(
                    f"The part '{part}' of {dataset} has shape {format_shape(shape)} but the "
                    f"Input layer '{node}' expects {format_shape(shapes[node])} — set its "
                    f"shape to {', '.join(map(str, shape))}.")
            layout.append((node, start, size, shape))
        self.layout, self.packed_width = layout, offset

    def split_inputs(self, x: Any) -> dict[str, np.ndarray]:
        """A batch -> ``{Input layer name: (B, *shape)}``: a packed ``(B, total)`` array
        is cut by the layout; a dict passes through (converted to the model's dtype)."""
        if isinstance(x, dict):
            return {n: np.ascontiguousarray(x[n], self.dtype) for n in self.input_names}
        if self.layout is None:
            return {self.input_name: np.ascontiguousarray(x, self.dtype)}
        flat = np.asarray(x).reshape(len(x), -1)
        return {node: np.ascontiguousarray(flat[:, start : start + size], self.dtype)
                .reshape(len(x), *shape) for node, start, size, shape in self.layout}

    # -- parameters --------------------------------------------------------------------------
    def build(self, seed: int) -> None:
        """(Re)initialise every parameter from ``seed`` and pack them into flat buffers."""
        rng = np.random.default_rng(seed)
        shapes = self.report.shapes
        for name in self.order:
            in_shapes = [shapes[s] for s in self.sources[name]]
            self.layers[name].build(in_shapes, rng, self.dtype)
        self._pack()

    def _pack(self) -> None:
        entries = [(l, k) for l in self.layers.values() for k in l.params]
        total = sum(l.params[k].size for l, k in entries)
        self.params_flat = np.zeros(total, dtype=self.dtype)
        self.grads_flat = np.zeros(total, dtype=self.dtype)
        self.slices: dict[tuple[str, str], slice] = {}
        offset = 0
        for layer, key in entries:
            value = layer.params[key]
            part = slice(offset, offset + value.size)
            self.params_flat[part] = value.ravel()
            layer.params[key] = self.params_flat[part].reshape(value.shape)
            layer.grads[key] = self.grads_flat[part].reshape(value.shape)
            self.slices[(layer.name, key)] = part
            offset += value.size

    @property
    def input_shape(self) -> Shape:
        """Shape of one sample as the data gives it: ``(total,)`` when packed in parts."""
        if self.layout is not None:
            return (self.packed_width,)
        return self.report.shapes[self.input_name]

    @property
    def output_shape(self) -> Shape:
        return self.report.shapes[self.output_name]

    @property
    def n_params(self) -> int:
        return int(self.params_flat.size)

    def get_weights(self) -> dict[str, np.ndarray]:
        """Copies of every parameter keyed ``"layer/param"`` and of every non-trainable state
        array (running statistics) keyed ``"layer/state:key"`` (for saving to ``.npz``)."""
        return {name: value.copy() for name, value in self._named_arrays()}

    def _named_arrays(self) -> list[tuple[str, np.ndarray]]:
        out = []
        for layer in self.layers.values():
            out += [(f"{layer.name}/{key}", value) for key, value in layer.params.items()]
            out += [(f"{layer.name}/state:{key}", value) for key, value in layer.state.items()]
        return out

    @property
    def n_state(self) -> int:
        """Number of non-trainable scalars (running statistics)."""
        return sum(v.size for layer in self.layers.values() for v in layer.state.values())

    def set_weights(self, weights: dict[str, np.ndarray], strict: bool = False) -> list[str]:
        """Load weights (and state) whose names and shapes match; return the keys loaded."""
        loaded = []
        for name, value in self._named_arrays():
            new = weights.get(name)
            if new is not None and new.shape == value.shape:
                value[...] = new
                loaded.append(name)
            elif strict:
                raise GraphError(f"No saved weights fit '{name}'.")
        return loaded

    # -- output activation -------------------------------------------------------------------
    @property
    def output_layer(self) -> Layer:
        return self.layers[self.output_name]

    def output_activation(self) -> str:
        """Name of the activation that ends the network ("linear" when there is none)."""
        layer = self.output_layer
        name = layer.config.get("activation")
        return activations.get(name).name if name else "linear"

    def set_logits_mode(self, on: bool) -> None:
        """Make the output layer skip its final activation (the loss applies it, fused)."""
        self.logits_mode = on
        self.output_layer.skip_activation = on  # type: ignore[attr-defined]

    # -- passes ------------------------------------------------------------------------------
    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        """x: (B, *input_shape) -> (B, *output_shape); logits in logits mode."""
        values: dict[str, np.ndarray] = self.split_inputs(x)
        for name in self.order:
            if name in values:
                continue
            values[name] = self.layers[name].forward(
                [values[s] for s in self.sources[name]], training
            )
        self._values = values
        return values[self.output_name]

    def aux_loss(self) -> float:
        """Sum of the auxiliary losses (``layer.aux_loss``, e.g. a VAE's β·KL) of the last
        training forward pass; each such layer adds the matching gradient in ``backward``."""
        return float(sum(getattr(layer, "aux_loss", 0.0) for layer in self.layers.values()))

    def backward(self, grad_out: np.ndarray, keep: tuple[str, ...] = (),
                 extra: dict[str, np.ndarray] | None = None,
                 input_grad: bool = True) -> np.ndarray:
        """grad_out: dLoss/dOutput (B, *output_shape) -> dLoss/dInput; fills ``grads_flat``.

        ``keep``: layer names whose output gradients (B, *shape) are copied into
        ``self.kept_grads`` (Grad-CAM and other probes). ``extra``: more gradients
        ``{layer name: dLoss/d(its output)}`` (a sparsity penalty on a hidden layer).
        ``input_grad=False`` (training steps): dLoss/dInput is not needed, so layers fed only
        by the Input may skip it (convolutions do) and the returned array is then not valid;
        probes (saliency, adversarial examples) keep the default True."""
        for name in self.input_fed:
            layer = self.layers[name]
            if hasattr(layer, "input_grad_needed"):
                layer.input_grad_needed = input_grad  # type: ignore[attr-defined]
        grads: dict[str, np.ndarray] = {self.output_name: grad_out}
        for name, g in (extra or {}).items():
            grads[name] = g if name not in grads else grads[name] + g
        self.kept_grads: dict[str, np.ndarray] = {}
        for name in reversed(self.order):
            if name in self.input_names or name not in grads:
                continue
            grad_y = grads.pop(name)
            if name in keep:
                self.kept_grads[name] = np.array(grad_y, copy=True)
            if name in self.token_links and self._table_backward(name, grad_y, input_grad,
                                                                 keep, extra):
                continue
            for source, g in zip(self.sources[name], self.layers[name].backward(grad_y)):
                grads[source] = g if source not in grads else grads[source] + g
        if self.layout is None:
            return grads.get(self.input_name, np.zeros(0, dtype=self.dtype))
        batch = len(grad_out)
        packed = np.zeros((batch, self.packed_width), dtype=self.dtype)
        for node, start, size, _ in self.layout:
            if node in grads:
                packed[:, start : start + size] = grads[node].reshape(batch, size)
        return packed

    def _table_backward(self, name: str, grad_y: np.ndarray, input_grad: bool,
                        keep: tuple[str, ...], extra: dict[str, np.ndarray] | None) -> bool:
        """Backward of a recurrent layer fed by an Embedding (``token_links``) that hands
        dLoss/d(embeddings) straight to the Embedding, which then needs no backward pass; False
        (nothing done) when the Embedding's output gradient is wanted or the forward pass did
        not use the table."""
        layer: Any = self.layers[name]  # a RecurrentLayer
        emb = self.token_links[name]
        if input_grad or emb in keep or emb in (extra or {}) or layer._token_ids is None:
            return False
        layer.table_only = True
        try:
            layer.backward(grad_y)
        finally:
            layer.table_only = False
        return True

    def predict(self, x: np.ndarray, batch_size: int = 1024) -> np.ndarray:
        """Outputs with the final activation applied (probabilities), in inference mode."""
        outs = []
        for start in range(0, len(x), batch_size):
            y = self.forward(x[start : start + batch_size], training=False)
            outs.append(self.finish_outputs(y).copy())
        if not outs:
            return np.zeros((0, *self.output_shape), dtype=self.dtype)
        return np.concatenate(outs)

    def finish_outputs(self, y: np.ndarray) -> np.ndarray:
        """Apply the final activation that logits mode skipped (identity otherwise)."""
        return activations.forward(self.output_activation(), y) if self.logits_mode else y

    def activations_of(self) -> dict[str, np.ndarray]:
        """Outputs of every layer from the last forward pass (for probes)."""
        return dict(getattr(self, "_values", {}))


def check_input_parts(graph: Graph, inputs: list[str]) -> None:
    """Several Inputs must each name a different part of a sample (GraphError otherwise)."""
    parts = [str(graph.nodes[n].options.get("part", "")).strip() for n in inputs]
    unnamed = [n for n, p in zip(inputs, parts) if not p]
    if unnamed:
        raise GraphError(
            f"The network has {len(inputs)} Input layers ({', '.join(inputs)}); set each "
            f"one's 'Receives' option to the part of a sample it reads (e.g. 'source' and "
            f"'decoder input' for the dates dataset) — missing on {', '.join(unnamed)}.")
    twice = sorted({p for p in parts if parts.count(p) > 1})
    if twice:
        raise GraphError(f"Two Input layers receive the same part '{twice[0]}'; each part "
                         f"goes to one Input (wire one Input to several layers instead).")
