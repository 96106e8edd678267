"""The capacity sweep runner: its numbers equal separate trainings with the same seeds; the
variants change what they say; k-fold gives mean ± spread; cancel stops it."""

from __future__ import annotations

import math

import numpy as np
import pytest

from engine.datasets.registry import load_dataset
from engine.graph import Graph
from engine.project import Project
from engine.sweep import (
    SweepSpec,
    applied_graph,
    default_workers,
    errors,
    polynomial_data,
    run_sweep,
    variant,
)
from engine.training import TrainConfig
from engine.types import ConfigError


def mlp_project(dataset: dict, out_units: int = 2, out_act: str = "softmax",
                epochs: int = 8) -> Project:
    n_in = 1 if dataset["name"] in ("sine", "polynomial") else 2
    graph = Graph.sequential([
        {"kind": "Input", "name": "in", "shape": [n_in]},
        {"kind": "Dense", "name": "hidden", "units": 4, "activation": "tanh"},
        {"kind": "Dense", "name": "out", "units": out_units, "activation": out_act}])
    training = TrainConfig(epochs=epochs, seed=2, optimizer="adam",
                           optimizer_options={"learning_rate": 0.03})
    return Project(graph=graph, dataset=dataset, training=training)


MOONS = {"name": "moons", "n_samples": 160, "noise": 0.2}


def test_runner_equals_separate_trainings_with_the_same_seeds() -> None:
    project = mlp_project(MOONS)
    data = load_dataset(MOONS)
    spec = SweepSpec("width", [1, 3, 12])
    result = run_sweep(project, spec, data, workers=2)
    for i, width in enumerate(spec.values):
        alone = mlp_project(MOONS)
        alone.graph.set_options("hidden", {**alone.graph.nodes["hidden"].options,
                                           "units": int(width)})
        train, val = errors(alone, load_dataset(MOONS))
        assert result.train_mean[i] == pytest.approx(train, abs=1e-12)
        assert result.val_mean[i] == pytest.approx(val, abs=1e-12)
    assert result.metric == "error rate" and not result.cancelled
    assert result.best_value in spec.values
    assert np.all(result.train_std == 0)


def test_variants_change_the_network_and_the_data() -> None:
    project, data = mlp_project(MOONS), load_dataset(MOONS)
    deep, _ = variant(project, data, SweepSpec("depth", [3]), 3)
    assert [deep.graph.nodes[n].kind for n in deep.graph.topological_order()] == [
        "Input", "Dense", "Dense", "Dense", "Dense"]
    l2, _ = variant(project, data, SweepSpec("l2", [0.1]), 0.1)
    assert all(n.options["l2"] == 0.1 for n in l2.graph.nodes.values() if n.kind == "Dense")
    _, small = variant(project, data, SweepSpec("train_size", [0.25]), 0.25)
    assert len(small.x_train) == round(0.25 * len(data.x_train))
    poly, pdata = variant(project, data, SweepSpec("degree", [3]), 3)
    assert pdata.input_shape == (9,)  # x1, x2, x1², x1x2, x2², and 4 cubic terms
    assert poly.graph.nodes["in"].options["shape"] == [9]
    assert np.allclose(pdata.x_train.mean(axis=0), 0, atol=1e-5)
    assert applied_graph(project, SweepSpec("width", [7]), 7).nodes["hidden"].options[
        "units"] == 7
    assert project.graph.nodes["hidden"].options["units"] == 4  # the project is untouched


def test_polynomial_degree_on_regression_makes_the_u_curve_numbers() -> None:
    spec = {"name": "polynomial", "n_samples": 60, "noise": 0.1, "degree": 3}
    data = load_dataset(spec)
    one = polynomial_data(data, 1)
    assert one.input_shape == (1,)
    project = mlp_project(spec, out_units=1, out_act="linear", epochs=30)
    result = run_sweep(project, SweepSpec("degree", [1, 3]), data, workers=1)
    assert result.metric == "mean squared error"
    assert result.train_mean[1] < result.train_mean[0]  # more capacity fits training better


def test_k_fold_reports_mean_and_spread() -> None:
    project, data = mlp_project(MOONS, epochs=4), load_dataset(MOONS)
    seen: list[tuple[int, int]] = []
    result = run_sweep(project, SweepSpec("width", [2, 6], folds=3), data,
                       progress=lambda d, t: seen.append((d, t)))
    assert result.folds == 3 and len(result.runs) == 6
    assert seen[-1] == (6, 6) and len(seen) == 6
    vals = np.array([result.runs[(0, f)][1] for f in range(3)])
    assert result.val_mean[0] == pytest.approx(vals.mean())
    assert result.val_std[0] == pytest.approx(vals.std())


def test_cancel_stops_the_sweep() -> None:
    project, data = mlp_project(MOONS, epochs=50), load_dataset(MOONS)
    calls = {"n": 0}

    def stop() -> bool:
        calls["n"] += 1
        return calls["n"] > 40

    result = run_sweep(project, SweepSpec("width", [2, 4, 8, 16]), data, should_stop=stop,
                       workers=1)
    assert result.cancelled and any(math.isnan(v) for v in result.val_mean)


def test_bad_sweeps_are_explained() -> None:
    project = mlp_project(MOONS)
    with pytest.raises(ConfigError, match="can vary"):
        run_sweep(project, SweepSpec("colour", [1]))
    with pytest.raises(ConfigError, match="whole numbers"):
        SweepSpec("width", [2.5]).check()
    assert default_workers() >= 1
