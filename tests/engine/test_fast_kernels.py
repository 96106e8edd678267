"""The speed paths of the sequence workloads: the vectorised float32 exp (cross-entropy and
attention softmax), BLAS column sums, and the recurrent layers' fused products ([x | 1 | h]
for X·W + b and [dW; db; dU], time-major LSTM work arrays) checked with dropout masks on."""

import numpy as np
import pytest

from engine.kernels import attention as A
from engine.kernels import losses as KL
from engine.kernels.colsum import column_sum
from engine.kernels.exp32 import exp_inplace32
from engine.layers import create_layer
from tests.engine.gradcheck import assert_close, numeric_grad


def test_exp32_is_within_a_few_ulp_of_exp():
    x = np.linspace(-59.9, 0.0, 400_001).astype(np.float32)
    got = x.copy()
    exp_inplace32(got, np.empty(x.size, dtype=np.int32))
    want = np.exp(x.astype(np.float64))
    assert np.max(np.abs(got / want - 1.0)) < 3e-7
    assert got[-1] == 1.0


def test_exp32_flushes_tiny_results_to_zero():
    """exp(x) below x ≈ -60 is exactly 0, never a (slow) float32 subnormal."""
    x = np.array([-60.5, -87.0, -100.0, -1e30, -np.inf], dtype=np.float32)
    exp_inplace32(x, np.empty(x.size, dtype=np.int32))
    assert np.all(x == 0.0)
    rng = np.random.default_rng(0)
    z = np.concatenate([[0.0], -rng.uniform(0, 200, 10_000)]).astype(np.float32)
    _, grad, probs = KL.softmax_ce_labels(z[None], np.zeros(1, dtype=np.int64), 1 / 32)
    tiny = np.finfo(np.float32).tiny  # the smallest normal float32
    assert np.all((probs == 0) | (probs >= tiny)) and np.all((grad == 0) | (abs(grad) >= tiny))


@pytest.mark.parametrize("rows,k", [(1, 1), (3, 5), (1024, 50), (7, 33)])
def test_float32_cross_entropy_matches_reference(rows, k):
    rng = np.random.default_rng(rows + k)
    z = (8 * rng.normal(size=(rows, k))).astype(np.float32)
    z[0, 0] = 90.0  # a far outlier: every other class underflows
    labels = rng.integers(0, k, rows).astype(np.int64)
    soft = rng.random((rows, k)).astype(np.float32)
    for kernel, reference, target in ((KL.softmax_ce_labels, KL.softmax_ce_labels_reference,
                                       labels),
                                      (KL.softmax_ce_onehot, KL.softmax_ce_onehot_reference,
                                       soft)):
        t1, g1, p1 = kernel(z, target, 1.0 / rows)
        t2, g2, p2 = reference(z, target, 1.0 / rows)
        assert t1 == pytest.approx(t2, rel=1e-6, abs=1e-5)
        assert g1.dtype == p1.dtype == np.float32
        assert_close(p1, p2, rtol=1e-6, atol=1e-7, what=kernel.__name__)
        assert_close(g1, g2, rtol=1e-6, atol=1e-7, what=kernel.__name__)


