"""A branch and its parent trained side by side from a checkpoint give the numbers each gives
alone from it; a branch may add a Dropout or change a layer (weights kept where they fit)."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from app.examples import example_path
from app.fork_compare import fork_plans, history_before
from app.variants import VariantRun, VariantSet, VariantSpec, make_variant
from engine.checkpoint_graft import graft
from engine.checkpoints import Checkpoint, capture, model_weights, restore
from engine.model import Model
from engine.project import load_project
from engine.recipes import prepare
from engine.types import ConfigError


def spiral(epochs: int = 8):
    """The spiral example with batches of 10 (40 steps an epoch: a checkpoint falls inside
    one) and the parent's rate 0.01 the tests fork from."""
    project = load_project(example_path("spiral"))
    project.training.epochs = epochs
    project.training.batch_size = 10
    project.training.optimizer_options["learning_rate"] = 0.01
    return project


def checkpoint_in_epoch(project, epoch: int = 5) -> Checkpoint:
    """The run's state a few steps into ``epoch`` (as the timeline records it)."""
    trainer = prepare(copy.deepcopy(project)).trainer
    trainer.config.snapshot_every = 1
    for _snap in trainer.run():
        if trainer.epoch == epoch - 1 and trainer.epoch_pos == 3:
            break
    checkpoint = capture(trainer)
    assert checkpoint.epoch_pos == 3
    return checkpoint


def _together(runs: list[VariantRun]) -> None:
    group = VariantSet()
    for run in runs:
        group.add(run)
    group.start_all()
    assert all(run.join(60) for run in runs)


def _alone(project, checkpoint, rate) -> dict[str, np.ndarray]:
    """A fresh run loaded with the checkpoint (as the session's Branch from here does)."""
    trainer = prepare(copy.deepcopy(project)).trainer
    restore(trainer, checkpoint)
    if rate is not None:
        trainer.set_learning_rate(rate)
    list(trainer.run())
    return trainer.model.get_weights()


def _equal(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> bool:
    return a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)


def test_parent_and_branch_side_by_side_equal_each_alone_from_the_fork() -> None:
    base = spiral()
    fork = checkpoint_in_epoch(base)
    plans = fork_plans(base, fork, 0.01, VariantSpec({"learning_rate": 0.05}))
    assert [p.learning_rate for p in plans] == [0.01, 0.05]
    assert plans[0].label == "parent from epoch 4, lr 0.01"
    assert plans[1].label == "branch from epoch 4: lr 0.05"
    runs = [plan.run() for plan in plans]
    _together(runs)
    for plan, run in zip(plans, runs, strict=True):
        assert run.last is not None and run.last.epoch == 8 and run.message is None
        assert _equal(run.model.get_weights(), _alone(plan.project, fork, plan.learning_rate))
    assert not _equal(runs[0].model.get_weights(), runs[1].model.get_weights())
    # the parent from the fork ends exactly where the uninterrupted run ends
    whole = prepare(copy.deepcopy(base)).trainer
    list(whole.run())
    assert _equal(runs[0].model.get_weights(), whole.model.get_weights())


def test_a_branch_with_dropout_added_equals_a_fresh_run_of_the_new_graph() -> None:
    base = spiral(epochs=6)
    fork = checkpoint_in_epoch(base)
    spec = VariantSpec(dropout_after={"hidden1": 0.2})
    parent, branch = fork_plans(base, fork, None, spec)
    assert "dropout_1" in branch.project.graph.nodes and branch.kept == (
        "all layers keep their weights")
    assert branch.project.graph.inputs_of("hidden2") == ["dropout_1"]
    run = branch.run()
    _together([run])
    new_graph = make_variant(base, spec)
    assert _equal(run.model.get_weights(), _alone(new_graph, fork, None))
    assert not _equal(run.model.get_weights(), _alone(base, fork, None))
    # and the dropout can be taken out again: the parent's numbers come back
    undo = fork_plans(new_graph, fork, None, VariantSpec(remove=("dropout_1",)))[1]
    assert "dropout_1" not in undo.project.graph.nodes
    assert sorted(undo.project.graph.to_dict()["edges"]) == sorted(
        base.graph.to_dict()["edges"])
    assert parent.project is base and parent.start is fork


def test_changing_units_keeps_the_layers_that_still_fit() -> None:
    base = spiral(epochs=6)
    fork = checkpoint_in_epoch(base)
    branch = fork_plans(base, fork, None, VariantSpec(layers={"hidden2": {"units": 12}}))[1]
    assert branch.kept == "kept weights: hidden1; fresh: hidden2, output"
    old, new = model_weights(fork), model_weights(branch.start)
    assert np.array_equal(new["hidden1/kernel"], old["hidden1/kernel"])
    assert new["hidden2/kernel"].shape == (8, 12) and new["output/kernel"].shape == (12, 2)
    model = Model(branch.project.graph, seed=branch.project.training.seed)
    assert np.array_equal(new["output/kernel"], model.get_weights()["output/kernel"])
    # Adam's memory: kept for hidden1's numbers, zero for the fresh layers
    moment = branch.start.arrays["optimizer/0/0"]
    assert moment.size == model.n_params
    size = old["hidden1/kernel"].size
    assert np.array_equal(moment[:size], fork.arrays["optimizer/0/0"][:size])
    assert not np.any(moment[model.slices[("hidden2", "kernel")]])
    run = branch.run()
    _together([run])
    assert run.message is None and run.last is not None and run.last.epoch == 6


def test_graft_and_edits_refuse_what_does_not_fit() -> None:
    base = spiral()
    with pytest.raises(ConfigError):
        make_variant(base, VariantSpec(remove=("hidden1",)))
    with pytest.raises(ConfigError):
        make_variant(base, VariantSpec(dropout_after={"output": 0.5}))
    fork = checkpoint_in_epoch(base, 2)
    odd = Checkpoint(**{**fork.__dict__, "arrays": {**model_weights(fork),
                                                    "optimizer/3/0": np.zeros(3, np.float32)}})
    fitted, _report = graft(odd, Model(base.graph, seed=1))
    assert fitted.optimizer_iterations == 0 and not any(
        k.startswith("optimizer/") for k in fitted.arrays)
    assert history_before([1, 2, 3], [0.5, float("nan"), 0.3], 2) == [(1, 0.5)]
