"""``Prepared``: what preparing a project yields — its dataset, model and recipe trainer.

A small module of its own so every recipe module (``engine/recipes/<name>.py``) builds it
without importing ``engine.recipes`` back.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.datasets.base import Dataset
from engine.model import Model
from engine.trainer_protocol import RecipeTrainer


@dataclass
class Prepared:
    data: Dataset
    model: Model  # a GAN's is a GANPair (engine.generative.gan): both networks, one face
    trainer: RecipeTrainer  # Trainer, PerceptronTrainer, AutoencoderTrainer or GANTrainer
