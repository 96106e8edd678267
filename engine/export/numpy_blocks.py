"""The building blocks pasted into an exported NumPy script (``inspect.getsource``).

Each function is plain numpy, written to be read by a student: shapes in the docstring, one
idea per line. They run here too, so the tests check them against the engine; the exporter
copies only the blocks a network uses (``NEEDS`` lists what each block calls). Arrays carry
the batch axis B first; images are channels-first ``(B, C, H, W)``, sequences ``(B, T, F)``.
Every ``*_forward`` returns ``(output, cache)`` and the matching ``*_backward`` takes the
output's gradient and that cache and returns the input's gradient and the parameters'.
"""

from __future__ import annotations

import math

import numpy as np

SELU_ALPHA, SELU_SCALE = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946


def activate(z, name):
    """The activation ``name`` applied to z (any shape; softmax over the last axis)."""
    if name == "linear":
        return z
    if name == "sigmoid":
        return 0.5 * (1.0 + np.tanh(0.5 * z))  # = 1 / (1 + exp(-z)), without overflow
    if name == "tanh":
        return np.tanh(z)
    if name == "relu":
        return np.maximum(z, 0.0)
    if name == "leaky_relu":
        return np.where(z > 0, z, 0.01 * z)
    if name == "elu":
        return np.where(z > 0, z, np.expm1(np.minimum(z, 0.0)))
    if name == "selu":
        return SELU_SCALE * np.where(z > 0, z, SELU_ALPHA * np.expm1(np.minimum(z, 0.0)))
    if name == "softplus":
        return np.logaddexp(0.0, z)
    if name == "silu":
        return z * activate(z, "sigmoid")
    if name == "gelu":
        return 0.5 * z * (1.0 + np.vectorize(math.erf)(z / math.sqrt(2.0)))
    if name == "hard_sigmoid":
        return np.clip(z + 3.0, 0.0, 6.0) / 6.0
    if name == "softmax":
        e = np.exp(z - z.max(axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)
    raise ValueError(f"unknown activation {name}")


def activate_backward(g, z, y, name):
    """dLoss/dz from dLoss/dy = g, for y = activate(z, name)."""
    if name == "linear":
        return g
    if name == "sigmoid":
        return g * y * (1.0 - y)
    if name == "tanh":
        return g * (1.0 - y * y)
    if name == "relu":
        return g * (z > 0)
    if name == "leaky_relu":
        return g * np.where(z > 0, 1.0, 0.01)
    if name == "elu":
        return g * np.where(z > 0, 1.0, y + 1.0)
    if name == "selu":
        return g * np.where(z > 0, SELU_SCALE, y + SELU_SCALE * SELU_ALPHA)
    if name == "softplus":
        return g * activate(z, "sigmoid")
    if name == "silu":
        s = activate(z, "sigmoid")
        return g * (s + z * s * (1.0 - s))
    if name == "gelu":
        cdf = 0.5 * (1.0 + np.vectorize(math.erf)(z / math.sqrt(2.0)))
        return g * (cdf + z * np.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi))
    if name == "hard_sigmoid":
        return g * ((z > -3.0) & (z < 3.0)) / 6.0
    if name == "softmax":
        return y * (g - (g * y).sum(axis=-1, keepdims=True))
    raise ValueError(f"unknown activation {name}")


def dense_forward(x, W, b, act):
    """x: (B, ..., F_in), W: (F_in, units), b: (units,) or None -> y: (B, ..., units)."""
    z = x @ W
    if b is not None:
        z = z + b
    y = activate(z, act)
    return y, (x, W, z, y, act)


def dense_backward(g, cache):
    """g: (B, ..., units) -> (dx like x, dW (F_in, units), db (units,))."""
    x, W, z, y, act = cache
    gz = activate_backward(g, z, y, act)
    flat_x = x.reshape(-1, x.shape[-1])
    flat_g = gz.reshape(-1, gz.shape[-1])
    return gz @ W.T, flat_x.T @ flat_g, flat_g.sum(axis=0)


