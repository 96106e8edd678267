"""Recurrent layers: SimpleRNN, LSTM and GRU (Keras names and defaults).

Input ``x: (B, T, F)`` (a sequence of T feature vectors per sample); output the last hidden
state ``(B, units)`` or, with ``return_sequences``, every hidden state ``(B, T, units)``.
The state starts at zero. Training runs backpropagation through time: over the whole sequence
(``bptt_steps = 0``) or truncated (``bptt_steps = k``: the sequence is cut into chunks of k
steps; the forward pass carries the state across chunks but no gradient flows back across a
chunk boundary, as when PyTorch code ``detach()``es the state every k steps).

Weights (Keras layout): ``kernel: (F, G·units)``, ``recurrent_kernel: (units, G·units)``,
``bias: (G·units,)`` with G gates in Keras order — LSTM ``i, f, g, o`` (PyTorch's order too),
GRU ``z, r, n`` (PyTorch: ``r, z, n``). The GRU is ``reset_after=True`` (Keras' default,
PyTorch's formula) and has a second bias ``recurrent_bias: (3·units,)`` for ``h @ U``.
To PyTorch: ``weight_ih = kernelᵀ``, ``weight_hh = recurrent_kernelᵀ``, ``bias_ih = bias``,
``bias_hh = 0`` (GRU: ``recurrent_bias``), GRU blocks reordered (tests/engine/test_recurrent.py).
Dropout follows Keras: one input mask ``(B, F)`` and one recurrent mask ``(B, units)`` per
batch, the same at every time step. The input projection ``X @ W`` for all steps is one BLAS
product (the bias folded in as a column of ones), and so are the weight gradients after the
loop; the per-step loop runs in numba (``engine.kernels.recurrent``).
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from engine import activations
from engine.backend import pick
from engine.initializers import INITIALIZER_NAMES, get_initializer
from engine.kernels import recurrent as K
from engine.kernels import recurrent_ref as R
from engine.kernels.colsum import column_sum
from engine.layers.base import ParamSpec, SingleInputLayer
from engine.layers.registry import register
from engine.types import ConfigError, Shape, ShapeError, format_shape

CELL_ACTIVATIONS = tuple(n for n in activations.NAMES if n not in ("softmax", "step"))
RECURRENT_INITS = (*INITIALIZER_NAMES, "orthogonal")


def orthogonal(shape: Shape, rng: np.random.Generator) -> np.ndarray:
    """A (rows, cols) matrix with orthonormal rows or columns (Saxe et al.; Keras' default
    for recurrent kernels): QR of a Gaussian matrix, signs fixed by diag(R)."""
    rows, cols = shape
    a = rng.normal(0.0, 1.0, (max(rows, cols), min(rows, cols)))
    q, r = np.linalg.qr(a)
    q *= np.sign(np.diag(r))
    return np.ascontiguousarray(q.T if rows < cols else q)


def expect_sequence(layer: SingleInputLayer, shape: Shape) -> tuple[int, int]:
    """(T, F) of a sequence input, or a ShapeError that explains how to get one."""
    if len(shape) != 2:
        hint = ("a flat input of token ids needs an Embedding (or OneHot) layer first"
                if len(shape) == 1 else "use a Reshape layer to make it (time steps, features)")
        raise ShapeError(
            f"{layer.describe()} expects a sequence (time steps × features) per sample but "
            f"receives {format_shape(shape)} — {hint}."
        )
    return shape[0], shape[1]


def _common_specs(gated: bool) -> tuple[ParamSpec, ...]:
    specs = [
        ParamSpec("units", "int", 16, "Size of the hidden state (and of the output)",
                  min=1, max=4096),
        ParamSpec("activation", "choice", "tanh", "Applied to the candidate state (and to the "
                  "cell state before the output gate in an LSTM)", CELL_ACTIVATIONS),
    ]
    if gated:
        specs.append(ParamSpec("recurrent_activation", "choice", "sigmoid",
                               "Applied to the gates (values in 0..1 open or close them)",
                               CELL_ACTIVATIONS))
    specs += [
        ParamSpec("use_bias", "bool", True, "Add learned biases"),
        ParamSpec("return_sequences", "bool", False, "Output every hidden state (T × units) "
                  "instead of only the last one"),
        ParamSpec("dropout", "float", 0.0, "Fraction of input features dropped while training",
                  min=0.0, max=0.95),
        ParamSpec("recurrent_dropout", "float", 0.0, "Fraction of the previous state dropped "
                  "while training", min=0.0, max=0.95),
        ParamSpec("kernel_initializer", "choice", "glorot_uniform", "How W starts",
                  RECURRENT_INITS),
        ParamSpec("recurrent_initializer", "choice", "orthogonal", "How U starts",
                  RECURRENT_INITS),
        ParamSpec("bias_initializer", "choice", "zeros", "How the biases start",
                  tuple(INITIALIZER_NAMES)),
        ParamSpec("bptt_steps", "int", 0, "Truncated backpropagation through time: gradients "
                  "flow back at most this many steps (chunks); 0 = the whole sequence",
                  min=0, max=100000),
    ]
    return tuple(specs)


class RecurrentLayer(SingleInputLayer):
    """Shared machinery of SimpleRNN/LSTM/GRU; subclasses set ``gates`` and the kernels."""

    category = "Recurrent"
    icon = "recurrent"
    gates: ClassVar[int] = 1
    time_major: ClassVar[bool] = False  # the kernels' work arrays are (T, B, ·), not (B, T, ·)
    regularized_params = ("kernel", "recurrent_kernel")

    def output_shape(self, input_shapes: list[Shape]) -> Shape:
        t, _ = expect_sequence(self, input_shapes[0])
        units = self.config["units"]
        return (t, units) if self.config["return_sequences"] else (units,)

    def param_shapes(self, input_shapes: list[Shape]) -> dict[str, Shape]:
        _, f = expect_sequence(self, input_shapes[0])
        gh = self.gates * self.config["units"]
        shapes: dict[str, Shape] = {"kernel": (f, gh), "recurrent_kernel": (gh // self.gates, gh)}
        if self.config["use_bias"]:
            shapes["bias"] = (gh,)
        return shapes

    def init_param(self, key: str, shape: Shape, rng: np.random.Generator) -> np.ndarray:
        units = self.config["units"]
        if key.endswith("bias"):
            return get_initializer(self.config["bias_initializer"])(shape, 1, units, rng)
        name = self.config["kernel_initializer" if key == "kernel" else "recurrent_initializer"]
        if name == "orthogonal":
            return orthogonal(shape, rng)
        return get_initializer(name)(shape, shape[0], shape[1], rng)

    @property
    def act_ids(self) -> tuple[int, int]:
        act = activations.get(self.config["activation"]).act_id
        ract = activations.get(self.config.get("recurrent_activation", "sigmoid")).act_id
        return act, ract

    def build(self, input_shapes, rng, dtype=np.float32):
        super().build(input_shapes, rng, dtype)
        self._rng = np.random.default_rng(int(rng.integers(2**63)))

    def _mask(self, shape: tuple[int, int], rate: float, training: bool) -> np.ndarray | None:
        if not training or rate == 0.0:
            return None
        keep = 1.0 - rate
        return ((self._rng.random(shape) < keep) / keep).astype(self.dtype)

    def call(self, x: np.ndarray, training: bool) -> np.ndarray:
        """x: (B, T, F) -> (B, units), or (B, T, units) with return_sequences."""
        if x.ndim != 3:
            expect_sequence(self, x.shape[1:])
        if self.skip_activation:
            raise ConfigError(
                f"{self.describe()} is the output layer and the loss wants raw scores (logits), "
                "but a recurrent layer applies its activation inside every step. Add a Dense "
                "(or Dense per step) layer with the softmax/sigmoid output after it.")
        b, t, f = x.shape
        units = self.config["units"]
        self._in_mask = self._mask((b, f), self.config["dropout"], training)
        xd = x if self._in_mask is None else x * self._in_mask[:, None, :]
        kernel = self.params["kernel"]
        dtype = kernel.dtype
        self.h_all = np.empty((b, t, units), dtype=dtype)
        # [x_t | 1 | h_(t-1)] side by side (the backward pass fills the h part): the input
        # projection X @ W + b for all B·T steps is one BLAS product, and so is [dW; db; dU]
        tm = self.time_major
        xh = self._scratch("xh", (t, b, f + 1 + units) if tm else (b, t, f + 1 + units))
        xh[:, :, :f] = xd.transpose(1, 0, 2) if tm else xd
        xh[:, :, f] = 1.0
        self._xh = xh.reshape(b * t, -1)
        wb = self._scratch("wb", (f + 1, kernel.shape[1]))  # [W; b]
        wb[:f] = kernel
        wb[f] = self.params["bias"] if "bias" in self.params else 0.0
        xp = self._scratch("xp", (b * t, kernel.shape[1]))
        np.dot(self._xh[:, : f + 1], wb, out=xp)  # (B·T, G·H)
        rmask = self._mask((b, units), self.config["recurrent_dropout"], training)
        self._rmask_on = rmask is not None
        self._rmask = np.ones((b, units), dtype) if rmask is None else rmask.astype(dtype)
        self._run_forward(xp.reshape((t, b, -1) if tm else (b, t, -1)))
        return self.h_all if self.config["return_sequences"] else self.h_all[:, -1].copy()

    def grad(self, grad_y: np.ndarray) -> np.ndarray:
        """grad_y: (B, units) or (B, T, units) -> grad_x: (B, T, F); fills every grad."""
        b, t, units = self.h_all.shape
        if self.config["return_sequences"]:
            dh_seq = np.ascontiguousarray(grad_y, dtype=self.h_all.dtype)
        else:
            dh_seq = self._scratch("dh_seq", self.h_all.shape)
            dh_seq[...] = 0.0
            dh_seq[:, -1] = grad_y
        dxp, dhp = self._run_backward(dh_seq)  # (B, T, G·H) each
        tm = self.time_major
        if tm:  # the rows of xh and dz are in (t, b) order: views of the time-major arrays
            dxp2 = dhp2 = dxp.transpose(1, 0, 2).reshape(t * b, -1)
        else:
            dxp2 = dxp.reshape(b * t, -1)
            dhp2 = dxp2 if dhp is dxp else dhp.reshape(b * t, -1)
        f1 = self._xh.shape[1] - units  # F + 1
        h_prev = self._xh.reshape(t, b, -1)[:, :, f1:] if tm else \
            self._xh.reshape(b, t, -1)[:, :, f1:].transpose(1, 0, 2)  # (T, B, H)
        h_prev[0] = 0.0  # h_(t-1) ⊙ rmask
        h_prev[1:] = self.h_all[:, :-1].transpose(1, 0, 2)
        if self._rmask_on:
            h_prev *= self._rmask[None]
        if dxp2 is dhp2:  # [dW; db; dU] = [X | 1 | H_prev]ᵀ dZ: one product
            dwu = self._scratch("dwbu", (self._xh.shape[1], dxp2.shape[1]))
            np.dot(self._xh.T, dxp2, out=dwu)
            self.grads["recurrent_kernel"][...] = dwu[f1:]
        else:
            dwu = self._scratch("dwb", (f1, dxp2.shape[1]))
            np.dot(self._xh[:, :f1].T, dxp2, out=dwu)
            np.dot(self._xh[:, f1:].T, dhp2, out=self.grads["recurrent_kernel"])
        self.grads["kernel"][...] = dwu[: f1 - 1]
        if "bias" in self.grads:
            self.grads["bias"][...] = dwu[f1 - 1]
        if "recurrent_bias" in self.grads:
            column_sum(dhp2, self.grads["recurrent_bias"])
        dx = dxp2 @ self.params["kernel"].T
        dx = np.ascontiguousarray(dx.reshape(t, b, -1).transpose(1, 0, 2)) if tm else \
            dx.reshape(b, t, -1)
        return dx if self._in_mask is None else dx * self._in_mask[:, None, :]

    @property
    def _fast(self) -> bool:
        """float32 training: tanh/sigmoid by a rational approximation (kernels docstring)."""
        acts = (self.config["activation"], self.config.get("recurrent_activation", "sigmoid"))
        return self.h_all.dtype == np.float32 and acts == ("tanh", "sigmoid")

    def _buffers(self, n: int) -> list[np.ndarray]:
        b, t, units = self.h_all.shape
        return [self._scratch(key, (b, t, units * n)) for key in ("pre", "gates")]

    def _scratch(self, key: str, shape: tuple[int, ...]) -> np.ndarray:
        """A work array kept between calls (fresh large arrays cost page faults every step);
        it is overwritten by the next call with the same shape, so never hand one out."""
        store: dict[str, np.ndarray] = self.__dict__.setdefault("_scratch_store", {})
        arr = store.get(key)
        if arr is None or arr.shape != shape or arr.dtype != self.h_all.dtype:
            arr = store[key] = np.empty(shape, dtype=self.h_all.dtype)
        return arr

    def _ut(self) -> np.ndarray:
        return np.ascontiguousarray(self.params["recurrent_kernel"].T)

    def _run_forward(self, xp: np.ndarray) -> None:
        raise NotImplementedError

    def _run_backward(self, dh_seq: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError

    def inspect(self) -> dict[str, np.ndarray]:
        return {"hidden_states": self.h_all} if hasattr(self, "h_all") else {}


@register
class SimpleRNN(RecurrentLayer):
    kind = "SimpleRNN"
    display_name = "Simple RNN"
    blurb = ("Reads a sequence step by step: h_t = tanh(x_t·W + h_(t-1)·U + b), so each output "
             "depends on everything seen so far (gradients fade over long sequences).")
    config_spec = _common_specs(gated=False)
    example = ({"units": 3, "return_sequences": True}, [(4, 2)])

    def _run_forward(self, xp: np.ndarray) -> None:
        self._pre = self._scratch("pre", self.h_all.shape)
        pick(K.rnn_forward, R.rnn_forward_ref)(
            np.ascontiguousarray(xp), self.params["recurrent_kernel"], self._rmask,
            self.act_ids[0], self._fast, self._pre, self.h_all)

    def _run_backward(self, dh_seq: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        da = self._scratch("da", self.h_all.shape)
        pick(K.rnn_backward, R.rnn_backward_ref)(
            dh_seq, self._ut(), self._rmask, self.act_ids[0], self._pre, self.h_all,
            self.config["bptt_steps"], da)
        return da, da


@register
class LSTM(RecurrentLayer):
    kind = "LSTM"
    display_name = "LSTM"
    blurb = ("Long short-term memory: a cell state with input, forget and output gates decides "
             "what to keep, so information (and gradients) survive over many steps.")
    gates = 4
    time_major = True
    config_spec = (*_common_specs(gated=True),
                   ParamSpec("unit_forget_bias", "bool", True, "Start the forget-gate bias at "
                             "1 so the cell remembers by default (Jozefowicz et al.)"))
    example = ({"units": 2, "return_sequences": True}, [(3, 2)])

    def init_param(self, key: str, shape: Shape, rng: np.random.Generator) -> np.ndarray:
        value = super().init_param(key, shape, rng)
        if key == "bias" and self.config["unit_forget_bias"]:
            units = self.config["units"]
            value[units : 2 * units] = 1.0
        return value

    def _run_forward(self, xp: np.ndarray) -> None:
        """xp: (T, B, 4H); pre, gates, c and tc are time-major too (``K.lstm_forward``)."""
        b, t, units = self.h_all.shape
        self._pre = self._scratch("pre", (t, b, 4 * units))
        self._gates = self._scratch("gates", (t, b, 4 * units))
        self._c = self._scratch("c", (t, b, units))
        self._tc = self._scratch("tc", (t, b, units))
        act, ract = self.act_ids
        pick(K.lstm_forward, R.lstm_forward_ref)(
            np.ascontiguousarray(xp), self.params["recurrent_kernel"], self._rmask, act, ract,
            self._fast, self._pre, self._gates, self._c, self._tc, self.h_all)

    def _run_backward(self, dh_seq: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        dz = self._scratch("dz", self._pre.shape)
        act, ract = self.act_ids
        pick(K.lstm_backward, R.lstm_backward_ref)(
            dh_seq, self._ut(), self._rmask, act, ract, self._pre, self._gates, self._c,
            self._tc, self.config["bptt_steps"], dz)
        view = dz.transpose(1, 0, 2)  # (B, T, 4H)
        return view, view

    def inspect(self) -> dict[str, np.ndarray]:
        if not hasattr(self, "_gates"):
            return {}
        u = self.config["units"]
        names = ("input_gate", "forget_gate", "cell_candidate", "output_gate")
        gates = self._gates.transpose(1, 0, 2)  # (B, T, 4H) views of the time-major arrays
        out = {n: gates[:, :, q * u : (q + 1) * u] for q, n in enumerate(names)}
        return {"hidden_states": self.h_all, "cell_state": self._c.transpose(1, 0, 2), **out}


@register
class GRU(RecurrentLayer):
    kind = "GRU"
    display_name = "GRU"
    blurb = ("Gated recurrent unit: an update gate blends the old state with a new candidate "
             "and a reset gate decides how much of the past the candidate sees.")
    gates = 3
    config_spec = _common_specs(gated=True)
    example = ({"units": 2, "return_sequences": True}, [(3, 2)])

    def param_shapes(self, input_shapes: list[Shape]) -> dict[str, Shape]:
        shapes = super().param_shapes(input_shapes)
        if self.config["use_bias"]:
            shapes["recurrent_bias"] = (3 * self.config["units"],)
        return shapes

    def _run_forward(self, xp: np.ndarray) -> None:
        self._pre, self._gates = self._buffers(3)
        self._hn = self._scratch("hn", self.h_all.shape)
        act, ract = self.act_ids
        rbias = self.params.get("recurrent_bias")
        if rbias is None:
            rbias = np.zeros(xp.shape[-1], dtype=xp.dtype)
        pick(K.gru_forward, R.gru_forward_ref)(
            np.ascontiguousarray(xp), self.params["recurrent_kernel"], rbias, self._rmask, act,
            ract, self._fast, self._pre, self._gates, self._hn, self.h_all)

    def _run_backward(self, dh_seq: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        dxp, dhp = self._scratch("dxp", self._pre.shape), self._scratch("dhp", self._pre.shape)
        act, ract = self.act_ids
        pick(K.gru_backward, R.gru_backward_ref)(
            dh_seq, self._ut(), self._rmask, act, ract, self._pre, self._gates, self._hn,
            self.h_all, self.config["bptt_steps"], dxp, dhp)
        return dxp, dhp

    def inspect(self) -> dict[str, np.ndarray]:
        if not hasattr(self, "_gates"):
            return {}
        u = self.config["units"]
        names = ("update_gate", "reset_gate", "candidate")
        out = {n: self._gates[:, :, q * u : (q + 1) * u] for q, n in enumerate(names)}
        return {"hidden_states": self.h_all, **out}


CELLS: dict[str, type[RecurrentLayer]] = {"SimpleRNN": SimpleRNN, "LSTM": LSTM, "GRU": GRU}


def make_cell(cell: str, name: str, options: dict[str, Any]) -> RecurrentLayer:
    if cell not in CELLS:
        raise ConfigError(f"Unknown recurrent cell '{cell}'. Choose one of: {', '.join(CELLS)}.")
    return CELLS[cell](name=name, **options)
