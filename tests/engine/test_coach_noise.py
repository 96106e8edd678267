"""The Coach does not cry wolf: no overfitting card at chance level or for a wobble inside the
noise; a "learning rate too small" card for the old new-project defaults that stay at chance."""

import math

import numpy as np
import pytest

from engine import coach as c
from engine.graph import Graph
from engine.project import Project
from engine.recipes import prepare
from engine.training import TrainConfig


def rows(train, val, **extra):
    out = []
    for i, (t, v) in enumerate(zip(train, val)):
        row = {"epoch": i + 1, "step": 10 * (i + 1), "train_loss": t, "val_loss": v}
        row.update({k: vals[i] for k, vals in extra.items()})
        out.append(row)
    return out


REAL_TRAIN = list(np.linspace(1.0, 0.2, 12))
REAL_VAL = [1.0, 0.8, 0.7, 0.72, 0.75, 0.8, 0.85, 0.9, 0.95, 1.0, 1.05, 1.1]


def test_overfitting_fires_for_a_real_rise_on_a_model_that_beats_chance():
    h = c.History(rows(REAL_TRAIN, REAL_VAL, val_accuracy=[0.9] * 12), chance_accuracy=0.5)
    advice = c.overfitting(h)
    assert advice is not None and "risen for 9 epochs" in advice.message


def test_no_overfitting_card_for_a_model_at_chance_level():
    """The issue's case: validation loss 0.679 → 0.684 on a model that guesses (54 %)."""
    rng = np.random.default_rng(0)
    train = list(0.70 - 0.005 * np.arange(12) / 11 + 0.001 * rng.normal(size=12))
    val = [0.679, 0.678, 0.677, 0.676, 0.675, 0.676, 0.678, 0.679, 0.681, 0.682, 0.683, 0.684]
    acc = [0.54] * 12
    assert c.overfitting(c.History(rows(train, val, val_accuracy=acc), chance_accuracy=0.5)) \
        is None
    # the same at-chance accuracy with a big rise and a falling train loss: still no card,
    # because the model does not beat chance (a guesser cannot overfit)
    h = c.History(rows(REAL_TRAIN, REAL_VAL, val_accuracy=[0.55] * 12), chance_accuracy=0.5)
    assert c.overfitting(h) is None
    # ten classes: 30 % beats 10 % chance by enough; 15 % does not
    ten = c.History(rows(REAL_TRAIN, REAL_VAL, val_accuracy=[0.3] * 12), chance_accuracy=0.1)
    assert c.overfitting(ten) is not None
    low = c.History(rows(REAL_TRAIN, REAL_VAL, val_accuracy=[0.15] * 12), chance_accuracy=0.1)
    assert c.overfitting(low) is None


def test_no_overfitting_card_when_the_training_loss_never_fell():
    """Without accuracy (regression) a model that has not learned is told by its loss."""
    flat_train = [1.0, 0.98, 0.97, 0.96, 0.95, 0.94, 0.93, 0.92, 0.91, 0.9, 0.9, 0.89]
    assert c.overfitting(c.History(rows(flat_train, REAL_VAL))) is None


def test_no_overfitting_card_for_a_change_inside_the_noise():
    rng = np.random.default_rng(1)
    train = list(np.linspace(1.0, 0.1, 30))
    # a good model's validation loss wobbling ±0.03 around 0.30 with no trend
    val = list(np.r_[np.linspace(1.0, 0.3, 10), 0.3 + 0.03 * rng.normal(size=20)])
    h = c.History(rows(train, val, val_accuracy=[0.92] * 30), chance_accuracy=0.5)
    assert c.overfitting(h) is None
    # a slow steady creep (+6 % of the best) stays inside the 10 % threshold
    creep = list(np.r_[np.linspace(1.0, 0.3, 10), 0.3 + 0.001 * np.arange(20)])
    assert c.overfitting(c.History(rows(train, creep, val_accuracy=[0.92] * 30),
                                   chance_accuracy=0.5)) is None


def test_wiggle_and_chance_helpers():
    assert c.wiggle(np.linspace(0.3, 0.6, 10)) == pytest.approx(0.0, abs=1e-12)  # a trend
    noise = np.random.default_rng(2).normal(0.0, 0.05, 2000)
    assert c.wiggle(noise) == pytest.approx(0.05, rel=0.1)
    assert c.chance_from_confusion([[30, 10], [5, 55]]) == pytest.approx(0.6)
    assert c.chance_from_confusion([[0, 0], [0, 0]]) is None
    assert c.chance_from_confusion([1, 2, 3]) is None


