"""Derived input features (x₁², sin(x₁), ...) and the learner's own points dataset."""

import json

import numpy as np
import pytest

from engine.datasets.features import feature_catalog, feature_columns
from engine.datasets.point_edits import edited_spec
from engine.datasets.points import points_of, validation_mask
from engine.datasets.registry import dataset_catalog, dataset_option_specs, load_dataset
from engine.graph import Graph
from engine.model import Model
from engine.probes import GRID, ProbeSet
from engine.project import Project, load_project, save_project
from engine.training import TrainConfig, Trainer
from engine.types import ConfigError, DataError

ALL = ["x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)"]


def logistic(inputs: int, hidden: int = 0) -> Graph:
    layers = [{"kind": "Input", "shape": [inputs]}]
    if hidden:
        layers.append({"kind": "Dense", "units": hidden, "activation": "tanh"})
    return Graph.sequential(layers + [{"kind": "Dense", "units": 1, "activation": "sigmoid"}])


# -- features ---------------------------------------------------------------------------------
def test_feature_columns_exact_values():
    pts = np.array([[0.5, -2.0], [3.0, 0.25]], np.float32)
    out = feature_columns(pts, ALL)
    x1, x2 = pts[:, 0], pts[:, 1]
    want = np.stack([x1, x2, x1 ** 2, x2 ** 2, x1 * x2, np.sin(x1), np.sin(x2)], axis=1)
    np.testing.assert_allclose(out, want, rtol=1e-6)
    assert out.dtype == np.float32 and out.flags.c_contiguous
    np.testing.assert_allclose(out[0], [0.5, -2.0, 0.25, 4.0, -1.0, np.sin(0.5), np.sin(-2.0)],
                               rtol=1e-6)
    assert feature_columns(pts, []) is pts
    assert [f["label"] for f in feature_catalog()] == ["x₁", "x₂", "x₁²", "x₂²", "x₁·x₂",
                                                        "sin(x₁)", "sin(x₂)"]


def test_dataset_with_features_keeps_the_plane():
    plain = load_dataset({"name": "moons", "seed": 2})
    d = load_dataset({"name": "moons", "seed": 2, "features": ["sin(x1)", "x1*x2", "x2^2"]})
    assert d.input_shape == (3,) and d.x_train.shape == (plain.n_train, 3)
    assert d.feature_names == ["sin(x₁)", "x₁·x₂", "x₂²"] and d.features == ["sin(x1)",
                                                                         "x1*x2", "x2^2"]
    np.testing.assert_array_equal(d.x_train_raw, plain.x_train)
    np.testing.assert_array_equal(d.x_val_raw, plain.x_val)
    a, b = plain.x_val[:, 0], plain.x_val[:, 1]
    np.testing.assert_allclose(d.x_val, np.stack([np.sin(a), a * b, b * b], 1), rtol=1e-6)
    np.testing.assert_allclose(d.raw_to_inputs(plain.x_train[:5]), d.x_train[:5])
    assert d.is_plane and plain.is_plane and plain.x_train_raw is plain.x_train
    assert plain.input_shape == (2,) and plain.features == []


def test_features_after_standardizing_and_prepare_inputs():
    d = load_dataset({"name": "blobs", "standardize": True, "features": ["x1^2", "x2"]})
    np.testing.assert_allclose(d.x_train_raw.mean(0), 0.0, atol=1e-5)
    np.testing.assert_allclose(d.x_train[:, 0], d.x_train_raw[:, 0] ** 2, rtol=1e-6)
    raw = load_dataset({"name": "blobs"})
    np.testing.assert_allclose(d.prepare_inputs(raw.x_val), d.x_val, atol=1e-5)


def test_feature_errors_are_readable():
    with pytest.raises(ConfigError, match="no input feature 'x3'.*x1\\^2"):
        load_dataset({"name": "spiral", "features": ["x1", "x3"]})
    with pytest.raises(ConfigError, match="listed twice"):
        load_dataset({"name": "spiral", "features": ["x1", "x1"]})
    with pytest.raises(ConfigError, match="list of feature names"):
        load_dataset({"name": "spiral", "features": "x1^2"})
    with pytest.raises(ConfigError, match="2 inputs x₁, x₂.*'sine'.*shape 1"):
        load_dataset({"name": "sine", "features": ["x1^2"]})
    with pytest.raises(ConfigError, match="'digits'"):
        load_dataset({"name": "digits", "n_samples": 50, "features": ["sin(x1)"]})
    assert load_dataset({"name": "sine", "features": []}).input_shape == (1,)


