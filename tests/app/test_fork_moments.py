"""The Compare window's runs record moments as the main run does, so a run kept as a branch
can be scrubbed: each moment is exactly the run's state at its step. Every recipe forks: a
GAN's parent and branch side by side equal each alone from the moment."""

from __future__ import annotations

import copy

import numpy as np

from app.examples import example_path
from app.fork_compare import fork_plans, kept_run
from app.variants import VariantRun, VariantSet, VariantSpec
from engine.checkpoints import capture, restore
from engine.project import load_project
from engine.recipes import prepare
from engine.types import ConfigError


def _together(runs: list[VariantRun]) -> None:
    group = VariantSet()
    for run in runs:
        group.add(run)
    group.start_all()
    assert all(run.join(60) for run in runs)


def _equal(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> bool:
    return a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)


def _fork_of(project, epoch: int):
    """The run's state a few steps into ``epoch``."""
    trainer = prepare(copy.deepcopy(project)).trainer
    trainer.config.snapshot_every = 1
    for _snap in trainer.run():
        if trainer.epoch == epoch and trainer.epoch_pos == 3:
            break
    return capture(trainer)


def test_a_compared_run_records_moments_that_are_its_states_then():
    project = load_project(example_path("spiral"))
    project.training.epochs = 8
    fork = _fork_of(project, 3)
    plans = fork_plans(project, fork, 0.01, VariantSpec({"learning_rate": 0.05}))
    runs = [plan.run() for plan in plans]
    _together(runs)
    branch = runs[1]
    kept = kept_run(plans[1], branch)
    assert not isinstance(kept, str)
    steps = [m.step for m in kept.moments]
    assert kept.moments[0] is plans[1].start and steps[-1] == branch.last.step
    assert len(steps) >= 4 and steps == sorted(set(steps))  # more than the fork and its end
    assert kept.present is kept.moments[-1]
    assert _equal(dict(kept.present.arrays), dict(capture(branch.trainer).arrays))
    # each moment between is exactly the branch's state at its step: a fresh run from the
    # fork, stopped there, has those weights
    for moment in kept.moments[1:-1]:
        alone = prepare(copy.deepcopy(plans[1].project)).trainer
        restore(alone, plans[1].start)
        alone.set_learning_rate(0.05)
        alone.config.snapshot_every = 1
        for _snap in alone.run():
            if alone.step == moment.step:
                break
        assert _equal(alone.model.get_weights(),
                      {k: v for k, v in moment.arrays.items() if not k.startswith("optimizer/")})


def test_a_compared_runs_moments_stay_under_the_memory_cap():
    project = load_project(example_path("spiral"))
    project.training.epochs = 30
    fork = _fork_of(project, 1)
    plan = fork_plans(project, fork, None, VariantSpec({"learning_rate": 0.05}))[1]
    cap = 8 * fork.new_bytes  # room for about eight moments
    run = plan.run(cap_bytes=cap)
    _together([run])
    moments = run.moments.checkpoints()
    assert run.moments.bytes <= cap and 2 <= len(moments) <= 9
    assert moments[0] is plan.start and moments[-1].step == run.last.step


def test_a_gan_branch_beside_its_parent_equals_each_alone_from_the_moment():
    project = load_project(example_path("gan_ring_of_gaussians"))
    project.training.epochs = 3
    fork = _fork_of(project, 1)
    assert fork.resumable and fork.extra["trainer"] == "gan"
    plans = fork_plans(project, fork, None, VariantSpec({"learning_rate": 0.004}))
    runs = [plan.run() for plan in plans]
    _together(runs)
    for plan, run in zip(plans, runs, strict=True):
        assert run.message is None and run.last is not None and run.last.epoch == 3
        alone = prepare(copy.deepcopy(plan.project)).trainer
        restore(alone, plan.start)
        if plan.learning_rate is not None:
            alone.set_learning_rate(plan.learning_rate)
        list(alone.run())
        assert _equal(run.model.get_weights(), alone.model.get_weights())
    assert not _equal(runs[0].model.get_weights(), runs[1].model.get_weights())
    kept = kept_run(plans[1], runs[1])
    assert not isinstance(kept, str) and len(kept.moments) >= 3
    # a GAN's network is not fitted to an edit: the comparison says so in plain words
    try:
        fork_plans(project, fork, None, VariantSpec(dropout_after={"g_hidden1": 0.2}))
    except ConfigError as err:
        assert "GAN" in str(err)
    else:
        raise AssertionError("a GAN's moment was grafted onto an edited network")
