"""``Supervision``: what a trainer fits the network's outputs to, read through the
``RecipeTrainer.supervision`` member instead of probing trainers with ``getattr``.

Kept by ``engine.training.Trainer`` (labels) and ``AutoencoderTrainer`` (its own inputs as
targets); the perceptron (step rule, no loss) and the GAN (two networks, no targets) have none
and say so with ``None``. A small module of its own so ``engine.training`` and
``engine.trainer_protocol`` both import it without importing each other.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.losses import Loss
from engine.targets import TargetCoder


@dataclass(frozen=True)
class Supervision:
    """The loss, the target coder and the encoded targets of the trainer's current data:
    ``y_train`` (N_train, *output_shape), ``y_val`` (N_val, *output_shape)."""

    loss: Loss
    coder: TargetCoder
    y_train: np.ndarray
    y_val: np.ndarray

    def targets(self, validation: bool) -> np.ndarray:
        """``y_val`` when ``validation`` else ``y_train``."""
        return self.y_val if validation else self.y_train