def conv2d_forward(x, W, b, stride, pads, dilation, act):
    """x: (B, C, H, W) -> y: (B, F, OH, OW) with filters W: (F, C, kh, kw), b: (F,) or None.

    ``pads`` = (top, bottom, left, right) zeros added around each image. Each kernel tap
    (i, j) multiplies a strided view of the padded image by W[:, :, i, j]."""
    (top, bottom, left, right), (sh, sw), (dh, dw) = pads, stride, dilation
    xp = np.pad(x, ((0, 0), (0, 0), (top, bottom), (left, right)))
    n_filters, _, kh, kw = W.shape
    oh = (xp.shape[2] - dh * (kh - 1) - 1) // sh + 1
    ow = (xp.shape[3] - dw * (kw - 1) - 1) // sw + 1
    z = np.zeros((x.shape[0], n_filters, oh, ow), dtype=np.result_type(x, W))
    for i in range(kh):
        for j in range(kw):
            patch = xp[:, :, i * dh:i * dh + sh * (oh - 1) + 1:sh,
                       j * dw:j * dw + sw * (ow - 1) + 1:sw]  # (B, C, OH, OW)
            z += np.einsum("bchw,fc->bfhw", patch, W[:, :, i, j])
    if b is not None:
        z += b[None, :, None, None]
    y = activate(z, act)
    return y, (x.shape, xp, W, z, y, act, stride, pads, dilation)


def conv2d_backward(g, cache):
    """g: (B, F, OH, OW) -> (dx (B, C, H, W), dW (F, C, kh, kw), db (F,))."""
    shape, xp, W, z, y, act, (sh, sw), (top, bottom, left, right), (dh, dw) = cache
    gz = activate_backward(g, z, y, act)
    _, _, oh, ow = gz.shape
    dxp, dW = np.zeros_like(xp), np.zeros_like(W)
    for i in range(W.shape[2]):
        for j in range(W.shape[3]):
            rows = slice(i * dh, i * dh + sh * (oh - 1) + 1, sh)
            cols = slice(j * dw, j * dw + sw * (ow - 1) + 1, sw)
            dW[:, :, i, j] = np.einsum("bfhw,bchw->fc", gz, xp[:, :, rows, cols])
            dxp[:, :, rows, cols] += np.einsum("bfhw,fc->bchw", gz, W[:, :, i, j])
    dx = dxp[:, :, top:top + shape[2], left:left + shape[3]]
    return dx, dW, gz.sum(axis=(0, 2, 3))


def pool2d_forward(x, size, stride, pads, mode):
    """x: (B, C, H, W) -> (B, C, OH, OW): the max (mode "max") or mean ("avg") of each window.
    Padded positions never win a max and are not counted in a mean."""
    (ph, pw), (sh, sw), (top, bottom, left, right) = size, stride, pads
    spec = ((0, 0), (0, 0), (top, bottom), (left, right))
    xp = np.pad(x, spec, constant_values=-np.inf if mode == "max" else 0.0)
    real = np.pad(np.ones(x.shape[2:]), spec[2:])  # 1 where a real pixel is
    oh, ow = (xp.shape[2] - ph) // sh + 1, (xp.shape[3] - pw) // sw + 1
    y = np.full((*x.shape[:2], oh, ow), -np.inf) if mode == "max" else np.zeros(
        (*x.shape[:2], oh, ow))
    count = np.zeros((oh, ow))
    for i in range(ph):
        for j in range(pw):
            window = xp[:, :, i:i + sh * (oh - 1) + 1:sh, j:j + sw * (ow - 1) + 1:sw]
            y = np.maximum(y, window) if mode == "max" else y + window
            count += real[i:i + sh * (oh - 1) + 1:sh, j:j + sw * (ow - 1) + 1:sw]
    if mode == "avg":
        y = y / count
    return y, (x.shape, xp, y, count, size, stride, pads, mode)


def pool2d_backward(g, cache):
    """g: (B, C, OH, OW) -> dx (B, C, H, W): a max sends g to the first winner of each
    window, a mean spreads it evenly over the window's real pixels."""
    shape, xp, y, count, (ph, pw), (sh, sw), (top, _, left, _), mode = cache
    oh, ow = g.shape[2:]
    dxp = np.zeros_like(xp)
    taken = np.zeros(y.shape, dtype=bool)
    for i in range(ph):
        for j in range(pw):
            rows = slice(i, i + sh * (oh - 1) + 1, sh)
            cols = slice(j, j + sw * (ow - 1) + 1, sw)
            if mode == "max":
                hit = (xp[:, :, rows, cols] == y) & ~taken
                dxp[:, :, rows, cols] += g * hit
                taken |= hit
            else:
                dxp[:, :, rows, cols] += g / count
    return dxp[:, :, top:top + shape[2], left:left + shape[3]]


