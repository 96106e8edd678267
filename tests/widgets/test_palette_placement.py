"""Palette double-click placement: a new layer continues the network at a free spot right of
the layer it follows, wired from the one selected layer when it can be (one undo step)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from tests.widgets.window_helpers import close_test_window, make_test_window
from widgets.canvas.placement import is_free
from widgets.window.main_window import MainWindow

LEFT = Qt.MouseButton.LeftButton


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    win = make_test_window(qtbot, tmp_path, monkeypatch, size=(1280, 720))
    win.actions["new"].trigger()
    yield win
    close_test_window(win)


def double_click(win: MainWindow, qtbot, kind: str) -> str:
    """Double-click the palette entry, as a learner does; return the new layer's name."""
    tree = win.layer_palette.tree
    item = win.layer_palette.items[kind]
    tree.scrollToItem(item)
    before = set(win.doc.graph.nodes)
    where = tree.visualItemRect(item).center()
    qtbot.mouseClick(tree.viewport(), LEFT, pos=where)
    qtbot.mouseDClick(tree.viewport(), LEFT, pos=where)
    (name,) = set(win.doc.graph.nodes) - before
    return name


def edges(win: MainWindow) -> set[tuple[str, str]]:
    return {(e.source, e.target) for e in win.doc.graph.edges}


def test_six_double_clicks_make_a_chain_without_overlap_shown_in_the_view(window, qtbot):
    kinds = ["Input", "Dense", "Dense", "Dropout", "Dense", "Dense"]
    names = [double_click(window, qtbot, kind) for kind in kinds]
    positions = [window.doc.graph.nodes[n].position for n in names]
    for i, spot in enumerate(positions):
        assert is_free(spot, positions[:i] + positions[i + 1:]), (names[i], positions)
    xs = [x for x, _ in positions]
    assert xs == sorted(xs) and len(set(xs)) == 6  # left to right, one column each
    # the first one got selected, so each next one was wired from the one before
    assert edges(window) == set(zip(names, names[1:]))
    assert window.canvas.selected_layers() == [names[-1]]
    view = window.canvas
    seen = view.mapToScene(view.viewport().rect()).boundingRect()
    assert seen.contains(view.canvas.nodes[names[-1]].sceneBoundingRect().center())
    assert window.statusBar().currentMessage().startswith(f"Added {names[-1]} after {names[-2]}")


def test_a_new_layer_is_wired_from_the_selected_layer_and_one_undo_removes_both(window, qtbot):
    first = double_click(window, qtbot, "Input")
    hidden = double_click(window, qtbot, "Dense")
    window.canvas.select_layers([first])  # a branch off the input: the right of it is taken
    branch = double_click(window, qtbot, "Dense")
    assert edges(window) == {(first, hidden), (first, branch)}
    graph = window.doc.graph
    assert graph.nodes[branch].position != graph.nodes[hidden].position
    assert window.doc.undo_stack.undoText() == f"Add Dense '{branch}' after '{first}'"
    window.actions["undo"].trigger()
    assert branch not in graph.nodes and edges(window) == {(first, hidden)}
    window.actions["redo"].trigger()
    assert edges(window) == {(first, hidden), (first, branch)}


def test_no_wire_when_the_selected_output_cannot_feed_the_new_kind(window, qtbot):
    double_click(window, qtbot, "Input")
    dense = double_click(window, qtbot, "Dense")
    conv = double_click(window, qtbot, "Conv2D")  # a Dense gives flat features, not images
    assert (dense, conv) not in edges(window) and conv in window.doc.graph.nodes
    assert window.statusBar().currentMessage().startswith(f"Added {conv}, not wired to {dense}")
    window.canvas.select_layers([dense])
    second_input = double_click(window, qtbot, "Input")  # an Input takes no wire at all
    assert all(e.target != second_input for e in window.doc.graph.edges)


def test_no_wire_when_nothing_or_several_layers_are_selected(window, qtbot):
    first = double_click(window, qtbot, "Input")
    hidden = double_click(window, qtbot, "Dense")
    window.canvas.select_layers([])
    loose = double_click(window, qtbot, "Dense")
    assert edges(window) == {(first, hidden)}
    graph = window.doc.graph
    assert graph.nodes[loose].position[0] > graph.nodes[hidden].position[0]  # still continues
    window.canvas.select_layers([first, hidden])
    other = double_click(window, qtbot, "Dense")
    assert edges(window) == {(first, hidden)}
    spots = [node.position for node in graph.nodes.values()]
    assert len(set(spots)) == 4 and is_free(graph.nodes[other].position,
                                            [p for p in spots if p != graph.nodes[other].position])
