"""The microscope on a project: its network, its loss and one training sample.

``project_microscope(model, data, config, index)`` picks the loss and target encoding exactly
as ``engine.training.Trainer`` does (``choose_loss``), takes training sample ``index`` and the
project's learning rate (the update shown is plain SGD: w ← w − η·∂L/∂w).
"""

from __future__ import annotations

import numpy as np

from engine.datasets.base import Dataset
from engine.losses import Loss
from engine.microscope.builders import network_graph
from engine.microscope.steps import Microscope
from engine.model import Model
from engine.optimizers import OPTIMIZERS
from engine.targets import choose_loss, output_units
from engine.training import TrainConfig, check_data_fits
from engine.types import ConfigError


def project_loss(model: Model, data: Dataset, config: TrainConfig) -> tuple[Loss, np.ndarray]:
    """(the Trainer's loss, the encoded training targets ``(N, ...)`` in float64)."""
    loss, coder, _ = choose_loss(config.loss, config.loss_options, data.task, data.n_classes,
                                 output_units(model.output_shape), model.output_activation())
    return loss, coder.encode(data.y_train, np.float64)


def learning_rate_of(config: TrainConfig) -> float:
    """The project's learning rate, or its optimizer's default."""
    if "learning_rate" in config.optimizer_options:
        return float(config.optimizer_options["learning_rate"])
    cls = OPTIMIZERS.get(config.optimizer)
    return float(cls().learning_rate) if cls else 0.01


def project_microscope(model: Model, data: Dataset, config: TrainConfig,
                       index: int = 0) -> Microscope:
    """One SGD step of ``model`` on training sample ``index`` (weights are only read)."""
    if data.task not in ("classification", "regression") or len(data.x_train) == 0:
        raise ConfigError("The backprop microscope needs a classification or regression "
                          "dataset with training samples.")
    check_data_fits(model, data)
    index = int(index) % len(data.x_train)
    loss, y = project_loss(model, data, config)
    graph = network_graph(model, loss, data.x_train[index], y[index])
    graph.title = f"{graph.title} (sample {index + 1} of {len(data.x_train)})"
    return Microscope(graph, learning_rate_of(config))