def test_float32_attention_softmax_matches_reference():
    s = (4 * np.random.default_rng(3).normal(size=(6, 5, 7))).astype(np.float32)
    out_nb, out_np = np.empty_like(s), np.empty_like(s)
    A.masked_softmax(s, np.float32(0.3), False, A.NO_MASK, 2, out_nb)
    A.masked_softmax_ref(s, np.float32(0.3), False, A.NO_MASK, 2, out_np)
    assert_close(out_nb, out_np, rtol=1e-6, atol=1e-7)
    assert_close(out_nb.sum(axis=-1), np.ones((6, 5)), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_column_sum_is_sum_over_rows(dtype):
    g = np.random.default_rng(4).normal(size=(37, 5)).astype(dtype)
    out = np.empty(5, dtype=dtype)
    assert column_sum(g, out) is out
    assert_close(out, g.sum(axis=0), rtol=1e-6, atol=1e-6)
    strided = np.empty((5, 2), dtype=dtype)[:, 0]  # not contiguous: falls back to numpy
    column_sum(g, strided)
    assert_close(strided, g.sum(axis=0), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("kind", ["SimpleRNN", "LSTM", "GRU"])
@pytest.mark.parametrize("seq", [True, False])
def test_recurrent_gradients_with_dropout_masks(kind, seq):
    """Training mode with input and recurrent dropout (the masks fixed by re-seeding): the
    fused [X | 1 | H_prev]ᵀ dZ product, the masked h_prev and the time-major LSTM arrays."""
    layer = create_layer({"kind": kind, "name": "r", "units": 3, "return_sequences": seq,
                          "dropout": 0.3, "recurrent_dropout": 0.4})
    layer.build([(4, 2)], np.random.default_rng(0), np.float64)
    rng = np.random.default_rng(1)
    for value in layer.params.values():
        value[...] = rng.normal(0, 0.6, value.shape)
    x = rng.normal(size=(2, 4, 2))
    w_out = rng.normal(size=layer.output_shape([(4, 2)]))

    def loss() -> float:
        layer._rng = np.random.default_rng(5)  # the same dropout masks every call
        return float(np.sum(layer.forward([x], True) * w_out))

    loss()
    grad_x = layer.backward(np.broadcast_to(w_out, (2, *w_out.shape)).copy())[0]
    grads = {k: g.copy() for k, g in layer.grads.items()}
    assert not np.allclose(layer._rmask, 1.0)  # the recurrent mask is really on
    assert_close(grad_x, numeric_grad(loss, x), rtol=1e-6, atol=1e-8, what="input")
    for key, value in layer.params.items():
        assert_close(grads[key], numeric_grad(loss, value), rtol=1e-6, atol=1e-8, what=key)


def test_lstm_inspect_is_batch_major():
    layer = create_layer({"kind": "LSTM", "name": "r", "units": 3, "return_sequences": True})
    layer.build([(4, 2)], np.random.default_rng(0), np.float32)
    x = np.random.default_rng(1).normal(size=(2, 4, 2)).astype(np.float32)
    h = layer.forward([x], False)
    seen = layer.inspect()
    assert seen["cell_state"].shape == seen["input_gate"].shape == (2, 4, 3)
    o, c = seen["output_gate"], seen["cell_state"]
    assert_close(h, o * np.tanh(c), rtol=1e-5, atol=1e-6)  # h = o ⊙ tanh(c) per (b, t)


@pytest.mark.parametrize("use_bias", [True, False])
def test_time_distributed_linear_adds_the_bias_in_place(use_bias):
    layer = create_layer({"kind": "TimeDistributed", "name": "td", "units": 3,
                          "use_bias": use_bias})
    layer.build([(4, 2)], np.random.default_rng(0), np.float64)
    if use_bias:
        layer.params["bias"][...] = [0.5, -1.0, 2.0]
    x = np.random.default_rng(1).normal(size=(2, 4, 2))
    want = x @ layer.params["kernel"] + (layer.params["bias"] if use_bias else 0.0)
    assert_close(layer.forward([x], True), want, rtol=1e-12, atol=1e-12)
    w_out = np.random.default_rng(2).normal(size=(2, 4, 3))

    def loss() -> float:
        return float(np.sum(layer.forward([x], True) * w_out))

    loss()
    grad_x = layer.backward(w_out)[0]
    kernel_grad = layer.grads["kernel"].copy()
    assert_close(grad_x, numeric_grad(loss, x), rtol=1e-6, atol=1e-8)
    assert_close(kernel_grad, numeric_grad(loss, layer.params["kernel"]), rtol=1e-6, atol=1e-8)
