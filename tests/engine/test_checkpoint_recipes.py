"""The GAN's and the perceptron's moments hold their whole state: training on from one equals
the uninterrupted run, and a branch from step k with new settings equals a fresh run loaded
with the step-k checkpoint and those settings. A VAE with KL warm-up gives the same numbers
however its run is cut into chunks."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from app.branch_settings import adapted, with_settings
from app.examples import example_path
from engine.checkpoints import CheckpointStore, can_resume, capture, restore
from engine.project import Project, load_project, save_weights
from engine.recipes import prepare
from engine.timeline_file import add_timeline, read_timeline
from engine.types import LayerLabError


def gan_project(epochs: int = 3) -> Project:
    project = load_project(example_path("gan_ring_of_gaussians"))
    project.training.epochs = epochs
    return project


def perceptron_project(epochs: int = 6) -> Project:
    """One step neuron on XOR: it never converges, so every epoch trains."""
    project = load_project(example_path("perceptron_and"))
    project.dataset = {"name": "xor"}
    project.training.epochs = epochs
    return project


def vae_project(epochs: int = 2) -> Project:
    project = load_project(example_path("vae_digits_2d"))
    project.training.epochs = epochs
    project.training.recipe_options = {**project.training.recipe_options,
                                       "kl_warmup_epochs": 1.5}
    return project


def fresh(project: Project, data=None):
    return prepare(copy.deepcopy(project), data).trainer


def record(trainer, store: CheckpointStore, chunks=(1, 3, 7, 2)) -> None:
    """Pull the run like the app's worker: uneven chunks ending where a moment is due."""
    store.maybe_record(trainer)
    trainer.config.snapshot_every = 1
    for i, snap in enumerate(trainer.run()):
        store.maybe_record(trainer, force=snap.is_final)
        trainer.config.snapshot_every = min(chunks[i % len(chunks)],
                                            store.steps_until_due(trainer.step))


def weights(trainer) -> dict[str, np.ndarray]:
    return trainer.model.get_weights()


def same(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> bool:
    return a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)


@pytest.mark.parametrize("make", [gan_project, perceptron_project], ids=["gan", "perceptron"])
def test_training_on_from_a_moment_equals_the_whole_run(make):
    project = make()
    whole = fresh(project)
    data = whole.data
    list(whole.run())
    store = CheckpointStore()
    recorded = fresh(project, data)
    record(recorded, store)
    assert same(weights(recorded), weights(whole))
    moments = store.checkpoints()
    assert len(moments) >= 4 and all(c.resumable for c in moments) and can_resume(recorded)
    inside = [c for c in moments if c.epoch_pos > 0 and c.epoch >= 1]
    late = inside[0] if inside else [c for c in moments if c.epoch == 2][0]
    for fork in (moments[1], late):
        again = fresh(project, data)
        restore(again, fork)
        list(again.run())
        assert again.step == whole.step
        assert same(weights(again), weights(whole)), fork.label
        assert again.history["train_loss"] == whole.history["train_loss"][fork.epoch:]


def test_a_gan_moment_holds_both_optimizers_and_its_place_in_the_epoch():
    project = gan_project()
    store = CheckpointStore()
    trainer = fresh(project)
    record(trainer, store)
    fork = [c for c in store.checkpoints() if c.epoch == 1 and c.epoch_pos > 0][0]
    names = set(fork.arrays)
    assert any(k.startswith("optimizer/g/") for k in names)
    assert any(k.startswith("optimizer/d/") for k in names)
    assert fork.extra["trainer"] == "gan" and fork.extra["optimizer_d_iterations"] == fork.step
    assert len(fork.epoch_losses) == fork.epoch_pos  # the discriminator's losses so far
    assert not fork.fits_graph_edits
    # a GAN's moment does not load into another kind of trainer
    with pytest.raises(LayerLabError):
        restore(fresh(perceptron_project()), fork)


@pytest.mark.parametrize("make", [gan_project, perceptron_project], ids=["gan", "perceptron"])
def test_a_branch_with_a_new_rate_equals_a_fresh_run_loaded_with_the_moment(make):
    project = make()
    store = CheckpointStore()
    first = fresh(project)
    data = first.data
    record(first, store)
    fork = [c for c in store.checkpoints() if c.epoch >= 1 and c.step > 0][0]
    branches = []
    for _ in range(2):
        branch = fresh(project, data)
        restore(branch, fork)
        branch.set_learning_rate(0.05)
        list(branch.run())
        branches.append(weights(branch))
    assert same(*branches)
    assert not same(branches[0], weights(first))  # the new rate made another run


def test_a_gan_branch_with_another_optimizer_starts_with_an_empty_memory():
    project = gan_project()
    store = CheckpointStore()
    record(fresh(project), store)
    fork = [c for c in store.checkpoints() if c.epoch == 1 and c.epoch_pos > 0][0]
    changed = with_settings(project, {"optimizer": "sgd", "optimizer_options": {
        "learning_rate": 0.01}})
    start = adapted(fork, project.training, changed.training)
    assert not any(k.startswith("optimizer/") for k in start.arrays)
    assert "optimizer_d_iterations" not in start.extra
    runs = []
    for _ in range(2):
        branch = fresh(changed)
        restore(branch, start)
        assert branch.g_optimizer.iterations == branch.d_optimizer.iterations == 0
        list(branch.run())
        runs.append(weights(branch))
    assert same(*runs)


def test_a_gan_timeline_saved_with_the_project_trains_on_alike(tmp_path):
    project = gan_project(2)
    store = CheckpointStore()
    trainer = fresh(project)
    record(trainer, store)
    sidecar = tmp_path / "gan.layerlab.npz"
    save_weights(sidecar, trainer.model.get_weights())
    add_timeline(sidecar, store.checkpoints())
    loaded = read_timeline(sidecar)
    fork = [c for c in loaded if c.epoch_pos > 0][0]
    original = [c for c in store.checkpoints() if c.step == fork.step][0]
    assert fork.extra == original.extra and fork.generators == original.generators
    a, b = fresh(project), fresh(project)
    restore(a, fork)
    restore(b, original)
    list(a.run())
    list(b.run())
    assert same(weights(a), weights(b))


def _vae_run(project: Project, chunks: tuple[int, ...], data=None):
    trainer = fresh(project, data)
    trainer.config.snapshot_every = chunks[0]
    for i, _snap in enumerate(trainer.run()):
        trainer.config.snapshot_every = chunks[(i + 1) % len(chunks)]
    return trainer


def test_a_vae_with_kl_warm_up_is_the_same_in_one_chunk_or_many():
    project = vae_project()
    whole = _vae_run(project, (0,))  # 0: each epoch in one chunk
    uneven = _vae_run(project, (1, 7, 3, 20, 2), whole.data)
    assert 0.0 < whole.history["train_kl_weight"][0] < 1.0  # the warm-up ran
    assert same(weights(uneven), weights(whole))
    assert uneven.history["train_loss"] == whole.history["train_loss"]


def test_a_vae_with_kl_warm_up_trains_on_from_a_moment_like_the_whole_run():
    project = vae_project()
    whole = _vae_run(project, (0,))
    trainer = fresh(project, whole.data)
    trainer.config.snapshot_every = 13
    fork = None
    for _snap in trainer.run():
        if trainer.epoch == 0 and fork is None:
            fork = capture(trainer)
    assert fork is not None and fork.epoch_pos > 0
    again = fresh(project, whole.data)
    restore(again, fork)
    again.config.snapshot_every = 5
    list(again.run())
    assert same(weights(again), weights(whole))
