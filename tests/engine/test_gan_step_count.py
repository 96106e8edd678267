"""A GAN run sends every discriminator loss once: the loss plot's step axis ends at the step the
status bar shows (an epoch snapshot repeating the whole epoch's losses doubled it)."""

from __future__ import annotations

from dataclasses import replace

from engine.recipes import prepare
from tests.engine.test_generative_gan import gan_project


def test_every_step_loss_is_sent_once_across_step_and_epoch_snapshots():
    project = gan_project(epochs=2)
    project = replace(project, training=replace(project.training, snapshot_every=4))
    trainer = prepare(project).trainer
    snaps = list(trainer.run())
    assert len(snaps) > 4  # several STEP snapshots per epoch, then the epoch's own
    assert sum(len(s.batch_losses) for s in snaps) == trainer.step == snaps[-1].step
    assert sum(len(s.extra["d_losses"]) for s in snaps) == trainer.step
    assert len(trainer.history["d_loss"]) == 2  # the epoch means still cover whole epochs
