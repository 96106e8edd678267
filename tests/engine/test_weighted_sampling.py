"""Weighted sampling: on 90/10 data the drawn batches are about balanced over an epoch, the
order is fixed by the seed, a restored checkpoint trains on bit-identically, and the setting
goes through the one validation path of the training settings."""

import numpy as np
import pytest

from engine.checkpoints import CheckpointStore, restore
from engine.datasets.registry import load_dataset
from engine.graph import Graph
from engine.model import Model
from engine.training import TrainConfig, Trainer
from engine.types import ConfigError

RARE = {"name": "moons", "n_samples": 600, "imbalance": 0.11, "rare_class": 1}


def mlp() -> Graph:
    return Graph.sequential([
        {"kind": "Input", "shape": [2]},
        {"kind": "Dense", "name": "hidden", "units": 8, "activation": "tanh"},
        {"kind": "Dense", "name": "out", "units": 2, "activation": "softmax"},
    ])


def trainer(data, **cfg) -> Trainer:
    config = TrainConfig(**{"epochs": 4, "batch_size": 16, "seed": 5,
                            "weighted_sampling": True, **cfg})
    return Trainer(Model(mlp(), seed=5), data, config)


def rare_share(data) -> float:
    return float(np.mean(data.y_train == 1))


def test_batches_drawn_over_an_epoch_are_about_balanced_on_90_10_data():
    data = load_dataset(RARE)
    assert 0.05 < rare_share(data) < 0.15  # the data is really 90/10
    t = trainer(data)
    order = t._order(len(data.x_train))
    assert len(order) == len(data.x_train)
    drawn = data.y_train[order]
    assert abs(float(np.mean(drawn == 1)) - 0.5) < 0.08
    plain = trainer(data, weighted_sampling=False)._order(len(data.x_train))
    assert abs(float(np.mean(data.y_train[plain] == 1)) - rare_share(data)) < 1e-12


def test_the_same_seed_gives_the_same_order_and_another_seed_another():
    data = load_dataset(RARE)
    n = len(data.x_train)
    assert np.array_equal(trainer(data)._order(n), trainer(data)._order(n))
    assert not np.array_equal(trainer(data)._order(n), trainer(data, seed=6)._order(n))
    a, b = trainer(data), trainer(data)
    list(a.run())
    list(b.run())
    for name, value in a.model.get_weights().items():
        assert np.array_equal(b.model.get_weights()[name], value), name


def test_a_restored_checkpoint_trains_on_bit_identically_with_weighted_sampling():
    data = load_dataset(RARE)
    whole = trainer(data)
    list(whole.run())
    store = CheckpointStore()
    recorded = trainer(data, snapshot_every=1)
    store.maybe_record(recorded)
    for snap in recorded.run():
        store.maybe_record(recorded, force=snap.is_final)
    per_epoch = -(-len(data.x_train) // 16)
    fork = [c for c in store.checkpoints() if c.step > per_epoch and c.step % per_epoch][0]
    branch = trainer(data)
    restore(branch, fork)
    list(branch.run())
    assert branch.step == whole.step
    for name, value in whole.model.get_weights().items():
        assert np.array_equal(branch.model.get_weights()[name], value), name


def test_regression_keeps_a_plain_shuffle_and_a_wrong_value_is_refused():
    data = load_dataset({"name": "sine", "n_samples": 200})
    graph = Graph.sequential([{"kind": "Input", "shape": [1]},
                              {"kind": "Dense", "name": "out", "units": 1}])
    t = Trainer(Model(graph, seed=5), data, TrainConfig(weighted_sampling=True, seed=5))
    order = t._order(len(data.x_train))
    assert np.array_equal(np.sort(order), np.arange(len(data.x_train)))
    with pytest.raises(ConfigError, match="weighted sampling"):
        TrainConfig.from_dict({"weighted_sampling": "often"})
    config = TrainConfig.from_dict({"weighted_sampling": True})
    assert config.weighted_sampling is True
