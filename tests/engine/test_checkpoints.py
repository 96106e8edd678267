"""Checkpoints: a recorded moment gives exactly the network of a run stopped there, a restored
trainer trains on exactly like the uninterrupted run, and the caps hold over a long run."""

import numpy as np
import pytest

from engine.checkpoints import CheckpointStore, capture, model_weights, restore, unique_bytes
from engine.datasets.registry import load_dataset
from engine.graph import Graph
from engine.model import Model
from engine.project import load_weights, save_weights
from engine.timeline_file import add_timeline, read_timeline, timeline_arrays
from engine.training import TrainConfig, Trainer
from engine.types import ProjectFileError

SPIRAL = {"name": "spiral", "n_samples": 200, "noise": 0.1}


def mlp() -> Graph:
    return Graph.sequential([
        {"kind": "Input", "shape": [2]},
        {"kind": "Dense", "name": "hidden", "units": 8, "activation": "tanh"},
        {"kind": "Dense", "name": "out", "units": 2, "activation": "softmax"},
    ])


def make_trainer(data, **cfg) -> Trainer:
    config = TrainConfig(**{"epochs": 6, "batch_size": 16, "seed": 3, **cfg})
    return Trainer(Model(mlp(), seed=3), data, config)


def record_run(trainer: Trainer, store: CheckpointStore, chunks=(1, 3, 7, 2)) -> None:
    """Pull the run like the app's worker: uneven chunks, a record after each pull."""
    store.maybe_record(trainer)
    trainer.config.snapshot_every = 1
    gen = trainer.run()
    i = 0
    for snap in gen:
        store.maybe_record(trainer, force=snap.is_final)
        trainer.config.snapshot_every = min(chunks[i % len(chunks)],
                                            store.steps_until_due(trainer.step))
        i += 1


def run_to_step(data, k: int, **cfg) -> Trainer:
    trainer = make_trainer(data, snapshot_every=1, **cfg)
    for snap in trainer.run():
        if snap.step >= k:
            break
    assert trainer.step == k
    return trainer


def test_a_checkpoint_gives_the_predictions_of_a_run_stopped_there():
    data = load_dataset(SPIRAL)
    store = CheckpointStore()
    record_run(make_trainer(data), store)
    steps = [c.step for c in store.checkpoints()]
    assert steps[0] == 0 and steps[:4] == [0, 1, 2, 3]  # dense early
    per_epoch = 10  # 160 training samples / 16
    mid = [c for c in store.checkpoints() if c.step % per_epoch and c.step > 20][0]
    stopped = run_to_step(data, mid.step)
    copy = make_trainer(data)
    restore(copy, mid)
    x = data.x_val
    expected = stopped.model.forward(x, training=False)
    assert np.array_equal(copy.model.forward(x, training=False), expected)
    assert mid.epoch == stopped.epoch
    grid_now = copy.probe_grid.compute(["decision_grid"])["decision_grid"]
    grid_then = stopped.probe_grid.compute(["decision_grid"])["decision_grid"]
    assert np.array_equal(grid_now, grid_then)
    # another moment gives other predictions: the check above can fail
    restore(copy, store.checkpoints()[-1])
    assert not np.array_equal(copy.model.forward(x, training=False), expected)


@pytest.mark.parametrize("where", ["epoch end", "inside an epoch"])
def test_a_restored_trainer_trains_on_exactly_like_the_whole_run(where):
    data = load_dataset(SPIRAL)
    whole = make_trainer(data)
    list(whole.run())
    store = CheckpointStore()
    record_run(make_trainer(data), store)
    if where == "epoch end":
        fork = [c for c in store.checkpoints() if c.step == 20][0]  # the end of epoch 2
        assert fork.epoch == 2 and fork.epoch_pos == 0
    else:
        fork = [c for c in store.checkpoints() if c.step > 20 and c.step % 10][0]
        assert fork.epoch_pos == fork.step % 10 and len(fork.epoch_losses) == fork.epoch_pos
    branch = make_trainer(data)
    restore(branch, fork)
    list(branch.run())
    assert branch.step == whole.step
    for name, value in whole.model.get_weights().items():
        assert np.array_equal(branch.model.get_weights()[name], value), name
    assert branch.history["train_loss"] == whole.history["train_loss"][fork.epoch:]


