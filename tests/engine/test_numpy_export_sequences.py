"""The NumPy export trains GRUs, attention and layer normalization: for a project of each,
the script's forward pass, loss and gradients equal the engine's in float64 (outputs 1e-10,
gradients rtol 1e-8), and a few epochs of the script's training loop end on the engine's
weights (same seed, same sample order, same optimizer)."""

from __future__ import annotations

import numpy as np
import pytest

from engine.graph import Graph
from tests.engine.export_helpers import (
    engine_reference,
    engine_trained,
    example,
    exported,
    numpy_matches_engine,
    numpy_training_matches_engine,
    random_weights,
)


def gru_project():
    """Two stacked GRUs (every state, then the last) forecasting the sine."""
    project = example("sine_rnn")
    project.graph = Graph.sequential([
        {"kind": "Input", "name": "window", "shape": [30, 1]},
        {"kind": "GRU", "name": "gru 1", "units": 6, "return_sequences": True},
        {"kind": "GRU", "name": "gru 2", "units": 5, "activation": "relu"},
        {"kind": "Dense", "name": "next value", "units": 1},
    ])
    return project


def attention_project():
    """Sorting tokens: learned positions, causal cross-attention (queries from the positions,
    keys and values from a projection of them), weightless dot-product self-attention, a
    residual, layer normalization and pooling-free per-token classes."""
    project = example("tiny_transformer")
    graph = Graph.sequential([
        {"kind": "Input", "name": "tokens", "shape": [10]},
        {"kind": "Embedding", "name": "embed", "input_dim": 9, "output_dim": 8},
        {"kind": "PositionalEncoding", "name": "positions", "mode": "learned"},
        {"kind": "TimeDistributed", "name": "context", "units": 6, "activation": "tanh"},
        {"kind": "MultiHeadAttention", "name": "cross", "num_heads": 2, "key_dim": 3,
         "value_dim": 2, "use_causal_mask": True},
        {"kind": "ScaledDotProductAttention", "name": "self"},
        {"kind": "Add", "name": "residual"},
        {"kind": "LayerNormalization", "name": "norm"},
        {"kind": "TimeDistributed", "name": "token", "units": 9, "activation": "softmax"},
    ])
    for edge in [e for e in graph.edges if e.target == "cross"]:
        graph.disconnect(edge)
    graph.connect("positions", "cross", 0)  # queries
    graph.connect("context", "cross", 1)  # keys and values
    graph.connect("positions", "residual")
    project.graph = graph
    return project


def layer_norm_project():
    """Digits as images: layer normalization over each image (per-channel γ, β) after a
    convolution, and over each vector (no β) before the classes."""
    project = example("digits_cnn")
    project.graph = Graph.sequential([
        {"kind": "Input", "name": "image", "shape": [1, 8, 8]},
        {"kind": "Conv2D", "name": "conv", "filters": 3, "kernel_size": [3, 3],
         "activation": "relu"},
        {"kind": "LayerNormalization", "name": "image norm"},
        {"kind": "GlobalMaxPool2D", "name": "strongest"},
        {"kind": "Dense", "name": "hidden", "units": 12, "activation": "tanh"},
        {"kind": "LayerNormalization", "name": "vector norm", "center": False,
         "epsilon": 1e-5},
        {"kind": "Dense", "name": "digit", "units": 10, "activation": "softmax"},
    ])
    return project


def batch_norm_project():
    """Digits as images: batch normalization per channel after a convolution and per feature
    (no γ) after a dense layer; running averages move while training."""
    project = example("digits_cnn")
    project.graph = Graph.sequential([
        {"kind": "Input", "name": "image", "shape": [1, 8, 8]},
        {"kind": "Conv2D", "name": "conv", "filters": 3, "kernel_size": [3, 3],
         "use_bias": False},  # the normalization's β shifts instead
        {"kind": "BatchNormalization", "name": "image norm", "momentum": 0.8},
        {"kind": "Activation", "name": "relu", "activation": "relu"},
        {"kind": "Flatten", "name": "flat"},
        {"kind": "Dense", "name": "hidden", "units": 12, "use_bias": False},
        {"kind": "BatchNormalization", "name": "vector norm", "scale": False},
        {"kind": "Dense", "name": "digit", "units": 10, "activation": "softmax"},
    ])
    return project


