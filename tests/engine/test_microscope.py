"""Backprop microscope: the classic numbers, σ(1 − σ), and a project's network step by step
equal to the engine's own forward/backward pass and SGD update."""

import copy
import json

import numpy as np
import pytest

from engine.datasets.registry import load_dataset
from engine.lessons import LESSONS_DIR
from engine.microscope import (
    BACKWARD,
    FORWARD,
    UPDATE,
    Microscope,
    network_graph,
    param_gradients,
    sigmoid_neuron,
    sum_times,
)
from engine.microscope.project import project_loss, project_microscope
from engine.model import Model
from engine.optimizers import SGD
from engine.project import load_project
from engine.types import ConfigError

EXAMPLES = LESSONS_DIR.parent / "examples"


def test_sum_times_gives_minus_12_and_gradients_minus4_minus4_3():
    scope = Microscope(sum_times(-2, 5, -4), learning_rate=0.1)
    assert scope.graph.nodes["f"].value == -12
    assert [scope.grads[k] for k in "xyz"] == [-4, -4, 3]
    phases = [s.phase for s in scope.steps]
    assert phases == [FORWARD] * 2 + [BACKWARD] * 5 + [UPDATE] * 3
    texts = [s.text for s in scope.steps]
    assert "f = q·z = 3 × (−4) = −12" in texts
    assert "∂f/∂x = ∂f/∂q · ∂q/∂x = (−4) × 1 = −4" in texts
    assert "x ← x − η·∂f/∂x = −2 − 0.1 × (−4) = −1.6" in texts
    assert scope.new_values["z"] == pytest.approx(-4.3)


def test_backward_steps_walk_edge_by_edge_and_state_replays_them():
    scope = Microscope(sum_times(), 0.1)
    edges = [s.edge for s in scope.steps if s.edge]
    assert edges == [("q", "f"), ("z", "f"), ("x", "q"), ("y", "q")]
    before = scope.state(-1)
    assert set(before.values) == {"x", "y", "z"} and not before.grads
    mid = scope.state(3)  # forward done, ∂f/∂f and ∂f/∂q known
    assert mid.values["f"] == -12 and mid.grads == {"f": 1.0, "q": -4.0}
    assert mid.step.edge == ("q", "f")
    end = scope.state(len(scope.steps) - 1)
    assert end.updated == pytest.approx({"x": -1.6, "y": 5.4, "z": -4.3})


def test_sigmoid_neuron_local_gradient_is_sigma_times_one_minus_sigma():
    for loss in ("mse", "bce"):
        scope = Microscope(sigmoid_neuron(w=0.8, x=1.5, b=-0.7, target=1.0, loss=loss), 0.5)
        z = 0.8 * 1.5 - 0.7
        s = 1 / (1 + np.exp(-z))
        assert scope.graph.nodes["a"].value == pytest.approx(s)
        assert scope.graph.local("a", 0) == pytest.approx(s * (1 - s))
        dl_da = 2 * (s - 1) if loss == "mse" else -1 / s
        assert scope.grads["w"] == pytest.approx(dl_da * s * (1 - s) * 1.5)
        line = next(t.text for t in scope.steps if t.edge == ("w", "z"))
        assert line.startswith("∂L/∂w = ∂L/∂a · ∂a/∂z · ∂z/∂w = ")
        # numeric gradient check of the whole neuron
        eps, g = 1e-6, sigmoid_neuron(w=0.8 + 1e-6, x=1.5, b=-0.7, loss=loss)
        g.forward()
        num = (g.nodes["L"].value - scope.graph.nodes["L"].value) / eps
        assert scope.grads["w"] == pytest.approx(num, rel=1e-4)


