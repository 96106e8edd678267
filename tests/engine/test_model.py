"""Model execution: worked examples, whole-network gradients, logits mode, weights I/O."""

import numpy as np
import pytest

from engine.graph import Graph
from engine.model import Model
from engine.types import GraphError
from tests.engine.gradcheck import assert_close, numeric_grad


def test_worked_example_x_plus_y_times_z():
    """f = (x + y)·z at x = −2, y = 5, z = −4: f = −12, ∂f/∂x = ∂f/∂y = −4, ∂f/∂z = 3."""
    g = Graph.sequential([
        {"kind": "Input", "name": "xy", "shape": [2]},
        {"kind": "Dense", "name": "sum", "units": 1, "use_bias": False},
        {"kind": "Dense", "name": "times_z", "units": 1, "use_bias": False},
    ])
    model = Model(g, dtype=np.float64)
    model.layers["sum"].params["kernel"][...] = [[1.0], [1.0]]
    model.layers["times_z"].params["kernel"][...] = [[-4.0]]
    f = model.forward(np.array([[-2.0, 5.0]]), training=True)
    assert f[0, 0] == -12.0
    grad_xy = model.backward(np.ones((1, 1)))
    assert grad_xy.tolist() == [[-4.0, -4.0]]
    assert model.layers["times_z"].grads["kernel"][0, 0] == 3.0


def test_xor_by_hand_weights_is_exact():
    g = Graph.sequential([
        {"kind": "Input", "shape": [2]},
        {"kind": "Dense", "name": "h", "units": 2, "activation": "relu"},
        {"kind": "Dense", "name": "out", "units": 1},
    ])
    model = Model(g, dtype=np.float64)
    model.layers["h"].params["kernel"][...] = [[1, 1], [1, 1]]
    model.layers["h"].params["bias"][...] = [0, -1]
    model.layers["out"].params["kernel"][...] = [[1], [-2]]
    model.layers["out"].params["bias"][...] = [0]
    x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)
    assert model.forward(x)[:, 0].tolist() == [0.0, 1.0, 1.0, 0.0]


def branched_graph() -> Graph:
    g = Graph()
    g.add_node("Input", "in", {"shape": [3]})
    g.add_node("Dense", "a", {"units": 4, "activation": "tanh"})
    g.add_node("Dense", "b", {"units": 4, "activation": "sigmoid"})
    g.add_node("Add", "sum")
    g.add_node("Concatenate", "cat")
    g.add_node("Dense", "out", {"units": 2, "activation": "elu"})
    for s, t in [("in", "a"), ("in", "b"), ("a", "sum"), ("b", "sum"), ("sum", "cat"),
                 ("a", "cat"), ("cat", "out")]:
        g.connect(s, t)
    return g


def test_whole_network_gradient_with_branches():
    model = Model(branched_graph(), seed=3, dtype=np.float64)
    x = np.random.default_rng(0).normal(size=(5, 3))
    weights = np.random.default_rng(1).normal(size=(5, 2))

    def loss() -> float:
        return float(np.sum(model.forward(x) * weights))

    model.forward(x, training=True)
    grad_x = model.backward(weights)
    analytic = model.grads_flat.copy()
    assert_close(grad_x, numeric_grad(loss, x), rtol=1e-6, atol=1e-8)
    assert_close(analytic, numeric_grad(loss, model.params_flat), rtol=1e-6, atol=1e-8)


def test_params_live_in_one_flat_buffer():
    model = Model(branched_graph())
    kernel = model.layers["a"].params["kernel"]
    assert np.shares_memory(kernel, model.params_flat)
    model.params_flat[...] = 0.0
    assert not kernel.any()
    assert model.n_params == model.report.total_params


def test_same_seed_same_weights_and_weights_round_trip():
    a, b = Model(branched_graph(), seed=7), Model(branched_graph(), seed=7)
    np.testing.assert_array_equal(a.params_flat, b.params_flat)
    c = Model(branched_graph(), seed=8)
    assert not np.array_equal(a.params_flat, c.params_flat)
    loaded = c.set_weights(a.get_weights())
    assert len(loaded) == 6
    np.testing.assert_array_equal(a.params_flat, c.params_flat)


def test_logits_mode_predict_applies_softmax():
    g = Graph.sequential([{"kind": "Input", "shape": [3]},
                          {"kind": "Dense", "name": "out", "units": 4, "activation": "softmax"}])
    model = Model(g)
    x = np.random.default_rng(0).normal(size=(6, 3)).astype(np.float32)
    probs = model.predict(x)
    model.set_logits_mode(True)
    logits = model.forward(x)
    assert not np.allclose(logits.sum(1), 1.0)
    np.testing.assert_allclose(model.predict(x), probs, rtol=1e-6)


def test_needs_one_input_and_one_output():
    g = branched_graph()
    g.add_node("Dense", "second_head", {"units": 1})
    g.connect("sum", "second_head")
    with pytest.raises(GraphError, match="one output"):
        Model(g)
