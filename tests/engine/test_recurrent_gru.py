"""GRU ``reset_after=False`` (Keras' option: the original GRU of Cho et al., the reset gate
applied before the recurrent product, one bias): the formula by hand, finite differences with
initial state, padding and recurrent dropout, numba == numpy.
"""

import numpy as np
import pytest

from engine import backend
from engine.layers import create_layer
from tests.engine.gradcheck import assert_backends_agree, assert_close, numeric_grad
from tests.engine.test_recurrent import B, F, H, T, make


def sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


def test_classic_gru_follows_cho_et_al():
    layer = make("GRU", reset_after=False)
    assert "recurrent_bias" not in layer.params
    assert layer.param_count([(T, F)]) == 3 * H * (F + H + 1)
    rng = np.random.default_rng(1)
    x, h0 = rng.normal(size=(B, T, F)), rng.normal(size=(B, H))
    y = layer.forward([x, h0], False)
    h = h0
    w, u, bias = layer.params["kernel"], layer.params["recurrent_kernel"], layer.params["bias"]
    for t in range(T):
        xp = x[:, t] @ w + bias
        z = sigmoid(xp[:, :H] + h @ u[:, :H])
        r = sigmoid(xp[:, H : 2 * H] + h @ u[:, H : 2 * H])
        n = np.tanh(xp[:, 2 * H :] + (r * h) @ u[:, 2 * H :])
        h = z * h + (1 - z) * n
        np.testing.assert_allclose(y[:, t], h, rtol=1e-12, atol=1e-14)
    assert not np.allclose(y, make("GRU").forward([x, h0], False))  # reset_after=True


@pytest.mark.parametrize("seq", [True, False])
@pytest.mark.parametrize("opts", [{}, {"recurrent_dropout": 0.4, "dropout": 0.2},
                                  {"mask_padding": True, "activation": "relu",
                                   "use_bias": False}])
def test_classic_gru_gradients_match_finite_differences(seq, opts):
    layer = make("GRU", return_sequences=seq, reset_after=False, **opts)
    rng = np.random.default_rng(2)
    x = rng.normal(size=(B, T, F))
    if opts.get("mask_padding"):
        x[0, 3:] = 0.0  # post-padding
    inputs = [x, rng.normal(size=(B, H))]
    w = rng.normal(size=(B, T, H) if seq else (B, H))
    training = "dropout" in opts

    def loss() -> float:
        layer._rng = np.random.default_rng(5)
        return float(np.sum(layer.forward(inputs, training) * w))

    loss()
    grads = layer.backward(w)
    pgrads = {k: g.copy() for k, g in layer.grads.items()}
    real = np.any(x != 0, axis=2)
    gx = np.zeros_like(x)
    for b, t in zip(*np.nonzero(real)):  # perturbing a padded step would make it real
        gx[b, t] = numeric_grad(loss, x[b, t])
    assert_close(grads[0], gx, rtol=1e-6, atol=1e-8, what="x")
    assert_close(grads[1], numeric_grad(loss, inputs[1]), rtol=1e-6, atol=1e-8, what="h0")
    for key, value in layer.params.items():
        assert_close(pgrads[key], numeric_grad(loss, value), rtol=1e-6, atol=1e-8, what=key)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_classic_gru_numba_equals_numpy(dtype):
    rng = np.random.default_rng(3)
    x = rng.normal(size=(B, T, F)).astype(dtype)
    x[1, :2] = 0.0  # pre-padding
    inputs = [x, rng.normal(size=(B, H)).astype(dtype)]
    w = rng.normal(size=(B, T, H)).astype(dtype)
    results = []
    for name in ("numba", "numpy"):
        with backend.using(name):
            layer = make("GRU", dtype, reset_after=False, mask_padding=True, bptt_steps=2,
                         recurrent_dropout=0.3)
            layer._rng = np.random.default_rng(5)
            y = layer.forward(inputs, True)
            grads = layer.backward(w)
            results.append((y, grads, {k: g.copy() for k, g in layer.grads.items()}))
    assert_backends_agree(results, dtype)


def test_fast_float32_classic_gru_stays_close_to_float64():
    results = []
    for dtype in (np.float32, np.float64):
        layer = create_layer({"kind": "GRU", "name": "g", "units": 16, "reset_after": False,
                              "return_sequences": True})
        layer.build([(20, 8)], np.random.default_rng(0), dtype)
        x = np.random.default_rng(1).normal(0, 2.0, (4, 20, 8)).astype(dtype)
        y = layer.forward([x], False)
        gx = layer.backward(np.ones_like(y))[0]
        results.append((y, gx, layer.grads["recurrent_kernel"].copy()))
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=2e-5)
