"""Embedding and OneHot: lookup, id checks, mask_zero, the scatter-added gradient."""

import numpy as np
import pytest

from engine import backend
from engine.layers import create_layer
from engine.types import DataError, ShapeError


def embedding(**options):
    layer = create_layer({"kind": "Embedding", "name": "emb", "input_dim": 6, "output_dim": 3,
                          **options})
    layer.build([(4,)], np.random.default_rng(0), np.float32)
    return layer


def test_lookup_returns_the_rows_of_the_table():
    layer = embedding()
    ids = np.array([[0, 5, 2, 2], [1, 1, 3, 4]], dtype=np.float32)  # float ids, as the model
    y = layer.forward([ids], False)
    assert y.shape == (2, 4, 3) and y.dtype == np.float32
    np.testing.assert_array_equal(y, layer.params["embeddings"][ids.astype(int)])
    np.testing.assert_array_equal(layer.forward([ids + 0.2], False), y)  # rounded


def test_keras_default_initialisation_is_uniform_005():
    table = embedding().params["embeddings"]
    assert table.shape == (6, 3) and np.abs(table).max() <= 0.05 and table.std() > 0


@pytest.mark.parametrize("bad", [6, -1, np.nan])
def test_ids_outside_the_vocabulary_are_explained(bad):
    layer = embedding()
    with pytest.raises(DataError, match="Embedding 'emb'"):
        layer.forward([np.array([[0, 1, 2, bad]], dtype=np.float32)], False)


def test_out_of_range_message_names_input_dim():
    with pytest.raises(DataError, match="input_dim is 6, so ids must be 0 to 5"):
        embedding().forward([np.array([[7, 0, 0, 0]], dtype=np.float32)], False)


def test_shape_error_for_non_sequence_input():
    with pytest.raises(ShapeError, match="token ids"):
        embedding().output_shape([(4, 2)])


@pytest.mark.parametrize("name", ["numba", "numpy"])
def test_gradient_adds_up_repeated_ids_and_matches_torch(name):
    torch = pytest.importorskip("torch")
    layer = embedding()
    ids = np.array([[0, 5, 2, 2], [1, 1, 3, 2]])
    g = np.random.default_rng(1).normal(size=(2, 4, 3)).astype(np.float32)
    with backend.using(name):
        layer.forward([ids.astype(np.float32)], True)
        gx = layer.backward(g)[0]
    np.testing.assert_array_equal(gx, 0.0)  # ids are not differentiable
    emb = torch.nn.Embedding(6, 3)
    emb(torch.from_numpy(ids)).backward(torch.from_numpy(g))
    np.testing.assert_allclose(layer.grads["embeddings"], emb.weight.grad.numpy(), rtol=1e-6)


def test_mask_zero_gives_zero_vectors_and_no_gradient_to_padding():
    layer = embedding(mask_zero=True)
    ids = np.array([[0, 3, 0, 1]], dtype=np.float32)
    y = layer.forward([ids], True)
    np.testing.assert_array_equal(y[0, [0, 2]], 0.0)
    assert np.any(y[0, 1] != 0)
    layer.backward(np.ones_like(y))
    np.testing.assert_array_equal(layer.grads["embeddings"][0], 0.0)
    np.testing.assert_array_equal(layer.grads["embeddings"][3], 1.0)
    np.testing.assert_array_equal(layer.inspect()["mask"], [[False, True, False, True]])


def test_one_hot():
    layer = create_layer({"kind": "OneHot", "name": "oh", "depth": 4})
    layer.build([(3,)], np.random.default_rng(0))
    y = layer.forward([np.array([[3, 0, 1]], dtype=np.float32)], False)
    np.testing.assert_array_equal(y[0], np.eye(4)[[3, 0, 1]])
    assert layer.output_shape([(3,)]) == (3, 4)
    with pytest.raises(DataError, match="depth is 4"):
        layer.forward([np.array([[4, 0, 1]], dtype=np.float32)], False)
