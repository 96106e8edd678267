"""Regression by formula and by descent: the least-squares answer, and gradient descent's
path towards it, for linear and polynomial regression.

Parameters ``θ: (P, T)`` act on a design matrix ``X: (N, P)`` whose first column is 1 (the
bias): for one input x and degree d, ``X = [1, x, x², …, x^d]``; for D inputs (degree 1)
``X = [1, x₁, …, x_D]``. Targets ``y: (N, T)``. The loss is the engine's mean squared error
(mean over the N·T elements), so the closed form is the least-squares solution
``θ* = argmin |Xθ − y|²`` (``np.linalg.lstsq``; with ``l2 > 0`` the ridge solution of
``(XᵀX + l2·N·T·I₀)θ = Xᵀy``, the bias not penalised). Descent runs the engine's own
optimizer (``engine.optimizers``) on the exact full-batch gradient ``Xᵀ·∂L/∂ŷ``.

``project_paths`` takes a regression project whose network is one Dense layer with a linear
activation (linear regression) and starts descent from that layer's initial weights with the
project's optimizer and learning rate: the path the engine's full-batch training follows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from engine.datasets.base import Dataset
from engine.losses import get_loss
from engine.model import Model
from engine.optimizers import get_optimizer
from engine.project import Project
from engine.types import ConfigError

MAX_DEGREE = 12


@dataclass
class RegressionPaths:
    """``theta_star (P, T)``, ``loss_star``; ``path (S+1, P, T)`` and ``losses (S+1,)`` of
    descent (step 0 = the start); ``names`` of the P parameters ("b", "w₁", …)."""

    theta_star: np.ndarray
    loss_star: float
    path: np.ndarray
    losses: np.ndarray
    names: list[str]
    learning_rate: float
    optimizer: str

    @property
    def gap(self) -> float:
        """Largest |θ_last − θ*| (how far descent still is from the formula's answer)."""
        return float(np.max(np.abs(self.path[-1] - self.theta_star)))


def design_matrix(x: np.ndarray, degree: int = 1) -> np.ndarray:
    """x: (N, D) inputs -> (N, P) float64 with a leading column of ones (see module doc)."""
    x = np.asarray(x, dtype=np.float64).reshape(len(x), -1)
    if not 1 <= degree <= MAX_DEGREE:
        raise ConfigError(f"The polynomial degree must be between 1 and {MAX_DEGREE}, "
                          f"not {degree}.")
    if degree > 1 and x.shape[1] != 1:
        raise ConfigError("Polynomial features need one input x; this data has "
                          f"{x.shape[1]} inputs. Use degree 1.")
    powers = [x ** k for k in range(1, degree + 1)]
    return np.concatenate([np.ones((len(x), 1)), *powers], axis=1)


def parameter_names(n_inputs: int, degree: int) -> list[str]:
    sub = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
    if degree > 1:
        return ["b"] + [f"w{k}".translate(sub) for k in range(1, degree + 1)]
    return ["b"] + [f"w{k}".translate(sub) for k in range(1, n_inputs + 1)]


def closed_form(X: np.ndarray, y: np.ndarray, l2: float = 0.0) -> np.ndarray:
    """X: (N, P), y: (N, T) -> θ* (P, T) minimising the mean squared error (+ l2·|w|²)."""
    y = np.asarray(y, dtype=np.float64).reshape(len(X), -1)
    if l2 <= 0:
        return np.linalg.lstsq(X, y, rcond=None)[0]
    penalty = np.eye(X.shape[1]) * l2 * y.size
    penalty[0, 0] = 0.0  # the bias is not penalised
    return np.linalg.solve(X.T @ X + penalty, X.T @ y)


def mse(X: np.ndarray, theta: np.ndarray, y: np.ndarray) -> float:
    """Mean over the N·T elements of (Xθ − y)²."""
    with np.errstate(over="ignore", invalid="ignore"):  # a diverging path: inf, not a warning
        r = X @ theta - np.asarray(y, dtype=np.float64).reshape(len(X), -1)
        return float(np.mean(r * r))


def descent(X: np.ndarray, y: np.ndarray, theta0: np.ndarray, learning_rate: float,
            steps: int, optimizer: str = "sgd", options: dict[str, Any] | None = None
            ) -> tuple[np.ndarray, np.ndarray]:
    """Full-batch descent with the engine's optimizer and MSE gradient from ``theta0 (P, T)``:
    ``(path (steps+1, P, T), losses (steps+1,))``; stops early (shorter arrays) when the
    loss stops being finite (a too-large learning rate)."""
    y = np.asarray(y, dtype=np.float64).reshape(len(X), -1)
    loss = get_loss("mse")
    opt = get_optimizer(optimizer, **{**(options or {}), "learning_rate": learning_rate})
    theta = np.array(theta0, dtype=np.float64).reshape(X.shape[1], -1)
    path, losses = [theta.copy()], [mse(X, theta, y)]
    for _ in range(steps):
        with np.errstate(over="ignore", invalid="ignore"):
            _, grad_pred = loss.value_and_grad(X @ theta, y)  # (N, T)
            opt.step([theta], [X.T @ grad_pred])
        value = mse(X, theta, y)
        if not np.isfinite(value) or not np.all(np.isfinite(theta)):
            break
        path.append(theta.copy())
        losses.append(value)
    return np.stack(path), np.asarray(losses)


def regression_paths(x: np.ndarray, y: np.ndarray, degree: int = 1,
                     learning_rate: float = 0.1, steps: int = 200,
                     theta0: np.ndarray | None = None, optimizer: str = "sgd",
                     l2: float = 0.0) -> RegressionPaths:
    """Both answers for inputs ``x: (N, D)`` and targets ``y: (N, T)`` (θ₀ = 0 by default)."""
    X = design_matrix(x, degree)
    y2 = np.asarray(y, dtype=np.float64).reshape(len(X), -1)
    star = closed_form(X, y2, l2)
    start = np.zeros_like(star) if theta0 is None else theta0
    path, losses = descent(X, y2, start, learning_rate, steps, optimizer)
    return RegressionPaths(star, mse(X, star, y2), path, losses,
                           parameter_names(np.asarray(x).reshape(len(x), -1).shape[1], degree),
                           learning_rate, optimizer)


def linear_layer(project: Project) -> str:
    """The name of the project's single linear Dense layer, or a ConfigError saying why the
    network is not a linear regression."""
    graph = project.graph
    kinds = [(n.name, n.kind) for n in graph.nodes.values()]
    dense = [name for name, kind in kinds if kind == "Dense"]
    others = [kind for _, kind in kinds if kind not in ("Input", "Dense")]
    if len(dense) != 1 or others or len(kinds) != 2:
        raise ConfigError("Regression by formula needs a linear regression network: one Input "
                          "and one Dense layer with a linear activation.")
    options = graph.nodes[dense[0]].options
    if options.get("activation", "linear") != "linear" or not options.get("use_bias", True):
        raise ConfigError(f"The layer '{dense[0]}' must have a linear activation and a bias "
                          "for the least-squares formula to apply.")
    return dense[0]


def project_paths(project: Project, data: Dataset, steps: int = 200) -> RegressionPaths:
    """The formula and the project's own descent (initial weights, optimizer, learning rate)
    on the training part of ``data`` (a regression task)."""
    if data.task != "regression":
        raise ConfigError("Regression by formula needs a regression dataset (sine, polynomial, "
                          "step or your own numbers).")
    name = linear_layer(project)
    weights = Model(project.graph, seed=project.training.seed, dtype=np.float64).get_weights()
    kernel, bias = weights[f"{name}/kernel"], weights[f"{name}/bias"]  # (D, T), (T,)
    theta0 = np.concatenate([bias.reshape(1, -1), kernel], axis=0)  # (1 + D, T)
    opts = dict(project.training.optimizer_options)
    lr = float(opts.pop("learning_rate", get_optimizer(project.training.optimizer)
                        .learning_rate))
    x = data.x_train.reshape(len(data.x_train), -1)
    X = design_matrix(x, 1)
    y = np.asarray(data.y_train, dtype=np.float64).reshape(len(x), -1)
    star = closed_form(X, y)
    path, losses = descent(X, y, theta0, lr, steps, project.training.optimizer, opts)
    return RegressionPaths(star, mse(X, star, y), path, losses,
                           parameter_names(x.shape[1], 1), lr, project.training.optimizer)
