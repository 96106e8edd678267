"""Attention layers: worked examples, masks, positional encodings, kernels == references.

The generic contract (shapes, finite differences, config round-trip, numba == numpy) covers
every layer through its ``example``; the PyTorch oracle lives in test_attention_torch.py.
"""

import math

import numpy as np
import pytest

from engine import backend
from engine.kernels.attention import (
    masked_softmax,
    masked_softmax_ref,
    softmax_backward,
    softmax_backward_ref,
)
from engine.layers import create_layer
from engine.types import ShapeError
from tests.engine.gradcheck import assert_close, numeric_grad


def make(kind, shapes, dtype=np.float64, seed=0, **options):
    layer = create_layer({"kind": kind, "name": "att", **options})
    layer.build(shapes, np.random.default_rng(seed), dtype)
    return layer


def test_scaled_dot_product_attention_worked_example():
    """Q = K = I (2×2), V = [[1, 2], [3, 4]]: scores = I/√2, weights = softmax per row."""
    layer = make("ScaledDotProductAttention", [(2, 2), (2, 2), (2, 2)])
    eye = np.eye(2)[None]
    v = np.array([[[1.0, 2.0], [3.0, 4.0]]])
    y = layer.forward([eye, eye, v], training=False)
    big = 1.0 / (1.0 + math.exp(-1.0 / math.sqrt(2.0)))  # softmax([1/√2, 0])[0] = 0.66976
    expected_w = np.array([[big, 1 - big], [1 - big, big]])
    np.testing.assert_allclose(layer.inspect()["attention_weights"][0, 0], expected_w, atol=1e-12)
    np.testing.assert_allclose(y[0], [[1.6604769, 2.6604769], [2.3395231, 3.3395231]],
                               atol=1e-7)


def test_one_input_means_q_k_v_are_the_same_sequence():
    x = np.random.default_rng(0).normal(size=(2, 3, 4))
    one = make("ScaledDotProductAttention", [(3, 4)])
    three = make("ScaledDotProductAttention", [(3, 4)] * 3)
    np.testing.assert_allclose(one.forward([x], False), three.forward([x, x, x], False))
    g = np.random.default_rng(1).normal(size=(2, 3, 4))
    (gx,) = one.backward(g)
    np.testing.assert_allclose(gx, sum(three.backward(g)), atol=1e-12)


@pytest.mark.parametrize("name", ["numba", "numpy"])
@pytest.mark.parametrize("kind", ["ScaledDotProductAttention", "MultiHeadAttention"])
def test_causal_mask_zeroes_the_future_and_rows_sum_to_one(kind, name):
    x = np.random.default_rng(0).normal(size=(2, 5, 4)) * 3.0
    options = {"num_heads": 2, "key_dim": 3} if kind == "MultiHeadAttention" else {}
    with backend.using(name):
        layer = make(kind, [(5, 4)], use_causal_mask=True, **options)
        layer.forward([x], training=False)
    w = layer.inspect()["attention_weights"]  # (B, H, T, T)
    assert w.shape == ((2, 2, 5, 5) if options else (2, 1, 5, 5))
    above = np.triu(np.ones((5, 5), dtype=bool), k=1)
    assert np.all(w[..., above] == 0.0)
    assert np.all(w[..., ~above] > 0.0)
    np.testing.assert_allclose(w.sum(-1), 1.0, atol=1e-12)
    assert w[0, 0, 0, 0] == 1.0  # the first position can only look at itself


def test_causal_output_does_not_depend_on_later_positions():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(1, 4, 4))
    later = x.copy()
    later[:, 2:] = rng.normal(size=(1, 2, 4))
    layer = make("MultiHeadAttention", [(4, 4)], num_heads=2, key_dim=2, use_causal_mask=True)
    a, b = layer.forward([x], False), layer.forward([later], False)
    np.testing.assert_allclose(a[:, :2], b[:, :2], atol=1e-12)
    assert not np.allclose(a[:, 2:], b[:, 2:])


def test_padding_mask_ignores_all_zero_context_positions():
    rng = np.random.default_rng(4)
    context = rng.normal(size=(2, 4, 3))
    context[0, 3] = 0.0  # sample 0: last step is padding
    context[1, 1:] = 0.0  # sample 1: only the first step is real
    query = rng.normal(size=(2, 2, 3))
    layer = make("MultiHeadAttention", [(2, 3), (4, 3)], num_heads=2, key_dim=2,
                 mask_padding=True)
    layer.forward([query, context], training=False)
    w = layer.inspect()["attention_weights"]
    assert np.all(w[0, :, :, 3] == 0.0) and np.all(w[0, :, :, :3] > 0)
    np.testing.assert_array_equal(w[1, :, :, 0], 1.0)
    np.testing.assert_allclose(w.sum(-1), 1.0, atol=1e-12)
    plain = make("MultiHeadAttention", [(2, 3), (4, 3)], num_heads=2, key_dim=2)
    plain.forward([query, context], training=False)
    assert plain.inspect()["attention_weights"][0, :, :, 3].min() > 0


