"""The dataset option ``poly_degree``: the capacity sweep's degree columns as a project setting.

Its columns equal the sweep's (exactly), a project with the option trains to the sweep's
numbers, the project file keeps it (and files without it stay as they were), the readiness
check asks for the expanded Input size, and the probes feed grid and curve points through the
same expansion."""

from __future__ import annotations

import json

import numpy as np
import pytest

from engine.datasets.point_edits import edited_spec
from engine.datasets.registry import load_dataset
from engine.graph import Graph
from engine.probes import GRID, ProbeSet
from engine.project import Project, load_project, save_project
from engine.readiness import SetOptions, check_ready, errors
from engine.recipes import prepare
from engine.sweep import SweepSpec, applicable, applied_dataset, polynomial_data, run_sweep
from engine.sweep import errors as sweep_errors
from engine.training import TrainConfig
from engine.types import ConfigError

MOONS = {"name": "moons", "n_samples": 160, "noise": 0.2}
SINE = {"name": "sine", "n_samples": 80, "noise": 0.1}


def project_for(dataset: dict, n_in: int, epochs: int = 6) -> Project:
    regression = dataset["name"] == "sine"
    graph = Graph.sequential([
        {"kind": "Input", "name": "in", "shape": [n_in]},
        {"kind": "Dense", "name": "hidden", "units": 5, "activation": "tanh"},
        {"kind": "Dense", "name": "out", "units": 1 if regression else 2,
         "activation": "linear" if regression else "softmax"}])
    training = TrainConfig(epochs=epochs, seed=3, optimizer="adam",
                           optimizer_options={"learning_rate": 0.03})
    return Project(graph=graph, dataset=dict(dataset), training=training)


@pytest.mark.parametrize("spec,degree", [(MOONS, 1), (MOONS, 2), (MOONS, 4), (SINE, 3),
                                         ({**MOONS, "standardize": True}, 3),
                                         ({**MOONS, "features": ["x1^2", "x2^2"]}, 2)])
def test_the_option_gives_exactly_the_sweeps_degree_columns(spec, degree) -> None:
    swept = polynomial_data(load_dataset(spec), degree)
    mine = load_dataset({**spec, "poly_degree": degree})
    assert mine.input_shape == swept.input_shape
    np.testing.assert_array_equal(mine.x_train, swept.x_train)
    np.testing.assert_array_equal(mine.x_val, swept.x_val)
    assert mine.feature_names == swept.feature_names
    assert mine.x_train.dtype == np.float32


def test_the_columns_are_the_monomials_in_order_standardized_on_training() -> None:
    plain = load_dataset(MOONS)
    data = load_dataset({**MOONS, "poly_degree": 2})
    assert data.feature_names == ["x1", "x2", "x1²", "x1·x2", "x2²"]
    x1, x2 = (plain.x_train[:, j].astype(np.float64) for j in (0, 1))
    cols = np.stack([x1, x2, x1 * x1, x1 * x2, x2 * x2], axis=1)
    mean, std = cols.mean(axis=0), cols.std(axis=0)
    np.testing.assert_allclose(data.x_train, (cols - mean) / std, atol=2e-6)
    v1, v2 = (plain.x_val[:, j].astype(np.float64) for j in (0, 1))
    val = np.stack([v1, v2, v1 * v1, v1 * v2, v2 * v2], axis=1)
    np.testing.assert_allclose(data.x_val, (val - mean) / std, atol=2e-6)
    # the plane points and the inputs before the expansion are kept, and expand back exactly
    np.testing.assert_array_equal(data.x_train_raw, plain.x_train_raw)
    np.testing.assert_array_equal(data.raw_to_inputs(data.x_train_raw), data.x_train)
    line = load_dataset({**SINE, "poly_degree": 5})
    assert line.input_shape == (5,) and line.is_line and not line.is_plane
    assert line.feature_names == ["x", "x²", "x³", "x⁴", "x⁵"]


@pytest.mark.parametrize("spec,n_in,degree", [(MOONS, 2, 3), (SINE, 1, 4)])
def test_a_project_with_the_degree_trains_like_the_sweeps_run(spec, n_in, degree) -> None:
    project = project_for(spec, n_in)
    result = run_sweep(project, SweepSpec("degree", [1, degree]), load_dataset(spec),
                       workers=2)
    assert applicable("degree")
    new_spec, name, options = applied_dataset(project, load_dataset(spec), degree)
    project.dataset = new_spec
    project.graph.set_options(name, options)
    got = sweep_errors(project, load_dataset(project.dataset))
    assert np.all(np.isfinite(got))
    assert result.train_mean[1] == pytest.approx(got[0], abs=1e-12)
    assert result.val_mean[1] == pytest.approx(got[1], abs=1e-12)
    # sweeping again from the applied project starts from its inputs before the expansion
    again = run_sweep(project, SweepSpec("degree", [degree]), load_dataset(project.dataset),
                      workers=1)
    assert again.val_mean[0] == pytest.approx(got[1], abs=1e-12)


