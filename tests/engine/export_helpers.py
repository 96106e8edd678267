"""Shared by the export tests: a project with randomized weights, the engine's float64 outputs
and gradients on a few samples, and the exported script loaded as a module."""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from engine.datasets.registry import load_dataset
from engine.export import export_project
from engine.model import Model
from engine.project import Project, load_project
from engine.training import Trainer

EXAMPLES = Path(__file__).resolve().parents[2] / "assets" / "examples"


def example(name: str) -> Project:
    return load_project(EXAMPLES / f"{name}.layerlab.json")


def random_weights(project: Project, seed: int = 3) -> dict[str, np.ndarray]:
    """The project's initial weights plus noise (so zero biases are exercised too)."""
    model = Model(project.graph, seed=project.training.seed, dtype=np.float64)
    rng = np.random.default_rng(seed)
    return {k: v + rng.normal(0.0, 0.1, v.shape) for k, v in model.get_weights().items()}


def engine_reference(project: Project, weights: dict[str, np.ndarray], n: int = 6):
    """(x, y_encoded, outputs, predictions, loss, grads) of the engine in float64."""
    data = load_dataset(project.dataset)
    model = Model(project.graph, seed=project.training.seed, dtype=np.float64)
    model.set_weights(weights, strict=True)
    trainer = Trainer(model, data, project.training)
    x = np.asarray(data.x_train[:n], np.float64)
    y = trainer.y_train[:n]
    out = model.forward(x, training=False).copy()  # no dropout masks: comparable
    loss, grad = trainer.loss.value_and_grad(out, y)
    model.backward(grad, input_grad=False)
    grads = {f"{layer.name}/{key}": g.copy() for layer in model.layers.values()
             for key, g in layer.grads.items()}
    return data, x, y, out, model.predict(x), loss, grads


def load_script(path: Path):
    """Import an exported script as a module (its ``main`` does not run)."""
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = module
    spec.loader.exec_module(module)
    return module


def exported(project, weights, tmp_path):
    """(the NumPy script as a module, its weights, its data) for ``project`` with ``weights``."""
    script, weights_file, data_file = export_project(project, "numpy", tmp_path,
                                                     weights=weights)
    return load_script(script), dict(np.load(weights_file)), dict(np.load(data_file))


def engine_trained(project, weights, n):
    """The engine's weights after training ``project`` (float64) on its first n samples."""
    data = load_dataset(project.dataset)
    data = replace(data, x_train=data.x_train[:n], y_train=data.y_train[:n])
    model = Model(project.graph, seed=project.training.seed, dtype=np.float64)
    model.set_weights(weights, strict=True)
    for _ in Trainer(model, data, project.training).run():
        pass
    return model.get_weights()


def numpy_matches_engine(project, tmp_path) -> tuple[float, float]:
    """The NumPy script's forward, predictions, loss and gradients against the engine's from
    the same random weights: outputs within 1e-10, loss and gradients within rtol 1e-8 (asserted);
    returns (largest output difference, largest gradient difference)."""
    weights = random_weights(project)
    _, x, y, out, probs, loss, grads = engine_reference(project, weights)
    script, P, _ = exported(project, weights, tmp_path)
    ours, cache = script.forward(P, x)
    np.testing.assert_allclose(ours, out, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(script.predict(P, x), probs, rtol=1e-10, atol=1e-10)
    value, d_out = script.loss_fn(ours, y)
    assert value == pytest.approx(loss, rel=1e-10)
    G = script.backward(P, cache, d_out)
    assert set(G) == set(grads)
    for key, g in grads.items():
        np.testing.assert_allclose(G[key], g, rtol=1e-8, atol=1e-10, err_msg=key)
    return (float(np.max(np.abs(ours - out))),
            max(float(np.max(np.abs(G[k] - g))) for k, g in grads.items()))


def numpy_training_matches_engine(project, tmp_path, n: int = 48):
    """Batch 16, 2 epochs (2 × 3 optimizer steps) on the first ``n`` samples: the NumPy
    script's ``train`` ends on the engine's weights (rtol 1e-8, asserted). Returns
    (the start weights, the engine's trained weights)."""
    project.training.batch_size, project.training.epochs = 16, 2
    weights = random_weights(project)
    script, P, data = exported(project, weights, tmp_path)
    trained = script.train(P, data["x_train"][:n], data["y_train"][:n], 2,
                           project.training.seed)
    expected = engine_trained(project, weights, n)
    assert set(trained) == set(expected)
    for key, value in expected.items():
        np.testing.assert_allclose(trained[key], value, rtol=1e-8, atol=1e-10, err_msg=key)
    return weights, expected