def test_masked_softmax_kernel_equals_reference_with_every_mask():
    rng = np.random.default_rng(5)
    s = rng.normal(size=(6, 4, 5)).astype(np.float32) * 4
    keep = rng.integers(0, 2, size=(3, 5)).astype(np.uint8)
    keep[2] = 0  # a sample with no visible key at all: rows become zeros
    for causal in (False, True):
        out_nb, out_np = np.empty_like(s), np.empty_like(s)
        masked_softmax(s, np.float32(0.5), causal, keep, 2, out_nb)
        masked_softmax_ref(s, np.float32(0.5), causal, keep, 2, out_np)
        np.testing.assert_allclose(out_nb, out_np, rtol=1e-6, atol=1e-7)
        np.testing.assert_array_equal(out_nb[4:], 0.0)
    da = rng.normal(size=s.shape).astype(np.float32)
    g_nb, g_np = np.empty_like(s), np.empty_like(s)
    softmax_backward(out_nb, da, g_nb)
    softmax_backward_ref(out_nb, da, g_np)
    np.testing.assert_allclose(g_nb, g_np, rtol=1e-5, atol=1e-6)


def test_multi_head_attention_gradients_with_causal_mask_and_padding():
    rng = np.random.default_rng(6)
    x = rng.normal(size=(2, 3, 4))
    x[1, 2] = 0.0
    layer = make("MultiHeadAttention", [(3, 4)], num_heads=2, key_dim=2, value_dim=3,
                 use_causal_mask=True, mask_padding=True)
    weights = rng.normal(size=(2, 3, 4))

    def loss() -> float:
        return float(np.sum(layer.forward([x], training=False) * weights))

    loss()
    (gx,) = layer.backward(weights)
    grads = {k: g.copy() for k, g in layer.grads.items()}
    keep = np.ones_like(x, dtype=bool)
    keep[1, 2] = False  # moving a padded vector off zero changes the mask: not differentiable
    assert_close(gx[keep], numeric_grad(loss, x)[keep], rtol=1e-5, atol=1e-7, what="x")
    for key in ("query_kernel", "value_bias", "output_kernel"):
        assert_close(grads[key], numeric_grad(loss, layer.params[key]), rtol=1e-5, atol=1e-7,
                     what=key)


def test_attention_dropout_trains_with_a_consistent_mask_and_is_off_at_test_time():
    rng = np.random.default_rng(7)
    x = rng.normal(size=(2, 4, 4))
    layer = make("MultiHeadAttention", [(4, 4)], num_heads=2, key_dim=2, dropout=0.5)
    np.testing.assert_array_equal(layer.forward([x], False), layer.forward([x], False))
    weights = rng.normal(size=(2, 4, 4))

    def loss() -> float:
        layer._rng = np.random.default_rng(11)  # the same dropout mask on every call
        return float(np.sum(layer.forward([x], training=True) * weights))

    loss()
    assert np.any(layer._drop == 0.0) and np.any(layer._drop == 2.0)
    (gx,) = layer.backward(weights)
    grad_w = layer.grads["key_kernel"].copy()
    assert_close(gx, numeric_grad(loss, x), rtol=1e-5, atol=1e-7, what="x")
    assert_close(grad_w, numeric_grad(loss, layer.params["key_kernel"]), rtol=1e-5, atol=1e-7)