def test_flat_loss_reads_a_noisy_flat_loss_and_not_a_noisy_falling_one():
    rng = np.random.default_rng(3)
    flat = 0.69 + 0.04 * rng.normal(size=500)  # mini-batch losses wobble by ~6 %
    advice = c.flat_loss(c.History(step_losses=flat, learning_rate=0.001))
    assert advice is not None and advice.severity == "warning"
    assert "too small" in advice.message and "0.01" in advice.message
    falling = np.linspace(0.69, 0.5, 500) + 0.04 * rng.normal(size=500)
    assert c.flat_loss(c.History(step_losses=falling, learning_rate=0.001)) is None


def textbook(training: TrainConfig) -> Project:
    graph = Graph.sequential([
        {"kind": "Input", "shape": [2]},
        {"kind": "Dense", "units": 8, "activation": "tanh"},
        {"kind": "Dense", "units": 8, "activation": "tanh"},
        {"kind": "Dense", "units": 1, "activation": "sigmoid"},
    ])
    return Project(graph=graph, training=training)


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_old_defaults_get_a_learning_rate_too_small_card_and_no_overfitting(optimizer):
    """lr 0.001, 50 epochs of 32 on the default spiral ends at chance: the Coach says the
    learning rate is too small (not that the network overfits)."""
    config = TrainConfig(optimizer=optimizer, optimizer_options={"learning_rate": 0.001},
                         probes=["confusion"])
    snaps = list(prepare(textbook(config)).trainer.run())
    history = c.history_from_snapshots(snaps)
    assert history.chance_accuracy == pytest.approx(0.5, abs=0.05)
    assert history.epoch_rows[-1]["val_accuracy"] < 0.65  # at chance
    kinds = [a.kind for a in c.coach(history)]
    assert "flat_loss" in kinds and "overfitting" not in kinds
    flat = next(a for a in c.coach(history) if a.kind == "flat_loss")
    assert "learning rate (now 0.001) is probably too small" in flat.message
    assert c.headline(flat).startswith("Coach: the loss is flat")
    assert not math.isnan(flat.evidence["start"])


def test_no_flat_loss_card_anywhere_on_the_spiral_examples_real_early_curve():
    """Issue 18: Adam 0.01 on the spiral sits on a plateau (epochs ~8-34, loss ~0.93, accuracy
    ~60 %) and then learns slowly (epoch 80: the loss falls ~5 % over 1,600 steps while the
    accuracy climbs) — the Coach must not say the learning rate is too small at any epoch."""
    from engine.project import load_project

    project = load_project("assets/examples/spiral.layerlab.json")
    project.training.epochs = 100
    project.training.max_steps_per_second = 0
    snaps = list(prepare(project).trainer.run())
    full = c.history_from_snapshots(snaps)
    per_epoch = len(full.step_losses) // len(full.epoch_rows)
    fired = []
    for epoch in range(5, 101):
        h = c.History([r for r in full.epoch_rows if r["epoch"] <= epoch],
                      full.step_losses[: epoch * per_epoch], learning_rate=0.01)
        if any(a.kind == "flat_loss" for a in c.coach(h)):
            fired.append(epoch)
    assert fired == []


def test_flat_loss_needs_a_flat_accuracy_and_a_small_rate_for_the_steps():
    rng = np.random.default_rng(4)
    flat = 0.69 + 0.04 * rng.normal(size=500)
    acc = list(np.full(20, 0.5) + 0.01 * rng.normal(size=20))
    h_rows = rows([0.69] * 20, [0.69] * 20, val_accuracy=acc)  # steps 10 ... 200
    for r in h_rows:
        r["step"] *= 2.5  # 25 steps an epoch: 500 steps
    assert c.flat_loss(c.History(h_rows, flat, learning_rate=0.001)) is not None
    climbing = [dict(r, val_accuracy=0.5 + 0.01 * i) for i, r in enumerate(h_rows)]
    assert c.flat_loss(c.History(climbing, flat, learning_rate=0.001)) is None  # still learning
    # lr 0.01 × 500 steps: the weights could have moved; a plateau, not a small rate
    assert c.flat_loss(c.History(h_rows, flat, learning_rate=0.01)) is None
    assert c.flat_loss(c.History(h_rows, flat[:250], learning_rate=0.001)) is None  # too early
