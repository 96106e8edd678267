"""Training settings a timeline branch may change: optimizer and batch size (and the rate).

"Branch from here" trains on from a past checkpoint with the settings the learner has chosen
since (``app.timeline``/``app.session.branch_from``). ``BRANCH_KEYS`` are those settings;
``settings_of(config)`` reads them as a dict; ``with_settings(project, settings)`` is a copy
of the project trained with them; ``adapted(checkpoint, old, new)`` fits a checkpoint
recorded under ``old`` settings to ``new`` ones:

- another optimizer starts with an empty memory (momentum, Adam's moments; its step count 0;
  a GAN's two optimizers alike, ``extra`` keys starting with "optimizer"): the old
  optimizer's buffers mean nothing to it;
- another batch size starts the checkpoint's epoch again from its beginning (same sample
  order, from the epoch's start state): the place inside the epoch was counted in batches of
  the old size.

Everything else (weights, step and epoch count, sample-order state) is kept.
``branch_start`` is the two together, as ``session.branch_from`` uses them.
"""

from __future__ import annotations

import copy
from dataclasses import replace
from typing import Any

from engine.checkpoints import Checkpoint
from engine.project import Project
from engine.training import TrainConfig

BRANCH_KEYS = ("optimizer", "optimizer_options", "batch_mode", "batch_size")


def settings_of(config: TrainConfig) -> dict[str, Any]:
    """The branchable settings of ``config`` (copies)."""
    return {key: copy.deepcopy(getattr(config, key)) for key in BRANCH_KEYS}


def with_settings(project: Project, settings: dict[str, Any] | None) -> Project:
    """``project`` itself when ``settings`` is empty, else a copy trained with them
    (checked: a ``ConfigError`` names a setting out of range)."""
    if not settings:
        return project
    changed = copy.deepcopy(project)
    for key in BRANCH_KEYS:
        if key in settings:
            setattr(changed.training, key, copy.deepcopy(settings[key]))
    changed.training.check()
    return changed


def adapted(checkpoint: Checkpoint, old: TrainConfig, new: TrainConfig) -> Checkpoint:
    """``checkpoint`` (recorded while training with ``old``) made fit to train on with
    ``new``; the same object when the optimizer and batches are unchanged."""
    if new.optimizer != old.optimizer:
        arrays = {k: v for k, v in checkpoint.arrays.items() if not k.startswith("optimizer/")}
        extra = {k: v for k, v in checkpoint.extra.items() if not k.startswith("optimizer")}
        checkpoint = replace(checkpoint, arrays=arrays, optimizer_iterations=0, extra=extra)
    if (new.batch_mode, new.batch_size) != (old.batch_mode, old.batch_size):
        checkpoint = replace(checkpoint, epoch_pos=0, epoch_losses=())
    return checkpoint


def branch_start(project: Project, checkpoint: Checkpoint, settings: dict[str, Any] | None,
                 new_branch: bool) -> tuple[Project, Checkpoint]:
    """The project a branch trains (``with_settings``) and the checkpoint it starts from:
    ``adapted`` for a new branch; as it is when switching back (it was recorded under the
    settings given)."""
    changed = with_settings(project, settings)
    if new_branch:
        checkpoint = adapted(checkpoint, project.training, changed.training)
    return changed, checkpoint


def describe(old: TrainConfig, new: TrainConfig) -> str:
    """What differs, in a few words for the branch's name (e.g. ``"sgd, batch 8"``)."""
    parts = []
    if new.optimizer != old.optimizer:
        parts.append(new.optimizer)
    if (new.batch_mode, new.batch_size) != (old.batch_mode, old.batch_size):
        parts.append(f"batch {new.batch_size}" if new.batch_mode == "mini"
                     else f"{new.batch_mode} batch")
    return ", ".join(parts)
