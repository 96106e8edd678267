"""What File → New starts from: settings with which the textbook network learns, watchably.

A file that leaves a training key out still loads with ``TrainConfig``'s own defaults (so
old project files and ``main.py train`` behave as before); only a *new* project starts from
``NEW_TRAINING``. Measured on the default spiral (400 points, noise 0.05, 80 held out) with
the textbook 2-8-8-1 network (Input 2 → Dense 8 tanh → Dense 8 tanh → Dense 1 sigmoid),
16 seeds (weights and shuffling 0–15, data 0–5):

- Adam, learning rate 0.03, full batch: validation accuracy ≥ 90 % for 16/16 seeds after
  2000 epochs (mean 92.3 %, worst 90.0 %); after 1000 epochs 14/16, after 1500 15/16.
  Mini-batches of 32 or 64 leave 2–4 of 16 seeds stuck near 60 %; lr 0.02 / 0.04 or a
  cosine decay did no better. The old defaults (Adam or SGD at 0.001, 50 epochs of
  batches of 32) end at chance (39–62 %).
- The map forms over the first ~120–600 epochs (70 % at a median of epoch 116, 90 % at 338):
  at 30 steps a second (one step = one epoch with a full batch) a class watches the spiral
  appear over ~4–20 s; the rest of the run sharpens it.
"""

from __future__ import annotations

import copy
from typing import Any

from engine.project import Project
from engine.training import TrainConfig

NEW_TRAINING: dict[str, Any] = {
    "optimizer": "adam",
    "optimizer_options": {"learning_rate": 0.03},
    "batch_mode": "full",
    "epochs": 2000,
    "max_steps_per_second": 30.0,
}


def new_training() -> TrainConfig:
    """A fresh ``TrainConfig`` with the new-project settings (the rest: TrainConfig's)."""
    return TrainConfig.from_dict(copy.deepcopy(NEW_TRAINING))


def new_project() -> Project:
    """An empty canvas on the default dataset with settings that learn (``NEW_TRAINING``)."""
    return Project(training=new_training())
