"""Typed argument bundles of the recurrent kernels (``engine.kernels.recurrent``,
``.recurrent_gru`` and their numpy twins in ``.recurrent_ref``).

A kernel call names its groups instead of 12–16 positionals, e.g.
``lstm_forward(xp, rows, u, LSTMState(h0, c0), SequenceMask(rmask, keep),
CellSpec(act, ract, fast, k), LSTMTape(pre, gates, c_all, tc_all, h_all, hprev))``. The bundles
are ``NamedTuple``s: numba compiles them as tuples of arrays (fields read as ``mask.rmask``;
no copies, no speed lost), and ``None`` in ``SequenceMask.keep`` still compiles a version
without the padding test (``engine.kernels.recurrent.padded``).

Shapes (B samples, T steps, H units, G gates: 1 SimpleRNN, 4 LSTM, 3 GRU): batch-major
``(B, T, ·)`` for the SimpleRNN and GRU, time-major ``(T, B, ·)`` for the LSTM's work arrays
(but ``h_all``, the layer's output, is ``(B, T, H)`` for every cell).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import NamedTuple, Protocol, TypeVar

import numpy as np


class CellSpec(NamedTuple):
    """The cell's scalar settings: activation ids (``engine.kernels.activations``), the fast
    float32 tanh/sigmoid switch and the truncated-BPTT length ``k`` (0 = full BPTT; only the
    backward kernels read it)."""

    act: int  # the candidate / output activation (tanh by default)
    ract: int  # the gates' activation (sigmoid by default; SimpleRNN ignores it)
    fast: bool
    k: int


class SequenceMask(NamedTuple):
    """Which state enters each step: ``rmask: (B, H)`` recurrent-dropout mask (ones at test
    time), ``keep: (B, T)`` bool, False at padded steps (None: no step is padding)."""

    rmask: np.ndarray
    keep: np.ndarray | None


class RNNTape(NamedTuple):
    """SimpleRNN forward records, (B, T, H) each: ``pre`` = a_t, ``h_all`` = act(a_t)."""

    pre: np.ndarray
    h_all: np.ndarray


class CellGrads(NamedTuple):
    """Backward results of the SimpleRNN and the classic GRU: ``dz: (B, T, G·H)`` = dLoss/d
    pre-activations (also dLoss/dxp), ``dh0: (B, H)`` = dLoss/dh_(-1)."""

    dz: np.ndarray
    dh0: np.ndarray


class LSTMState(NamedTuple):
    """The LSTM's initial state ``h0, c0: (B, H)`` (zeros when none is wired)."""

    h0: np.ndarray
    c0: np.ndarray


class LSTMTape(NamedTuple):
    """LSTM forward records, time-major: ``pre``/``gates: (T, B, 4H)`` pre-/post-activation
    i, f, g, o; ``c_all: (T, B, H)`` cell states, ``tc_all`` = act(c); ``h_all: (B, T, H)``;
    ``hprev: (T, B, H)`` = h_(t-1) ⊙ rmask, each step's input to the product with U."""

    pre: np.ndarray
    gates: np.ndarray
    c_all: np.ndarray
    tc_all: np.ndarray
    h_all: np.ndarray
    hprev: np.ndarray


class LSTMGrads(NamedTuple):
    """LSTM backward results: ``dz: (T, B, 4H)`` = dLoss/d(pre-activations), also dLoss/dxp;
    ``dh0, dc0: (B, H)``."""

    dz: np.ndarray
    dh0: np.ndarray
    dc0: np.ndarray


class GRUWeights(NamedTuple):
    """``reset_after=True``: ``u: (H, 3H)`` recurrent kernel, ``rbias: (3H,)`` its bias."""

    u: np.ndarray
    rbias: np.ndarray


class GRUClassicWeights(NamedTuple):
    """``reset_after=False``: the recurrent kernel's z|r and n blocks, ``zr: (H, 2H)`` and
    ``n: (H, H)`` (the backward kernel takes their transposes, ``(2H, H)`` and ``(H, H)``)."""

    zr: np.ndarray
    n: np.ndarray


class GRUTape(NamedTuple):
    """GRU forward records, (B, T, ·): ``pre``/``gates: (B, T, 3H)`` pre-/post-activation
    z, r, n; ``hn: (B, T, H)`` = hp_n (``reset_after``) or r ⊙ h_(t-1) ⊙ rmask (classic);
    ``h_all: (B, T, H)``."""

    pre: np.ndarray
    gates: np.ndarray
    hn: np.ndarray
    h_all: np.ndarray


class GRUGrads(NamedTuple):
    """GRU (``reset_after``) backward results, (B, T, 3H) and (B, H): ``dxp`` = dLoss/dxp,
    ``dhp`` = dLoss/d((h ⊙ rmask) U + rbias), ``dh0`` = dLoss/dh_(-1)."""

    dxp: np.ndarray
    dhp: np.ndarray
    dh0: np.ndarray


class BatchMajor(Protocol):
    """A bundle whose arrays all have the batch first (or are None): ``SequenceMask``,
    ``RNNTape``, ``CellGrads``, ``GRUTape``, ``GRUGrads``."""

    def __iter__(self) -> Iterator[np.ndarray | None]: ...


Bundle = TypeVar("Bundle", bound=BatchMajor)


def samples(bundle: Bundle, b0: int, b1: int) -> Bundle:
    """The samples ``b0:b1`` of a batch-major bundle (views along the first axis; None stays
    None): what one thread of a batch-parallel SimpleRNN or GRU call works on."""
    make: Callable[..., Bundle] = type(bundle)
    return make(*(None if a is None else a[b0:b1] for a in bundle))
