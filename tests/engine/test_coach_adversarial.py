"""A GAN's two losses hover around a balance while it learns: the Coach's loss-curve rules
(flat loss, rising loss, under-/overfitting) say nothing about such a run."""

import numpy as np

from engine.coach import History, coach


def _hovering_run(adversarial: bool) -> History:
    rng = np.random.default_rng(0)
    losses = 0.69 + 0.01 * rng.standard_normal(2000)  # flat around log 2, the balance
    rows = [{"epoch": e, "step": 100 * e, "train_loss": 0.69, "val_loss": 0.69}
            for e in range(1, 21)]
    return History(epoch_rows=rows, step_losses=losses, learning_rate=1e-4,
                   adversarial=adversarial)


def test_a_flat_supervised_loss_still_gets_its_card():
    assert "flat_loss" in [a.kind for a in coach(_hovering_run(False))]


def test_a_hovering_gan_loss_gets_no_loss_curve_card():
    kinds = [a.kind for a in coach(_hovering_run(True))]
    assert not {"flat_loss", "loss_rising", "underfitting", "overfitting"} & set(kinds)
