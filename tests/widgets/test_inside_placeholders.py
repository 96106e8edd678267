"""Look inside before the first Play: every bundled example opened through the window; no tab
tells the learner to "Add a …" layer of a kind the graph already has, and the views that list
layers list the graph's layers at once."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QLabel

from app.examples import example_path, list_examples
from tests.widgets.window_helpers import close_test_window, make_test_window
from widgets.window.main_window import MainWindow


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    win = make_test_window(qtbot, tmp_path, monkeypatch)
    yield win
    close_test_window(win)


def _open(win: MainWindow, key: str) -> None:
    assert win.files.open_example(example_path(key))
    win.dataset_panel.ensure_current()


def _hint_of(widget) -> str:
    hint = getattr(widget, "hint", None)
    showing = getattr(widget, "showing_hint", True)
    return hint.text() if isinstance(hint, QLabel) and showing else ""


def test_no_look_inside_tab_asks_for_a_layer_the_graph_has(window):
    dock = window.inside.dock
    wrong = []
    for example in list_examples():
        _open(window, example.key)
        kinds = {node.kind for node in window.doc.graph.nodes.values()} - {"Input"}
        for key, entry in dock.entries.items():
            if not dock.tab_text(key):
                continue  # the tab is not offered for this network
            text = _hint_of(entry.widget)
            if text.startswith("Add a") and any(k in text for k in kinds):
                wrong.append(f"{example.key}/{key}: {text}")
    assert wrong == []


def test_filters_list_the_graphs_conv_layers_before_play(window):
    _open(window, "digits_cnn")
    dock = window.inside.dock
    view = dock.view("filters")
    convs = [n for n, node in window.doc.graph.nodes.items() if node.kind == "Conv2D"]
    assert len(convs) >= 2
    assert [view.layer_box.itemText(i) for i in range(view.layer_box.count())] == convs
    assert view.hint.text().startswith("Press Play (or Step)")
    _open(window, "spiral")  # no convolution: the old hint, no layers left over
    assert view.layer_box.count() == 0 and view.hint.text().startswith("Add a Conv2D")
