"""Project files: round trip, atomic writes, clear errors for bad files."""

import json
import os

import numpy as np
import pytest

from engine.graph import Graph
from engine.project import (
    Project,
    load_project,
    load_weights,
    save_project,
    save_weights,
    weights_path,
)
from engine.types import ProjectFileError


def sample_project() -> Project:
    graph = Graph.sequential([{"kind": "Input", "shape": [2]},
                              {"kind": "Dense", "units": 3, "activation": "relu"}])
    graph.nodes["dense_1"].position = (120.5, -40.0)
    return Project(graph, {"name": "moons", "noise": 0.2}, name="Test", lesson="Read me.")


def test_round_trip(tmp_path):
    path = tmp_path / "t.layerlab.json"
    save_project(sample_project(), path)
    again = load_project(path)
    assert again.to_dict() == sample_project().to_dict()
    assert again.graph.nodes["dense_1"].position == (120.5, -40.0)


def test_atomic_save_leaves_no_temp_and_keeps_old_on_failure(tmp_path, monkeypatch):
    path = tmp_path / "t.layerlab.json"
    save_project(sample_project(), path)
    before = path.read_text()

    def broken_replace(*args):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError):
        save_project(Project(name="other"), path)
    assert path.read_text() == before
    assert [p.name for p in tmp_path.iterdir()] == ["t.layerlab.json"]


@pytest.mark.parametrize("content,needle", [
    ('{"format": "layerlab-project", "version": 1, "graph": {"lay', "corrupt or truncated"),
    ('{"format": "layerlab-project", "version": 99}', "newer LayerLab"),
    ('{"hello": 1}', "not a LayerLab project"),
    ('{"format": "layerlab-project", "version": 1, "graph": {"layers": [{"kind": "Warp"}]}}',
     "Unknown layer type 'Warp'"),
    ('{"format": "layerlab-project", "version": 1, "training": {"epochs": "x", "bogus": 1}}',
     "Unknown training option"),
])
def test_bad_files_say_why(tmp_path, content, needle):
    path = tmp_path / "bad.layerlab.json"
    path.write_text(content)
    with pytest.raises(ProjectFileError, match=needle):
        load_project(path)


def test_missing_file(tmp_path):
    with pytest.raises(ProjectFileError, match="does not exist"):
        load_project(tmp_path / "nope.layerlab.json")


def test_weights_sidecar(tmp_path):
    path = weights_path(tmp_path / "x.layerlab.json")
    assert path.name == "x.layerlab.npz"
    save_weights(path, {"d/kernel": np.ones((2, 3))}, {"train_loss": [1.0, 0.5]})
    weights, history = load_weights(path)
    assert weights["d/kernel"].shape == (2, 3) and history["train_loss"] == [1.0, 0.5]


def test_saved_file_is_readable_json(tmp_path):
    path = tmp_path / "t.layerlab.json"
    save_project(sample_project(), path)
    data = json.loads(path.read_text())
    assert data["format"] == "layerlab-project" and data["version"] == 1
