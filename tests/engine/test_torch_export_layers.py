"""The PyTorch export of the layer kinds beyond the first families: Conv1D, Conv2DTranspose,
Upsample2D, PReLU, OneHot, SpatialDropout2D, BatchNormalization (evaluation and training
mode, with its running averages), Bidirectional, recurrent initial states and padding masks.
Each small project's exported module, with the engine's weights, reproduces the engine's
outputs (float64, 1e-10) and one training step's gradients (1e-5)."""

from __future__ import annotations

import numpy as np
import pytest

from engine.datasets.registry import load_dataset
from engine.export import export_project
from engine.export.plan import make_plan
from engine.export.torch_weights import from_torch, to_torch
from engine.graph import Graph
from engine.model import Model
from engine.training import Trainer
from tests.engine.export_helpers import example, load_script, random_weights
from tests.engine.test_export_torch import check_against_engine

torch = pytest.importorskip("torch")


def project_with(example_name, layers):
    project = example(example_name)
    project.graph = Graph.sequential(layers)
    return project


def check_training_mode(project, tmp_path, n=6, frozen=()):
    """Training-mode forward pass (batch statistics), loss, gradients and the running
    averages after that pass, engine vs exported module; layers named in ``frozen`` get no
    gradient in torch (the engine computes theirs but never applies it)."""
    weights = random_weights(project)
    data = load_dataset(project.dataset)
    model = Model(project.graph, seed=project.training.seed, dtype=np.float64)
    model.set_weights(weights, strict=True)
    trainer = Trainer(model, data, project.training)
    x, y = np.asarray(data.x_train[:n], np.float64), trainer.y_train[:n]
    out = model.forward(x, training=True).copy()
    loss, grad = trainer.loss.value_and_grad(out, y)
    model.backward(grad, input_grad=False)
    grads = {f"{layer.name}/{k}": g.copy() for layer in model.layers.values()
             for k, g in layer.grads.items()}
    script, weights_file, _ = export_project(project, "torch", tmp_path, weights=weights)
    module = load_script(script)
    net = module.Network().double()
    module.load_weights(net, weights_file)
    net.train()
    theirs = net(torch.from_numpy(x))
    np.testing.assert_allclose(theirs.detach().numpy(), out, rtol=1e-10, atol=1e-10)
    value = module.loss_fn(theirs, torch.from_numpy(np.asarray(y)))
    assert value.item() == pytest.approx(loss, rel=1e-10)
    value.backward()
    plan = make_plan(project, data)
    mapped = from_torch(plan, {k: p.grad.numpy() for k, p in net.named_parameters()
                               if p.grad is not None})
    assert set(mapped) == {k for k in grads if k.split("/")[0] not in frozen}
    for key, g in mapped.items():
        np.testing.assert_allclose(g, grads[key], rtol=1e-5, atol=1e-10, err_msg=key)
    state = from_torch(plan, {k: v.numpy() for k, v in net.state_dict().items()})
    after = model.get_weights()
    running = [k for k in after if "/state:" in k]
    assert running
    for key in running:
        np.testing.assert_allclose(state[key], after[key], rtol=1e-12, atol=1e-12, err_msg=key)


def test_conv1d_batch_norm_on_sequences_and_prelu(tmp_path):
    project = project_with("sine_rnn", [
        {"kind": "Input", "name": "signal", "shape": [30, 1]},
        {"kind": "Conv1D", "name": "conv", "filters": 4, "kernel_size": 3, "strides": 2,
         "padding": "same", "activation": "tanh"},
        {"kind": "BatchNormalization", "name": "norm", "momentum": 0.9},
        {"kind": "PReLU", "name": "slope"},
        {"kind": "Conv1D", "name": "conv 2", "filters": 2, "kernel_size": 2,
         "dilation_rate": 2, "padding": "1"},
        {"kind": "Flatten", "name": "flat"},
        {"kind": "Dense", "name": "out", "units": 1},
    ])
    check_against_engine(project, tmp_path / "eval")
    check_training_mode(project, tmp_path / "train")


def test_transposed_convolutions_upsampling_and_image_batch_norm(tmp_path):
    project = project_with("digits_cnn", [
        {"kind": "Input", "name": "image", "shape": [1, 8, 8]},
        {"kind": "Conv2D", "name": "conv", "filters": 3, "kernel_size": 3},
        {"kind": "BatchNormalization", "name": "norm", "center": False},
        {"kind": "Conv2DTranspose", "name": "up same", "filters": 2, "kernel_size": 3,
         "strides": 2, "padding": "same", "activation": "relu"},  # odd overlap: one row cut
        {"kind": "SpatialDropout2D", "name": "drop", "rate": 0.0},
        {"kind": "MaxPool2D", "name": "pool", "pool_size": 3},
        {"kind": "Conv2DTranspose", "name": "up pad", "filters": 2, "kernel_size": [3, 2],
         "strides": [2, 3], "padding": "1", "output_padding": [1, 0]},
        {"kind": "Conv2DTranspose", "name": "up wide", "filters": 2, "kernel_size": 1,
         "strides": 2, "padding": "same"},  # kernel narrower than the stride
        {"kind": "Upsample2D", "name": "bigger", "size": [1, 2], "interpolation": "bilinear"},
        {"kind": "Upsample2D", "name": "blocky", "size": 2},
        {"kind": "GlobalAveragePool2D", "name": "gap"},
        {"kind": "Dense", "name": "class", "units": 10, "activation": "softmax"},
    ])
    check_against_engine(project, tmp_path / "eval")
    check_training_mode(project, tmp_path / "train")


