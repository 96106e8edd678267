"""Shared by the export tests: a project with randomized weights, the engine's float64 outputs
and gradients on a few samples, and the exported script loaded as a module."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np

from engine.datasets.registry import load_dataset
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
