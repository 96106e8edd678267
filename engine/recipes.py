"""Turn a project into a ready trainer: dataset, model and the recipe's trainer class.

``prepare(project)`` is what both the headless CLI and the GUI's training session call, so
the two can never disagree on how a project trains.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.datasets.base import Dataset
from engine.datasets.registry import load_dataset
from engine.model import Model
from engine.perceptron import PerceptronTrainer
from engine.project import Project
from engine.trainer_protocol import RecipeTrainer
from engine.training import Trainer


@dataclass
class Prepared:
    data: Dataset
    model: Model
    trainer: RecipeTrainer  # Trainer, PerceptronTrainer, AutoencoderTrainer or GANTrainer


def prepare(project: Project, data: Dataset | None = None) -> Prepared:
    """Load the dataset (unless given), build the model from the seed, make the trainer."""
    data = data if data is not None else load_dataset(project.dataset)
    if project.recipe in ("autoencoder", "vae", "gan"):
        from engine.generative.setup import prepare_generative

        return prepare_generative(project, data)  # type: ignore[no-any-return]
    model = Model(project.graph, seed=project.training.seed)
    trainer: RecipeTrainer = (PerceptronTrainer if project.recipe == "perceptron" else Trainer)(
        model, data, project.training)
    return Prepared(data, model, trainer)
