"""Building blocks of an exported NumPy script for GRUs, normalization and attention.

The same conventions as ``numpy_blocks`` (pasted with ``inspect.getsource``, plain numpy,
shapes in the docstrings, batch axis B first, sequences ``(B, T, F)``): every ``*_forward``
returns ``(output, cache)`` and the matching ``*_backward`` takes the output's gradient and
that cache and returns the inputs' gradients and the parameters'. They call ``activate`` and
``activate_backward`` of ``numpy_blocks`` (the script holds both).
"""

from __future__ import annotations

import numpy as np

from engine.export.numpy_blocks import activate, activate_backward


def gru_forward(x, W, U, b, rb, act, gate_act, return_sequences, h0=None, keep=None,
                rmask=None):
    """GRU (reset after the product, PyTorch's formula). x: (B, T, F), W: (F, 3·units),
    U: (units, 3·units), b and rb: (3·units,) or None; gate blocks update z, reset r,
    candidate n:  n = act(x W_n + b_n + r·(h U_n + rb_n)),  h_t = z·h + (1 − z)·n.
    h0: (B, units) the starting state (None: zeros); keep: (B, T) True at real steps (None:
    every step) - a padded step carries the state over unchanged. rmask: (B, units) recurrent
    dropout (the same mask on h at every step where it meets U; the update z·h sees all of h)."""
    batch, steps, _ = x.shape
    k = U.shape[0]
    h = np.zeros((batch, k), dtype=x.dtype) if h0 is None else h0
    memory, hs = [], []
    for t in range(steps):
        a = x[:, t] @ W + (0.0 if b is None else b)  # (B, 3·units): the input's part
        h_seen = h if rmask is None else h * rmask  # what U sees of the state
        r_h = h_seen @ U + (0.0 if rb is None else rb)  # (B, 3·units): the state's part
        pre_z, pre_r = a[:, :k] + r_h[:, :k], a[:, k:2 * k] + r_h[:, k:2 * k]
        z, r = activate(pre_z, gate_act), activate(pre_r, gate_act)
        pre_n = a[:, 2 * k:] + r * r_h[:, 2 * k:]
        n = activate(pre_n, act)
        memory.append((h, h_seen, r_h[:, 2 * k:], pre_z, pre_r, pre_n, z, r, n))
        h_new = z * h + (1.0 - z) * n
        h = h_new if keep is None else np.where(keep[:, t, None], h_new, h)  # padding: carry
        hs.append(h)
    out = np.stack(hs, axis=1) if return_sequences else h
    return out, (x, W, U, b is not None, rb is not None, act, gate_act, memory, keep,
                 return_sequences, rmask)


def gru_backward(g, cache, bptt_steps=0):
    """Backpropagation through time: g like the output -> (dx, dW, dU, db, drb, dh0); db and
    drb are None when the layer has no such bias. With ``bptt_steps`` k > 0 (truncated BPTT)
    no gradient crosses from one chunk of k steps back into the previous one. A padded step
    passes its gradient straight to the state before."""
    x, W, U, has_b, has_rb, act, gate_act, memory, keep, return_sequences, rmask = cache
    through = 1.0 if rmask is None else rmask  # recurrent dropout: the mask on dh too
    k = U.shape[0]
    dx, dW, dU = np.zeros_like(x), np.zeros_like(W), np.zeros_like(U)
    db, drb = np.zeros(3 * k), np.zeros(3 * k)
    dh = np.zeros((x.shape[0], k))
    last = x.shape[1] - 1
    for t in reversed(range(x.shape[1])):
        h_prev, h_seen, u_n, pre_z, pre_r, pre_n, z, r, n = memory[t]
        if bptt_steps and (t + 1) % bptt_steps == 0 and t < last:
            dh = np.zeros_like(dh)  # the start of a chunk: cut the flow from the later one
        dh = dh + (g[:, t] if return_sequences else (g if t == last else 0.0))
        # h_t = z·h_prev + (1 − z)·n
        d_pre_n = activate_backward(dh * (1.0 - z), pre_n, n, act)  # (B, units)
        d_pre_z = activate_backward(dh * (h_prev - n), pre_z, z, gate_act)
        d_pre_r = activate_backward(d_pre_n * u_n, pre_r, r, gate_act)
        da = np.concatenate([d_pre_z, d_pre_r, d_pre_n], axis=1)  # (B, 3·units): input part
        d_rh = np.concatenate([d_pre_z, d_pre_r, d_pre_n * r], axis=1)  # state part
        if keep is not None:  # a padded step computed nothing
            da, d_rh = np.where(keep[:, t, None], da, 0.0), np.where(keep[:, t, None], d_rh, 0.0)
        dW += x[:, t].T @ da
        dU += h_seen.T @ d_rh
        db += da.sum(axis=0)
        drb += d_rh.sum(axis=0)
        dx[:, t] = da @ W.T
        dh_prev = dh * z + (d_rh @ U.T) * through
        dh = dh_prev if keep is None else np.where(keep[:, t, None], dh_prev, dh)
    return dx, dW, dU, (db if has_b else None), (drb if has_rb else None), dh


