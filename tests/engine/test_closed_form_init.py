"""Initialization side by side (engine.init_multiples): the classic picture — tiny normal
weights shrink the activations layer after layer, Glorot keeps them, zeros give no kernel
gradient in the hidden layers."""

from __future__ import annotations

import numpy as np
import pytest

from engine.datasets.registry import load_dataset
from engine.graph import Graph
from engine.init_multiples import SCHEMES, init_statistics, scheme_kernel
from engine.project import Project
from engine.training import TrainConfig


def deep_project(act: str = "tanh", depth: int = 5) -> Project:
    layers = [{"kind": "Input", "shape": [2]}]
    layers += [{"kind": "Dense", "name": f"h{i}", "units": 64, "activation": act}
               for i in range(depth)]
    layers.append({"kind": "Dense", "name": "out", "units": 2, "activation": "softmax"})
    return Project(graph=Graph.sequential(layers), dataset={"name": "spiral"},
                   training=TrainConfig(seed=1))


def test_scheme_kernels_have_their_stated_spread() -> None:
    rng = np.random.default_rng(0)
    assert np.std(scheme_kernel("normal", (400, 300), rng, 0.01)) == pytest.approx(0.01, 0.02)
    u = scheme_kernel("uniform", (400, 300), rng, 0.01)
    assert np.abs(u).max() <= 1 / 20 and np.std(u) == pytest.approx(1 / 20 / np.sqrt(3), 0.02)
    he = scheme_kernel("he", (400, 300), rng, 0.01)
    assert np.std(he) == pytest.approx(np.sqrt(2 / 400), 0.02)
    assert not scheme_kernel("zeros", (3, 4), rng, 0.01).any()


def test_small_normal_weights_shrink_activations_and_glorot_keeps_them() -> None:
    project, data = deep_project(), load_dataset({"name": "spiral", "n_samples": 300})
    small = init_statistics(project, data, "normal", sigma=0.01)
    glorot = init_statistics(project, data, "glorot")
    assert small["layers"] == ["h0", "h1", "h2", "h3", "h4", "out"]
    assert small["act_std"]["h4"] < 1e-6  # shrinks ~0.08× per layer
    assert glorot["act_std"]["h4"] > 0.05  # Glorot: the spread stays of the same order
    assert glorot["grad_rms"]["h0"] > 1000 * small["grad_rms"]["h0"]
    assert set(glorot["act_hist"]) == set(glorot["layers"])


def test_zero_weights_give_no_kernel_gradient_in_hidden_layers() -> None:
    project, data = deep_project(depth=2), load_dataset({"name": "spiral", "n_samples": 100})
    zeros = init_statistics(project, data, "zeros")
    hist = zeros["grad_hist"]["h0/kernel"]
    assert hist["zeros"] == 2 * 64  # every kernel entry's gradient is exactly 0
    assert set(SCHEMES) == {"zeros", "normal", "uniform", "glorot", "he"}
