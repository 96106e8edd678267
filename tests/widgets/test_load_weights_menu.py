"""File → Load weights from another project: a trained project's layers load into a fresh
one (names and shapes matched), a report says what loaded and what was skipped."""

from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QFileDialog

from app.examples import example_path
from tests.widgets.test_weights_roundtrip import make_window, messages, train_xor  # noqa: F401
from tests.widgets.window_helpers import file_menu_action
from widgets.controllers import weights_import


def test_load_weights_from_a_trained_project_through_the_file_menu(
        make_window, qtbot, tmp_path, monkeypatch, messages):  # noqa: F811
    win = make_window()
    train_xor(win, qtbot, epochs=20)
    trained = win.session.weights_snapshot()
    path = tmp_path / "pretrained.layerlab.json"
    assert win.files._save_to(path)

    fresh = make_window()
    assert fresh.files.open_example(example_path("xor"))
    first = next(n for n, node in fresh.doc.graph.nodes.items() if node.kind == "Dense")
    fresh.doc.rename_layer(first, "renamed")  # this layer cannot match by name
    reports: list[list[str]] = []
    monkeypatch.setattr(weights_import, "show_report",
                        lambda _w, _t, lines: reports.append(lines))
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        staticmethod(lambda *a, **k: (str(path), "")))
    file_menu_action(fresh, "Load weights from another project").trigger()
    assert not messages
    now = fresh.session.weights_snapshot()
    others = [k for k in trained if not k.startswith(f"{first}/")]
    assert others
    for key in others:
        np.testing.assert_array_equal(now[key], trained[key])
    assert not np.array_equal(now["renamed/kernel"], trained[f"{first}/kernel"])
    text = "\n".join(reports[0])
    assert "Skipped renamed: the other project has no layer with this name." in text
    assert f"Not used (no layer of that name here): {first}." in text


def test_a_project_without_saved_weights_says_so(make_window, tmp_path, messages):  # noqa: F811
    win = make_window()
    assert win.files.open_example(example_path("xor"))
    assert weights_import.load_from_project(win.files, str(tmp_path / "x.layerlab.json")) is None
    assert messages and "does not exist" in messages[0][1]


def test_freezing_after_loading_keeps_the_weights_and_training_leaves_the_layer_alone(
        make_window, qtbot, tmp_path, monkeypatch, messages):  # noqa: F811
    win = make_window()
    train_xor(win, qtbot, epochs=20)
    trained = win.session.weights_snapshot()
    path = tmp_path / "pretrained.layerlab.json"
    assert win.files._save_to(path)

    fresh = make_window()
    assert fresh.files.open_example(example_path("xor"))
    monkeypatch.setattr(weights_import, "show_report", lambda *a: None)
    assert weights_import.load_from_project(fresh.files, str(path)) is not None
    dense = [n for n, node in fresh.doc.graph.nodes.items() if node.kind == "Dense"]
    asked: list[bool] = []
    fresh.run.ask_keep_weights = lambda: asked.append(True) or False
    options = dict(fresh.doc.graph.nodes[dense[0]].options)
    fresh.doc.set_layer_options(dense[0], {**options, "trainable": False})
    assert fresh.params_label.text().endswith("frozen)")
    fresh.doc.set_training({"epochs": 5, "max_steps_per_second": 0.0})
    fresh.run.toggle_play()
    qtbot.waitUntil(lambda: fresh.run.state == "finished", timeout=20000)
    assert not asked  # freezing needs no question: the loaded weights stay
    now = fresh.session.weights_snapshot()
    for key in trained:
        if key.startswith(f"{dense[0]}/"):
            np.testing.assert_array_equal(now[key], trained[key])
        else:
            assert not np.array_equal(now[key], trained[key]), key