def test_probe_grid_goes_through_the_features():
    d = load_dataset({"name": "circles", "features": ["x1^2", "x2^2", "sin(x1)"]})
    model = Model(logistic(3), seed=0)
    trainer = Trainer(model, d, TrainConfig(epochs=1))
    probes = trainer.probe_grid
    plane = np.concatenate([d.x_train_raw, d.x_val_raw])
    lo, hi = plane.min(0), plane.max(0)
    assert probes.extent[0] < lo[0] and probes.extent[1] > hi[0]  # extent in the raw plane
    assert probes.extent[1] - probes.extent[0] < 1.3 * (hi[0] - lo[0])
    assert probes.grid_inputs.shape == (GRID * GRID, 3)
    corner = np.array([[probes.extent[0], probes.extent[2]]], np.float32)
    np.testing.assert_allclose(probes.grid_inputs[0], d.raw_to_inputs(corner)[0], rtol=1e-5)
    out = probes.compute(["decision_grid", "neuron_maps"])
    assert out["decision_grid"].shape == (GRID, GRID)
    np.testing.assert_allclose(out["grid_extent"], probes.extent, rtol=1e-6)
    assert ProbeSet(model, d, trainer.coder).curve_x is None


def test_squares_make_circles_linearly_separable():
    """The worked example: no hidden layer, inputs x₁², x₂² -> the ring is a straight cut."""
    spec = {"name": "circles", "n_samples": 400, "noise": 0.05}
    config = dict(optimizer="adam", optimizer_options={"learning_rate": 0.1}, epochs=60,
                  probes=["decision_grid"])
    plain = Trainer(Model(logistic(2), seed=0), load_dataset(spec), TrainConfig(**config))
    final_plain = list(plain.run())[-1]
    data = load_dataset({**spec, "features": ["x1^2", "x2^2"]})
    squares = Trainer(Model(logistic(2), seed=0), data, TrainConfig(**config))
    final = list(squares.run())[-1]
    assert final.metrics["val_accuracy"] > 0.95 and final.metrics["train_accuracy"] > 0.95
    assert final_plain.metrics["val_accuracy"] < 0.75  # a line cannot separate the rings
    grid = final.probes["decision_grid"]  # inner ring (class 1) in the middle of the plane
    assert grid[GRID // 2, GRID // 2] > 0.9 and grid[0, 0] < 0.1


# -- the points dataset -------------------------------------------------------------------------
def test_points_dataset_infers_classes_and_names():
    d = load_dataset({"name": "points", "points": [[0, 0, 0], [1, 1, 2], [0.5, -1, 0]]})
    assert d.n_classes == 3 and d.class_names == ["class 0", "class 1", "class 2"]
    assert d.n_train == 3 and d.n_val == 0 and d.x_val.shape == (0, 2)
    np.testing.assert_array_equal(d.y_train, [0, 2, 0])
    d = load_dataset({"name": "points", "points": [[0, 0, 0]], "n_classes": 4,
                      "class_names": ["a", "b"]})
    assert d.n_classes == 4 and d.class_names == ["a", "b", "class 2", "class 3"]
    empty = load_dataset({"name": "points"})
    assert empty.n_train == 0 and empty.n_classes == 2 and empty.input_shape == (2,)
    assert "points" in [e["name"] for e in dataset_catalog()]
    assert [o["name"] for o in dataset_option_specs("points")] == [
        "seed", "val_split", "poly_degree", "standardize", "normalize"]


def test_points_errors():
    for bad in ([[0, 0]], [[0, 0, 0.5]], [[0, 0, -1]], [[0, 0, 10]], [[np.nan, 0, 0]], "x"):
        with pytest.raises(ConfigError, match="points|class"):
            load_dataset({"name": "points", "points": bad})


def test_points_validation_split_is_stable_per_point():
    rng = np.random.default_rng(0)
    rows = [[float(a), float(b), int(c)] for a, b, c in
            zip(rng.normal(size=1000), rng.normal(size=1000), rng.integers(0, 2, 1000))]
    d = load_dataset({"name": "points", "points": rows, "val_split": 0.25})
    assert 200 < d.n_val < 300 and d.n_train + d.n_val == 1000
    val_before = {tuple(p) for p in d.x_val.tolist()}
    more = load_dataset({"name": "points", "points": rows[:700] + [[9.0, 9.0, 1]],
                         "val_split": 0.25})
    kept = {tuple(p) for p in np.concatenate([more.x_train, more.x_val]).tolist()} - {(9, 9)}
    assert {tuple(p) for p in more.x_val.tolist()} - {(9.0, 9.0)} == val_before & kept
    one = validation_mask(np.zeros((1, 2), np.float32), 0.9, 0)
    assert not one[0]  # never all points held out


def test_points_with_features_and_probes():
    rows = [[0.1, 0.2, 0], [-0.5, 0.4, 1], [0.3, -0.7, 1]]
    d = load_dataset({"name": "points", "points": rows, "features": ["x1*x2"]})
    np.testing.assert_allclose(d.x_train[:, 0], [0.02, -0.2, -0.21], rtol=1e-5)
    trainer = Trainer(Model(logistic(1), seed=0), d, TrainConfig(epochs=1))
    assert trainer.probe_grid.compute(["decision_grid"])["decision_grid"].shape == (GRID, GRID)
    single = load_dataset({"name": "points", "points": [[1.0, 1.0, 0]]})
    extent = ProbeSet(Model(logistic(2), seed=0), single, trainer.coder).extent
    assert extent[1] - extent[0] >= 0.5 and extent[0] < 1.0 < extent[1]


def test_points_round_trip_through_the_project_file(tmp_path):
    rows = [[0.1234, -1.5, 0], [2.0, 0.5, 1], [0.0, 0.0, 2]]
    spec = {"name": "points", "points": rows, "features": ["x1^2", "sin(x2)"],
            "class_names": ["red", "green", "blue"], "val_split": 0.0}
    project = Project(graph=logistic(2), dataset=spec)
    path = tmp_path / "drawn.layerlab.json"
    save_project(project, path)
    json.loads(path.read_text())  # plain JSON
    again = load_project(path)
    assert again.dataset == spec
    a, b = load_dataset(spec), load_dataset(again.dataset)
    np.testing.assert_array_equal(a.x_train, b.x_train)
    assert b.class_names == ["red", "green", "blue"]


def test_edited_spec_from_a_generated_set():
    spec = {"name": "blobs", "n_classes": 3, "n_samples": 60, "standardize": True,
            "features": ["x1^2", "x2^2"]}
    data = load_dataset(spec)
    rows = points_of(data)
    assert len(rows) == 60 and all(len(r) == 3 and isinstance(r[2], int) for r in rows)
    new = edited_spec(spec, rows + [[0.0, 0.0, 2]], data)
    assert new["name"] == "points" and new["features"] == ["x1^2", "x2^2"]
    assert new["n_classes"] == 3 and new["class_names"] == data.class_names
    assert new["val_split"] == 0.2 and "standardize" not in new
    drawn = load_dataset(new)
    assert drawn.n_train + drawn.n_val == 61 and drawn.input_shape == (2,)
    plane = np.concatenate([drawn.x_train_raw, drawn.x_val_raw])
    assert np.abs(plane[:, :2]).max() < 5  # the points as shown (standardized), not re-scaled
    again = edited_spec(new, rows[:3])
    assert again == {**new, "points": rows[:3]}
    gate = load_dataset({"name": "xor_gate"})
    assert len(points_of(gate)) == 4  # the gates validate on their training points
    gate_spec = edited_spec({"name": "xor_gate"}, points_of(gate))
    assert "val_split" not in gate_spec and load_dataset(gate_spec).n_val == 0
    with pytest.raises(ConfigError, match="2-D"):
        points_of(load_dataset({"name": "sine"}))


# -- live data swap -----------------------------------------------------------------------------
def test_replace_data_between_pulls():
    spec = {"name": "xor", "n_samples": 200}
    data = load_dataset(spec)
    trainer = Trainer(Model(logistic(2, hidden=4), seed=0), data,
                      TrainConfig(epochs=5, batch_size=10, snapshot_every=2,
                                  probes=["decision_grid"]))
    run = trainer.run()
    first = next(run)
    rows = points_of(data)[:50] + [[5.0, 5.0, 1]]  # fewer points, one far away
    new = load_dataset(edited_spec(spec, rows, data))
    trainer.replace_data(new)
    after = next(run)
    assert trainer.data is new and after.step == first.step + 2
    assert after.probes["grid_extent"][1] > 5.0  # the map now covers the new point
    snaps = list(run)
    assert snaps[-1].event == "finished" and snaps[-1].epoch == 5


def test_replace_data_refuses_what_does_not_fit():
    data = load_dataset({"name": "xor", "n_samples": 100})
    trainer = Trainer(Model(logistic(2), seed=0), data, TrainConfig(epochs=1))
    three = load_dataset({"name": "points", "points": [[0, 0, 0], [1, 1, 1], [2, 2, 2]]})
    with pytest.raises(ConfigError, match="1 unit.*3 classes"):
        trainer.replace_data(three)
    with pytest.raises(DataError, match="Input layer"):
        trainer.replace_data(load_dataset({"name": "xor", "features": ["x1^2"]}))
    with pytest.raises(DataError, match="no training samples"):
        trainer.replace_data(load_dataset({"name": "points"}))
    assert trainer.data is data
