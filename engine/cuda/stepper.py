"""``CudaStepper``: training chunks on the GPU of a network of Dense, Conv2D, pooling, global
average pooling, batch and layer normalization, stand-alone activations, Flatten, Dropout,
Add, Concatenate, Embedding, PositionalEncoding, MultiHeadAttention, SimpleRNN, LSTM, GRU and
TimeDistributed layers — a chain or a DAG (the ``cuda`` backend; the layers' GPU twins:
``engine.cuda.device_layers``, ``device_graph_layers``, ``device_seq_layers`` and
``device_attention``, walked by ``engine.cuda.graph``).
A softmax cross-entropy over a sequence output ``(T, K)`` takes one label per step and
averages over the batch's B·T steps, as the CPU loss does.

Same contract as ``engine.stepper.GenericStepper.run`` and the same numbers as the CPU
engine within float32 rounding (tests compare). What lives on the device and when it moves:

- the training data (x flattened to (N, D) float32, targets as labels or (N, K)) is uploaded
  once and again only when the trainer hands over other arrays (``replace_data``);
- parameters, gradients and the optimizer's state buffers stay on the device across steps;
  they are uploaded only when the host copies changed since the last chunk (a checkpoint
  restore, "restore best weights", loading weights);
- BatchNormalization's running averages live on the device like the parameters (uploaded
  when the host copies changed, copied back at the end of a chunk);
- per chunk: each Dropout layer's masks and each Sampling layer's noise, drawn on the host
  by the CPU layer's generator;
- per step: gather the batch on the device, forward through every layer's twin, loss and
  dLoss/dout (plus a Sampling layer's β·KL), backward, L1/L2 penalties, frozen layers' gradients
  zeroed, clipping, the optimizer update, frozen layers' values put back (as
  ``GenericStepper`` and ``engine.frozen`` do);
- at the end of a chunk (a live update, or an epoch end) the step losses, the parameters,
  the last gradients and the optimizer state are copied back, so probes, metrics, the
  divergence watch and checkpoints on the CPU see exactly what a CPU stepper leaves behind.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from engine.cuda import ops
from engine.cuda.device_graph_layers import BatchNormGpu
from engine.cuda.device_layers import DropoutGpu
from engine.cuda.device_sampling import SamplingGpu
from engine.cuda.device_seq_layers import EmbeddingGpu
from engine.cuda.graph import DeviceGraph
from engine.cuda.placement import gpu_loss_kind, gpu_obstacles
from engine.frozen import FrozenParams
from engine.layers.embedding import token_ids
from engine.losses import Loss
from engine.model import Model
from engine.optimizers import Optimizer
from engine.stepper_delegate import delegate_of


class CudaStepper:
    """Drop-in for ``GenericStepper`` on models ``gpu_obstacles`` finds nothing against."""

    @staticmethod
    def supports(model: Model, loss: Loss, optimizer: Optimizer, config: Any) -> bool:
        return not gpu_obstacles(model, loss, optimizer, config)

    def __init__(self, model: Model, loss: Loss, optimizer: Optimizer, config: Any) -> None:
        self.model, self.loss, self.optimizer, self.config = model, loss, optimizer, config
        self.loss_kind = gpu_loss_kind(loss, model) or "mse"
        sl = model.slices
        self.graph = DeviceGraph(model)
        self.layers = self.graph.layers
        self.in_width = int(np.prod(model.layers[model.order[1]].input_shapes[0]))
        out_shape = model.output_shape
        # labels per sample: T for a softmax over each step of a (T, K) output, else 1
        self.steps = int(out_shape[0]) if self.loss_kind == "softmax_ce" and len(
            out_shape) == 2 else 1
        self.penalized = [(sl[(name, key)], float(layer.config.get("l1", 0.0)),
                           float(layer.config.get("l2", 0.0)))
                          for name in model.order[1:]
                          for layer in [model.layers[name]]
                          if layer.config.get("l1", 0.0) or layer.config.get("l2", 0.0)
                          for key in layer.regularized_params]
        frozen = FrozenParams(model)
        self._trainable: np.ndarray | None = None  # 1 trained / 0 frozen, per parameter
        if frozen:
            self._trainable = np.ones(model.params_flat.size, dtype=np.float32)
            for part in frozen.slices:
                self._trainable[part] = 0.0
        self._frozen: tuple[Any, Any] | None = None  # device (trainable mask, held values)
        self._data: tuple[Any, Any, Any, Any] | None = None  # (x host, y host, x dev, y dev)
        self._params: Any = None  # device flat params and grads
        # what the device held at the last copy-back (to spot changes made on the host)
        self._host_params: np.ndarray | None = None
        self._host_state: list[np.ndarray] = []
        self._state: list[Any] = []
        self._state_host: list[np.ndarray] = []
        self._inputs: dict[int, Any] = {}  # batch width -> the gathered input batch
        self._scratch = ops.zeros(1, np.float64)

    # -- uploads ---------------------------------------------------------------------------
    def _upload_data(self, x: np.ndarray, y: np.ndarray) -> tuple[Any, Any]:
        if self._data is None or self._data[0] is not x or self._data[1] is not y:
            x2 = np.ascontiguousarray(x.reshape(len(x), -1), dtype=np.float32)
            for twin in self.graph.layers:  # bad ids: the CPU layer's message
                if isinstance(twin, EmbeddingGpu):
                    token_ids(twin.layer, x2, twin.vocab, "input_dim")
            if self.steps > 1:  # one label per step: (N, T)
                labels = y.reshape(len(y), self.steps) if y.ndim == 2 else np.argmax(
                    y.reshape(len(y), self.steps, -1), axis=2)
                y_dev = ops.to_device(labels.astype(np.int64))
            elif self.loss_kind == "softmax_ce":
                labels = y if y.ndim == 1 else np.argmax(y.reshape(len(y), -1), axis=1)
                y_dev = ops.to_device(labels.astype(np.int64))
            else:
                y_dev = ops.to_device(np.asarray(y.reshape(len(y), -1), dtype=np.float32))
            self._data = (x, y, ops.to_device(x2), y_dev)
        return self._data[2], self._data[3]

    def _upload_params(self) -> None:
        """(Re)upload params and optimizer state when the host copies changed."""
        model, opt = self.model, self.optimizer
        p = model.params_flat
        if self._host_params is None or not np.array_equal(p, self._host_params):
            d_p, d_g = ops.to_device(p), ops.to_device(model.grads_flat)
            self.graph.bind(d_p, d_g)
            self._params = (d_p, d_g)
            self._host_params = p.copy()
            if self._trainable is not None:  # frozen values as they are now
                self._frozen = (ops.to_device(self._trainable), ops.to_device(p))
        state = opt._state_for(0, p, model.grads_flat)
        if (len(state) != len(self._state_host)
                or any(a is not b or not np.array_equal(a, c) for a, b, c in
                       zip(state, self._state_host, self._host_state))):
            self._state = [ops.to_device(s) for s in state]
            self._state_host = list(state)
            self._host_state = [s.copy() for s in state]

    # -- the chunk -------------------------------------------------------------------------
    def run(self, x: np.ndarray, y: np.ndarray, batches: list[np.ndarray]) -> np.ndarray:
        """x: (N, *in), y: encoded targets, batches: index arrays -> losses (steps,)."""
        if not batches:
            return np.empty(0)
        x_dev, y_dev = self._upload_data(x, y)
        self._upload_params()
        for layer in self.layers:
            if isinstance(layer, BatchNormGpu):  # running averages changed on the host?
                layer.upload_state()
        width = max(len(b) for b in batches)
        idx = np.zeros((len(batches), width), dtype=np.int64)
        for s, b in enumerate(batches):
            idx[s, : len(b)] = b
        d_idx, d_losses = ops.to_device(idx), ops.zeros(len(batches), np.float64)
        xb = self._inputs.setdefault(width, ops.zeros((width, self.in_width)))
        for layer in self.layers:
            if isinstance(layer, DropoutGpu):  # the chunk's masks, drawn as the CPU draws
                layer.draw(sum(len(b) for b in batches))
            elif isinstance(layer, SamplingGpu):  # the chunk's noise, likewise
                layer.draw([len(b) for b in batches])
        labelled, t = self.loss_kind == "softmax_ce" and self.steps == 1, self.steps
        yb = ops.zeros(width, np.int64) if labelled else ops.zeros(
            (width, y_dev.shape[1]), np.int64 if t > 1 else np.float32)
        for s, b in enumerate(batches):
            n = len(b)
            ops.gather_rows(x_dev, d_idx[s], n, xb)
            (ops.gather_labels if labelled else ops.gather_rows)(y_dev, d_idx[s], n, yb)
            out = self.graph.forward(xb, n)
            last = self.graph.out_grad(width)
            if t > 1:  # (n·T, K) rows against n·T labels
                k = out.shape[1] // t
                ops.loss_and_grad(self.loss_kind, out[:n].reshape((n * t, k)),
                                  yb[:n].reshape(n * t), n * t,
                                  last[:n].reshape((n * t, k)), d_losses, s)
            else:
                ops.loss_and_grad(self.loss_kind, out[:n], yb[:n], n, last[:n], d_losses, s)
            self.graph.add_aux_losses(n, d_losses, s)  # a VAE Sampling layer's β·KL
            self.graph.backward(n)
            self._update(s, d_losses)
        self.optimizer.iterations += len(batches)
        return self._copy_back(d_losses)

    def _update(self, s: int, d_losses: Any) -> None:
        """Step ``s``'s update once the gradients are in: L1/L2 penalties, frozen layers'
        gradients zeroed, clipping, the optimizer, frozen values put back."""
        d_p, d_g = self._params
        opt, cfg = self.optimizer, self.config
        for part, l1, l2 in self.penalized:
            ops.penalize(d_p, d_g, part, l1, l2, d_losses, s)
        if self._frozen is not None:
            ops.mask_frozen(d_g, self._frozen[0])
        ops.clip(d_g, float(cfg.clip_value), float(cfg.clip_norm), self._scratch)
        it = opt.iterations + s
        lr = opt.learning_rate if opt.schedule is None else float(
            opt.schedule(opt.learning_rate, it))
        ops.optimizer_step(opt.name, d_p, d_g, self._state, opt._scalars(lr, it + 1))
        if self._frozen is not None:
            ops.restore_frozen(d_p, self._frozen[1], self._frozen[0])

    def _copy_back(self, d_losses: Any) -> np.ndarray:
        """Losses, params, last gradients and optimizer state to the host (once a chunk)."""
        model = self.model
        d_p, d_g = self._params
        d_p.copy_to_host(model.params_flat)
        d_g.copy_to_host(model.grads_flat)
        for d, h in zip(self._state, self._state_host):
            d.copy_to_host(h)
        for layer in self.layers:
            if isinstance(layer, BatchNormGpu):
                layer.download_state()
            elif isinstance(layer, SamplingGpu):
                layer.download()
        self._host_params = model.params_flat.copy()
        self._host_state = [h.copy() for h in self._state_host]
        return np.asarray(d_losses.copy_to_host(), dtype=np.float64)


def runs_on_gpu(stepper: object) -> bool:
    """Whether a trainer's stepper trains on the GPU: a ``CudaStepper``, or an
    autoencoder's ``ReconstructionStepper`` whose plain chunks (no input noise, no sparsity)
    run on one (a ``DelegatingStepper`` is looked through to its ``fused`` stepper)."""
    return isinstance(delegate_of(stepper), CudaStepper)
