"""Turn a project into a ready trainer: dataset, model and the recipe's trainer.

``prepare(project)`` is what both the headless CLI and the GUI's training session call, so
the two can never disagree on how a project trains. Each recipe prepares itself in a module of
this package named after it (``supervised.py``, ``perceptron.py``, ``autoencoder.py``,
``vae.py``, ``gan.py``), registered with ``engine.recipes.registry.register_recipe``; only the
project's own recipe module is imported, so loading a project walks one recipe's code. Adding
a recipe is one module here (plus its name in ``engine.project.RECIPES``, which project files
are checked against). ``Prepared`` lives in ``engine.prepared`` (re-exported here).
"""

from __future__ import annotations

from engine.datasets.base import Dataset
from engine.datasets.registry import load_dataset
from engine.prepared import Prepared
from engine.project import Project
from engine.recipes.registry import recipe_factory

__all__ = ["Prepared", "prepare"]


def prepare(project: Project, data: Dataset | None = None) -> Prepared:
    """Load the dataset (unless given), build the model from the seed, make the trainer."""
    factory = recipe_factory(project.recipe)  # an unknown recipe fails before the data loads
    return factory(project, data if data is not None else load_dataset(project.dataset))
