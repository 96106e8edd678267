"""Losses and optimizer steps pasted into an exported NumPy script (``inspect.getsource``).

Same conventions as the engine (``engine.losses``, ``engine.optimizers``): losses are means
over all elements (cross-entropy: over samples), each returns ``(value, dLoss/dprediction)``.
"""

from __future__ import annotations

import numpy as np


def softmax_cross_entropy(logits, labels):
    """logits: (N, K) (or (N, T, K) for one label per position), labels: whole numbers (N,)
    (or (N, T)) -> mean of −log softmax(logits)[label], and its gradient (softmax − one-hot)/n."""
    k = logits.shape[-1]
    rows = logits.reshape(-1, k)
    index = labels.reshape(-1).astype(np.int64)
    shifted = rows - rows.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    n = len(rows)
    value = -log_p[np.arange(n), index].mean()
    grad = np.exp(log_p)
    grad[np.arange(n), index] -= 1.0
    return value, (grad / n).reshape(logits.shape)


def sigmoid_cross_entropy(logits, targets):
    """logits and 0/1 targets of the same shape -> mean binary cross-entropy of
    sigmoid(logits), and its gradient (sigmoid(logits) − targets) / size."""
    value = np.mean(np.logaddexp(0.0, logits) - targets * logits)
    p = 0.5 * (1.0 + np.tanh(0.5 * logits))
    return value, (p - targets) / logits.size


def mean_squared_error(pred, targets):
    """pred, targets: same shape -> mean of (pred − targets)² and its gradient."""
    r = pred - targets.reshape(pred.shape)
    return np.mean(r * r), 2.0 * r / r.size


def mean_absolute_error(pred, targets):
    """pred, targets: same shape -> mean of |pred − targets| and its gradient."""
    r = pred - targets.reshape(pred.shape)
    return np.mean(np.abs(r)), np.sign(r) / r.size


def sgd_step(params, grads, state, lr, momentum=0.0, nesterov=False, weight_decay=0.0):
    """w ← w − lr·v with v ← momentum·v + g (PyTorch's SGD); ``state`` keeps v per weight."""
    for key, g in grads.items():
        d = g + weight_decay * params[key]
        if momentum:
            v = state[key] = momentum * state.get(key, 0.0) + d
            d = d + momentum * v if nesterov else v
        params[key] = params[key] - lr * d


def adam_step(params, grads, state, lr, t, beta_1=0.9, beta_2=0.999, epsilon=1e-8,
              weight_decay=0.0, decoupled=False):
    """Adam (PyTorch's formula; ``decoupled`` = AdamW). t = 1, 2, … counts the steps."""
    for key, g in grads.items():
        if decoupled:
            params[key] = params[key] * (1.0 - lr * weight_decay)
        else:
            g = g + weight_decay * params[key]
        m = state[key + ":m"] = beta_1 * state.get(key + ":m", 0.0) + (1 - beta_1) * g
        v = state[key + ":v"] = beta_2 * state.get(key + ":v", 0.0) + (1 - beta_2) * g * g
        step = lr / (1 - beta_1 ** t)
        params[key] = params[key] - step * m / (np.sqrt(v) / np.sqrt(1 - beta_2 ** t) + epsilon)


def add_penalties(P, G, penalties):
    """L1/L2 weight penalties, Keras' convention (as LayerLab): for every penalised weight
    ``penalties = {"layer/kernel": (l1, l2)}`` the loss gains l1·Σ|w| + l2·Σw² and the
    gradient l1·sign(w) + 2·l2·w (no ½ on the L2 term). Changes G; returns the added loss."""
    total = 0.0
    for key, (l1, l2) in penalties.items():
        w = P[key]
        total += l1 * np.sum(np.abs(w)) + l2 * np.sum(w * w)
        G[key] = G[key] + l1 * np.sign(w) + 2.0 * l2 * w
    return total


def clip_gradients(G, clip_value=0.0, clip_norm=0.0):
    """Gradient clipping as LayerLab does it: first every element into [-clip_value,
    clip_value], then all gradients scaled together so their joint norm √(Σ g²) is at most
    clip_norm (torch.nn.utils.clip_grad_norm_'s rule). 0 switches a step off."""
    if clip_value > 0:
        G = {k: np.clip(g, -clip_value, clip_value) for k, g in G.items()}
    if clip_norm > 0:
        norm = np.sqrt(sum(np.sum(g * g) for g in G.values()))
        factor = clip_norm / (norm + 1e-6)
        if factor < 1.0:
            G = {k: g * factor for k, g in G.items()}
    return G
