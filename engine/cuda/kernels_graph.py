"""CUDA kernels for graph-shaped networks (float32): Add (a residual merge) and the sum of a
fan-out's gradients, GlobalAveragePool2D, BatchNormalization. Launch them through
``engine.cuda.ops_graph``.

Layouts as everywhere on the device: ``(B, values)`` rows in the CPU engine's order. A
BatchNormalization feature of value ``v`` is ``(v // inner) % features``: images ``(C, H, W)``
have ``inner = H·W`` (one feature per channel), vectors ``(F,)`` and sequences ``(T, F)`` have
``inner = 1`` (one per last-axis value). Reductions run one thread per feature (or per output)
over the batch, in float64, then round to float32 — classroom sizes, and the sums come out
in a fixed order. They restate ``engine.layers.normalization`` and ``engine.layers.pooling``.
"""

from __future__ import annotations

import math

from numba import cuda, float32, float64


@cuda.jit
def add_rows(a, b, out):
    """out (B, D) = a + b, elementwise (out may be a). Grid: 1D over B·D."""
    i = cuda.grid(1)
    if i < out.size:
        n, d = i // out.shape[1], i % out.shape[1]
        out[n, d] = a[n, d] + b[n, d]


@cuda.jit
def copy_rows(a, out):
    """out (B, D) = a. Grid: 1D over B·D."""
    i = cuda.grid(1)
    if i < out.size:
        n, d = i // out.shape[1], i % out.shape[1]
        out[n, d] = a[n, d]


@cuda.jit
def gap_forward(x, hw, out):
    """x (B, C·HW) -> out (B, C): each channel's mean. Grid: 1D over B·C."""
    i = cuda.grid(1)
    if i < out.size:
        n, c = i // out.shape[1], i % out.shape[1]
        acc = float64(0.0)
        for p in range(hw):
            acc += x[n, c * hw + p]
        out[n, c] = float32(acc / hw)


