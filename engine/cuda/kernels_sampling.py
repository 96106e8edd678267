"""CUDA kernels of the VAE's Sampling layer (float32): ``z = mu + exp(½·log_var)·eps``, the
β-weighted KL term it adds to the loss and both inputs' gradients. Launch them through
``engine.cuda.ops_graph``. They restate ``engine.layers.sampling`` (training mode: the GPU
only trains).

Layouts: ``mu``, ``log_var``, ``z`` and their gradients ``(B, d)`` device rows; ``eps`` one
flat array of the chunk's standard normal draws (drawn on the host by the CPU layer's own
generator), step by step, read from offset ``at``.
"""

from __future__ import annotations

import math

from numba import cuda, float32, float64


@cuda.jit
def sampling_forward(mu, log_var, eps, at, count, z):
    """z = mu + exp(½·log_var)·eps for the first ``count`` rows. Grid: 1D over count·d."""
    i = cuda.grid(1)
    d = z.shape[1]
    if i < count * d:
        n, j = i // d, i % d
        std = float32(math.exp(float32(0.5) * log_var[n, j]))
        z[n, j] = mu[n, j] + std * float32(eps[at + i])


@cuda.jit
def sampling_kl(mu, log_var, count, weight, losses, step, kl):
    """kl[0] = the batch mean of KL(N(mu, σ²) ‖ N(0, 1)) = −½ Σ_j (1 + log_var − mu² −
    exp(log_var)) in float64, and losses[step] += weight·kl[0]. One thread."""
    if cuda.grid(1) == 0:
        acc = float64(0.0)
        for n in range(count):
            for j in range(mu.shape[1]):
                m, lv = float64(mu[n, j]), float64(log_var[n, j])
                acc += -0.5 * (1.0 + lv - m * m - math.exp(lv))
        kl[0] = acc / count if count > 0 else 0.0
        losses[step] += weight * kl[0]


@cuda.jit
def sampling_backward(g, mu, log_var, eps, at, count, w, dmu, dlv):
    """From dLoss/dz ``g``: dmu = g + w·mu, dlv = g·eps·½·exp(½·log_var) + w·½·(exp(log_var)
    − 1), with w = β / B (the KL term's gradient). Grid: 1D over count·d."""
    i = cuda.grid(1)
    d = g.shape[1]
    if i < count * d:
        n, j = i // d, i % d
        lv = log_var[n, j]
        std = float32(math.exp(float32(0.5) * lv))
        grad = g[n, j]
        wf = float32(w)
        dmu[n, j] = grad + wf * mu[n, j] if w != 0 else grad
        glv = grad * float32(eps[at + i]) * (float32(0.5) * std)
        if w != 0:
            glv += wf * float32(0.5) * (float32(math.exp(lv)) - float32(1.0))
        dlv[n, j] = glv
