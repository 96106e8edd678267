"""The training generator: learning happens, snapshots, early stopping, divergence."""

import numpy as np
import pytest

from engine.datasets.registry import load_dataset
from engine.graph import Graph
from engine.model import Model
from engine.training import TrainConfig, Trainer
from engine.types import ConfigError, DataError


def mlp(hidden=8, out=1, act_out="sigmoid", inputs=2, act="tanh") -> Graph:
    return Graph.sequential([
        {"kind": "Input", "shape": [inputs]},
        {"kind": "Dense", "name": "hidden", "units": hidden, "activation": act},
        {"kind": "Dense", "name": "out", "units": out, "activation": act_out},
    ])


def run(graph, data_spec, **cfg):
    data = load_dataset(data_spec)
    trainer = Trainer(Model(graph, seed=0), data, TrainConfig(**cfg))
    return trainer, list(trainer.run())


def test_circles_learns_and_reports_metrics():
    trainer, snaps = run(mlp(), {"name": "circles", "n_samples": 300, "noise": 0.05},
                         optimizer="adam", optimizer_options={"learning_rate": 0.05}, epochs=40)
    final = snaps[-1]
    assert final.event == "finished" and final.epoch == 40
    assert trainer.history["train_loss"][-1] < 0.5 * trainer.history["train_loss"][0]
    assert final.metrics["val_accuracy"] > 0.9
    assert final.time_to_first_step is not None and final.time_to_first_step > 0  # timed: bench


def test_step_snapshots_carry_every_batch_loss():
    _, snaps = run(mlp(), {"name": "xor", "n_samples": 100}, batch_size=10, epochs=2,
                   snapshot_every=3)
    losses = [v for s in snaps for v in s.batch_losses]
    assert len(losses) == 2 * 8  # 80 training samples / 10 per batch, two epochs
    assert [s.event for s in snaps].count("epoch") == 1


def test_full_and_single_batch_modes():
    trainer, snaps = run(mlp(), {"name": "xor", "n_samples": 50}, batch_mode="full", epochs=3)
    assert snaps[-1].step == 3
    trainer, snaps = run(mlp(), {"name": "xor", "n_samples": 50}, batch_mode="single", epochs=1)
    assert snaps[-1].step == 40


def test_divergence_stops_with_advice():
    trainer, snaps = run(mlp(act_out="linear", inputs=1), {"name": "sine", "n_samples": 100},
                         optimizer="sgd", optimizer_options={"learning_rate": 50.0}, epochs=50,
                         loss="mse", batch_size=10)
    final = snaps[-1]
    assert final.event == "diverged"
    assert "learning rate 50 is too high" in final.message


def test_early_stopping_restores_best():
    trainer, snaps = run(mlp(hidden=32), {"name": "moons", "n_samples": 60, "noise": 0.3},
                         optimizer="adam", optimizer_options={"learning_rate": 0.1}, epochs=400,
                         early_stopping=True, patience=5)
    assert snaps[-1].event == "early_stopped" and "not improved for 5" in snaps[-1].message
    assert snaps[-1].epoch < 400


def test_stop_callable_between_steps():
    data = load_dataset({"name": "xor", "n_samples": 100})
    trainer = Trainer(Model(mlp()), data, TrainConfig(batch_size=1, epochs=5, snapshot_every=1))
    snaps = list(trainer.run(should_stop=lambda: trainer.step >= 7))
    assert snaps[-1].event == "stopped" and snaps[-1].step == 7


def test_wrong_output_units_explains():
    with pytest.raises(ConfigError, match="set the last layer's units to 3"):
        run(mlp(out=2, act_out="softmax"), {"name": "blobs", "n_classes": 3, "n_samples": 60})


def test_input_shape_mismatch_explains():
    with pytest.raises(DataError, match="Input layer expects 3"):
        run(mlp(inputs=3), {"name": "xor", "n_samples": 20})


def test_softmax_ce_on_blobs_and_probes():
    data = load_dataset({"name": "blobs", "n_classes": 3, "n_samples": 150})
    trainer = Trainer(Model(mlp(out=3, act_out="softmax")), data,
                      TrainConfig(epochs=5, probes=["decision_grid", "weights", "neuron_maps"]))
    final = list(trainer.run())[-1]
    grid = final.probes["decision_grid"]
    assert grid.shape == (60, 60, 3)
    np.testing.assert_allclose(grid.sum(-1), 1.0, rtol=1e-5)
    assert final.probes["neuron_map:hidden"].shape == (60, 60, 8)
    assert final.probes["weights:hidden/kernel"].shape == (2, 8)


def test_numpy_backend_trains_like_numba():
    from engine import backend

    finals = []
    for name in ("numba", "numpy"):
        with backend.using(name):
            trainer, snaps = run(mlp(), {"name": "circles", "n_samples": 100}, epochs=3)
            finals.append(trainer.history["train_loss"])
    np.testing.assert_allclose(finals[0], finals[1], rtol=1e-4)


def test_fused_stepper_equals_generic_stepper():
    """The fused Dense-chain path reproduces the layer-by-layer path (float64, all options)."""
    from engine.fused_mlp import FusedMLPStepper
    from engine.stepper import GenericStepper

    graph = Graph.sequential([
        {"kind": "Input", "shape": [2]},
        {"kind": "Dense", "units": 6, "activation": "elu", "l2": 0.01, "l1": 0.001},
        {"kind": "Dense", "units": 5, "activation": "leaky_relu"},
        {"kind": "Dense", "units": 3, "activation": "softmax"},
    ])
    data = load_dataset({"name": "blobs", "n_classes": 3, "n_samples": 90})
    config = TrainConfig(optimizer="nesterov", clip_norm=0.5,
                         schedule={"name": "exponential", "gamma": 0.9})
    losses = []
    for fused in (True, False):
        model = Model(graph, seed=4, dtype=np.float64)
        trainer = Trainer(model, data, config)
        if not fused:
            trainer.stepper = GenericStepper(model, trainer.loss, trainer.optimizer, config)
        else:
            assert isinstance(trainer.stepper, FusedMLPStepper)
        batches = [np.arange(i, i + 8) for i in range(0, 64, 8)]
        losses.append((trainer.stepper.run(data.x_train.astype(np.float64), trainer.y_train,
                                           batches), model.params_flat.copy()))
    np.testing.assert_allclose(losses[0][0], losses[1][0], rtol=1e-10)
    np.testing.assert_allclose(losses[0][1], losses[1][1], rtol=1e-9, atol=1e-12)


def test_confusion_probe_counts_validation_samples():
    data = load_dataset({"name": "blobs", "n_classes": 3, "n_samples": 150})
    trainer = Trainer(Model(mlp(out=3, act_out="softmax")), data,
                      TrainConfig(epochs=3, probes=["confusion"]))
    cm = list(trainer.run())[-1].probes["confusion"]
    assert cm.shape == (3, 3) and cm.sum() == len(data.y_val)
    np.testing.assert_array_equal(cm.sum(axis=1), np.bincount(data.y_val, minlength=3))
