"""Variants trained together give the numbers each gives alone; stop all is prompt."""

from __future__ import annotations

import time

import numpy as np
import pytest

from app.examples import example_path
from app.variants import VariantRun, VariantSet, VariantSpec, make_variant, sharing_note
from engine.project import load_project
from engine.types import ConfigError


def spiral(epochs: int = 4):
    project = load_project(example_path("spiral"))
    project.training.epochs = epochs
    return project


def _train(runs: list[VariantRun]) -> None:
    group = VariantSet()
    for run in runs:
        group.add(run)
    group.start_all()
    for run in runs:
        assert run.join(60)


def _weights(run: VariantRun) -> dict[str, np.ndarray]:
    return run.model.get_weights()


def test_variants_together_equal_each_alone() -> None:
    base = spiral()
    specs = [VariantSpec({"learning_rate": 0.1}), VariantSpec({"optimizer": "sgd"}),
             VariantSpec({"batch_size": 4}), VariantSpec(layers={"hidden1": {"units": 12}})]
    alone = []
    for spec in specs:
        run = VariantRun(make_variant(base, spec), spec.label())
        _train([run])
        alone.append(run)
    together = [VariantRun(make_variant(base, s), s.label()) for s in specs]
    _train(together)
    for a, b in zip(alone, together, strict=True):
        assert a.last is not None and b.last is not None
        assert a.last.epoch == b.last.epoch == 4
        assert a.last.train_loss == b.last.train_loss
        wa, wb = _weights(a), _weights(b)
        assert wa.keys() == wb.keys()
        for key in wa:
            assert np.array_equal(wa[key], wb[key]), key
    # the variants really differ from each other
    assert len({r.last.train_loss for r in together if r.last is not None}) == 4


def test_stop_all_stops_within_a_second() -> None:
    base = spiral(epochs=100_000)
    group = VariantSet()
    for lr in (0.1, 0.01, 0.001, 0.03):
        spec = VariantSpec({"learning_rate": lr})
        group.add(VariantRun(make_variant(base, spec), spec.label()))
    group.start_all()
    deadline = time.monotonic() + 30
    while any(r.last is None for r in group.runs) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert all(r.last is not None for r in group.runs)
    start = time.monotonic()
    assert group.stop_all(timeout=1.0)
    assert time.monotonic() - start < 1.0
    assert all(r.last is not None and r.last.event == "stopped" for r in group.runs)


def test_pause_holds_and_resume_goes_on() -> None:
    run = VariantRun(spiral(epochs=100_000), "as the project")
    run.start()
    while run.last is None:
        time.sleep(0.02)
    run.pause()
    time.sleep(0.2)
    run.drain()
    step = run.last.step
    time.sleep(0.3)
    assert run.last.step == step and not run.drain()
    run.resume()
    time.sleep(0.3)
    assert run.last.step > step
    run.stop()
    assert run.join(1.0)


def test_labels_and_checks() -> None:
    spec = VariantSpec({"learning_rate": 0.1, "optimizer": "sgd"},
                       {"hidden1": {"units": 16, "activation": "relu"}})
    assert spec.label() == "lr 0.1, SGD, hidden1 units 16, hidden1 relu"
    variant = make_variant(spiral(), spec)
    assert variant.training.optimizer == "sgd"
    assert variant.training.optimizer_options == {"learning_rate": 0.1}
    assert variant.graph.nodes["hidden1"].options["units"] == 16
    with pytest.raises(ConfigError):
        make_variant(spiral(), VariantSpec({"learning_rate": -1.0}))
    with pytest.raises(ConfigError):
        make_variant(spiral(), VariantSpec(layers={"nothere": {"units": 3}}))
    group = VariantSet()
    for _ in range(4):
        group.add(VariantRun(spiral(), "x"))
    with pytest.raises(ConfigError):
        group.add(VariantRun(spiral(), "x"))
    assert sharing_note(4, 2).startswith("4 runs share 2 cores: each runs at about half speed")
    assert sharing_note(2, 2) == "2 runs on 2 cores: each at full speed."


def test_a_variant_names_its_optimizer_as_the_training_panel_does():
    assert VariantSpec({"optimizer": "adam", "learning_rate": 0.01}).label() == "Adam, lr 0.01"
    assert VariantSpec({"optimizer": "momentum"}).label() == "SGD + momentum"
