"""CUDA optimizer updates: one thread per parameter of the flat buffer, the formulas and
arguments of ``engine.kernels.optimizers`` (PyTorch's conventions; read the docstrings there),
so ``Optimizer._scalars`` feeds both: ``kernel[grid](p, g, *state, *optimizer._scalars(lr, t))``.
p, g and every state buffer: (n,) float32 device arrays; state stays on the device.
"""

from __future__ import annotations

import math

from numba import cuda


@cuda.jit
def sgd_update(p, g, buf, lr, momentum, nesterov, weight_decay):
    """d = g + wd·p; with momentum: buf = μ·buf + d, p -= lr·(d + μ·buf if nesterov else buf);
    without: p -= lr·d (buf untouched)."""
    i = cuda.grid(1)
    if i < p.size:
        d = g[i] + weight_decay * p[i]
        if momentum != 0.0:
            b = momentum * buf[i] + d
            buf[i] = b
            d = d + momentum * b if nesterov else b
        p[i] -= lr * d


@cuda.jit
def adagrad_update(p, g, acc, lr, eps, weight_decay):
    """d = g + wd·p; acc += d²; p -= lr·d / (√acc + eps)."""
    i = cuda.grid(1)
    if i < p.size:
        d = g[i] + weight_decay * p[i]
        s = acc[i] + d * d
        acc[i] = s
        p[i] -= lr * (d / (math.sqrt(s) + eps))


@cuda.jit
def rmsprop_update(p, g, sq, lr, rho, eps, weight_decay):
    """d = g + wd·p; sq = ρ·sq + (1−ρ)·d²; p -= lr·d / (√sq + eps)."""
    i = cuda.grid(1)
    if i < p.size:
        d = g[i] + weight_decay * p[i]
        s = rho * sq[i] + (1.0 - rho) * d * d
        sq[i] = s
        p[i] -= lr * (d / (math.sqrt(s) + eps))


@cuda.jit
def adadelta_update(p, g, sq, acc_delta, lr, rho, eps, weight_decay):
    """d = g + wd·p; sq = ρ·sq + (1−ρ)·d²; Δ = √(acc_delta + eps) / √(sq + eps) · d;
    acc_delta = ρ·acc_delta + (1−ρ)·Δ²; p -= lr·Δ."""
    i = cuda.grid(1)
    if i < p.size:
        d = g[i] + weight_decay * p[i]
        s = rho * sq[i] + (1.0 - rho) * d * d
        sq[i] = s
        delta = math.sqrt(acc_delta[i] + eps) / math.sqrt(s + eps) * d
        acc_delta[i] = rho * acc_delta[i] + (1.0 - rho) * delta * delta
        p[i] -= lr * delta


@cuda.jit
def adam_update(p, g, m, v, lr, beta_1, beta_2, eps, weight_decay, decoupled, t):
    """AdamW (decoupled): p *= 1 − lr·wd, d = g; Adam: d = g + wd·p. Then
    m = β1·m + (1−β1)·d; v = β2·v + (1−β2)·d²; p -= lr/(1−β1ᵗ) · m / (√v/√(1−β2ᵗ) + eps)."""
    i = cuda.grid(1)
    if i < p.size:
        w = p[i]
        if decoupled:
            w = w * (1.0 - lr * weight_decay)
            d = g[i]
        else:
            d = g[i] + weight_decay * w
        mi = m[i] + (1.0 - beta_1) * (d - m[i])
        vi = beta_2 * v[i] + (1.0 - beta_2) * d * d
        m[i] = mi
        v[i] = vi
        step_size = lr / (1.0 - beta_1**t)
        p[i] = w - step_size * (mi / (math.sqrt(vi) / math.sqrt(1.0 - beta_2**t) + eps))


@cuda.jit
def clip_value(g, limit):
    """g (n,) clamped to [−limit, limit] in place."""
    i = cuda.grid(1)
    if i < g.size:
        g[i] = min(max(g[i], -limit), limit)


@cuda.jit
def zero_slot(out):
    """out[0] = 0 on the device (a host write would wait for every queued kernel)."""
    if cuda.grid(1) == 0:
        out[0] = 0.0


@cuda.jit
def sum_squares(g, out):
    """out[0] += Σ g² (float64 slot; zero it first)."""
    i = cuda.grid(1)
    if i < g.size:
        cuda.atomic.add(out, 0, float(g[i]) * float(g[i]))


@cuda.jit
def scale_to_norm(g, norm_sq, max_norm):
    """g *= max_norm / (‖g‖ + 1e−6) when that factor is below 1 (torch's clip_grad_norm_)."""
    i = cuda.grid(1)
    if i < g.size:
        factor = max_norm / (math.sqrt(norm_sq[0]) + 1e-6)
        if factor < 1.0:
            g[i] = g[i] * factor


@cuda.jit
def penalize(p, g, start, stop, l1, l2, losses, step):
    """Weight penalty of p[start:stop]: g += l1·sign(w) + 2·l2·w; losses[step] +=
    l1·Σ|w| + l2·Σw² (float64 slot). Grid-stride loop: launch few threads, each sums its
    share and adds it with one atomic."""
    total = 0.0
    i = start + cuda.grid(1)
    while i < stop:
        w = p[i]
        sign = 1.0 if w > 0 else (-1.0 if w < 0 else 0.0)
        g[i] += l1 * sign + 2.0 * l2 * w
        total += l1 * abs(float(w)) + l2 * float(w) * float(w)
        i += cuda.gridsize(1)
    cuda.atomic.add(losses, step, total)


@cuda.jit
def mask_frozen(g, trainable):
    """g *= trainable (1 for trained, 0 for frozen parameters), before clipping."""
    i = cuda.grid(1)
    if i < g.size:
        g[i] = g[i] * trainable[i]


@cuda.jit
def restore_frozen(p, held, trainable):
    """p = held where frozen (trainable 0): weight decay and momentum move nothing frozen."""
    i = cuda.grid(1)
    if i < p.size and trainable[i] == 0:
        p[i] = held[i]


KERNELS = {"sgd": sgd_update, "momentum": sgd_update, "nesterov": sgd_update,
           "adagrad": adagrad_update, "rmsprop": rmsprop_update, "adadelta": adadelta_update,
           "adam": adam_update, "adamw": adam_update}