def rnn_forward(x, W, U, b, act, return_sequences, h0=None, keep=None, rmask=None):
    """Simple RNN. x: (B, T, F), W: (F, units), U: (units, units), b: (units,) or None ->
    every hidden state (B, T, units) or the last one (B, units). h_t = act(x_t W + h U + b).
    h0: (B, units) the starting state (None: zeros); keep: (B, T) True at real steps (None:
    every step) - at a padded step the state is carried over unchanged. rmask: (B, units)
    recurrent dropout (the same mask on h at every step where it meets U; None: off)."""
    batch, steps, _ = x.shape
    h = np.zeros((batch, U.shape[0]), dtype=x.dtype) if h0 is None else h0
    hs, zs, ys, h_prevs = [], [], [], []
    for t in range(steps):
        h_seen = h if rmask is None else h * rmask  # what U sees of the state
        z = x[:, t] @ W + h_seen @ U + (0.0 if b is None else b)
        y = activate(z, act)
        h_prevs.append(h_seen)
        h = y if keep is None else np.where(keep[:, t, None], y, h)  # padding: carry over
        hs.append(h)
        zs.append(z)
        ys.append(y)
    out = np.stack(hs, axis=1) if return_sequences else h
    return out, (x, W, U, act, h_prevs, zs, ys, keep, return_sequences, rmask)


def rnn_backward(g, cache, bptt_steps=0):
    """Backpropagation through time: g like the output -> (dx, dW, dU, db, dh0). With
    ``bptt_steps`` k > 0 (truncated BPTT) no gradient crosses from one chunk of k steps back
    into the previous one. A padded step passes its gradient straight to the state before."""
    x, W, U, act, h_prevs, zs, ys, keep, return_sequences, rmask = cache
    through = 1.0 if rmask is None else rmask  # recurrent dropout: the mask on dh too
    dx, dW, dU = np.zeros_like(x), np.zeros_like(W), np.zeros_like(U)
    db = np.zeros(U.shape[0], dtype=x.dtype)
    dh = np.zeros_like(h_prevs[0])
    for t in reversed(range(x.shape[1])):
        if bptt_steps and (t + 1) % bptt_steps == 0 and t + 1 < x.shape[1]:
            dh = np.zeros_like(dh)  # the start of a chunk: cut the flow from the later one
        dh = dh + (g[:, t] if return_sequences else (g if t == x.shape[1] - 1 else 0.0))
        dz = activate_backward(dh, zs[t], ys[t], act)
        if keep is not None:
            dz = np.where(keep[:, t, None], dz, 0.0)  # a padded step computed nothing
        dW += x[:, t].T @ dz
        dU += h_prevs[t].T @ dz
        db += dz.sum(axis=0)
        dx[:, t] = dz @ W.T
        dh_prev = (dz @ U.T) * through
        dh = dh_prev if keep is None else np.where(keep[:, t, None], dh_prev, dh)
    return dx, dW, dU, db, dh


def lstm_forward(x, W, U, b, act, gate_act, return_sequences, h0=None, c0=None, keep=None,
                 rmask=None):
    """LSTM. x: (B, T, F), W: (F, 4·units), U: (units, 4·units), b: (4·units,) or None, gate
    blocks in the order input i, forget f, candidate g, output o:
    c_t = f·c + i·g,  h_t = o·act(c_t). h0, c0: (B, units) the starting states (None: zeros);
    keep: (B, T) True at real steps (None: every step) - a padded step keeps h and c.
    rmask: (B, units) recurrent dropout (on h where it meets U, every step; None: off)."""
    batch, steps, _ = x.shape
    n = U.shape[0]
    h = np.zeros((batch, n), dtype=x.dtype) if h0 is None else h0
    c = np.zeros((batch, n), dtype=x.dtype) if c0 is None else c0
    memory = []
    hs = []
    for t in range(steps):
        h_seen = h if rmask is None else h * rmask  # what U sees of the state
        z = x[:, t] @ W + h_seen @ U + (0.0 if b is None else b)  # (B, 4·units)
        zi, zf, zg, zo = z[:, :n], z[:, n:2 * n], z[:, 2 * n:3 * n], z[:, 3 * n:]
        i, f, o = activate(zi, gate_act), activate(zf, gate_act), activate(zo, gate_act)
        cand = activate(zg, act)
        c_prev, h_prev = c, h
        c_new = f * c_prev + i * cand
        tc = activate(c_new, act)
        h_new = o * tc
        memory.append((h_seen, c_prev, zi, zf, zg, zo, i, f, cand, o, c_new, tc))
        if keep is None:
            c, h = c_new, h_new
        else:  # a padded step carries both states over
            c = np.where(keep[:, t, None], c_new, c_prev)
            h = np.where(keep[:, t, None], h_new, h_prev)
        hs.append(h)
    out = np.stack(hs, axis=1) if return_sequences else h
    return out, (x, W, U, act, gate_act, memory, keep, return_sequences, rmask)