def test_a_branch_with_a_new_learning_rate_is_a_fresh_run_from_the_checkpoint():
    data = load_dataset(SPIRAL)
    store = CheckpointStore()
    record_run(make_trainer(data), store)
    fork = [c for c in store.checkpoints() if c.step > 20 and c.step % 10][0]  # mid-epoch
    a, b = make_trainer(data), make_trainer(data)
    for t in (a, b):
        restore(t, fork)
        t.set_learning_rate(0.05)
    list(a.run())
    list(b.run())
    assert np.array_equal(a.model.params_flat, b.model.params_flat)
    plain = make_trainer(data)
    restore(plain, fork)
    list(plain.run())  # the default learning rate: another branch
    assert not np.array_equal(plain.model.params_flat, a.model.params_flat)


def test_unchanged_arrays_are_shared_not_copied():
    data = load_dataset(SPIRAL)
    trainer = make_trainer(data)
    first = capture(trainer)
    again = capture(trainer, first)
    assert again.new_bytes == 0
    assert all(again.arrays[k] is first.arrays[k] for k in first.arrays)
    assert all(v.dtype == np.float32 for v in model_weights(first).values())


def test_the_memory_cap_holds_over_a_long_run():
    data = load_dataset({"name": "xor", "n_samples": 40})
    trainer = Trainer(Model(mlp(), seed=0), data,
                      TrainConfig(epochs=2000, batch_size=4, seed=0))  # 16,000 steps
    one = capture(trainer)
    per_moment = sum(v.nbytes for v in one.arrays.values()) * 3  # with Adam's two buffers
    cap = 25 * per_moment
    store = CheckpointStore(cap_bytes=cap, max_count=60)
    record_run(trainer, store, chunks=(50,))
    items = store.checkpoints()
    assert trainer.step == 16_000
    assert store.bytes == unique_bytes(items) <= cap
    assert 5 <= len(items) <= 60
    assert items[0].step == 0 and items[-1].step == 16_000
    steps = np.array([c.step for c in items])
    assert np.all(np.diff(steps) > 0)
    assert np.median(steps) < 8_000  # still denser early than late
    store.set_cap(5 * per_moment)  # the learner lowers the cap
    assert unique_bytes(store.checkpoints()) <= 5 * per_moment
    assert store.checkpoints()[-1].step == 16_000


def test_the_timeline_file_round_trips_and_writes_shared_arrays_once(tmp_path):
    data = load_dataset(SPIRAL)
    store = CheckpointStore()
    trainer = make_trainer(data, epochs=2)
    record_run(trainer, store)
    items = store.checkpoints()
    arrays = timeline_arrays(items)
    assert sum(v.nbytes for k, v in arrays.items() if k != "t:manifest") == unique_bytes(items)
    sidecar = tmp_path / "run.layerlab.npz"
    save_weights(sidecar, trainer.model.get_weights(), {"train_loss": [1.0, 0.5]})
    assert read_timeline(sidecar) == []
    add_timeline(sidecar, items)
    weights, history = load_weights(sidecar)  # the weights file reads as before
    assert history == {"train_loss": [1.0, 0.5]} and set(weights) == set(model_weights(items[0]))
    back = read_timeline(sidecar)
    assert [(c.step, c.epoch, c.optimizer_iterations) for c in back] == \
        [(c.step, c.epoch, c.optimizer_iterations) for c in items]
    copy = make_trainer(data)
    restore(copy, back[5])
    again = make_trainer(data)
    restore(again, items[5])
    assert np.array_equal(copy.model.params_flat, again.model.params_flat)
    broken = dict(np.load(sidecar))
    broken["t:manifest"] = np.frombuffer(b"[{]", dtype=np.uint8)
    np.savez(sidecar, **broken)
    with pytest.raises(ProjectFileError, match="timeline .* is damaged"):
        read_timeline(sidecar)


def test_the_default_cap_is_sized_to_the_model_and_its_optimizer():
    data = load_dataset(SPIRAL)
    trainer = make_trainer(data, optimizer="adam")
    store = CheckpointStore()
    store.maybe_record(trainer)  # step 0: Adam has no buffers yet
    weights = sum(v.nbytes for v in model_weights(store.checkpoints()[0]).values())
    assert store.cap_bytes == max(4 * 2**20, 100 * 3 * weights)
    big = Trainer(Model(Graph.sequential([
        {"kind": "Input", "shape": [2]},
        {"kind": "Dense", "name": "hidden", "units": 4000, "activation": "tanh"},
        {"kind": "Dense", "name": "wide", "units": 1000, "activation": "tanh"},
        {"kind": "Dense", "name": "out", "units": 2, "activation": "softmax"}]), seed=0),
        data, TrainConfig(epochs=1))
    store = CheckpointStore()
    store.maybe_record(big)  # 4M parameters: 16 MB, 48 MB with Adam's buffers
    assert store.cap_bytes == 200 * 2**20