def gru_classic_forward(x, W, U, b, act, gate_act, return_sequences, h0=None, keep=None,
                        rmask=None):
    """GRU with the reset gate before the product (Cho et al. 2014; reset_after off).
    x: (B, T, F), W: (F, 3·units), U: (units, 3·units), b: (3·units,) or None; gate blocks
    update z, reset r, candidate n:  n = act(x W_n + b_n + (r·h) U_n),  h_t = z·h + (1 − z)·n.
    h0, keep and rmask as in ``gru_forward``."""
    batch, steps, _ = x.shape
    k = U.shape[0]
    h = np.zeros((batch, k), dtype=x.dtype) if h0 is None else h0
    memory, hs = [], []
    for t in range(steps):
        a = x[:, t] @ W + (0.0 if b is None else b)  # (B, 3·units): the input's part
        h_seen = h if rmask is None else h * rmask  # what U sees of the state
        zr = a[:, :2 * k] + h_seen @ U[:, :2 * k]  # (B, 2·units): both gates see it
        z, r = activate(zr[:, :k], gate_act), activate(zr[:, k:], gate_act)
        reset_state = r * h_seen  # what the candidate may see of the past
        pre_n = a[:, 2 * k:] + reset_state @ U[:, 2 * k:]
        n = activate(pre_n, act)
        memory.append((h, h_seen, reset_state, zr[:, :k], zr[:, k:], pre_n, z, r, n))
        h_new = z * h + (1.0 - z) * n
        h = h_new if keep is None else np.where(keep[:, t, None], h_new, h)  # padding: carry
        hs.append(h)
    out = np.stack(hs, axis=1) if return_sequences else h
    return out, (x, W, U, b is not None, act, gate_act, memory, keep, return_sequences, rmask)