def test_sinusoidal_encoding_matches_the_formula():
    steps, dim = 7, 6
    layer = make("PositionalEncoding", [(steps, dim)])
    x = np.zeros((1, steps, dim))
    pe = layer.forward([x], training=False)[0]
    for pos in range(steps):
        for i in range(dim // 2):
            angle = pos / 10000 ** (2 * i / dim)
            assert pe[pos, 2 * i] == pytest.approx(math.sin(angle), abs=1e-12)
            assert pe[pos, 2 * i + 1] == pytest.approx(math.cos(angle), abs=1e-12)
    assert layer.param_count([(steps, dim)]) == 0
    x2 = np.random.default_rng(0).normal(size=(3, steps, dim))
    np.testing.assert_allclose(layer.forward([x2], False), x2 + pe[None], atol=1e-12)
    np.testing.assert_array_equal(layer.backward(np.ones_like(x2))[0], 1.0)


def test_odd_feature_size_ends_with_a_sine_column():
    pe = make("PositionalEncoding", [(3, 5)]).forward([np.zeros((1, 3, 5))], False)[0]
    np.testing.assert_allclose(pe[:, 4], np.sin(np.arange(3) / 10000 ** (4 / 5)))


def test_learned_positions_only_train_the_rows_used():
    layer = make("PositionalEncoding", [(3, 2)], mode="learned", max_len=5)
    assert layer.param_count([(3, 2)]) == 10
    x = np.random.default_rng(0).normal(size=(4, 3, 2))
    y = layer.forward([x], training=False)
    np.testing.assert_allclose(y, x + layer.params["embeddings"][:3])
    layer.grads["embeddings"][...] = 7.0  # stale values must be overwritten
    layer.backward(np.ones_like(y))
    np.testing.assert_array_equal(layer.grads["embeddings"][:3], 4.0)
    np.testing.assert_array_equal(layer.grads["embeddings"][3:], 0.0)
    with pytest.raises(ShapeError, match="max_len"):
        layer.output_shape([(6, 2)])
    assert make("PositionalEncoding", [(3, 2)], mode="learned").param_count([(3, 2)]) == 6


def test_shape_errors_explain_what_to_do():
    with pytest.raises(ShapeError, match="sequence per sample.*Embedding"):
        create_layer({"kind": "MultiHeadAttention"}).output_shape([(8,)])
    with pytest.raises(ShapeError, match="context input"):
        create_layer({"kind": "MultiHeadAttention"}).output_shape([(3, 4), (3, 4, 4)])
    sdpa = create_layer({"kind": "ScaledDotProductAttention"})
    with pytest.raises(ShapeError, match="same feature size"):
        sdpa.output_shape([(3, 4), (3, 5)])
    with pytest.raises(ShapeError, match="one value per key"):
        sdpa.output_shape([(3, 4), (3, 4), (2, 4)])
    assert sdpa.output_shape([(3, 4), (6, 4), (6, 2)]) == (3, 2)


def test_cross_attention_output_follows_the_query():
    layer = make("MultiHeadAttention", [(3, 4), (6, 2)], num_heads=3, key_dim=2, value_dim=5)
    assert layer.output_shape([(3, 4), (6, 2)]) == (3, 4)
    rng = np.random.default_rng(0)
    y = layer.forward([rng.normal(size=(2, 3, 4)), rng.normal(size=(2, 6, 2))], False)
    assert y.shape == (2, 3, 4)
    assert layer.inspect()["attention_weights"].shape == (2, 3, 3, 6)
    shapes = {k: v.shape for k, v in layer.params.items()}
    assert shapes["value_kernel"] == (2, 15) and shapes["output_kernel"] == (15, 4)


def test_attention_classifier_of_benchmark_g_learns_the_majority_bucket():
    from engine.bench.workloads import build_engine, engine_epoch, get_workload

    wl = get_workload("g")
    x, y = wl.make_data()
    run = build_engine(wl)
    rng = np.random.default_rng(0)
    for _ in range(2):
        engine_epoch(run, x[:2000], y[:2000], wl.batch, rng)
    accuracy = np.mean(run.model.predict(x[4000:]).argmax(1) == y[4000:])
    assert np.bincount(y[4000:]).max() / 1000 < 0.35  # no class is a free lunch
    assert accuracy > 0.8


def test_embedding_mask_zero_feeds_the_padding_mask():
    from engine.graph import Graph
    from engine.model import Model

    graph = Graph.sequential([
        {"kind": "Input", "shape": [5]},
        {"kind": "Embedding", "input_dim": 6, "output_dim": 4, "mask_zero": True},
        {"kind": "MultiHeadAttention", "name": "att", "num_heads": 1, "key_dim": 4,
         "mask_padding": True},
    ])
    model = Model(graph, seed=0)
    ids = np.array([[3, 1, 4, 0, 0], [2, 5, 0, 0, 0]], dtype=np.float32)  # 0 = padding
    model.forward(ids)
    w = model.layers["att"].inspect()["attention_weights"]  # (2, 1, 5, 5)
    assert np.all(w[0, ..., 3:] == 0) and np.all(w[1, ..., 2:] == 0)
    np.testing.assert_allclose(w.sum(-1), 1.0, rtol=1e-6)