def test_flat_batch_norm_frozen_stays_in_inference_mode(tmp_path):
    project = project_with("spiral", [
        {"kind": "Input", "name": "point", "shape": [2]},
        {"kind": "Dense", "name": "hidden", "units": 5, "activation": "tanh"},
        {"kind": "BatchNormalization", "name": "norm", "scale": False},
        {"kind": "BatchNormalization", "name": "fixed", "trainable": False},
        {"kind": "Dense", "name": "class", "units": 2, "activation": "softmax"},
    ])
    check_training_mode(project, tmp_path / "train", frozen=("fixed",))  # averages kept
    assert "frozen=True" in next((tmp_path / "train").glob("*_torch.py")).read_text()


ONE_HOT = {"kind": "OneHot", "name": "onehot", "depth": 5}
MASKING = {"kind": "Embedding", "name": "vectors", "input_dim": 5, "output_dim": 3,
           "mask_zero": True}  # id 0 (the copy task's padding) -> an all-zero step


@pytest.mark.parametrize("cell, merge, first", [("LSTM", "concat", ONE_HOT),
                                                ("GRU", "sum", MASKING),
                                                ("SimpleRNN", "concat", MASKING)])
def test_one_hot_and_bidirectional_with_padding_masks(cell, merge, first, tmp_path):
    project = project_with("copy_lstm_vs_rnn", [
        {"kind": "Input", "name": "tokens", "shape": [10]},
        first,
        {"kind": "Bidirectional", "name": "both ways", "cell": cell, "units": 3,
         "merge_mode": merge, "return_sequences": True, "mask_padding": True},
        {"kind": "TimeDistributed", "name": "answer", "units": 5, "activation": "softmax"},
    ])
    check_against_engine(project, tmp_path)


@pytest.mark.parametrize("cell", ["GRU", "LSTM"])
def test_bidirectional_last_states(cell, tmp_path):
    project = project_with("sine_rnn", [
        {"kind": "Input", "name": "signal", "shape": [30, 1]},
        {"kind": "Bidirectional", "name": "both ways", "cell": cell, "units": 3,
         "merge_mode": "sum"},
        {"kind": "Dense", "name": "out", "units": 1},
    ])
    check_against_engine(project, tmp_path)


@pytest.mark.parametrize("cell", ["LSTM", "GRU", "SimpleRNN"])
def test_masked_recurrent_after_a_masking_embedding(cell, tmp_path):
    project = project_with("copy_lstm_vs_rnn", [
        {"kind": "Input", "name": "tokens", "shape": [10]},
        MASKING,
        {"kind": "SimpleRNN" if cell == "SimpleRNN" else cell, "name": "reader", "units": 4,
         "return_sequences": True, "mask_padding": True},
        {"kind": "TimeDistributed", "name": "answer", "units": 5, "activation": "softmax"},
    ])
    check_against_engine(project, tmp_path)


@pytest.mark.parametrize("cell", ["LSTM", "GRU"])
def test_initial_states_from_an_encoder(cell, tmp_path):
    """An encoder's last state starts the decoder (an LSTM: h0 and c0 from two encoders)."""
    project = example("sine_rnn")
    graph = Graph()
    graph.add_node("Input", "signal", {"shape": [30, 1]})
    graph.add_node(cell, "encoder", {"units": 3})
    graph.add_node(cell, "decoder", {"units": 3, "mask_padding": cell == "GRU"})
    graph.add_node("Dense", "out", {"units": 1})
    graph.connect("signal", "encoder")
    graph.connect("signal", "decoder", 0)
    graph.connect("encoder", "decoder", 1)
    if cell == "LSTM":
        graph.add_node("LSTM", "cell encoder", {"units": 3})
        graph.connect("signal", "cell encoder")
        graph.connect("cell encoder", "decoder", 2)
    graph.connect("decoder", "out")
    project.graph = graph
    check_against_engine(project, tmp_path)


def test_running_averages_and_slopes_round_trip_through_torch_names():
    project = project_with("spiral", [
        {"kind": "Input", "name": "point", "shape": [2]},
        {"kind": "Dense", "name": "hidden", "units": 5},
        {"kind": "BatchNormalization", "name": "norm", "center": False, "scale": False},
        {"kind": "PReLU", "name": "slope"},
        {"kind": "Dense", "name": "class", "units": 2, "activation": "softmax"},
    ])
    plan = make_plan(project, load_dataset(project.dataset))
    weights = random_weights(project)
    assert "norm/state:moving_variance" in weights
    back = from_torch(plan, to_torch(plan, weights))
    assert set(back) == set(weights)
    for key, value in weights.items():
        np.testing.assert_array_equal(back[key], value)
