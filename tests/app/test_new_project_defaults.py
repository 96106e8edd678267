"""File → New starts from settings that teach: the textbook 2-8-8-1 network, built with the
canvas's document commands, separates the default spiral with them — watchably."""

from __future__ import annotations

import numpy as np

from app.document import ProjectDocument
from engine.new_project import NEW_TRAINING, new_project
from engine.project import Project
from engine.recipes import prepare
from engine.training import TrainConfig


def build_textbook_network(doc: ProjectDocument) -> None:
    """What a learner does on the canvas: drop Input, Dense, Dense, Dense; set activations
    (and 1 sigmoid unit at the end) in the inspector; wire them left to right."""
    names = [doc.add_layer("Input", (0.0, 0.0))]
    for i, (units, activation) in enumerate([(8, "tanh"), (8, "tanh"), (1, "sigmoid")]):
        name = doc.add_layer("Dense", (250.0 * (i + 1), 0.0))
        options = doc.graph.nodes[name].options
        doc.set_layer_options(name, {**options, "units": units, "activation": activation})
        names.append(name)
    for source, target in zip(names, names[1:]):
        assert doc.connect_layers(source, target) is None
    assert not doc.report.errors
    assert doc.report.shapes[names[-1]] == (1,)


def val_accuracies(project: Project) -> list[float]:
    prepared = prepare(project)
    return [row["val_accuracy"] for snap in prepared.trainer.run() for row in snap.epoch_rows]


def test_new_project_defaults_train_the_textbook_network_on_the_spiral(qtbot):
    doc = ProjectDocument()
    doc.load(new_project(), None)  # what File → New does (widgets.file_actions.new)
    assert doc.project.dataset == {"name": "spiral"}
    build_textbook_network(doc)
    project = doc.snapshot_project()
    config = project.training
    assert (config.optimizer, config.optimizer_options, config.batch_mode, config.epochs) == (
        "adam", {"learning_rate": 0.03}, "full", 2000)
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


def test_the_old_defaults_stay_at_chance_on_the_same_network(qtbot):
    """Why New changed: TrainConfig's defaults (Adam 0.001, 50 epochs of 32) do not learn."""
    doc = ProjectDocument()
    doc.load(Project(), None)
    build_textbook_network(doc)
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
