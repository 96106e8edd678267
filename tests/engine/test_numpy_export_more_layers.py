"""The NumPy export of Conv1D, Upsample2D (nearest and bilinear), PReLU and OneHot: outputs,
loss and gradients equal the engine's in float64 (1e-10 / rtol 1e-8), and six training steps
of the script's loop end on the engine's weights."""

from __future__ import annotations

import pytest

from engine.graph import Graph
from tests.engine.export_helpers import (
    example,
    numpy_matches_engine,
    numpy_training_matches_engine,
)


def with_layers(name, layers):
    project = example(name)
    project.graph = Graph.sequential(layers)
    return project


def conv1d_project():
    return with_layers("sine_rnn", [
        {"kind": "Input", "name": "signal", "shape": [30, 1]},
        {"kind": "Conv1D", "name": "conv", "filters": 4, "kernel_size": 3, "strides": 2,
         "padding": "same", "activation": "tanh"},
        {"kind": "PReLU", "name": "slope"},
        {"kind": "Conv1D", "name": "conv 2", "filters": 2, "kernel_size": 2,
         "dilation_rate": 2, "padding": "1"},
        {"kind": "Flatten", "name": "flat"},
        {"kind": "Dense", "name": "out", "units": 1},
    ])


def upsample_project():
    return with_layers("digits_cnn", [
        {"kind": "Input", "name": "image", "shape": [1, 8, 8]},
        {"kind": "Conv2D", "name": "conv", "filters": 2, "kernel_size": 3, "strides": 2},
        {"kind": "Upsample2D", "name": "bigger", "size": [1, 2], "interpolation": "bilinear"},
        {"kind": "PReLU", "name": "slope", "initial_slope": 0.2},
        {"kind": "Upsample2D", "name": "blocky", "size": 2},
        {"kind": "Conv2D", "name": "conv 2", "filters": 2, "kernel_size": 3},
        {"kind": "GlobalAveragePool2D", "name": "gap"},
        {"kind": "Dense", "name": "class", "units": 10, "activation": "softmax"},
    ])


def one_hot_project():
    return with_layers("copy_lstm_vs_rnn", [
        {"kind": "Input", "name": "tokens", "shape": [10]},
        {"kind": "OneHot", "name": "onehot", "depth": 5},
        {"kind": "Conv1D", "name": "neighbours", "filters": 3, "kernel_size": 3,
         "padding": "same", "activation": "relu"},
        {"kind": "LSTM", "name": "reader", "units": 4, "return_sequences": True},
        {"kind": "TimeDistributed", "name": "answer", "units": 5, "activation": "softmax"},
    ])


PROJECTS = {"conv1d": conv1d_project, "upsample": upsample_project, "one_hot": one_hot_project}


@pytest.mark.parametrize("name", PROJECTS)
def test_outputs_loss_and_gradients_equal_the_engine(name, tmp_path):
    project = PROJECTS[name]()
    numpy_matches_engine(project, tmp_path)


@pytest.mark.parametrize("name", PROJECTS)
def test_a_few_training_steps_end_on_the_engines_weights(name, tmp_path):
    project = PROJECTS[name]()
    numpy_training_matches_engine(project, tmp_path)
