"""Pooling and upsampling layers: worked examples, torch oracle, numba == numpy, messages."""

import numpy as np
import pytest

from engine import backend
from engine.layers import create_layer
from engine.types import ShapeError

BACKENDS = ("numba", "numpy")


def layer_for(kind, shape, dtype=np.float64, **options):
    layer = create_layer({"kind": kind, "name": "pool", **options})
    layer.build([shape], np.random.default_rng(0), dtype)
    return layer


@pytest.mark.parametrize("name", BACKENDS)
def test_worked_example_max_pool(name):
    x = np.array([[1, 1, 2, 4], [5, 6, 7, 8], [3, 2, 1, 0], [1, 2, 3, 4]], dtype=np.float32)
    with backend.using(name):
        pool = layer_for("MaxPool2D", (1, 4, 4), np.float32, pool_size=2)
        y = pool.forward([x[None, None]], training=True)
        gx = pool.backward(np.ones_like(y))[0]
    np.testing.assert_array_equal(y[0, 0], [[6, 8], [3, 4]])
    assert gx.sum() == 4 and gx[0, 0, 1, 1] == 1 and gx[0, 0, 1, 3] == 1  # to the maxima only
    assert pool.config["strides"] == [-1] and pool.output_shape([(1, 4, 4)]) == (1, 2, 2)


def torch_check(layer, torch_fn, x, rtol=1e-10):
    torch = pytest.importorskip("torch")
    y = layer.forward([x], training=True)
    g = np.random.default_rng(9).normal(size=y.shape)
    gx = layer.backward(g)[0]
    tx = torch.tensor(x, requires_grad=True)
    ty = torch_fn(tx)
    ty.backward(torch.tensor(g))
    assert y.shape[1:] == layer.output_shape([x.shape[1:]])
    np.testing.assert_allclose(y, ty.detach().numpy(), rtol=rtol, atol=1e-12)
    np.testing.assert_allclose(gx, tx.grad.numpy(), rtol=rtol, atol=1e-12)


CASES = [
    ("MaxPool2D", {"pool_size": 2}, lambda F: lambda t: F.max_pool2d(t, 2)),
    ("MaxPool2D", {"pool_size": 3, "strides": 2}, lambda F: lambda t: F.max_pool2d(t, 3, 2)),
    ("MaxPool2D", {"pool_size": [2, 3], "strides": [1, 2]},
     lambda F: lambda t: F.max_pool2d(t, (2, 3), (1, 2))),
    ("AvgPool2D", {"pool_size": 2}, lambda F: lambda t: F.avg_pool2d(t, 2)),
    ("AvgPool2D", {"pool_size": 3, "strides": 1, "padding": "same"},  # pads 1 on each side
     lambda F: lambda t: F.avg_pool2d(t, 3, 1, 1, count_include_pad=False)),
    ("MaxPool2D", {"pool_size": 3, "strides": 1, "padding": "same"},
     lambda F: lambda t: F.max_pool2d(t, 3, 1, 1)),
    ("GlobalAveragePool2D", {}, lambda F: lambda t: t.mean(dim=(2, 3))),
    ("GlobalMaxPool2D", {}, lambda F: lambda t: t.amax(dim=(2, 3))),
    ("Upsample2D", {"size": 2}, lambda F: lambda t: F.interpolate(t, scale_factor=2)),
    ("Upsample2D", {"size": [2, 3], "interpolation": "bilinear"},
     lambda F: lambda t: F.interpolate(t, scale_factor=(2, 3), mode="bilinear")),
    ("Upsample2D", {"size": 3, "interpolation": "bilinear"},
     lambda F: lambda t: F.interpolate(t, scale_factor=3, mode="bilinear")),
]


@pytest.mark.parametrize("name", BACKENDS)
@pytest.mark.parametrize(("kind", "options", "make_fn"), CASES)
def test_matches_torch_forward_and_backward(name, kind, options, make_fn):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(1).normal(size=(2, 3, 7, 9))
    with backend.using(name):
        torch_check(layer_for(kind, (3, 7, 9), **options), make_fn(torch.nn.functional), x)


@pytest.mark.parametrize("kind", ["MaxPool2D", "AvgPool2D"])
@pytest.mark.parametrize("options", [
    {"pool_size": 2, "padding": "same"}, {"pool_size": [3, 2], "strides": [2, 3]},
    {"pool_size": 4, "strides": 3, "padding": "same"},
])
def test_numba_equals_numpy_reference(kind, options):
    x = np.random.default_rng(2).normal(size=(3, 2, 9, 8)).astype(np.float32)
    results = []
    for name in BACKENDS:
        with backend.using(name):
            pool = layer_for(kind, (2, 9, 8), np.float32, **options)
            y = pool.forward([x], training=True)
            g = np.random.default_rng(3).normal(size=y.shape).astype(np.float32)
            results.append((y, pool.backward(g)[0]))
    (y1, g1), (y2, g2) = results
    np.testing.assert_allclose(y1, y2, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(g1, g2, rtol=1e-6, atol=1e-6)


def test_same_padding_sizes_and_edge_averages():
    pool = layer_for("AvgPool2D", (1, 5, 5), pool_size=2, padding="same")
    assert pool.output_shape([(1, 5, 5)]) == (1, 3, 3)
    y = pool.forward([np.ones((1, 1, 5, 5))], training=False)
    np.testing.assert_allclose(y, 1.0)  # the border windows average real pixels only


def test_too_small_input_explains_the_formula():
    pool = create_layer({"kind": "MaxPool2D", "name": "p", "pool_size": 3})
    with pytest.raises(ShapeError) as err:
        pool.output_shape([(4, 2, 2)])
    assert "MaxPool2D 'p' with a 3×3 window and stride 3 on a 2×2 input gives a size of 0" in (
        str(err.value))
    assert "reduce the window or add padding" in str(err.value)


def test_pools_want_images():
    with pytest.raises(ShapeError, match="Reshape"):
        create_layer({"kind": "GlobalAveragePool2D"}).output_shape([(64,)])
    assert create_layer({"kind": "GlobalMaxPool2D"}).output_shape([(5, 3, 3)]) == (5,)
    assert create_layer({"kind": "Upsample2D", "size": [2, 3]}).output_shape([(2, 4, 5)]) == (
        2, 8, 15)


def test_palette_categories():
    from engine.layers import LAYERS

    assert LAYERS["Conv2D"].category == "Convolution"
    assert {LAYERS[k].category for k in ("MaxPool2D", "AvgPool2D", "GlobalAveragePool2D",
                                         "GlobalMaxPool2D", "Upsample2D")} == {"Pooling"}
