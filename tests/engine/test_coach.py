"""The Coach's rules on synthetic histories: each fires when it should and only then."""

import math

import numpy as np

from engine import coach as c
from engine.snapshots import EPOCH, STEP, Snapshot


def rows(train, val=None, **extra):
    val = val if val is not None else [math.nan] * len(train)
    out = []
    for i, (t, v) in enumerate(zip(train, val)):
        row = {"epoch": i + 1, "step": 10 * (i + 1), "train_loss": t, "val_loss": v}
        row.update({k: vals[i] for k, vals in extra.items()})
        out.append(row)
    return out


def dyn(grad_rms=None, dead=None, grad_norm=None, layers=("dense1", "dense2", "out")):
    return {"layers": list(layers), "grad_rms": dict(grad_rms or {}),
            "grad_norm": dict(grad_norm or {}), "dead_fraction": dict(dead or {})}


# -- overfitting ------------------------------------------------------------------------------
def test_overfitting_fires_when_val_rises_for_five_epochs_while_train_falls():
    train = [1.0, 0.8, 0.6, 0.5, 0.4, 0.35, 0.3, 0.25, 0.2]
    val = [1.0, 0.8, 0.7, 0.72, 0.75, 0.8, 0.85, 0.9, 0.95]
    advice = c.overfitting(c.History(rows(train, val)))
    assert advice is not None and advice.kind == "overfitting"
    assert "risen for 6 epochs" in advice.message and "0.7 at epoch 3" in advice.message
    assert "dropout" in advice.message and advice.evidence["best_epoch"] == 3


def test_overfitting_silent_for_short_rises_and_when_train_also_rises():
    train = [1.0, 0.8, 0.6, 0.5, 0.4, 0.35, 0.3]
    short = [1.0, 0.8, 0.7, 0.6, 0.65, 0.7, 0.75]  # rising for 3 epochs only
    assert c.overfitting(c.History(rows(train, short))) is None
    both = [1.0, 0.8, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1]
    assert c.overfitting(c.History(rows(both, both))) is None
    assert c.overfitting(c.History(rows(train))) is None  # no validation split


# -- dead ReLUs -------------------------------------------------------------------------------
def test_dead_relu_names_the_worst_layer():
    h = c.History(dynamics=[dyn(dead={"hidden1": 0.1, "hidden2": 0.42})], learning_rate=0.5)
    advice = c.dead_relu(h)
    assert advice is not None
    assert advice.message.startswith("42 % of the ReLUs in 'hidden2' never activate")
    assert "LeakyReLU" in advice.message and "0.5" in advice.message


def test_dead_relu_silent_below_threshold_or_without_relus():
    assert c.dead_relu(c.History(dynamics=[dyn(dead={"hidden": 0.2})])) is None
    assert c.dead_relu(c.History(dynamics=[dyn()])) is None
    assert c.dead_relu(c.History()) is None


# -- vanishing / exploding gradients ----------------------------------------------------------
def test_vanishing_gradients_reports_the_power_of_ten():
    h = c.History(dynamics=[dyn(grad_rms={"dense1": 2e-9, "dense2": 1e-6, "out": 1e-3})])
    advice = c.vanishing_gradients(h)
    assert advice is not None
    assert "first layer 'dense1' are 10⁻⁶ of those in the last layer 'out'" in advice.message


def test_vanishing_gradients_silent_for_healthy_ratios():
    h = c.History(dynamics=[dyn(grad_rms={"dense1": 1e-4, "dense2": 3e-4, "out": 1e-3})])
    assert c.vanishing_gradients(h) is None
    assert c.vanishing_gradients(c.History(dynamics=[dyn(grad_rms={"out": 1e-3})])) is None


def test_exploding_gradients_from_growth_over_probes():
    frames = [dyn(grad_norm={"dense1": 1.0, "out": 1.0}),
              dyn(grad_norm={"dense1": 30.0, "out": 10.0}),
              dyn(grad_norm={"dense1": 3000.0, "out": 400.0})]
    advice = c.exploding_gradients(c.History(dynamics=frames, learning_rate=2.0))
    assert advice is not None and advice.severity == "error"
    assert "grew 2140-fold" in advice.message and "clipping" in advice.message


def test_exploding_gradients_from_first_to_last_ratio():
    h = c.History(dynamics=[dyn(grad_rms={"dense1": 50.0, "dense2": 1.0, "out": 1e-3})])
    advice = c.exploding_gradients(h)
    assert advice is not None and "10⁵ times" in advice.message


def test_exploding_gradients_silent_when_gradients_shrink():
    frames = [dyn(grad_norm={"out": 5.0}, grad_rms={"dense1": 1.0, "out": 1.0}),
              dyn(grad_norm={"out": 0.5}, grad_rms={"dense1": 0.1, "out": 0.2})]
    assert c.exploding_gradients(c.History(dynamics=frames)) is None


# -- loss shapes ------------------------------------------------------------------------------
def test_flat_loss_fires_for_a_stuck_loss():
    rng = np.random.default_rng(0)
    losses = 2.3 + 0.001 * rng.normal(size=300)
    advice = c.flat_loss(c.History(step_losses=losses, learning_rate=1e-5))
    assert advice is not None and "flat at 2.3" in advice.message and "1e-05" in advice.message


