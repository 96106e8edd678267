"""Turn a project into a ready trainer: dataset, model and the recipe's trainer class.

``prepare(project)`` is what both the headless CLI and the GUI's training session call, so
the two can never disagree on how a project trains. ``Prepared`` lives in ``engine.prepared``
(re-exported here) so the generative half (``engine.generative.setup``, imported only when a
generative project is prepared) builds it without importing this module back.
"""

from __future__ import annotations

from engine.datasets.base import Dataset
from engine.datasets.registry import load_dataset
from engine.model import Model
from engine.perceptron import PerceptronTrainer
from engine.prepared import Prepared
from engine.project import Project
from engine.trainer_protocol import RecipeTrainer
from engine.training import Trainer

__all__ = ["Prepared", "prepare"]


def prepare(project: Project, data: Dataset | None = None) -> Prepared:
    """Load the dataset (unless given), build the model from the seed, make the trainer."""
    data = data if data is not None else load_dataset(project.dataset)
    if project.recipe in ("autoencoder", "vae", "gan"):
        from engine.generative.setup import prepare_generative

        return prepare_generative(project, data)
    model = Model(project.graph, seed=project.training.seed)
    trainer: RecipeTrainer = (PerceptronTrainer if project.recipe == "perceptron" else Trainer)(
        model, data, project.training)
    return Prepared(data, model, trainer)