def classic_gru_project():
    """The original GRU (reset gate before the product, reset_after off), truncated BPTT."""
    project = gru_project()
    for node in project.graph.nodes.values():
        if node.kind == "GRU":
            project.graph.set_options(node.name, {**node.options, "reset_after": False,
                                                  "bptt_steps": 9})
    return project


PROJECTS = {"gru": gru_project, "classic_gru": classic_gru_project,
            "attention": attention_project, "layer_norm": layer_norm_project,
            "batch_norm": batch_norm_project}


@pytest.mark.parametrize("name", PROJECTS)
def test_outputs_loss_and_gradients_equal_the_engine(name, tmp_path):
    project = PROJECTS[name]()
    numpy_matches_engine(project, tmp_path)


@pytest.mark.parametrize("name", PROJECTS)
def test_a_few_training_steps_end_on_the_engines_weights(name, tmp_path):
    project = PROJECTS[name]()
    weights, expected = numpy_training_matches_engine(project, tmp_path)
    still = {key for key, value in expected.items() if np.allclose(value, weights[key])}
    assert still <= {"cross/key_bias"}  # softmax ignores it: q·b_k is the same for every key


@pytest.mark.parametrize("cell", ["SimpleRNN", "LSTM", "GRU"])
def test_truncated_backpropagation_through_time_equals_the_engine(cell, tmp_path):
    project = example("sine_rnn")
    project.graph = Graph.sequential([
        {"kind": "Input", "name": "window", "shape": [30, 1]},
        {"kind": cell, "name": "every step", "units": 4, "return_sequences": True,
         "bptt_steps": 7},
        {"kind": cell, "name": "last step", "units": 3, "bptt_steps": 4},
        {"kind": "Dense", "name": "next value", "units": 1},
    ])
    weights = random_weights(project)
    _, x, y, out, _, _, grads = engine_reference(project, weights)
    script, P, _ = exported(project, weights, tmp_path)
    source = next(tmp_path.glob("*_numpy.py")).read_text()
    assert "bptt_steps=7)" in source and "bptt_steps=4)" in source
    ours, cache = script.forward(P, x)
    G = script.backward(P, cache, script.loss_fn(ours, y)[1])
    for key, g in grads.items():
        np.testing.assert_allclose(G[key], g, rtol=1e-8, atol=1e-10, err_msg=key)


@pytest.mark.parametrize("mode", ["mean", "max", "last"])
def test_sequence_pooling_gradients_equal_the_engine(mode, tmp_path):
    project = example("sine_rnn")
    project.graph = Graph.sequential([
        {"kind": "Input", "name": "window", "shape": [30, 1]},
        {"kind": "GRU", "name": "states", "units": 4, "return_sequences": True},
        {"kind": "SequencePooling", "name": "pool", "mode": mode},
        {"kind": "Dense", "name": "next value", "units": 1},
    ])
    weights = random_weights(project)
    _, x, y, out, _, _, grads = engine_reference(project, weights)
    script, P, _ = exported(project, weights, tmp_path)
    ours, cache = script.forward(P, x)
    np.testing.assert_allclose(ours, out, rtol=1e-10, atol=1e-10)
    G = script.backward(P, cache, script.loss_fn(ours, y)[1])
    for key, g in grads.items():
        np.testing.assert_allclose(G[key], g, rtol=1e-8, atol=1e-10, err_msg=key)


def test_a_frozen_batch_normalization_keeps_its_running_averages(tmp_path):
    project = batch_norm_project()
    project.graph.set_options("image norm", {**project.graph.nodes["image norm"].options,
                                             "trainable": False})
    project.training.batch_size, project.training.epochs = 16, 1
    weights = random_weights(project)
    script, P, data = exported(project, weights, tmp_path)
    trained = script.train(P, data["x_train"][:32], data["y_train"][:32], 1,
                           project.training.seed)
    expected = engine_trained(project, weights, 32)
    for key, value in expected.items():
        np.testing.assert_allclose(trained[key], value, rtol=1e-8, atol=1e-10, err_msg=key)
        if key.startswith("image norm/"):
            np.testing.assert_array_equal(trained[key], weights[key], err_msg=key)
    assert not np.allclose(trained["vector norm/state:moving_mean"],
                           weights["vector norm/state:moving_mean"])