def lstm_backward(g, cache, bptt_steps=0):
    """Backpropagation through time: g like the output -> (dx, dW, dU, db, dh0, dc0);
    ``bptt_steps`` as in ``rnn_backward`` (the cell state's gradient is cut too)."""
    x, W, U, act, gate_act, memory, keep, return_sequences, rmask = cache
    through = 1.0 if rmask is None else rmask  # recurrent dropout: the mask on dh too
    dx, dW, dU = np.zeros_like(x), np.zeros_like(W), np.zeros_like(U)
    db = np.zeros(U.shape[1], dtype=x.dtype)
    n = U.shape[0]
    dh, dc = np.zeros((x.shape[0], n)), np.zeros((x.shape[0], n))
    last = x.shape[1] - 1
    for t in reversed(range(x.shape[1])):
        h_prev, c_prev, zi, zf, zg, zo, i, f, cand, o, c, tc = memory[t]
        if bptt_steps and (t + 1) % bptt_steps == 0 and t < last:
            dh, dc = np.zeros_like(dh), np.zeros_like(dc)  # truncated BPTT: a chunk starts
        dh = dh + (g[:, t] if return_sequences else (g if t == last else 0.0))
        do = dh * tc
        dc_t = dc + activate_backward(dh * o, c, tc, act)
        di, df, dcand = dc_t * cand, dc_t * c_prev, dc_t * i
        dz = np.concatenate([activate_backward(di, zi, i, gate_act),
                             activate_backward(df, zf, f, gate_act),
                             activate_backward(dcand, zg, cand, act),
                             activate_backward(do, zo, o, gate_act)], axis=1)
        if keep is not None:
            dz = np.where(keep[:, t, None], dz, 0.0)  # a padded step computed nothing
        dW += x[:, t].T @ dz
        dU += h_prev.T @ dz
        db += dz.sum(axis=0)
        dx[:, t] = dz @ W.T
        if keep is None:
            dh, dc = (dz @ U.T) * through, dc_t * f
        else:  # padded: both gradients pass straight to the states before
            dh = np.where(keep[:, t, None], (dz @ U.T) * through, dh)
            dc = np.where(keep[:, t, None], dc_t * f, dc)
    return dx, dW, dU, db, dh, dc


def embedding_forward(ids, E, mask_zero=False):
    """ids: (B, T) whole numbers (token ids, stored as floats) -> (B, T, dim) rows of E.
    mask_zero: id 0 is padding and gives a zero vector."""
    index = ids.astype(np.int64)
    y = E[index]
    if mask_zero:
        y[index == 0] = 0.0
    return y, (index, E.shape, mask_zero)


def embedding_backward(g, cache):
    """g: (B, T, dim) -> dE (vocabulary, dim): each row collects the gradients of its uses
    (with mask_zero the padding row 0 gets none)."""
    index, shape, mask_zero = cache
    dE = np.zeros(shape, dtype=g.dtype)
    np.add.at(dE, index, g)
    if mask_zero:
        dE[0] = 0.0
    return dE


def sinusoidal_positions(steps, dim):
    """(steps, dim): PE[p, 2i] = sin(p / 10000^(2i/dim)), PE[p, 2i+1] = cos(same angle)."""
    pos = np.arange(steps, dtype=np.float64)[:, None]
    pair = (np.arange(dim) // 2) * 2
    angle = pos / np.power(10000.0, pair / dim)[None, :]
    return np.where(np.arange(dim) % 2 == 0, np.sin(angle), np.cos(angle))


NEEDS = {
    "dense_forward": ["activate"], "dense_backward": ["activate_backward"],
    "conv2d_forward": ["activate"], "conv2d_backward": ["activate_backward"],
    "rnn_forward": ["activate"], "rnn_backward": ["activate_backward"],
    "lstm_forward": ["activate"], "lstm_backward": ["activate_backward"],
    "activate_backward": ["activate"],
}
