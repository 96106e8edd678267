"""Recurrent layers: SimpleRNN, LSTM and GRU (Keras names and defaults).

Input ``x: (B, T, F)`` (a sequence of T feature vectors per sample); output the last hidden
state ``(B, units)`` or, with ``return_sequences``, every hidden state ``(B, T, units)``.
The state starts at zero, or (Keras' ``initial_state``) at the optional second input
``h0: (B, units)`` — e.g. an encoder's last state in a sequence-to-sequence model — and for the
LSTM the optional third input ``c0: (B, units)``; ``backward`` then returns dLoss/dh0 (and
dLoss/dc0) too, so the encoder learns through the state it hands over. Training runs
backpropagation through time: over the whole sequence (``bptt_steps = 0``) or truncated
(``bptt_steps = k``: the sequence is cut into chunks of k steps; the forward pass carries the
state across chunks but no gradient flows back across a chunk boundary, as when PyTorch code
``detach()``es the state at steps k, 2k, …; the first chunk's gradient still reaches h0/c0,
so ``k ≥ T`` is full BPTT). With ``mask_padding`` a step whose input is all zeros (padding,
e.g. from an Embedding with ``mask_zero``) is skipped as Keras skips masked steps: the state
is carried over (``h_t = h_(t-1)``, ``c_t = c_(t-1)``), the output at that step repeats
``h_(t-1)`` (Keras' default ``zero_output_for_mask=False``; before the first real step Keras
outputs zeros where this layer outputs h0 — the same unless an initial state is wired), and
the gradient passes straight through it; so pre- and post-padded sequences end in the state
of the unpadded one.

Weights (Keras layout): ``kernel: (F, G·units)``, ``recurrent_kernel: (units, G·units)``,
``bias: (G·units,)`` with G gates in Keras order — LSTM ``i, f, g, o`` (PyTorch's order too),
GRU ``z, r, n`` (PyTorch: ``r, z, n``). The GRU is ``reset_after=True`` by default (Keras'
default, PyTorch's formula) and then has a second bias ``recurrent_bias: (3·units,)`` for
``h @ U``; ``reset_after=False`` is the original GRU of Cho et al. (the reset gate acts on h
before the product with U_n; one bias, as Keras).
To PyTorch: ``weight_ih = kernelᵀ``, ``weight_hh = recurrent_kernelᵀ``, ``bias_ih = bias``,
``bias_hh = 0`` (GRU: ``recurrent_bias``), GRU blocks reordered (tests/engine/test_recurrent.py).
Dropout follows Keras: one input mask ``(B, F)`` and one recurrent mask ``(B, units)`` per
batch, the same at every time step. The input projection ``X @ W`` for all steps is one BLAS
product (the bias folded in as a column of ones), and so are the weight gradients after the
loop; the per-step loop runs in numba (``engine.kernels.recurrent``, ``.recurrent_gru``). What
the three cells share lives in ``engine.layers.recurrent_base``. After an Embedding the input
projection is a table lookup instead (``engine.layers.token_fusion``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from engine import threads
from engine.backend import pick
from engine.kernels import recurrent as K
from engine.kernels import recurrent_gru as KG
from engine.kernels import recurrent_ref as R
from engine.kernels.recurrent_args import (
    CellGrads,
    GRUClassicWeights,
    GRUGrads,
    GRUTape,
    GRUWeights,
    LSTMGrads,
    LSTMState,
    LSTMTape,
    RNNTape,
    samples,
)
from engine.layers.base import ParamSpec
from engine.layers.recurrent_base import RecurrentLayer, common_specs, expect_sequence
from engine.layers.registry import register
from engine.types import ConfigError, Shape

__all__ = ["CELLS", "GRU", "LSTM", "RecurrentLayer", "SimpleRNN", "expect_sequence", "make_cell"]


@register
class SimpleRNN(RecurrentLayer):
    kind = "SimpleRNN"
    display_name = "Simple RNN"
    blurb = ("Reads a sequence step by step: h_t = tanh(x_t·W + h_(t-1)·U + b), so each output "
             "depends on everything seen so far (gradients fade over long sequences). An optional "
             "second input sets the starting state h0 (e.g. an encoder's last state).")
    config_spec = common_specs(gated=False)
    example = ({"units": 3, "return_sequences": True}, [(4, 2), (3,)])  # x, h0

    def _run_forward(self, xp: np.ndarray) -> None:
        self._pre = self._scratch("pre", self.h_all.shape)
        xp, u, h0 = np.ascontiguousarray(xp), self.params["recurrent_kernel"], self._states[0]
        mask, cell, tape = self._seq_mask, self._cell, RNNTape(self._pre, self.h_all)
        kernel = pick(K.rnn_forward, R.rnn_forward_ref)
        threads.run_parts(lambda b0, b1: kernel(
            xp[b0:b1], u, h0[b0:b1], samples(mask, b0, b1), cell, samples(tape, b0, b1)),
            self._parts(*xp.shape[:2]))

    def _run_backward(self, dh_seq: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        da = self._scratch("da", self.h_all.shape)
        self._state_grads = [self._scratch("dh0", self._states[0].shape)]
        ut, mask, cell = self._ut(), self._seq_mask, self._cell
        tape, grads = RNNTape(self._pre, self.h_all), CellGrads(da, *self._state_grads)
        kernel = pick(K.rnn_backward, R.rnn_backward_ref)
        threads.run_parts(lambda b0, b1: kernel(
            dh_seq[b0:b1], ut, samples(mask, b0, b1), cell, samples(tape, b0, b1),
            samples(grads, b0, b1)), self._parts(*dh_seq.shape[:2]))
        return da, da


@register
class LSTM(RecurrentLayer):
    kind = "LSTM"
    display_name = "LSTM"
    blurb = ("Long short-term memory: a cell state with input, forget and output gates decides "
             "what to keep, so information (and gradients) survive over many steps. Optional "
             "second and third inputs set the starting hidden and cell states (e.g. an "
             "encoder's).")
    gates = 4
    time_major = True
    reads_rows = True
    writes_hprev = True
    max_inputs = 3
    state_names = ("initial hidden state", "initial cell state")
    port_names = ("sequence", "initial h", "initial c")
    config_spec = (*common_specs(gated=True),
                   ParamSpec("unit_forget_bias", "bool", True, "Start the forget-gate bias at "
                             "1 so the cell remembers by default (Jozefowicz et al.)"))
    example = ({"units": 2, "return_sequences": True}, [(3, 2), (2,), (2,)])  # x, h0, c0

    def init_param(self, key: str, shape: Shape, rng: np.random.Generator) -> np.ndarray:
        value = super().init_param(key, shape, rng)
        if key == "bias" and self.config["unit_forget_bias"]:
            units = self.config["units"]
            value[units : 2 * units] = 1.0
        return value

    def _run_forward(self, xp: np.ndarray) -> None:
        """xp: (T, B, 4H); pre, gates, c and tc are time-major too (``K.lstm_forward``)."""
        t, b, _ = xp.shape
        self._run_forward_rows(np.ascontiguousarray(xp).reshape(t * b, -1), self._steps(t, b))

    def _run_forward_rows(self, xp: np.ndarray, rows: np.ndarray) -> None:
        """xp: (R, 4H) (a token table, or T·B projections) read at rows: (T, B)."""
        b, t, units = self.h_all.shape
        xh = self._xh.reshape(t, b, -1)
        in_xh = xh.shape[2] == units  # token fusion: xh is H_prev alone, the kernel fills it
        self._hprev = None if in_xh else self._scratch("hprev", (t, b, units))
        self._pre = self._scratch("pre", (t, b, 4 * units))
        self._gates = self._scratch("gates", (t, b, 4 * units))
        self._c = self._scratch("c", (t, b, units))
        self._tc = self._scratch("tc", (t, b, units))
        tape = self._tape = LSTMTape(self._pre, self._gates, self._c, self._tc, self.h_all,
                                     xh if self._hprev is None else self._hprev)
        args = (xp, rows, self.params["recurrent_kernel"], LSTMState(*self._states),
                self._seq_mask, self._cell, tape)
        parts = self._parts(b, t)
        if len(parts) == 1:
            pick(K.lstm_forward, R.lstm_forward_ref)(*args)
        else:  # several threads, each running every step for its own samples
            threads.run_parts(lambda b0, b1: K.lstm_forward_part(*args, b0, b1), parts)

    def _steps(self, t: int, b: int) -> np.ndarray:
        """rows (T, B) = arange(T·B): step t of sample b reads row t·B + b of xp."""
        rows = getattr(self, "_arange_rows", None)
        if rows is None or rows.shape != (t, b):
            rows = self._arange_rows = np.arange(t * b, dtype=np.int64).reshape(t, b)
        return rows

    def _run_backward(self, dh_seq: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        dz = self._scratch("dz", self._pre.shape)
        self._state_grads = [self._scratch(k, self._states[0].shape) for k in ("dh0", "dc0")]
        args = (dh_seq, self._ut(), LSTMState(*self._states), self._seq_mask, self._cell,
                self._tape, LSTMGrads(dz, *self._state_grads))
        parts = self._parts(*dh_seq.shape[:2])
        if len(parts) == 1:
            pick(K.lstm_backward, R.lstm_backward_ref)(*args)
        else:
            threads.run_parts(lambda b0, b1: K.lstm_backward_part(*args, b0, b1), parts)
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
             "and a reset gate decides how much of the past the candidate sees. An optional "
             "second input sets the starting state h0 (e.g. an encoder's last state).")
    gates = 3
    config_spec = (*common_specs(gated=True),
                   ParamSpec("reset_after", "bool", True, "Apply the reset gate after the "
                             "recurrent product, n = act(x·W_n + r ⊙ (h·U_n + b_rn)) (Keras' "
                             "default, PyTorch's and cuDNN's formula, with a second bias); off: "
                             "the original GRU of Cho et al., n = act(x·W_n + (r ⊙ h)·U_n + "
                             "b_n)"))
    example = ({"units": 2, "return_sequences": True}, [(3, 2), (2,)])  # x, h0

    def param_shapes(self, input_shapes: list[Shape]) -> dict[str, Shape]:
        shapes = super().param_shapes(input_shapes)
        if self.config["use_bias"] and self.config["reset_after"]:
            shapes["recurrent_bias"] = (3 * self.config["units"],)
        return shapes

    def _run_forward(self, xp: np.ndarray) -> None:
        """xp: (B, T, 3H); fills the tape (``KG.gru_forward`` or ``gru_classic_forward``)."""
        self._pre, self._gates = self._buffers(3)
        self._hn = self._scratch("hn", self.h_all.shape)  # hp_n, or r ⊙ hm (reset_after off)
        xp, h0, mask, cell = np.ascontiguousarray(xp), self._states[0], self._seq_mask, self._cell
        tape = GRUTape(self._pre, self._gates, self._hn, self.h_all)
        if self.config["reset_after"]:
            kernel = pick(KG.gru_forward, R.gru_forward_ref)
            weights: GRUWeights | GRUClassicWeights = GRUWeights(
                self.params["recurrent_kernel"], self._recurrent_bias(xp.shape[-1], xp.dtype))
        else:
            kernel = pick(KG.gru_classic_forward, R.gru_classic_forward_ref)
            weights = GRUClassicWeights(*self._u_blocks(self.params["recurrent_kernel"], 1))
        threads.run_parts(lambda b0, b1: kernel(
            xp[b0:b1], weights, h0[b0:b1], samples(mask, b0, b1), cell, samples(tape, b0, b1)),
            self._parts(*xp.shape[:2]))

    def _run_backward(self, dh_seq: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        dxp = self._scratch("dxp", self._pre.shape)
        self._state_grads = [self._scratch("dh0", self._states[0].shape)]
        h0, mask, cell = self._states[0], self._seq_mask, self._cell
        tape = GRUTape(self._pre, self._gates, self._hn, self.h_all)
        if self.config["reset_after"]:
            kernel = pick(KG.gru_backward, R.gru_backward_ref)
            ut: np.ndarray | GRUClassicWeights = self._ut()
            dhp = self._scratch("dhp", self._pre.shape)
            grads: GRUGrads | CellGrads = GRUGrads(dxp, dhp, *self._state_grads)
        else:  # the n block of dU is fixed by _adjust_recurrent_grad
            kernel = pick(KG.gru_classic_backward, R.gru_classic_backward_ref)
            ut = GRUClassicWeights(*self._u_blocks(self._ut(), 0))
            dhp, grads = dxp, CellGrads(dxp, *self._state_grads)
        threads.run_parts(lambda b0, b1: kernel(
            dh_seq[b0:b1], ut, h0[b0:b1], samples(mask, b0, b1), cell, samples(tape, b0, b1),
            samples(grads, b0, b1)), self._parts(*dh_seq.shape[:2]))
        return dxp, dhp

    def _recurrent_bias(self, n: int, dtype: np.dtype) -> np.ndarray:
        """recurrent_bias: (3H,), zeros without ``use_bias``."""
        rbias = self.params.get("recurrent_bias")
        return np.zeros(n, dtype=dtype) if rbias is None else rbias

    def _u_blocks(self, u: np.ndarray, axis: int) -> tuple[np.ndarray, np.ndarray]:
        """The z|r and n blocks of U: (H, 3H) split along ``axis`` 1, or of Uᵀ: (3H, H) along
        0, each contiguous."""
        zr, n = np.split(u, [2 * self.config["units"]], axis=axis)
        return np.ascontiguousarray(zr), np.ascontiguousarray(n)

    def _adjust_recurrent_grad(self, dhp_rows: np.ndarray) -> None:
        """reset_after off: dU_n = (r ⊙ hm)ᵀ dLoss/da_n, not H_prevᵀ dLoss/da_n."""
        if self.config["reset_after"]:
            return
        units = self.config["units"]
        rh = self._hn.reshape(-1, units)  # (B·T, H), rows in (b, t) order as dhp_rows
        self.grads["recurrent_kernel"][:, 2 * units :] = rh.T @ dhp_rows[:, 2 * units :]

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
