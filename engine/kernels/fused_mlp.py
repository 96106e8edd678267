"""Numba kernels of the fused Dense-chain trainer (``engine.fused_mlp``).

``train_steps`` runs one optimizer step per row of ``idx`` without leaving compiled code.
Parameters and gradients are the model's flat buffers; ``layout[i] = (fan_in, fan_out,
kernel offset, bias offset or -1, activation id)``. Losses are mean-reduced, as in
``engine.losses``. The optimizer updates are ``engine.kernels.optimizers``' own kernels.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from engine.kernels.activations import act_backward_inplace, act_forward_inplace
from engine.kernels.losses import softmax_ce_labels
from engine.kernels.optimizers import adam_update, sgd_update
from engine.kernels.sigmoid_bce import sigmoid_bce32

LOSS_MSE, LOSS_SOFTMAX_CE, LOSS_SIGMOID_BCE = 0, 1, 2
OPT_SGD, OPT_ADAM = 0, 1


@njit(cache=True, nogil=True)
def loss_and_grad(out, y_int, y_float, rows, batch, kind):
    """out: (B, D) network output (logits for the CE kinds) -> (mean loss, dLoss/dout)."""
    d = out.shape[1]
    g = np.empty_like(out)
    total = 0.0
    if kind == LOSS_SOFTMAX_CE:
        labels = np.empty(batch, dtype=np.int64)
        for r in range(batch):
            labels[r] = y_int[rows[r]]
        total, g, _ = softmax_ce_labels(out, labels, 1.0 / batch)
        return total / batch, g
    scale = 1.0 / (batch * d)
    if kind == LOSS_SIGMOID_BCE and out.itemsize == 4:  # float32: the vectorised kernel
        return sigmoid_bce32(out, y_float, rows, batch, g, scale) * scale, g
    for r in range(batch):
        for c in range(d):
            z, t = out[r, c], y_float[rows[r], c]
            if kind == LOSS_MSE:
                total += (z - t) ** 2
                g[r, c] = 2.0 * (z - t) * scale
            else:
                total += max(z, 0.0) - z * t + math.log1p(math.exp(-abs(z)))
                g[r, c] = (1.0 / (1.0 + math.exp(-z)) - t) * scale
    return total * scale, g


@njit(cache=True, nogil=True)
def penalties(params, grads, layout, l1, l2):
    """Add l1·Σ|w| + l2·Σw² per layer kernel to the loss and its gradient to ``grads``."""
    total = 0.0
    for i in range(layout.shape[0]):
        if l1[i] == 0.0 and l2[i] == 0.0:
            continue
        start, stop = layout[i, 2], layout[i, 2] + layout[i, 0] * layout[i, 1]
        for k in range(start, stop):
            w = params[k]
            total += l1[i] * abs(w) + l2[i] * w * w
            grads[k] += l1[i] * np.sign(w) + 2.0 * l2[i] * w
    return total


@njit(cache=True, nogil=True)
def clip(grads, clip_value, clip_norm):
    """Clip by value, then rescale to a global norm of at most ``clip_norm`` (torch style)."""
    if clip_value > 0.0:
        for k in range(grads.size):
            grads[k] = min(max(grads[k], -clip_value), clip_value)
    if clip_norm > 0.0:
        norm = math.sqrt(np.sum(grads.astype(np.float64) ** 2))
        factor = clip_norm / (norm + 1e-6)
        if factor < 1.0:
            for k in range(grads.size):
                grads[k] *= factor


@njit(cache=True, nogil=True)
def optimizer_update(params, grads, m, v, kind, hyper, lr, t):
    """One update with ``engine.kernels.optimizers``; t is the 1-based step number.

    hyper: [momentum, nesterov, beta_1, beta_2, epsilon, weight_decay, decoupled].
    """
    if kind == OPT_SGD:
        sgd_update(params, grads, m, lr, hyper[0], hyper[1] > 0.5, hyper[5])
    else:
        adam_update(params, grads, m, v, lr, hyper[2], hyper[3], hyper[4], hyper[5],
                    hyper[6] > 0.5, t)


@njit(cache=True, nogil=True)
def forward_chain(xb, params, layout, alphas, zs, acts):
    """Fill ``zs``/``acts`` (lists starting with xb) with each layer's z and activation."""
    for i in range(layout.shape[0]):
        fi, fo, wo, bo, act = layout[i, 0], layout[i, 1], layout[i, 2], layout[i, 3], layout[i, 4]
        z = np.dot(acts[i], params[wo : wo + fi * fo].reshape((fi, fo)))  # (B, fo), BLAS
        if bo >= 0:
            for r in range(z.shape[0]):
                for c in range(fo):
                    z[r, c] += params[bo + c]
        a = z.copy()
        act_forward_inplace(a, act, alphas[i])
        zs.append(z)
        acts.append(a)


@njit(cache=True, nogil=True)
def backward_chain(g, params, grads, layout, alphas, zs, acts):
    """g: dLoss/dOutput (B, D); fills the flat ``grads`` for every layer."""
    for i in range(layout.shape[0] - 1, -1, -1):
        fi, fo, wo, bo, act = layout[i, 0], layout[i, 1], layout[i, 2], layout[i, 3], layout[i, 4]
        act_backward_inplace(zs[i + 1], acts[i + 1], g, act, alphas[i])
        np.dot(acts[i].T, g, grads[wo : wo + fi * fo].reshape((fi, fo)))  # (fi, fo), in place
        if bo >= 0:
            for c in range(fo):
                grads[bo + c] = 0.0
            for r in range(g.shape[0]):
                for c in range(fo):
                    grads[bo + c] += g[r, c]
        if i > 0:
            g = np.dot(g, params[wo : wo + fi * fo].reshape((fi, fo)).T)  # (B, fi)


@njit(cache=True, nogil=True)
def train_steps(x, y_int, y_float, idx, sizes, params, grads, layout, alphas, l1, l2,
                loss_kind, opt_kind, hyper, lrs, t0, m, v, clip_value, clip_norm, losses):
    """One optimizer step per batch ``idx[s, :sizes[s]]`` at rate ``lrs[s]``; fills losses."""
    for s in range(idx.shape[0]):
        batch = sizes[s]
        rows = idx[s, :batch]
        xb = np.empty((batch, x.shape[1]), dtype=x.dtype)
        for r in range(batch):
            xb[r, :] = x[rows[r]]
        zs = [xb]
        acts = [xb]
        forward_chain(xb, params, layout, alphas, zs, acts)
        loss, g = loss_and_grad(acts[-1], y_int, y_float, rows, batch, loss_kind)
        backward_chain(g, params, grads, layout, alphas, zs, acts)
        loss += penalties(params, grads, layout, l1, l2)
        clip(grads, clip_value, clip_norm)
        optimizer_update(params, grads, m, v, opt_kind, hyper, lrs[s], t0 + s + 1)
        losses[s] = loss