def test_flat_loss_silent_when_learning_or_converged():
    falling = np.linspace(2.3, 0.5, 300)
    assert c.flat_loss(c.History(step_losses=falling)) is None
    converged = np.r_[np.linspace(2.3, 0.05, 100), np.full(200, 0.05)]
    assert c.flat_loss(c.History(step_losses=converged)) is None
    assert c.flat_loss(c.History(step_losses=np.full(50, 2.3))) is None  # too few steps


def test_nan_loss_gives_the_step():
    losses = [1.0, 2.0, 50.0, math.nan, math.nan]
    advice = c.nan_loss(c.History(step_losses=losses, first_step=118, learning_rate=5.0))
    assert advice is not None
    assert advice.message.startswith("The loss is NaN at step 121: exploding gradients")
    assert advice.evidence["steps"].tolist() == [118, 119, 120, 121]
    assert c.nan_loss(c.History(step_losses=[1.0, 0.5])) is None


def test_loss_rising_fires_for_growing_training_loss_only():
    advice = c.loss_rising(c.History(rows([1.0, 0.5, 0.6, 0.8, 1.1]), learning_rate=0.9))
    assert advice is not None and "from 0.5 to 1.1" in advice.message
    assert c.loss_rising(c.History(rows([1.0, 0.5, 0.51, 0.52, 0.53]))) is None  # tiny drift
    assert c.loss_rising(c.History(rows([1.0, 0.8, 0.6, 0.5]))) is None


def test_underfitting_fires_for_low_flat_accuracy():
    acc = [0.4, 0.45, 0.5, 0.52, 0.53, 0.53, 0.54, 0.54, 0.54, 0.54]
    steps = [50 * (i + 1) for i in range(10)]  # 500 optimizer steps
    h = c.History(rows([1.0] * 10, train_accuracy=acc, val_accuracy=[0.5] * 10, step=steps))
    advice = c.underfitting(h)
    assert advice is not None and "only 54%" in advice.message and "50%" in advice.message
    # the same curve after only 100 steps (full batch: one step an epoch) is too early to say
    assert c.underfitting(c.History(rows([1.0] * 10, train_accuracy=acc))) is None
    good = c.History(rows([0.1] * 10, train_accuracy=[0.95] * 10))
    assert c.underfitting(good) is None
    rising = [0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55]
    assert c.underfitting(c.History(rows([1.0] * 10, train_accuracy=rising))) is None


# -- the whole coach --------------------------------------------------------------------------
def snap(step, losses, event=STEP, rows_=()):
    return Snapshot(event=event, step=step, epoch=0, epoch_progress=0.0, samples_seen=0,
                    batch_losses=tuple(losses), train_loss=None, val_loss=None, metrics={},
                    learning_rate=0.1, elapsed=1.0, samples_per_second=1.0,
                    time_to_first_step=0.1, epoch_rows=tuple(rows_))


def test_history_from_snapshots_and_sorted_advice():
    snaps = [snap(3, [1.0, 0.9, 0.8]), snap(5, [0.7, math.nan], EPOCH, rows([0.85]))]
    h = c.history_from_snapshots(snaps, [dyn(dead={"h": 0.9})])
    assert h.first_step == 1 and list(h.step_losses)[:3] == [1.0, 0.9, 0.8]
    assert h.learning_rate == 0.1 and len(h.epoch_rows) == 1
    advice = c.coach(h)
    assert [a.kind for a in advice] == ["nan_loss", "dead_relu"]
    assert "step 5" in advice[0].message


def test_healthy_run_gets_no_advice():
    train = list(np.linspace(1.0, 0.2, 12))
    val = list(np.linspace(1.0, 0.3, 12))
    h = c.History(rows(train, val, train_accuracy=list(np.linspace(0.5, 0.95, 12))),
                  step_losses=list(np.linspace(2.0, 0.2, 300)),
                  dynamics=[dyn(grad_rms={"dense1": 1e-3, "out": 3e-3}, dead={"dense1": 0.05},
                                grad_norm={"dense1": 1.0, "out": 1.0})],
                  learning_rate=0.01)
    assert c.coach(h) == []


def test_history_from_columns_feeds_the_rules():
    h = c.history_from_columns([1, 2, 3, 4, 5], {"train_loss": [1.0, 0.5, 0.6, 0.8, 1.1]},
                               [1.0, math.inf], learning_rate=0.3)
    assert c.loss_rising(h) is not None
    advice = c.nan_loss(h)
    assert advice is not None and "infinite at step 2" in advice.message


def test_saturation_fires_for_mostly_flat_tanh_outputs_only():
    advice = c.saturation(c.History(dynamics=[{"saturation": {"h1": 0.2, "h2": 0.73}}]))
    assert advice is not None and advice.message.startswith("73 % of the outputs of 'h2'")
    assert c.saturation(c.History(dynamics=[{"saturation": {"h1": 0.2}}])) is None
    assert c.saturation(c.History(dynamics=[dyn()])) is None
