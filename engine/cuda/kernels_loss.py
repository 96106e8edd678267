"""CUDA loss kernels (float32 outputs, float64 loss slots), mean-reduced exactly as the CPU
engine's fused Dense path (``engine.kernels.fused_mlp.loss_and_grad``):

- MSE: loss = Σ (z − t)² / (B·D); grad = 2 (z − t) / (B·D).
- softmax cross-entropy on logits with integer labels: loss = Σ_rows (logsumexp(z) − z[label]) / B;
  grad = (softmax(z) − onehot(label)) / B.
- binary cross-entropy on logits: loss = Σ (max(z, 0) − z·t + log1p(e^−|z|)) / (B·D);
  grad = (σ(z) − t) / (B·D).

Each kernel runs one thread per row of the batch (B rows, D outputs), writes the row's part of
dLoss/dz into ``grad`` and adds the row's share of the loss to ``losses[step]`` atomically, so
the loss of every step stays on the device until the chunk ends.
"""

from __future__ import annotations

import math

from numba import cuda


@cuda.jit
def mse(out, target, count, scale, grad, losses, step):
    """out, target, grad: (≥ count, D); scale = 1 / (count·D)."""
    r = cuda.grid(1)
    if r < count:
        total = 0.0
        for c in range(out.shape[1]):
            diff = out[r, c] - target[r, c]
            total += diff * diff
            grad[r, c] = 2.0 * diff * scale
        cuda.atomic.add(losses, step, total * scale)


@cuda.jit
def softmax_ce(out, labels, count, scale, grad, losses, step):
    """out, grad: (≥ count, K) logits; labels: (≥ count,) int64; scale = 1 / count."""
    r = cuda.grid(1)
    if r < count:
        k = out.shape[1]
        top = out[r, 0]
        for c in range(1, k):
            top = max(top, out[r, c])
        total = 0.0
        for c in range(k):
            total += math.exp(out[r, c] - top)
        lse = top + math.log(total)
        label = labels[r]
        for c in range(k):
            p = math.exp(out[r, c] - lse)
            grad[r, c] = (p - 1.0 if c == label else p) * scale
        cuda.atomic.add(losses, step, (lse - out[r, label]) * scale)


@cuda.jit
def sigmoid_bce(out, target, count, scale, grad, losses, step):
    """out, target, grad: (≥ count, D) logits and 0/1 (or soft) targets; scale = 1 / (count·D)."""
    r = cuda.grid(1)
    if r < count:
        total = 0.0
        for c in range(out.shape[1]):
            z, t = out[r, c], target[r, c]
            total += max(z, 0.0) - z * t + math.log1p(math.exp(-abs(z)))
            if z >= 0:
                s = 1.0 / (1.0 + math.exp(-z))
            else:
                e = math.exp(z)
                s = e / (1.0 + e)
            grad[r, c] = (s - t) * scale
        cuda.atomic.add(losses, step, total * scale)