def gru_classic_backward(g, cache, bptt_steps=0):
    """Backpropagation through time: g like the output -> (dx, dW, dU, db, dh0) (db None
    without a bias); ``bptt_steps`` and padded steps as in ``gru_backward``."""
    x, W, U, has_b, act, gate_act, memory, keep, return_sequences, rmask = cache
    through = 1.0 if rmask is None else rmask  # recurrent dropout: the mask on dh too
    k = U.shape[0]
    dx, dW, dU = np.zeros_like(x), np.zeros_like(W), np.zeros_like(U)
    db = np.zeros(3 * k)
    dh = np.zeros((x.shape[0], k))
    last = x.shape[1] - 1
    for t in reversed(range(x.shape[1])):
        h_prev, h_seen, reset_state, pre_z, pre_r, pre_n, z, r, n = memory[t]
        if bptt_steps and (t + 1) % bptt_steps == 0 and t < last:
            dh = np.zeros_like(dh)  # the start of a chunk: cut the flow from the later one
        dh = dh + (g[:, t] if return_sequences else (g if t == last else 0.0))
        d_pre_n = activate_backward(dh * (1.0 - z), pre_n, n, act)  # (B, units)
        d_pre_z = activate_backward(dh * (h_prev - n), pre_z, z, gate_act)
        d_reset_state = d_pre_n @ U[:, 2 * k:].T  # dLoss/d(r·h)
        d_pre_r = activate_backward(d_reset_state * h_seen, pre_r, r, gate_act)
        if keep is not None:  # a padded step computed nothing
            real = keep[:, t, None]
            d_pre_z, d_pre_r = np.where(real, d_pre_z, 0.0), np.where(real, d_pre_r, 0.0)
            d_pre_n, d_reset_state = np.where(real, d_pre_n, 0.0), np.where(
                real, d_reset_state, 0.0)
        d_zr = np.concatenate([d_pre_z, d_pre_r], axis=1)  # (B, 2·units)
        da = np.concatenate([d_zr, d_pre_n], axis=1)  # (B, 3·units)
        dW += x[:, t].T @ da
        dU[:, :2 * k] += h_seen.T @ d_zr
        dU[:, 2 * k:] += reset_state.T @ d_pre_n
        db += da.sum(axis=0)
        dx[:, t] = da @ W.T
        dh_prev = dh * z + (d_zr @ U[:, :2 * k].T + d_reset_state * r) * through
        dh = dh_prev if keep is None else np.where(keep[:, t, None], dh_prev, dh)
    return dx, dW, dU, (db if has_b else None), dh


def layer_norm_forward(x, gamma, beta, epsilon):
    """x: (B, F) or (B, T, F): each feature vector to mean 0 and variance 1 over its F values;
    images (B, C, H, W): each image over all its C·H·W values. Then scaled by gamma and
    shifted by beta, one value per feature (last axis) or per channel for images."""
    image = x.ndim == 4
    axes = (1, 2, 3) if image else (x.ndim - 1,)  # the values that share one mean/variance
    shape = (1, -1, 1, 1) if image else (-1,)  # how gamma and beta line up with x
    mean = x.mean(axis=axes, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=axes, keepdims=True)
    inv_std = 1.0 / np.sqrt(var + epsilon)
    xhat = (x - mean) * inv_std
    y = xhat if gamma is None else xhat * gamma.reshape(shape)
    if beta is not None:
        y = y + beta.reshape(shape)
    return y, (xhat, inv_std, gamma, beta is not None, axes, shape)


def layer_norm_backward(g, cache):
    """g: like x -> (dx like x, dgamma, dbeta) (None for a missing gamma or beta).
    With N values per mean:  dx = (dxhat·N − Σ dxhat − xhat·Σ dxhat·xhat) / (N·std)."""
    xhat, inv_std, gamma, has_beta, axes, shape = cache
    per_param = (0, 2, 3) if len(axes) == 3 else tuple(range(g.ndim - 1))
    dgamma = None if gamma is None else (g * xhat).sum(axis=per_param)
    dbeta = g.sum(axis=per_param) if has_beta else None
    dxhat = g if gamma is None else g * gamma.reshape(shape)
    n = xhat.size // inv_std.size
    sum_g = dxhat.sum(axis=axes, keepdims=True)
    sum_gx = (dxhat * xhat).sum(axis=axes, keepdims=True)
    return (inv_std / n) * (n * dxhat - sum_g - xhat * sum_gx), dgamma, dbeta


