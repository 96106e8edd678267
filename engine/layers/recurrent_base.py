"""Shared machinery of the recurrent layers (``engine.layers.recurrent``: SimpleRNN, LSTM, GRU).

``RecurrentLayer`` owns what the three cells share: the input ports (the sequence, then the
optional initial states), the shape checks, Keras' initialisers, dropout masks, the padding
mask, the input projection ``X @ W + b`` as one BLAS product before the per-step kernel (a
table lookup after an Embedding: ``engine.layers.token_fusion``), and the weight gradients as
BLAS products after it. A cell adds its gate count and its two kernels
(``_run_forward``/``_run_backward``).
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from engine import activations, backend, threads
from engine.initializers import INITIALIZER_NAMES, get_initializer
from engine.kernels.colsum import column_sum
from engine.kernels.recurrent_args import CellSpec, SequenceMask
from engine.layers import token_fusion as TF
from engine.layers.base import Layer, ParamSpec
from engine.types import ConfigError, Shape, ShapeError, format_shape

CELL_ACTIVATIONS = tuple(n for n in activations.NAMES if n not in ("softmax", "step"))
RECURRENT_INITS = (*INITIALIZER_NAMES, "orthogonal")
ORDINALS = ("first", "second", "third")


def orthogonal(shape: Shape, rng: np.random.Generator) -> np.ndarray:
    """A (rows, cols) matrix with orthonormal rows or columns (Saxe et al.; Keras' default
    for recurrent kernels): QR of a Gaussian matrix, signs fixed by diag(R)."""
    rows, cols = shape
    a = rng.normal(0.0, 1.0, (max(rows, cols), min(rows, cols)))
    q, r = np.linalg.qr(a)
    q *= np.sign(np.diag(r))
    return np.ascontiguousarray(q.T if rows < cols else q)


def expect_sequence(layer: Layer, shape: Shape) -> tuple[int, int]:
    """(T, F) of a sequence input, or a ShapeError that explains how to get one."""
    if len(shape) != 2:
        hint = ("a flat input of token ids needs an Embedding (or OneHot) layer first"
                if len(shape) == 1 else "use a Reshape layer to make it (time steps, features)")
        raise ShapeError(
            f"{layer.describe()} expects a sequence (time steps × features) per sample but "
            f"receives {format_shape(shape)} — {hint}."
        )
    return shape[0], shape[1]


def common_specs(gated: bool) -> tuple[ParamSpec, ...]:
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
        ParamSpec("mask_padding", "bool", False, "Treat time steps whose input is all zeros "
                  "(padding, e.g. from an Embedding with mask_zero) as absent: the state is "
                  "carried over unchanged, as Keras does with a mask", label="Skip padding"),
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


class RecurrentLayer(Layer):
    """Shared machinery of SimpleRNN/LSTM/GRU; subclasses set ``gates`` and the kernels.

    Input ports: 0 the sequence ``x: (B, T, F)``; 1 (optional) the initial hidden state
    ``h0: (B, units)``; LSTM only, 2 (optional) the initial cell state ``c0: (B, units)``.
    """

    category = "Recurrent"
    icon = "recurrent"
    max_inputs = 2
    state_names: ClassVar[tuple[str, ...]] = ("initial state",)  # ports 1, 2, …
    port_names: ClassVar[tuple[str, ...]] = ("sequence", "initial state")
    gates: ClassVar[int] = 1
    time_major: ClassVar[bool] = False  # the kernels' work arrays are (T, B, ·), not (B, T, ·)
    reads_rows: ClassVar[bool] = False  # _run_forward_rows: the kernel gathers xp's rows
    writes_hprev: ClassVar[bool] = False  # the forward kernel writes H_prev ⊙ rmask (_hprev)
    regularized_params = ("kernel", "recurrent_kernel")
    token_source: Any = None  # the Embedding feeding this layer (``token_fusion``; Model sets it)
    table_only = False  # Model.backward: hand dLoss/dE to token_source instead of returning dX
    _token_ids: np.ndarray | None = None  # the ids of a fused forward pass (token_fusion)
    _hprev: np.ndarray | None = None  # writes_hprev: H_prev ⊙ rmask (T, B, H); None: in xh
    _state_grads: list[np.ndarray]  # dLoss/dh0 (, dLoss/dc0), set by ``_run_backward``

    def output_shape(self, input_shapes: list[Shape]) -> Shape:
        if len(input_shapes) > 1 and len(input_shapes[0]) == 1 and len(input_shapes[1]) == 2:
            raise ShapeError(
                f"{self.describe()} receives its initial state as the first input and the "
                "sequence as the second — remove both wires and connect the sequence first.")
        t, _ = expect_sequence(self, input_shapes[0])
        self._check_states(input_shapes[1:])
        units = self.config["units"]
        return (t, units) if self.config["return_sequences"] else (units,)

    def _check_states(self, shapes: list[Shape]) -> None:
        """Every initial-state input must be one vector of ``units`` values per sample."""
        units = self.config["units"]
        if len(shapes) > len(self.state_names):
            raise ShapeError(f"{self.describe()} takes at most {1 + len(self.state_names)} "
                             f"inputs: the sequence and its {' and '.join(self.state_names)}.")
        for port, (shape, what) in enumerate(zip(shapes, self.state_names), start=1):
            if len(shape) != 1:
                raise ShapeError(
                    f"{self.describe()} gets its {what} from its {ORDINALS[port]} input, which "
                    f"is {format_shape(shape)} per sample, but a state is one vector of {units} "
                    "values — turn return_sequences off in the layer that produces it.")
            if shape[0] != units:
                raise ShapeError(
                    f"{self.describe()} starts from an {what} of {shape[0]} values but has "
                    f"{units} units — give the encoder {units} units too (or change this "
                    "layer's units).")

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

    def forward(self, inputs: list[np.ndarray], training: bool) -> np.ndarray:
        """inputs: x (B, T, F), then optionally h0 (B, units) and (LSTM) c0 (B, units)
        -> (B, units), or (B, T, units) with return_sequences."""
        x = inputs[0]
        if x.ndim != 3:
            expect_sequence(self, x.shape[1:])
        self._n_given = len(inputs) - 1
        self._states = self._initial_states(inputs[1:], x.shape[0])
        return self.call(x, training)

    def backward(self, grad_y: np.ndarray) -> list[np.ndarray]:
        """grad_y: (B, units) or (B, T, units) -> [dLoss/dx (B, T, F), dLoss/dh0 (B, units),
        …] (one gradient per input given to ``forward``); fills every grad."""
        dx = self.grad(grad_y)
        return [dx, *(g.copy() for g in self._state_grads[: self._n_given])]

    def _initial_states(self, given: list[np.ndarray], b: int) -> list[np.ndarray]:
        """The given states as contiguous (B, units) arrays, zeros for the missing ones."""
        self._check_states([s.shape[1:] for s in given])
        units, dtype = self.config["units"], self.params["kernel"].dtype
        states = [np.ascontiguousarray(s, dtype=dtype) for s in given]
        if any(s.shape[0] != b for s in states):
            raise ShapeError(f"{self.describe()} received {b} sequences but initial states "
                             f"for {', '.join(str(s.shape[0]) for s in states)} samples.")
        zeros = [np.zeros((b, units), dtype) for _ in self.state_names[len(given):]]
        return states + zeros

    def call(self, x: np.ndarray, training: bool) -> np.ndarray:
        """x: (B, T, F) -> (B, units), or (B, T, units) with return_sequences; the state
        starts at ``self._states`` (set by ``forward``)."""
        if self.skip_activation:
            raise ConfigError(
                f"{self.describe()} is the output layer and the loss wants raw scores (logits), "
                "but a recurrent layer applies its activation inside every step. Add a Dense "
                "(or Dense per step) layer with the softmax/sigmoid output after it.")
        b, t, f = x.shape
        units = self.config["units"]
        # (B, T) bool: False at padded steps; None: no step is (the kernels skip the test)
        self._keep = np.any(x != 0, axis=2) if self.config["mask_padding"] else None
        self._in_mask = self._mask((b, f), self.config["dropout"], training)
        xd = x if self._in_mask is None else x * self._in_mask[:, None, :]
        kernel = self.params["kernel"]
        dtype = kernel.dtype
        self.h_all = np.empty((b, t, units), dtype=dtype)
        # [x_t | 1 | h_(t-1)] side by side (the backward pass fills the h part): the input
        # projection X @ W + b for all B·T steps is one BLAS product, and so is [dW; db; dU]
        tm = self.time_major
        self._token_ids = None if self._in_mask is not None else TF.token_rows(self, x)
        nx = f + 1 if self._token_ids is None else 0  # token_fusion: xh holds h_(t-1) alone
        xh = self._scratch("xh", (t, b, nx + units) if tm else (b, t, nx + units))
        self._xh = xh.reshape(b * t, -1)
        rows = None  # the LSTM kernel reads xp[rows[t, b]]; other cells get xp gathered
        if self._token_ids is not None:  # x = E[ids]: xp = (E W + b)[ids] (token_fusion)
            xp, rows = TF.project_tokens(self, self._token_ids, self.reads_rows)
        else:
            xh[:, :, :f] = xd.transpose(1, 0, 2) if tm else xd
            xp = self._project(f)
        rmask = self._mask((b, units), self.config["recurrent_dropout"], training)
        self._rmask_on = rmask is not None
        self._rmask = np.ones((b, units), dtype) if rmask is None else rmask.astype(dtype)
        if rows is not None:
            self._run_forward_rows(xp, rows.reshape(t, b))
        else:
            self._run_forward(xp.reshape((t, b, -1) if tm else (b, t, -1)))
        return self.h_all if self.config["return_sequences"] else self.h_all[:, -1].copy()

    def _project(self, f: int) -> np.ndarray:
        """XP = [X | 1] @ [W; b]: (B·T, G·H), one BLAS product for every step; ``_xh``'s first
        ``f`` columns hold X (in the rows' order of the cell: time- or batch-major)."""
        kernel = self.params["kernel"]
        self._xh[:, f] = 1.0
        xp = self._scratch("xp", (self._xh.shape[0], kernel.shape[1]))
        wb = self._scratch("wb", (f + 1, kernel.shape[1]))  # [W; b]
        wb[:f] = kernel
        wb[f] = self.params["bias"] if "bias" in self.params else 0.0
        np.dot(self._xh[:, : f + 1], wb, out=xp)
        return xp

    def grad(self, grad_y: np.ndarray) -> np.ndarray:
        """grad_y: (B, units) or (B, T, units) -> grad_x: (B, T, F); fills every grad."""
        b, t, units = self.h_all.shape
        dxp, dhp = self._run_backward(self._dh_seq(grad_y))  # (B, T, G·H) each
        tm = self.time_major
        if tm:  # the rows of xh and dz are in (t, b) order: views of the time-major arrays
            dxp2 = dhp2 = dxp.transpose(1, 0, 2).reshape(t * b, -1)
        else:
            dxp2 = dxp.reshape(b * t, -1)
            dhp2 = dxp2 if dhp is dxp else dhp.reshape(b * t, -1)
        f1 = self._xh.shape[1] - units  # F + 1
        self._fill_h_prev(f1)
        if self._token_ids is not None:  # token_fusion: xh = H_prev, [dW; db] from the table
            np.dot(self._xh.T, dhp2, out=self.grads["recurrent_kernel"])
            dwu = TF.table_grads(self, self._token_ids, dxp2)
            f1 = dwu.shape[0]
        elif dxp2 is dhp2:  # [dW; db; dU] = [X | 1 | H_prev]ᵀ dZ: one product
            dwu = self._scratch("dwbu", (self._xh.shape[1], dxp2.shape[1]))
            np.dot(self._xh.T, dxp2, out=dwu)
            self.grads["recurrent_kernel"][...] = dwu[f1:]
        else:
            dwu = self._scratch("dwb", (f1, dxp2.shape[1]))
            np.dot(self._xh[:, :f1].T, dxp2, out=dwu)
            np.dot(self._xh[:, f1:].T, dhp2, out=self.grads["recurrent_kernel"])
        self._adjust_recurrent_grad(dhp2)
        self.grads["kernel"][...] = dwu[: f1 - 1]
        if "bias" in self.grads:
            self.grads["bias"][...] = dwu[f1 - 1]
        if "recurrent_bias" in self.grads:
            column_sum(dhp2, self.grads["recurrent_bias"])
        if self.table_only and self._token_ids is not None:  # Model.backward: dE goes
            # straight into the Embedding's gradient, no dX
            TF.embedding_grad(self)
            return np.zeros(0, dtype=dxp2.dtype)
        dx = dxp2 @ self.params["kernel"].T
        dx = np.ascontiguousarray(dx.reshape(t, b, -1).transpose(1, 0, 2)) if tm else \
            dx.reshape(b, t, -1)
        return dx if self._in_mask is None else dx * self._in_mask[:, None, :]

    def _fill_h_prev(self, f1: int) -> None:
        """Columns ``f1:`` of ``_xh`` = H_prev: h_(t-1) ⊙ rmask per step (h_(-1) = h0), for
        dU = H_prevᵀ dZ; the LSTM's forward kernel already wrote them (or ``_hprev``)."""
        b, t, _ = self.h_all.shape
        h_prev = self._xh.reshape(t, b, -1)[:, :, f1:] if self.time_major else \
            self._xh.reshape(b, t, -1)[:, :, f1:].transpose(1, 0, 2)  # (T, B, H)
        if self.writes_hprev:  # the forward kernel wrote h_(t-1) ⊙ rmask (into xh, or _hprev)
            if self._hprev is not None:
                h_prev[...] = self._hprev
        else:
            h_prev[0] = self._states[0]
            h_prev[1:] = self.h_all[:, :-1].transpose(1, 0, 2)
            if self._rmask_on:
                h_prev *= self._rmask[None]

    def _dh_seq(self, grad_y: np.ndarray) -> np.ndarray:
        """dLoss/dh_t from above, (B, T, units): zero but at the last step without
        return_sequences."""
        if self.config["return_sequences"]:
            return np.ascontiguousarray(grad_y, dtype=self.h_all.dtype)
        dh_seq = self._scratch("dh_seq", self.h_all.shape)
        dh_seq[...] = 0.0
        dh_seq[:, -1] = grad_y
        return dh_seq

    @property
    def _fast(self) -> bool:
        """float32 training: tanh/sigmoid by a rational approximation (kernels docstring)."""
        acts = (self.config["activation"], self.config.get("recurrent_activation", "sigmoid"))
        return self.h_all.dtype == np.float32 and acts == ("tanh", "sigmoid")

    @property
    def _cell(self) -> CellSpec:
        """The kernels' scalar settings (activations, fast tanh/sigmoid, truncated BPTT)."""
        act, ract = self.act_ids
        return CellSpec(act, ract, self._fast, int(self.config["bptt_steps"]))

    @property
    def _seq_mask(self) -> SequenceMask:
        """This batch's recurrent-dropout mask (B, units) and padding mask (B, T) or None."""
        return SequenceMask(self._rmask, self._keep)

    def _parts(self, b: int, t: int) -> list[threads.Part]:
        """Sample ranges for the kernel threads: one per thread of the budget when a call
        (``t·b·G·units²`` multiply-adds in the per-step products) is large enough, else one;
        always one on the numpy backend (``engine.threads.batch_parts``)."""
        if backend.current() == "numpy":
            return [(0, b)]
        units = self.config["units"]
        return threads.batch_parts(b, t * b * self.gates * units * units)

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

    def _adjust_recurrent_grad(self, dhp_rows: np.ndarray) -> None:
        """Hook for a cell whose recurrent product is not ``(h ⊙ rmask) @ U`` everywhere (the
        classic GRU's n block); ``dhp_rows``: (B·T, G·H) in the rows' order of ``_xh``."""

    def _run_forward(self, xp: np.ndarray) -> None:
        raise NotImplementedError

    def _run_forward_rows(self, xp: np.ndarray, rows: np.ndarray) -> None:
        """Like ``_run_forward`` with step t of sample b reading ``xp[rows[t, b]]`` (only
        where ``reads_rows``)."""
        raise NotImplementedError

    def _run_backward(self, dh_seq: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError

    def inspect(self) -> dict[str, np.ndarray]:
        return {"hidden_states": self.h_all} if hasattr(self, "h_all") else {}
