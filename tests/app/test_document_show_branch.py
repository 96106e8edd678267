"""``ProjectDocument.show_branch``: a timeline branch's network and settings put on screen
are navigation, not an edit — the per-layer signals follow, nothing goes on the undo stack,
and the project is modified exactly when it differs from the file."""

from __future__ import annotations

import copy

from app.branch_graph import graph_changes
from app.document import ProjectDocument
from app.examples import example_path
from engine.graph import Edge
from engine.project import load_project


def _doc(tmp_path):
    doc = ProjectDocument()
    doc.load(load_project(example_path("spiral")), tmp_path / "spiral.layerlab.json")
    return doc


def test_show_branch_replaces_graph_and_settings_without_an_undo_step(qtbot, tmp_path):
    doc = _doc(tmp_path)
    saved_graph, saved_training = copy.deepcopy(doc.graph), copy.deepcopy(doc.project.training)
    graph_object = doc.graph
    name = doc.insert_on_wire("Dropout", Edge("hidden1", "hidden2", 0), (10.0, 20.0))
    doc.set_training({"optimizer": "sgd"})
    branch_graph, branch_training = copy.deepcopy(doc.graph), copy.deepcopy(doc.project.training)
    seen: list[tuple[str, object]] = []
    doc.layer_removed.connect(lambda n: seen.append(("removed", n)))
    doc.edge_added.connect(lambda e: seen.append(("edge", e)))
    doc.training_changed.connect(lambda t: seen.append(("training", t.optimizer)))
    assert doc.show_branch(saved_graph, saved_training)  # the first run, as saved
    assert doc.graph is graph_object and name not in doc.graph.nodes
    assert ("removed", name) in seen and ("edge", Edge("hidden1", "hidden2", 0)) in seen
    assert ("training", "adam") in seen
    assert doc.undo_stack.count() == 0 and not doc.is_dirty  # equals the file again
    assert doc.show_branch(branch_graph, branch_training)
    assert name in doc.graph.nodes and doc.project.training.optimizer == "sgd"
    assert doc.is_dirty and doc.undo_stack.count() == 0  # differs from the file
    assert not doc.show_branch(branch_graph, branch_training)  # nothing differs


def test_graph_changes_lists_layers_and_wires(tmp_path):
    project = load_project(example_path("spiral"))
    old, new = project.graph, copy.deepcopy(project.graph)
    new.nodes["hidden2"].options = dict(new.nodes["hidden2"].options, units=12)
    new.nodes["output"].position = (1.0, 2.0)
    changes = graph_changes(old, new)
    assert changes.changed == ["hidden2", "output"]
    assert (changes.removed, changes.added, changes.edges_added) == ([], [], [])