def batch_norm_forward(x, P, name, momentum, epsilon, training):
    """BatchNormalization. x: (B, F), (B, T, F) or images (B, C, H, W) -> the same shape, one
    mean and variance per feature (last axis; per channel for images). While training: the
    batch's own mean and (biased) variance, and the running averages in P move towards them,
    moving = momentum·moving + (1 − momentum)·batch; otherwise the running averages."""
    image = x.ndim == 4
    axes = (0, 2, 3) if image else tuple(range(x.ndim - 1))  # the values that share one mean
    shape = (1, -1, 1, 1) if image else (-1,)  # how per-feature numbers line up with x
    if training:
        mean = x.mean(axis=axes, keepdims=True)
        var = ((x - mean) ** 2).mean(axis=axes, keepdims=True)
        for key, batch in (("moving_mean", mean), ("moving_variance", var)):
            old = P[f"{name}/state:{key}"]
            P[f"{name}/state:{key}"] = momentum * old + (1.0 - momentum) * batch.reshape(-1)
    else:
        mean = P[f"{name}/state:moving_mean"].reshape(shape)
        var = P[f"{name}/state:moving_variance"].reshape(shape)
    inv_std = 1.0 / np.sqrt(var + epsilon)
    xhat = (x - mean) * inv_std
    gamma, beta = P.get(f"{name}/gamma"), P.get(f"{name}/beta")
    y = xhat if gamma is None else xhat * gamma.reshape(shape)
    if beta is not None:
        y = y + beta.reshape(shape)
    return y, (xhat, inv_std, gamma, beta is not None, axes, shape, training)


def batch_norm_backward(g, cache):
    """g: like x -> (dx, dgamma, dbeta) (None for a missing gamma or beta). At test time the
    layer is a fixed scaling per feature; while training the batch statistics depend on x."""
    xhat, inv_std, gamma, has_beta, axes, shape, training = cache
    dgamma = None if gamma is None else (g * xhat).sum(axis=axes)
    dbeta = g.sum(axis=axes) if has_beta else None
    dxhat = g if gamma is None else g * gamma.reshape(shape)
    if not training:
        return dxhat * inv_std, dgamma, dbeta
    n = xhat.size // inv_std.size
    sum_g = dxhat.sum(axis=axes, keepdims=True)
    sum_gx = (dxhat * xhat).sum(axis=axes, keepdims=True)
    return (inv_std / n) * (n * dxhat - sum_g - xhat * sum_gx), dgamma, dbeta


def masked_softmax(scores):
    """Softmax over the last axis where -inf marks a key that may not be looked at; a query
    that sees no key at all gets all-zero weights (it attends to nothing)."""
    top = scores.max(axis=-1, keepdims=True)
    top = np.where(np.isfinite(top), top, 0.0)
    e = np.exp(scores - top)  # exp(-inf) = 0: hidden keys weigh nothing
    total = e.sum(axis=-1, keepdims=True)
    return e / np.where(total > 0, total, 1.0)


def attention_forward(xq, xc, P, name, heads, causal, drop_rate=0.0, rng=None, keep=None):
    """Multi-head attention. xq: (B, Tq, Fq) queries, xc: (B, Tk, Fc) context -> (B, Tq, Fq).
    Each head compares its queries with every key (scaled dot product), turns the scores into
    weights with a softmax and averages the values; the heads are joined and projected.
    While training (``rng`` given) a fraction ``drop_rate`` of the weights is dropped.
    keep: (B, Tk) True for the keys that may be looked at (padding masks; None: all)."""

    def project(v, part):
        b = P.get(f"{name}/{part}_bias")
        return v @ P[f"{name}/{part}_kernel"] + (0.0 if b is None else b)

    def split(v):  # (B, T, heads·d) -> (B, heads, T, d)
        return v.reshape(v.shape[0], v.shape[1], heads, -1).transpose(0, 2, 1, 3)

    q, k, v = split(project(xq, "query")), split(project(xc, "key")), split(project(xc, "value"))
    scores = q @ k.transpose(0, 1, 3, 2) / np.sqrt(q.shape[-1])  # (B, heads, Tq, Tk)
    if causal:
        scores = np.where(np.tri(scores.shape[2], scores.shape[3], dtype=bool), scores, -np.inf)
    if keep is not None:  # padded keys are hidden from every query
        scores = np.where(keep[:, None, None, :], scores, -np.inf)
    weights = masked_softmax(scores)
    drop = 1.0
    if rng is not None and drop_rate > 0:
        drop = (rng.random(weights.shape) < 1.0 - drop_rate) / (1.0 - drop_rate)
    joined = ((weights * drop) @ v).transpose(0, 2, 1, 3).reshape(xq.shape[0], xq.shape[1], -1)
    return project(joined, "output"), (xq, xc, P, name, q, k, v, weights, drop, joined)


