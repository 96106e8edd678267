"""The generic layer contract, parametrized over the registry: every layer kind joins it.

For each registered kind, built from its ``example`` options and input shapes:
output_shape agrees with forward, param_count with the arrays, a float64 finite-difference
check of input and parameter gradients passes, and the config round-trips exactly.
"""

import json

import numpy as np
import pytest

from engine.layers import LAYERS, create_layer
from tests.engine.gradcheck import assert_close, numeric_grad

KINDS = sorted(LAYERS)


def built(kind: str, dtype=np.float64):
    options, shapes = LAYERS[kind].example
    layer = create_layer({"kind": kind, "name": "under_test", **options})
    layer.build(shapes, np.random.default_rng(0), dtype)
    rng = np.random.default_rng(1)
    for value in layer.params.values():  # non-trivial parameters (biases start at zero)
        value[...] = rng.normal(0.0, 0.7, value.shape)
    inputs = [rng.normal(0.0, 1.0, (3, *s)).astype(dtype) for s in shapes]
    example_inputs = getattr(layer, "example_inputs", None)  # e.g. whole-number token ids
    if example_inputs is not None:
        inputs = example_inputs(rng, 3, shapes, dtype)
    return layer, shapes, inputs


@pytest.mark.parametrize("kind", KINDS)
def test_output_shape_matches_forward(kind):
    layer, shapes, inputs = built(kind, np.float32)
    expected = layer.output_shape(shapes)
    if layer.min_inputs == 0:
        assert expected == tuple(layer.config["shape"])
        return
    y = layer.forward(inputs, training=False)
    assert y.shape == (3, *expected)
    assert y.dtype == np.float32


@pytest.mark.parametrize("kind", KINDS)
def test_param_count_matches_arrays(kind):
    layer, shapes, _ = built(kind)
    assert layer.param_count(shapes) == sum(p.size for p in layer.params.values())
    assert set(layer.grads) == set(layer.params)


@pytest.mark.parametrize("kind", KINDS)
def test_config_round_trip(kind):
    layer, _, _ = built(kind)
    config = json.loads(json.dumps(layer.get_config()))
    again = create_layer(config)
    assert again.get_config() == layer.get_config()
    assert type(again) is type(layer)


@pytest.mark.parametrize("kind", KINDS)
def test_gradients_match_finite_differences(kind):
    layer, _, inputs = built(kind)
    if layer.min_inputs == 0 or not layer.has_gradient:
        pytest.skip("no gradient to check")
    y = layer.forward(inputs, training=False)
    weights = np.random.default_rng(2).normal(size=y.shape)

    def loss() -> float:
        return float(np.sum(layer.forward(inputs, training=False) * weights))

    grads_x = layer.backward(weights)
    analytic_params = {k: g.copy() for k, g in layer.grads.items()}
    for i, x in enumerate(inputs):
        assert_close(grads_x[i], numeric_grad(loss, x), rtol=1e-5, atol=1e-6, what=f"input {i}")
    for key, value in layer.params.items():
        assert_close(analytic_params[key], numeric_grad(loss, value), rtol=1e-5, atol=1e-6,
                     what=f"param {key}")


@pytest.mark.parametrize("kind", KINDS)
def test_registry_metadata_is_complete(kind):
    cls = LAYERS[kind]
    assert cls.display_name and cls.category and cls.blurb.endswith((".", ")"))


@pytest.mark.parametrize("kind", KINDS)
def test_numba_kernels_equal_numpy_reference(kind):
    """The same layer, forward and backward, under the numba and the numpy backend."""
    from engine import backend

    results = []
    for name in ("numba", "numpy"):
        with backend.using(name):
            layer, _, inputs = built(kind, np.float32)
            if layer.min_inputs == 0 or not layer.has_gradient:
                pytest.skip("nothing to compute")
            y = layer.forward(inputs, training=False)
            grads_x = layer.backward(np.ones_like(y))
            results.append((y, grads_x, {k: g.copy() for k, g in layer.grads.items()}))
    (y1, gx1, gp1), (y2, gx2, gp2) = results
    np.testing.assert_allclose(y1, y2, rtol=1e-5, atol=1e-6)
    for a, b in zip(gx1, gx2):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    for key in gp1:
        np.testing.assert_allclose(gp1[key], gp2[key], rtol=1e-5, atol=1e-6)
