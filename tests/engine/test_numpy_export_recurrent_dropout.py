"""Input dropout and recurrent dropout of SimpleRNN, LSTM and GRU in the NumPy script: the
script draws its masks with the engine's rule and in its order (input mask, then state mask,
once per batch), so with the same generator a training-mode forward pass, the loss and every
gradient equal the engine's (float64); in evaluation mode nothing is dropped."""

from __future__ import annotations

import numpy as np
import pytest

from engine.datasets.registry import load_dataset
from engine.model import Model
from engine.training import Trainer
from tests.engine.export_helpers import example, exported, random_weights

CASES = [("sine_rnn", "SimpleRNN", {"dropout": 0.3, "recurrent_dropout": 0.4}),
         ("sine_rnn", "GRU", {"recurrent_dropout": 0.5, "bptt_steps": 4}),
         ("sine_rnn", "GRU", {"dropout": 0.2, "recurrent_dropout": 0.3, "reset_after": False}),
         ("copy_lstm_vs_rnn", "LSTM", {"dropout": 0.25, "recurrent_dropout": 0.35,
                                       "bptt_steps": 3})]


def recurrent_project(name: str, kind: str, options: dict):
    project = example(name)
    for node_name, node in project.graph.nodes.items():
        if node.kind in ("SimpleRNN", "LSTM", "GRU"):
            node.kind = kind
            keep = {k: v for k, v in node.options.items() if k != "unit_forget_bias"}
            project.graph.set_options(node_name, {**keep, **options})
            return project, node_name
    raise AssertionError(name)


@pytest.mark.parametrize("name, kind, options", CASES)
def test_training_pass_with_dropout_masks_equals_the_engines(name, kind, options, tmp_path):
    project, layer = recurrent_project(name, kind, options)
    weights = random_weights(project)
    data = load_dataset(project.dataset)
    model = Model(project.graph, seed=project.training.seed, dtype=np.float64)
    model.set_weights(weights, strict=True)
    trainer = Trainer(model, data, project.training)
    x = np.asarray(data.x_train[:6], np.float64)
    y = trainer.y_train[:6]
    evaluated = model.forward(x, training=False).copy()
    model.layers[layer]._rng = np.random.default_rng(11)  # the layer's mask generator
    out = model.forward(x, training=True).copy()
    loss, grad = trainer.loss.value_and_grad(out, y)
    model.backward(grad, input_grad=False)
    grads = {f"{lay.name}/{key}": gr.copy() for lay in model.layers.values()
             for key, gr in lay.grads.items()}
    script, P, _ = exported(project, weights, tmp_path)
    source = (tmp_path / next(p.name for p in tmp_path.glob("*_numpy.py"))).read_text()
    assert "rmask=cache[" in source and "dropout while training" in source
    np.testing.assert_allclose(script.forward(P, x)[0], evaluated, rtol=1e-10, atol=1e-10)
    ours, cache = script.forward(P, x, training=True, rng=np.random.default_rng(11))
    assert not np.allclose(ours, evaluated)  # the masks changed the output
    np.testing.assert_allclose(ours, out, rtol=1e-10, atol=1e-10)
    value, d_out = script.loss_fn(ours, y)
    assert value == pytest.approx(loss, rel=1e-10)
    G = script.backward(P, cache, d_out)
    assert set(G) == set(grads)
    for key, expected in grads.items():
        np.testing.assert_allclose(G[key], expected, rtol=1e-8, atol=1e-10, err_msg=key)