def test_the_project_file_keeps_the_option_and_files_without_it_are_unchanged(
        tmp_path) -> None:
    plain = project_for(MOONS, 2)
    save_project(plain, tmp_path / "plain.layerlab.json")
    text = (tmp_path / "plain.layerlab.json").read_text()
    assert "poly_degree" not in text
    save_project(load_project(tmp_path / "plain.layerlab.json"), tmp_path / "again.json")
    assert (tmp_path / "again.json").read_text() == text
    poly = project_for({**MOONS, "poly_degree": 3}, 9)
    save_project(poly, tmp_path / "poly.layerlab.json")
    assert json.loads((tmp_path / "poly.layerlab.json").read_text())["dataset"][
        "poly_degree"] == 3
    back = load_project(tmp_path / "poly.layerlab.json")
    assert back.dataset == poly.dataset
    assert load_dataset(back.dataset).input_shape == (9,)


def test_readiness_asks_for_the_expanded_input_size_and_offers_it() -> None:
    project = project_for({**MOONS, "poly_degree": 2}, 2)
    data = load_dataset(project.dataset)
    problems = errors(check_ready(project, data))
    assert len(problems) == 1
    problem = problems[0]
    assert "5 input value(s)" in problem.message and "polynomial features" in problem.message
    assert "degree 2" in problem.message and problem.layer == "in"
    assert problem.fix is not None and problem.fix.label == "Set Input shape to 5"
    edit = problem.fix.edits[0]
    assert isinstance(edit, SetOptions) and edit.options["shape"] == [5]
    project.graph.set_options(edit.layer, edit.options)
    assert errors(check_ready(project, data)) == []


def test_a_degree_is_applied_only_where_the_dataset_has_the_option() -> None:
    ring = {"name": "gaussian_ring", "n_samples": 80}
    project = project_for(ring, 2)
    with pytest.raises(ConfigError, match="no 'Polynomial features' option"):
        applied_dataset(project, load_dataset(ring), 2)
    drawn = edited_spec({**MOONS, "poly_degree": 3}, [[0.0, 0.0, 0], [1.0, 1.0, 1]])
    assert drawn["name"] == "points" and drawn["poly_degree"] == 3  # drawing keeps it


def test_bad_degrees_are_explained(tmp_path) -> None:
    with pytest.raises(ConfigError, match="between 1 and 10"):
        load_dataset({**MOONS, "poly_degree": 0})
    rng = np.random.default_rng(0)
    path = tmp_path / "three.npz"
    np.savez(path, x=rng.standard_normal((40, 3)), y=rng.standard_normal(40))
    with pytest.raises(ConfigError, match="1 or 2 inputs.*gives 3 .*Polynomial features"):
        load_dataset({"name": "numpy", "path": str(path), "poly_degree": 2})
    np.savez(path, x=rng.standard_normal((40, 2)), y=rng.standard_normal(40))
    two = load_dataset({"name": "numpy", "path": str(path), "poly_degree": 2})
    assert two.input_shape == (5,) and two.is_plane  # imported 2-column data works too
    with pytest.raises(ConfigError, match="1 or 2 inputs"):
        load_dataset({**MOONS, "features": ["x1", "x2", "x1^2"], "poly_degree": 2})


def test_decision_map_and_curve_go_through_the_expansion() -> None:
    project = project_for({**MOONS, "poly_degree": 3}, 9, epochs=2)
    data = load_dataset(project.dataset)
    prepared = prepare(project, data)
    probes = ProbeSet(prepared.model, data, prepared.trainer.coder)
    assert probes.grid_inputs is not None and probes.grid_inputs.shape == (GRID * GRID, 9)
    assert probes.extent is not None
    gx = np.linspace(probes.extent[0], probes.extent[1], GRID)
    xx, yy = np.meshgrid(gx, np.linspace(probes.extent[2], probes.extent[3], GRID))
    grid = np.stack([xx.ravel(), yy.ravel()], 1).astype(np.float32)
    np.testing.assert_array_equal(probes.grid_inputs, data.poly.apply(grid))
    out = probes.compute(["decision_grid"])
    assert out["decision_grid"].shape == (GRID, GRID, 2)  # two softmax classes
    assert out["point_scores"].shape == (data.n_train + data.n_val, 2)

    sine = project_for({**SINE, "poly_degree": 3}, 3, epochs=2)
    sdata = load_dataset(sine.dataset)
    sprep = prepare(sine, sdata)
    curve = ProbeSet(sprep.model, sdata, sprep.trainer.coder)
    assert curve.grid_inputs is None and curve.curve_x is not None
    out = curve.compute(["curve"])
    x = out["curve_x"]
    base = np.concatenate([sdata.x_train_base, sdata.x_val_base])[:, 0]
    assert x.shape == (200,) and x[0] == base.min() and x[-1] == base.max()
    want = sprep.model.predict(sdata.poly.apply(x.reshape(-1, 1)))[:, 0]
    np.testing.assert_allclose(out["curve_y"], want, rtol=1e-6)
