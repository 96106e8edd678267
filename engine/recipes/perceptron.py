"""The perceptron recipe: one step neuron trained by the perceptron rule
(``engine.perceptron.PerceptronTrainer``)."""

from __future__ import annotations

from engine.datasets.base import Dataset
from engine.model import Model
from engine.perceptron import PerceptronTrainer
from engine.prepared import Prepared
from engine.project import Project
from engine.recipes.registry import register_recipe


@register_recipe("perceptron")
def prepare_perceptron(project: Project, data: Dataset) -> Prepared:
    """``Prepared(data, model, PerceptronTrainer)``."""
    model = Model(project.graph, seed=project.training.seed)
    return Prepared(data, model, PerceptronTrainer(model, data, project.training))