@cuda.jit
def gap_backward(g, hw, dx):
    """g (B, C) -> dx (B, C·HW) = g / HW at every pixel of the channel. Grid: 1D over dx."""
    i = cuda.grid(1)
    if i < dx.size:
        n, v = i // dx.shape[1], i % dx.shape[1]
        dx[n, v] = g[n, v // hw] / float32(hw)


@cuda.jit
def bn_stats(x, count, inner, features, momentum, mean, var, moving_mean, moving_var):
    """Batch mean and biased variance per feature over the first ``count`` rows (and every
    position of the feature), then ``moving = m·moving + (1 − m)·batch`` (float32, the CPU
    layer's rule). Grid: 1D over features."""
    f = cuda.grid(1)
    if f < features:
        width = x.shape[1]
        n_pos = width // features
        total = count * n_pos
        acc = float64(0.0)
        for n in range(count):
            for p in range(n_pos):
                acc += x[n, (p // inner) * features * inner + f * inner + p % inner]
        mu = float32(acc / total)
        acc = float64(0.0)
        for n in range(count):
            for p in range(n_pos):
                d = x[n, (p // inner) * features * inner + f * inner + p % inner] - mu
                acc += d * d
        sigma2 = float32(acc / total)
        mean[f], var[f] = mu, sigma2
        m = float32(momentum)
        keep = float32(1.0 - momentum)
        moving_mean[f] = m * moving_mean[f] + keep * mu
        moving_var[f] = m * moving_var[f] + keep * sigma2


@cuda.jit
def bn_inv_std(var, eps, inv_std):
    """inv_std (F,) = 1 / sqrt(var + eps) in float32. Grid: 1D over features."""
    f = cuda.grid(1)
    if f < inv_std.size:
        inv_std[f] = float32(1.0) / math.sqrt(var[f] + float32(eps))


@cuda.jit
def bn_forward(x, mean, inv_std, gamma, beta, has_gamma, has_beta, inner, features, xhat, y):
    """xhat = (x − mean)·inv_std, y = γ·xhat + β per feature. Grid: 1D over B·D."""
    i = cuda.grid(1)
    if i < y.size:
        n, v = i // y.shape[1], i % y.shape[1]
        f = (v // inner) % features
        h = (x[n, v] - mean[f]) * inv_std[f]
        xhat[n, v] = h
        out = h * gamma[f] if has_gamma else h
        y[n, v] = out + beta[f] if has_beta else out


@cuda.jit
def bn_sums(g, xhat, gamma, has_gamma, count, inner, features, sum_g, sum_gx):
    """Per feature over the first ``count`` rows: sum_g = Σ g, sum_gx = Σ g·xhat (the β and
    γ gradients) — g here is dLoss/dy. Grid: 1D over features."""
    f = cuda.grid(1)
    if f < features:
        n_pos = g.shape[1] // features
        a = float64(0.0)
        b = float64(0.0)
        for n in range(count):
            for p in range(n_pos):
                v = (p // inner) * features * inner + f * inner + p % inner
                a += g[n, v]
                b += g[n, v] * xhat[n, v]
        sum_g[f], sum_gx[f] = float32(a), float32(b)


@cuda.jit
def bn_input_grad(g, xhat, gamma, has_gamma, inv_std, sum_g, sum_gx, count, inner, features,
                  training, dx):
    """dx from dLoss/dy: with ĝ = g·γ, training ``(inv_std/N)·(N·ĝ − Σĝ − xhat·Σĝ·xhat)``
    (N values share a feature's statistics), inference ``ĝ·inv_std``. Σĝ = γ·Σg. Grid: 1D."""
    i = cuda.grid(1)
    if i < dx.size:
        n, v = i // dx.shape[1], i % dx.shape[1]
        f = (v // inner) % features
        scale = gamma[f] if has_gamma else float32(1.0)
        gh = g[n, v] * scale
        if training:
            total = float32(count * (g.shape[1] // features))
            dx[n, v] = (inv_std[f] / total) * (total * gh - scale * sum_g[f]
                                               - xhat[n, v] * (scale * sum_gx[f]))
        else:
            dx[n, v] = gh * inv_std[f]


@cuda.jit
def concat_part(x, count, outer, offset, total, out):
    """Concatenate: input x (B, outer·part) into its place in out (B, outer·total): each of
    the ``outer`` blocks of ``part`` values lands at ``offset`` in a block of ``total``.
    Grid: 1D over count·outer·part."""
    i = cuda.grid(1)
    width = x.shape[1]
    if i < count * width:
        n, r = i // width, i % width
        part = width // outer
        out[n, (r // part) * total + offset + r % part] = x[n, r]


@cuda.jit
def split_part(g, count, outer, offset, total, dx):
    """The inverse of ``concat_part``: dx (B, outer·part) = input's slice of g. Grid: 1D
    over count·outer·part."""
    i = cuda.grid(1)
    width = dx.shape[1]
    if i < count * width:
        n, r = i // width, i % width
        part = width // outer
        dx[n, r] = g[n, (r // part) * total + offset + r % part]


@cuda.jit
def ln_forward(x, count, group, inner, features, eps, gamma, beta, has_gamma, has_beta,
               inv_std, xhat, y):
    """LayerNormalization: mean and biased variance of each run of ``group`` values of a
    sample (a vector, one time step, or a whole image), in float64 rounded to float32;
    inv_std (B, groups), xhat and y = γ·xhat + β (feature ``(v // inner) % features``).
    Grid: 1D over count·groups."""
    r = cuda.grid(1)
    groups = x.shape[1] // group
    if r < count * groups:
        n, start = r // groups, (r % groups) * group
        acc = float64(0.0)
        for p in range(group):
            acc += x[n, start + p]
        mu = float32(acc / group)
        acc = float64(0.0)
        for p in range(group):
            d = x[n, start + p] - mu
            acc += d * d
        inv = float32(1.0) / math.sqrt(float32(acc / group) + float32(eps))
        inv_std[n, r % groups] = inv
        for p in range(group):
            v = start + p
            f = (v // inner) % features
            h = (x[n, v] - mu) * inv
            xhat[n, v] = h
            out = h * gamma[f] if has_gamma else h
            y[n, v] = out + beta[f] if has_beta else out


@cuda.jit
def ln_input_grad(g, xhat, gamma, has_gamma, inv_std, count, group, inner, features, dx):
    """dx from dLoss/dy per run of ``group`` values: with ĝ = g·γ,
    ``(inv_std/N)·(N·ĝ − Σĝ − xhat·Σĝ·xhat)``, N = group. Grid: 1D over count·groups."""
    r = cuda.grid(1)
    groups = g.shape[1] // group
    if r < count * groups:
        n, start = r // groups, (r % groups) * group
        sg = float64(0.0)
        sgx = float64(0.0)
        for p in range(group):
            v = start + p
            gh = g[n, v] * gamma[(v // inner) % features] if has_gamma else g[n, v]
            sg += gh
            sgx += gh * xhat[n, v]
        inv = inv_std[n, r % groups]
        a, b = float32(sg), float32(sgx)
        for p in range(group):
            v = start + p
            gh = g[n, v] * gamma[(v // inner) % features] if has_gamma else g[n, v]
            dx[n, v] = (inv / float32(group)) * (float32(group) * gh - a - xhat[n, v] * b)
