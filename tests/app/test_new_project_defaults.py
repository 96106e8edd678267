"""File → New starts from settings that teach: the network a newcomer builds — four layers
from the palette as they come, wired, and the Problems panel's fix for the output — separates
the default spiral with them, watchably."""

from __future__ import annotations

import numpy as np

from app.document import ProjectDocument
from app.readiness import apply_fix, check_document
from engine.datasets import load_dataset
from engine.new_project import NEW_TRAINING, new_project
from engine.project import Project
from engine.recipes import prepare
from engine.training import TrainConfig


def build_palette_network(doc: ProjectDocument) -> list[str]:
    """What a learner does on the canvas: drop Input, Dense, Dense, Dense as the palette gives
    them, wire them left to right, click the one fix the Problems panel offers."""
    names = [doc.add_layer("Input", (0.0, 0.0))]
    names += [doc.add_layer("Dense", (250.0 * (i + 1), 0.0)) for i in range(3)]
    for source, target in zip(names, names[1:]):
        assert doc.connect_layers(source, target) is None
    data = load_dataset(doc.project.dataset)
    (problem,) = check_document(doc, data)
    assert problem.fix is not None and problem.fix.label == \
        f"Set '{names[-1]}' to 2 units with softmax"
    assert apply_fix(doc, problem.fix) == ""
    assert check_document(doc, data) == []  # ready, and no warning
    return names


def val_accuracies(project: Project) -> list[float]:
    prepared = prepare(project)
    return [row["val_accuracy"] for snap in prepared.trainer.run() for row in snap.epoch_rows]


def test_new_project_defaults_train_the_palette_network_on_the_spiral(qtbot):
    doc = ProjectDocument()
    doc.load(new_project(), None)  # what File → New does (widgets.controllers.file_actions.new)
    assert doc.project.dataset == {"name": "spiral"}
    names = build_palette_network(doc)
    options = [doc.graph.nodes[n].options for n in names[1:]]
    assert [(o["units"], o["activation"]) for o in options] == [
        (16, "relu"), (16, "relu"), (2, "softmax")]
    project = doc.snapshot_project()
    config = project.training
    assert (config.optimizer, config.optimizer_options, config.batch_mode, config.epochs) == (
        "adam", {"learning_rate": 0.01}, "full", 500)
    config.max_steps_per_second = 0.0  # the engine ignores it; said for the reader
    accuracy = val_accuracies(project)
    assert len(accuracy) == config.epochs
    assert accuracy[-1] >= 0.9, accuracy[-1]
    # watchable at the default speed (one step per epoch with a full batch): the map is still
    # forming after a few seconds and separates the spiral within ~20 s
    formed = int(np.argmax(np.asarray(accuracy) >= 0.9)) + 1
    seconds = formed / NEW_TRAINING["max_steps_per_second"]
    assert 3.0 <= seconds <= 20.0, seconds
    assert accuracy[int(3 * NEW_TRAINING["max_steps_per_second"])] < 0.9  # not instant
    assert config.epochs / NEW_TRAINING["max_steps_per_second"] <= 20.0  # over in ≤ 20 s


def test_the_old_defaults_stay_at_chance_on_the_same_network(qtbot):
    """Why New changed: TrainConfig's defaults (Adam 0.001, 50 epochs of 32) do not learn."""
    doc = ProjectDocument()
    doc.load(Project(), None)
    build_palette_network(doc)
    accuracy = val_accuracies(doc.snapshot_project())
    assert accuracy[-1] < 0.7


def test_files_without_training_keys_still_load_with_the_file_format_defaults():
    """New-project settings apply to New only: an old file that leaves keys out loads as
    before, and ``main.py train`` reads the file's own settings."""
    loaded = Project.from_dict({"format": "layerlab-project", "version": 1,
                                "graph": {"layers": [], "edges": []}, "training": {}})
    assert loaded.training == TrainConfig()
    assert new_project().training != TrainConfig()
    assert Project.from_dict(new_project().to_dict()).training == new_project().training


def test_palette_layers_teach_but_files_keep_their_own_defaults(qtbot):
    """A Dense from the palette is ReLU with 16 units; one read from a file that leaves the
    options out is what it always was (8 linear units)."""
    doc = ProjectDocument()
    name = doc.add_layer("Dense", (0.0, 0.0))
    assert doc.graph.nodes[name].options["activation"] == "relu"
    assert doc.graph.nodes[name].options["units"] == 16
    given = doc.add_layer("Dense", (0.0, 200.0), {"units": 3})  # explicit options: exactly so
    assert doc.graph.nodes[given].options["activation"] == "linear"
    loaded = Project.from_dict({"format": "layerlab-project", "version": 1, "graph": {
        "layers": [{"kind": "Dense", "name": "d", "position": [0, 0]}], "edges": []}})
    assert (loaded.graph.nodes["d"].options["units"],
            loaded.graph.nodes["d"].options["activation"]) == (8, "linear")
