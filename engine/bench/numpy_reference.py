"""The plain-numpy competitor: a hand-written MLP (forward, backward, optimizer), no numba.

What a careful student writes with numpy alone, generic over the benchmark's Dense-chain
workloads: tanh/relu/sigmoid/linear layers, mean-squared error (mean over every element, as
the engine's ``mse``) or softmax cross-entropy on logits with integer labels (mean over
samples), SGD or Adam (PyTorch's formulas, as the engine's). Weights are ``W[i]: (fan_in,
fan_out)`` and ``b[i]: (fan_out,)``, float32; every update works in place on preallocated
buffers so the comparison with the engine is fair. ``loss_and_grads`` exposes one batch's
loss and gradients so tests can check they equal the engine's from identical weights.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def _act_forward(z: np.ndarray, act: str) -> np.ndarray:
    """z: (B, D) -> activation (a new array, z is kept for the backward pass)."""
    if act == "relu":
        return np.maximum(z, 0)
    if act == "tanh":
        return np.tanh(z)
    if act == "sigmoid":
        return 1.0 / (1.0 + np.exp(-z))
    if act in ("linear", "softmax"):  # softmax: the loss applies it to the logits
        return z
    raise ValueError(f"numpy reference: unsupported activation '{act}'")


def _act_backward(g: np.ndarray, z: np.ndarray, a: np.ndarray, act: str) -> None:
    """g: (B, D) dLoss/da -> dLoss/dz in place (z: pre-activation, a: activation)."""
    if act == "relu":
        g *= z > 0
    elif act == "tanh":
        g *= 1 - a * a
    elif act == "sigmoid":
        g *= a * (1 - a)


class NumpyMLP:
    """sizes: [in, hidden..., out]; acts: one activation per Dense layer."""

    def __init__(self, sizes: list[int], acts: list[str], loss: str, optimizer: str,
                 lr: float, seed: int = 0, dtype: Any = np.float32, b1: float = 0.9,
                 b2: float = 0.999, eps: float = 1e-8) -> None:
        rng = np.random.default_rng(seed)
        dt = np.dtype(dtype)
        self.W, self.b = [], []
        for fi, fo in zip(sizes[:-1], sizes[1:]):
            bound = 1.0 / np.sqrt(fi)  # torch.nn.Linear's default range
            self.W.append(rng.uniform(-bound, bound, (fi, fo)).astype(dt))
            self.b.append(rng.uniform(-bound, bound, fo).astype(dt))
        self.acts, self.loss, self.optimizer, self.dtype = acts, loss, optimizer, dt
        self.params = self.W + self.b
        self.m = [np.zeros_like(p) for p in self.params]
        self.v = [np.zeros_like(p) for p in self.params]
        self.tmp = [np.empty_like(p) for p in self.params]
        self.lr, self.b1, self.b2, self.eps, self.t = lr, b1, b2, eps, 0

    def set_weights(self, weights: list[np.ndarray], biases: list[np.ndarray]) -> None:
        for dst, src in zip(self.W + self.b, list(weights) + list(biases)):
            dst[...] = src

    def forward(self, x: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """x: (B, in) -> (pre-activations zs, activations [x, a1, ..., out])."""
        zs, hs = [], [x]
        for w, b, act in zip(self.W, self.b, self.acts):
            z = hs[-1] @ w  # (B, fo)
            z += b
            zs.append(z)
            hs.append(_act_forward(z, act))
        return zs, hs

    def loss_and_grad_out(self, out: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
        """out: (B, D) outputs (logits for softmax_ce); y: (B, D) floats or (B,) labels."""
        n = out.shape[0]
        if self.loss == "mse":
            diff = out - y  # (B, D)
            loss = float(np.mean(np.square(diff, dtype=np.float64)))
            diff *= self.dtype.type(2.0 / diff.size)
            return loss, diff
        z = out - out.max(axis=1, keepdims=True)  # (B, K), stable
        e = np.exp(z)
        s = e.sum(axis=1, keepdims=True)  # (B, 1)
        idx = np.arange(n)
        loss = float(np.mean(np.log(s[:, 0]) - z[idx, y]))
        e /= s
        e[idx, y] -= 1
        e *= self.dtype.type(1.0 / n)
        return loss, e

    def loss_and_grads(self, x: np.ndarray, y: np.ndarray) -> tuple[float, list[np.ndarray]]:
        """One batch -> (loss, [dW1, ..., dWL, db1, ..., dbL]) (same order as ``params``)."""
        zs, hs = self.forward(x)
        loss, g = self.loss_and_grad_out(hs[-1], y)
        n_layers = len(self.W)
        dws: list[np.ndarray] = [np.empty(0)] * n_layers
        dbs: list[np.ndarray] = [np.empty(0)] * n_layers
        for i in range(n_layers - 1, -1, -1):
            if not (i == n_layers - 1 and self.loss == "softmax_ce"):
                _act_backward(g, zs[i], hs[i + 1], self.acts[i])
            dws[i] = hs[i].T @ g  # (fi, fo)
            dbs[i] = g.sum(axis=0)
            if i > 0:
                g = g @ self.W[i].T  # (B, fi)
        return loss, dws + dbs

    def step(self, x: np.ndarray, y: np.ndarray) -> float:
        loss, grads = self.loss_and_grads(x, y)
        if self.optimizer == "sgd":
            for p, g, tmp in zip(self.params, grads, self.tmp):
                np.multiply(g, self.dtype.type(self.lr), out=tmp)
                p -= tmp
        else:
            self.adam(grads)
        return loss

    def adam(self, grads: list[np.ndarray]) -> None:
        """PyTorch's Adam: p -= lr/(1-β1ᵗ) · m / (√v/√(1-β2ᵗ) + eps)."""
        self.t += 1
        f = self.dtype.type
        b1, b2 = self.b1, self.b2
        step = f(self.lr / (1.0 - b1**self.t))
        inv_bc2 = f(1.0 / np.sqrt(1.0 - b2**self.t))
        for p, g, m, v, tmp in zip(self.params, grads, self.m, self.v, self.tmp):
            m *= f(b1)
            np.multiply(g, f(1 - b1), out=tmp)
            m += tmp
            v *= f(b2)
            np.multiply(g, g, out=tmp)
            tmp *= f(1 - b2)
            v += tmp
            np.sqrt(v, out=tmp)
            tmp *= inv_bc2
            tmp += f(self.eps)
            np.divide(m, tmp, out=tmp)
            tmp *= step
            p -= tmp


def build(workload: Any, seed: int = 0) -> NumpyMLP:
    """The numpy MLP for a Dense-chain workload (``workloads.Workload``)."""
    sizes = workload.mlp_sizes
    if sizes is None:
        raise ValueError(f"workload ({workload.id}) is not a Dense chain: no numpy reference")
    return NumpyMLP(sizes, workload.activations, workload.loss, workload.optimizer,
                    workload.learning_rate, seed=seed)


def train_epoch(net: NumpyMLP, x: np.ndarray, y: np.ndarray, batch: int,
                rng: np.random.Generator) -> tuple[float, int]:
    """One shuffled epoch (gather once, then slices, as the shared reference) -> (loss, steps)."""
    perm = rng.permutation(len(x))
    xs, ys = x[perm], y[perm]
    loss, steps = float("nan"), 0
    for i in range(0, len(x), batch):
        loss = net.step(xs[i : i + batch], ys[i : i + batch])
        steps += 1
    return loss, steps
