"""Weight penalties (l1/l2 per layer) and gradient clipping (clip_value, clip_norm) in the
NumPy export: the script's ``add_penalties`` / ``clip_gradients`` equal the engine's
(``engine.stepper``), and a few training steps of its loop end on the engine's weights
(float64, 1e-8)."""

from __future__ import annotations

import numpy as np
import pytest

from engine.graph import Graph
from engine.model import Model
from engine.optimizers import clip_by_global_norm, clip_by_value
from engine.stepper import apply_penalties, penalized_params
from tests.engine.export_helpers import (
    engine_trained,
    example,
    exported,
    random_weights,
)


def penalised_cnn():
    project = example("digits_cnn")
    project.graph = Graph.sequential([
        {"kind": "Input", "name": "image", "shape": [1, 8, 8]},
        {"kind": "Conv2D", "name": "conv", "filters": 3, "kernel_size": 3, "activation": "relu",
         "l2": 0.01},
        {"kind": "MaxPool2D", "name": "pool", "pool_size": 2},
        {"kind": "Flatten", "name": "flat"},
        {"kind": "Dense", "name": "hidden", "units": 8, "activation": "tanh", "l1": 0.002,
         "l2": 0.003},
        {"kind": "Dense", "name": "digit", "units": 10, "activation": "softmax", "l1": 0.01},
    ])
    return project


def test_penalties_and_clipping_blocks_equal_the_engines(tmp_path):
    project = penalised_cnn()
    project.training.clip_value, project.training.clip_norm = 0.05, 0.3
    weights = random_weights(project)
    script, P, _ = exported(project, weights, tmp_path)
    assert set(script.PENALTIES) == {"conv/kernel", "hidden/kernel", "digit/kernel"}
    model = Model(project.graph, seed=project.training.seed, dtype=np.float64)
    model.set_weights(weights, strict=True)
    rng = np.random.default_rng(1)
    for layer in model.layers.values():
        for g in layer.grads.values():
            g[...] = rng.normal(0.0, 0.2, g.shape)
    G = {f"{layer.name}/{k}": g.copy() for layer in model.layers.values()
         for k, g in layer.grads.items()}
    expected = apply_penalties(penalized_params(model))
    assert script.add_penalties(P, G, script.PENALTIES) == pytest.approx(expected, rel=1e-12)
    flat = model.grads_flat
    clip_by_value([flat], 0.05)
    clip_by_global_norm([flat], 0.3)
    G = script.clip_gradients(G, clip_value=0.05, clip_norm=0.3)
    for layer in model.layers.values():
        for k, g in layer.grads.items():
            np.testing.assert_allclose(G[f"{layer.name}/{k}"], g, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("clip", [(0.0, 0.0), (0.02, 0.0), (0.0, 0.1), (0.03, 0.2)])
def test_training_with_penalties_and_clipping_ends_on_the_engines_weights(clip, tmp_path):
    project = penalised_cnn()
    project.training.batch_size, project.training.epochs = 16, 2  # 2 × 3 optimizer steps
    project.training.clip_value, project.training.clip_norm = clip
    weights = random_weights(project)
    script, P, data = exported(project, weights, tmp_path)
    text = next(tmp_path.glob("*_numpy.py")).read_text()
    assert "value += add_penalties(P, G, PENALTIES)" in text
    assert ("clip_gradients(G" in text) == any(clip)
    n = 48
    trained = script.train(P, data["x_train"][:n], data["y_train"][:n], 2,
                           project.training.seed)
    expected = engine_trained(project, weights, n)
    for key, value in expected.items():
        np.testing.assert_allclose(trained[key], value, rtol=1e-8, atol=1e-10, err_msg=key)
