"""Leaky ReLU and ELU inside a recurrent cell use the slopes every other layer uses (0.01 and
α = 1, ``engine.activations``): the kernels once applied them with alpha 0, i.e. as ReLU, so a
"leaky" SimpleRNN/LSTM/GRU was not leaky, and exported scripts (which write the documented
slopes) could not match it."""

from __future__ import annotations

import numpy as np
import pytest

from engine import activations, backend
from engine.kernels.activations import ELU, LEAKY_RELU, RELU, default_alpha
from engine.layers import create_layer

B, T, F, H = 2, 6, 3, 4


def _layer(kind: str, act: str):
    layer = create_layer({"kind": kind, "name": "rnn", "units": H, "return_sequences": True,
                          "activation": act})
    layer.build([(T, F)], np.random.default_rng(0), np.float64)
    rng = np.random.default_rng(1)
    for value in layer.params.values():
        value[...] = rng.normal(0.0, 0.8, value.shape)
    return layer


def test_the_kernels_alpha_is_the_activations_own():
    for name, act_id in (("leaky_relu", LEAKY_RELU), ("elu", ELU), ("relu", RELU)):
        assert default_alpha(act_id) == activations.get(name).params.get("alpha", 0.0)


@pytest.mark.parametrize("act", ["leaky_relu", "elu"])
@pytest.mark.parametrize("backend_name", ["numba", "numpy"])
def test_a_simple_rnn_applies_the_activation_as_a_dense_layer_does(act, backend_name):
    layer = _layer("SimpleRNN", act)
    x = np.random.default_rng(2).normal(size=(B, T, F))
    with backend.using(backend_name):
        y = layer.forward([x], training=False)
    k, u, b = (layer.params[n] for n in ("kernel", "recurrent_kernel", "bias"))
    h = np.zeros((B, H))
    for t in range(T):
        h = activations.forward(act, x[:, t] @ k + h @ u + b)
        np.testing.assert_allclose(y[:, t], h, rtol=1e-12, atol=1e-12)
    assert (y < 0).any()  # negative outputs: not a plain ReLU


@pytest.mark.parametrize("kind", ["SimpleRNN", "LSTM", "GRU"])
@pytest.mark.parametrize("act", ["leaky_relu", "elu"])
def test_the_gradient_follows_the_same_slope(kind, act):
    layer = _layer(kind, act)
    rng = np.random.default_rng(3)
    x, w = rng.normal(size=(B, T, F)), rng.normal(size=(B, T, H))
    layer.forward([x], training=True)
    gx = layer.backward(w)[0]
    eps = 1e-6
    for index in [(0, 0, 0), (1, 3, 2), (0, 5, 1)]:
        xp, xm = x.copy(), x.copy()
        xp[index] += eps
        xm[index] -= eps
        numeric = ((layer.forward([xp], training=False) * w).sum()
                   - (layer.forward([xm], training=False) * w).sum()) / (2 * eps)
        assert gx[index] == pytest.approx(numeric, rel=1e-6, abs=1e-8)