def attention_backward(g, cache):
    """g: (B, Tq, Fq) -> (d xq, d xc, {param: gradient}) by the chain rule through the
    output projection, the weighted average, the softmax and the three projections."""
    xq, xc, P, name, q, k, v, weights, drop, joined = cache
    grads = {}

    def project_back(x, dy, part):  # y = x @ W + b:  dW = xᵀ dy, db = Σ dy, dx = dy Wᵀ
        W = P[f"{name}/{part}_kernel"]
        grads[f"{part}_kernel"] = x.reshape(-1, x.shape[-1]).T @ dy.reshape(-1, dy.shape[-1])
        if f"{name}/{part}_bias" in P:
            grads[f"{part}_bias"] = dy.reshape(-1, dy.shape[-1]).sum(axis=0)
        return dy @ W.T

    def split(t):  # (B, T, heads·d) -> (B, heads, T, d)
        return t.reshape(t.shape[0], t.shape[1], q.shape[1], -1).transpose(0, 2, 1, 3)

    def join(t):  # (B, heads, T, d) -> (B, T, heads·d)
        return t.transpose(0, 2, 1, 3).reshape(t.shape[0], t.shape[2], -1)

    d_heads = split(project_back(joined, g, "output"))  # (B, heads, Tq, dv)
    dv = (weights * drop).transpose(0, 1, 3, 2) @ d_heads  # (B, heads, Tk, dv)
    d_weights = (d_heads @ v.transpose(0, 1, 3, 2)) * drop  # (B, heads, Tq, Tk)
    d_scores = weights * (d_weights - (d_weights * weights).sum(axis=-1, keepdims=True))
    d_scores = d_scores / np.sqrt(q.shape[-1])  # the softmax's and the scale's chain rule
    dq, dk = d_scores @ k, d_scores.transpose(0, 1, 3, 2) @ q
    d_xq = project_back(xq, join(dq), "query")
    d_xc = project_back(xc, join(dk), "key") + project_back(xc, join(dv), "value")
    return d_xq, d_xc, grads


def dot_attention_forward(q, k, v, causal, keep=None):
    """Scaled dot-product attention without weights. q: (B, Tq, d), k: (B, Tk, d),
    v: (B, Tk, dv) -> (B, Tq, dv) = softmax(q kᵀ / √d) v. keep: (B, Tk) True for the keys
    that may be looked at (padding masks; None: all)."""
    scores = q @ k.transpose(0, 2, 1) / np.sqrt(q.shape[-1])  # (B, Tq, Tk)
    if causal:
        scores = np.where(np.tri(scores.shape[1], scores.shape[2], dtype=bool), scores, -np.inf)
    if keep is not None:  # padded keys are hidden from every query
        scores = np.where(keep[:, None, :], scores, -np.inf)
    weights = masked_softmax(scores)
    return weights @ v, (q, k, v, weights)


def dot_attention_backward(g, cache):
    """g: (B, Tq, dv) -> (dq, dk, dv)."""
    q, k, v, weights = cache
    dv = weights.transpose(0, 2, 1) @ g
    d_weights = g @ v.transpose(0, 2, 1)
    d_scores = weights * (d_weights - (d_weights * weights).sum(axis=-1, keepdims=True))
    d_scores = d_scores / np.sqrt(q.shape[-1])
    return d_scores @ k, d_scores.transpose(0, 2, 1) @ q, dv


NEEDS = {
    "gru_forward": ["activate"], "gru_backward": ["activate_backward"],
    "gru_classic_forward": ["activate"], "gru_classic_backward": ["activate_backward"],
    "attention_forward": ["masked_softmax"], "dot_attention_forward": ["masked_softmax"],
}