def _engine_step(project, data, index, lr):
    """The engine's own loss, gradients and SGD update on one sample (float64 model)."""
    model = Model(project.graph, seed=project.training.seed, dtype=np.float64)
    loss, y = project_loss(model, data, project.training)
    model.set_logits_mode(loss.wants_logits)
    out = model.forward(data.x_train[index:index + 1].astype(np.float64))
    value, grad = loss.value_and_grad(out, y[index:index + 1])
    model.backward(grad, input_grad=False)
    grads = {k: v.copy() for k, v in _named_grads(model).items()}
    SGD(learning_rate=lr).step([model.params_flat], [model.grads_flat])
    return model, value, grads


def _named_grads(model):
    return {f"{layer.name}/{k}": g for layer in model.layers.values()
            for k, g in layer.grads.items()}


def _variants():
    xor = load_project(EXAMPLES / "xor.layerlab.json")
    yield "xor tanh/sigmoid bce", xor, load_dataset(xor.dataset)
    reg = copy.deepcopy(xor)
    reg.graph.nodes["inputs"].options.update(shape=[1])
    reg.graph.nodes["output"].options.update(activation="linear")
    reg.graph.nodes["hidden"].options.update(activation="relu", units=4)
    reg.training.loss = "mse"
    yield "relu + linear, mse", reg, load_dataset({"name": "sine", "n_samples": 40})
    soft = copy.deepcopy(xor)
    soft.graph.nodes["output"].options.update(activation="softmax", units=3)
    soft.graph.nodes["hidden"].options.update(units=5, activation="sigmoid")
    yield "softmax cross-entropy", soft, load_dataset({"name": "blobs", "n_samples": 60})


@pytest.mark.parametrize("case", list(_variants()), ids=lambda c: c[0])
def test_network_microscope_equals_engine_forward_backward_and_update(case):
    _, project, data = case
    lr = 0.05
    project.training.optimizer_options = {"learning_rate": lr}
    for index in (0, 3):
        engine_model, value, engine_grads = _engine_step(project, data, index, lr)
        model = Model(project.graph, seed=project.training.seed, dtype=np.float64)
        scope = project_microscope(model, data, project.training, index)
        assert scope.graph.nodes["L"].value == pytest.approx(value, rel=1e-9, abs=1e-12)
        mine = param_gradients(scope)
        assert set(mine) == set(engine_grads)
        for key, g in engine_grads.items():
            np.testing.assert_allclose(mine[key], g, rtol=1e-7, atol=1e-12, err_msg=key)
        after = engine_model.get_weights()
        for name, new in scope.new_values.items():
            meta = scope.graph.nodes[name].meta
            assert new == pytest.approx(after[meta["key"]][meta["index"]], abs=1e-12)


def test_microscope_refuses_big_or_non_dense_networks_in_words():
    xor = load_project(EXAMPLES / "xor.layerlab.json")
    big = copy.deepcopy(xor)
    big.graph.nodes["hidden"].options.update(units=40)
    model = Model(big.graph, seed=0, dtype=np.float64)
    with pytest.raises(ConfigError, match="at most 64 weights"):
        project_microscope(model, load_dataset(xor.dataset), big.training)
    model = Model(xor.graph, seed=0, dtype=np.float64)
    loss, y = project_loss(model, load_dataset(xor.dataset), xor.training)
    graph = network_graph(model, loss, np.zeros(2), y[0])
    assert len(graph.params()) == model.n_params == 9


def test_backprop_lesson_answers_are_the_microscopes_numbers():
    lesson = json.loads((LESSONS_DIR / "11_backprop_by_hand.lesson.json").read_text())
    answers = {c["id"]: c["number"] for step in lesson["steps"] for c in step["checks"]}
    scope = Microscope(sum_times(-2, 5, -4), 0.1)
    neuron = Microscope(sigmoid_neuron(w=0.8, x=1.5, b=-0.7), 0.5)
    assert answers["bp_forward"] == scope.graph.nodes["f"].value
    assert (answers["bp_dfdx"], answers["bp_dfdz"]) == (scope.grads["x"], scope.grads["z"])
    assert answers["bp_sigma"] == pytest.approx(neuron.graph.local("a", 0), abs=0.005)
    assert answers["bp_update"] == pytest.approx(scope.new_values["x"])
