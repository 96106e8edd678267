"""Regression by formula and by descent: the closed form equals numpy's least squares, and
descent (the engine's optimizer and MSE gradient) converges to it; a linear project's path
is the one the engine's full-batch training follows."""

from __future__ import annotations

import numpy as np
import pytest

from engine.datasets.registry import load_dataset
from engine.graph import Graph
from engine.model import Model
from engine.project import Project
from engine.regression_closed_form import (
    closed_form,
    design_matrix,
    project_paths,
    regression_paths,
)
from engine.training import TrainConfig, Trainer
from engine.types import ConfigError


def test_closed_form_equals_numpy_lstsq_and_the_ridge_formula() -> None:
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (50, 1))
    y = 1.0 - 2.0 * x + 0.5 * x ** 3 + 0.05 * rng.standard_normal((50, 1))
    X = design_matrix(x, 3)
    assert X.shape == (50, 4) and np.all(X[:, 0] == 1)
    np.testing.assert_allclose(closed_form(X, y), np.linalg.lstsq(X, y, rcond=None)[0])
    np.testing.assert_allclose(closed_form(X, y).ravel(), [1.0, -2.0, 0.0, 0.5], atol=0.1)
    ridge = closed_form(X, y, l2=0.01)  # minimises mean (Xθ-y)² + 0.01·|w|²
    grad = 2 * X.T @ (X @ ridge - y) / 50 + 2 * 0.01 * np.r_[[[0.0]], ridge[1:]]
    np.testing.assert_allclose(grad, 0, atol=1e-10)


@pytest.mark.parametrize("optimizer,lr", [("sgd", 0.5), ("momentum", 0.2), ("adam", 0.05)])
def test_descent_converges_to_the_closed_form(optimizer: str, lr: float) -> None:
    rng = np.random.default_rng(1)
    x = rng.uniform(-1, 1, (80, 1))
    y = 0.3 + 1.5 * x - x ** 2 + 0.1 * rng.standard_normal((80, 1))
    paths = regression_paths(x, y, degree=2, learning_rate=lr, steps=3000,
                             optimizer=optimizer)
    assert paths.names == ["b", "w₁", "w₂"]
    assert paths.gap < 1e-3
    assert paths.losses[-1] == pytest.approx(paths.loss_star, rel=1e-5)
    assert paths.losses[0] > paths.losses[-1]


def test_too_large_a_step_diverges_and_stops() -> None:
    x = np.linspace(-3, 3, 40).reshape(-1, 1)
    paths = regression_paths(x, 2 * x, learning_rate=5.0, steps=500)
    assert len(paths.losses) < 501 or paths.losses[-1] > paths.losses[0]


def linear_project() -> tuple[Project, object]:
    graph = Graph.sequential([{"kind": "Input", "shape": [1]},
                              {"kind": "Dense", "name": "line", "units": 1,
                               "activation": "linear", "kernel_initializer": "glorot_uniform",
                               "bias_initializer": "zeros"}])
    training = TrainConfig(optimizer="sgd", optimizer_options={"learning_rate": 0.3},
                           batch_mode="full", epochs=25, seed=4)
    project = Project(graph=graph, dataset={"name": "sine", "n_samples": 60},
                      training=training)
    return project, load_dataset(project.dataset)


def test_project_path_is_the_engines_full_batch_training() -> None:
    project, data = linear_project()
    paths = project_paths(project, data, steps=25)
    model = Model(project.graph, seed=project.training.seed)
    trainer = Trainer(model, data, project.training)
    for _ in trainer.run():
        pass
    w = model.get_weights()
    trained = np.r_[w["line/bias"].reshape(1, -1), w["line/kernel"]]
    np.testing.assert_allclose(paths.path[-1], trained, rtol=1e-4, atol=1e-5)
    assert len(paths.path) == 26


def test_project_needs_a_linear_network() -> None:
    project, data = linear_project()
    project.graph.set_options("line", {"activation": "tanh"})
    with pytest.raises(ConfigError, match="linear activation"):
        project_paths(project, data)
