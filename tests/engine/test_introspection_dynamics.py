"""Training-dynamics probe: histograms with stable edges, norms, update ratios, dead ReLUs."""

import numpy as np

from engine.graph import Graph
from engine.introspection.dynamics import (
    GRAD_LOG_EDGES,
    DynamicsState,
    EdgeStore,
    dead_fraction,
    dynamics,
    log_grad_histogram,
)
from engine.losses import get_loss
from engine.model import Model


def relu_model():
    g = Graph.sequential([{"kind": "Input", "shape": [3]},
                          {"kind": "Dense", "name": "h", "units": 4, "activation": "relu"},
                          {"kind": "Dense", "name": "out", "units": 2}])
    return Model(g, seed=0, dtype=np.float64)


def batch(n=32):
    rng = np.random.default_rng(0)
    return rng.normal(size=(n, 3)), rng.normal(size=(n, 2))


def test_edges_stay_fixed_while_values_drift_and_widen_when_they_escape():
    store, rng = EdgeStore(bins=20), np.random.default_rng(0)
    w = rng.normal(size=1000)
    first = store.histogram("w", w)
    assert first["counts"].sum() == 1000 and len(first["edges"]) == 21
    second = store.histogram("w", w * 1.05 + 0.01)
    np.testing.assert_array_equal(second["edges"], first["edges"])
    wide = store.histogram("w", w * 5)
    assert wide["edges"][0] < first["edges"][0] and wide["edges"][-1] > first["edges"][-1]
    assert wide["counts"].sum() == 1000  # values outside land in the end bins


def test_relu_outputs_get_a_range_starting_at_zero():
    edges = EdgeStore().histogram("a", np.abs(np.random.default_rng(0).normal(size=100)))["edges"]
    assert edges[0] == 0.0


def test_log_gradient_histogram_counts_everything():
    g = np.array([0.0, 1e-12, 1e-3, 1e-3, 0.5, 1e5])
    h = log_grad_histogram(g)
    assert h["counts"].sum() + h["zeros"] == g.size and h["zeros"] == 1
    assert h["counts"][0] == 1 and h["counts"][-1] == 1  # clipped into the end bins
    assert np.array_equal(h["edges"], GRAD_LOG_EDGES)


def test_dead_fraction_per_unit_and_per_channel():
    acts = np.zeros((5, 4))
    acts[2, 1] = 0.3
    assert dead_fraction(acts) == 0.75
    maps = np.zeros((2, 3, 2, 2))
    maps[1, 0, 1, 1] = 1.0
    assert abs(dead_fraction(maps) - 2 / 3) < 1e-12


def test_dynamics_numbers_match_a_manual_backward_pass():
    model, loss, (x, y) = relu_model(), get_loss("mse"), batch()
    model.layers["h"].params["bias"][...] = [0.0, -100.0, 0.0, -100.0]  # two dead units
    model.grads_flat[...] = 7.0
    state = DynamicsState()
    res = dynamics(model, x, y, loss, state)
    assert np.all(model.grads_flat == 7.0)  # training's gradients untouched
    model.forward(x)
    value, grad = loss.value_and_grad(model.forward(x), y)
    model.backward(grad)
    for name in ("h", "out"):
        g = np.concatenate([model.layers[name].grads[k].ravel() for k in ("kernel", "bias")])
        assert abs(res["grad_norm"][name] - np.linalg.norm(g)) < 1e-12
        assert abs(res["grad_rms"][name] - np.linalg.norm(g) / np.sqrt(g.size)) < 1e-12
    assert abs(res["loss"] - value) < 1e-12
    assert res["layers"] == ["h", "out"]
    assert res["dead_fraction"] == {"h": 0.5}
    assert res["update_ratio"] == {}
    assert set(res["weight_hist"]) == {"h/kernel", "h/bias", "out/kernel", "out/bias"}
    assert set(res["act_hist"]) == {"h", "out"}


def test_update_ratio_between_two_probes():
    model, loss, (x, y) = relu_model(), get_loss("mse"), batch()
    state = DynamicsState()
    dynamics(model, x, y, loss, state)
    w_out = np.concatenate([model.layers["out"].params[k].ravel() for k in ("kernel", "bias")])
    model.layers["out"].params["kernel"][...] += 0.01
    res = dynamics(model, x, y, loss, state)
    delta = 0.01 * np.sqrt(model.layers["out"].params["kernel"].size)
    assert abs(res["update_ratio"]["out"] - delta / np.linalg.norm(w_out)) < 1e-9
    assert res["update_ratio"]["h"] == 0.0


def test_without_targets_only_weights_and_activations():
    model, (x, _) = relu_model(), batch()
    res = dynamics(model, x, None, None, DynamicsState())
    assert res["grad_norm"] == {} and res["grad_hist"] == {} and "loss" not in res
    assert set(res["weight_norm"]) == {"h", "out"}


def test_saturation_of_tanh_and_sigmoid_layers():
    g = Graph.sequential([{"kind": "Input", "shape": [3]},
                          {"kind": "Dense", "name": "t", "units": 4, "activation": "tanh"},
                          {"kind": "Dense", "name": "s", "units": 2, "activation": "sigmoid"},
                          {"kind": "Dense", "name": "out", "units": 2}])
    model, (x, y) = Model(g, seed=0, dtype=np.float64), batch()
    model.layers["t"].params["bias"][...] = [10.0, -10.0, 0.0, 0.0]  # two units pinned at ±1
    model.layers["t"].params["kernel"][...] = 0.0
    res = dynamics(model, x, y, get_loss("mse"), DynamicsState())
    assert res["saturation"]["t"] == 0.5
    model.forward(x)
    s = model.activations_of()["s"]
    assert res["saturation"]["s"] == np.mean((s < 0.01) | (s > 0.99))
    assert "out" not in res["saturation"]
