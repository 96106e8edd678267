"""Every recipe's trainer stops a diverging run with a plain reason and the fix
(engine.divergence.DivergenceWatch / engine.diagnosis), before or at the first NaN."""

import numpy as np

from engine.divergence import DivergenceWatch
from engine.project import load_project
from engine.recipes import prepare
from engine.snapshots import DIVERGED


def _run_with_lr(name: str, lr: float, epochs: int = 5):
    project = load_project(f"assets/examples/{name}.layerlab.json")
    project.training.optimizer_options["learning_rate"] = lr
    project.training.epochs = epochs
    return list(prepare(project).trainer.run())


def _plain(message: str) -> None:
    assert "Traceback" not in message and "Error" not in message and "nan" not in message


def test_perceptron_with_a_huge_learning_rate_stops_with_the_reason():
    final = _run_with_lr("perceptron_and", 1e6)[-1]
    assert final.event == DIVERGED
    assert "weights exploded" in final.message and "Lower the learning rate" in final.message
    assert "clipping" not in final.message  # the perceptron rule has no gradients to clip
    _plain(final.message)


def test_perceptron_with_a_normal_learning_rate_still_converges():
    final = _run_with_lr("perceptron_and", 0.1, epochs=50)[-1]
    assert final.event != DIVERGED and "Converged" in final.message


def test_gan_with_a_huge_learning_rate_stops_with_the_reason():
    snaps = _run_with_lr("gan_ring_of_gaussians", 1e6)
    final = snaps[-1]
    assert final.event == DIVERGED and final.is_final
    assert "learning rate" in final.message and "lower both" in final.message
    _plain(final.message)


def test_gan_loss_growing_by_orders_of_magnitude_stops_before_nan(monkeypatch):
    """The watch sees the GAN's chunk losses: a discriminator loss 1e6 times its start stops
    the run while every number is still finite."""
    project = load_project("assets/examples/gan_ring_of_gaussians.layerlab.json")
    project.training.epochs = 3
    trainer = prepare(project).trainer
    real_d_step = trainer.d_step
    calls = {"n": 0}

    def growing(xb, yb):
        loss, real, fake = real_d_step(xb, yb)
        calls["n"] += 1
        return (loss if calls["n"] < 12 else loss * 1e7), real, fake

    monkeypatch.setattr(trainer, "d_step", growing)
    final = list(trainer.run())[-1]
    assert final.event == DIVERGED and "the loss grew" in final.message
    assert all(np.isfinite(final.batch_losses))


def test_exploding_gradients_are_caught_before_the_weights():
    grads = [np.full(4, 0.5)]
    watch = DivergenceWatch(lambda: [np.ones(4)], grads=lambda: grads)
    assert watch.check(np.array([1.0]), 1, 0.1, force_scan=True) is None  # the reference
    grads[0] = np.full(4, 50.0)  # 100-fold: a normal change
    assert watch.check(np.array([1.0]), 2, 0.1, force_scan=True) is None
    grads[0] = np.full(4, 1e7)
    reason = watch.check(np.array([1.0]), 3, 0.1, force_scan=True)
    assert reason is not None and "gradients exploded" in reason and "step 3" in reason


def test_nan_gradients_count_as_exploded():
    grads = [np.full(3, 1.0)]
    watch = DivergenceWatch(lambda: [np.ones(3)], grads=lambda: grads)
    watch.check(np.array([1.0]), 1, 0.1, force_scan=True)
    grads[0] = np.array([1.0, np.nan, 1.0])
    reason = watch.check(np.array([1.0]), 2, 0.1, force_scan=True)
    assert reason is not None and "gradients exploded" in reason
