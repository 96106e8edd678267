"""Applying a depth sweep's value: the network becomes the sweep's variant, in one undo step."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

from engine.graph import Graph
from engine.sweep import SweepSpec, errors, variant, variant_graph


def chain(graph: Graph) -> list[tuple[str, dict]]:
    """(kind, options) along the chain: the structure, without names or positions."""
    order = graph.topological_order()
    for i in range(1, len(order)):
        assert graph.inputs_of(order[i]) == [order[i - 1]]
    assert len(graph.edges) == len(order) - 1
    return [(graph.nodes[n].kind, graph.nodes[n].options) for n in order]


def wiring(graph: Graph) -> list:
    return sorted((e.source, e.target, e.port) for e in graph.edges)


@pytest.fixture
def doc():
    from app.document import ProjectDocument
    from app.examples import example_path
    document = ProjectDocument()
    document.open(example_path("xor"))
    return document


@pytest.mark.parametrize("depth", [0, 1, 3])
def test_set_hidden_depth_gives_the_sweeps_variant_and_undoes_in_one_step(doc, depth) -> None:
    before = {k: dict(n.__dict__) for k, n in doc.graph.nodes.items()}, wiring(doc.graph)
    swept = variant_graph(doc.graph, SweepSpec("depth", [depth]), depth)
    steps = doc.undo_stack.count()
    hidden = doc.set_hidden_depth(depth)
    assert len(hidden) == depth
    assert chain(doc.graph) == chain(swept)
    assert doc.undo_stack.count() == steps + 1
    doc.undo_stack.undo()
    assert ({k: dict(n.__dict__) for k, n in doc.graph.nodes.items()}, wiring(doc.graph)) == before
    doc.undo_stack.redo()
    assert chain(doc.graph) == chain(swept)


def test_the_applied_depth_trains_like_the_swept_variant(doc) -> None:
    from engine.datasets.registry import load_dataset

    spec = SweepSpec("depth", [3], epochs=3)
    data = load_dataset(doc.project.dataset)
    swept, swept_data = variant(doc.project, data, spec, 3)
    doc.set_hidden_depth(3)
    applied = doc.snapshot_project()
    applied.training.epochs = 3
    assert chain(applied.graph) == chain(swept.graph)
    got, want = errors(applied, data), errors(swept, swept_data)
    assert np.all(np.isfinite(got))
    np.testing.assert_allclose(got, want)


def test_a_graph_that_is_no_plain_chain_is_refused_unchanged(doc) -> None:
    from engine.types import ConfigError

    first = doc.graph.topological_order()[0]
    doc.add_layer("Dense", (500.0, 500.0))  # a loose layer: no longer one chain
    steps, wires = doc.undo_stack.count(), wiring(doc.graph)
    with pytest.raises(ConfigError):
        doc.set_hidden_depth(2)
    assert doc.undo_stack.count() == steps and wiring(doc.graph) == wires
    assert first in doc.graph.nodes


def test_sweep_dialog_applies_the_best_depth_and_undo_restores(qtbot, tmp_path,
                                                               monkeypatch) -> None:
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QMessageBox

    from app.examples import example_path
    from app.settings import Settings
    from widgets.window.main_window import MainWindow

    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda *a, **k: None))
    monkeypatch.setattr(QMessageBox, "question",
                        staticmethod(lambda *a, **k: QMessageBox.StandardButton.Discard))
    settings = Settings(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    win = MainWindow(settings, autosave_folder=tmp_path / "recovery")
    qtbot.addWidget(win)
    win.show()
    assert win.files.open_example(example_path("xor"))
    try:
        before = chain(win.doc.graph)
        win.capacity.open_sweep()
        dialog = win.capacity.windows["sweep"]
        dialog.param.setCurrentIndex(dialog.param.findData("depth"))
        dialog.values.setText("3")
        dialog.epochs.setValue(3)
        qtbot.mouseClick(dialog.run_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: not dialog.running, timeout=60_000)
        assert dialog.sweep_result is not None and dialog.sweep_result.best_value == 3
        assert dialog.apply_button.isEnabled()
        assert "3" in dialog.apply_button.text()
        swept = variant_graph(win.doc.graph, dialog.spec, 3)
        qtbot.mouseClick(dialog.apply_button, Qt.MouseButton.LeftButton)
        assert chain(win.doc.graph) == chain(swept)
        assert len(win.doc.graph.nodes) == 5
        win.doc.undo_stack.undo()
        assert chain(win.doc.graph) == before
    finally:
        for d in list(win.capacity.windows.values()):
            d.close()
        win.prompts_enabled = False
        win.close()
