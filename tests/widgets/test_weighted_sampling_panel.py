"""The training panel's Weighted sampling box: ticking it writes the setting through
doc.set_training (undoable) and a loaded project's setting shows in the box."""

from __future__ import annotations

import pytest

from tests.widgets.window_helpers import close_test_window, make_test_window


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):

    from app.examples import example_path

    win = make_test_window(qtbot, tmp_path, monkeypatch)
    assert win.files.open_example(example_path("xor"))
    yield win
    close_test_window(win)


def test_weighted_sampling_is_ticked_in_the_training_panel_and_undone(window, qtbot) -> None:
    panel = window.training_panel
    box = panel.editors["weighted_sampling"]
    assert not box.isChecked() and not window.doc.project.training.weighted_sampling
    box.setChecked(True)  # what a click does: toggled -> doc.set_training
    assert window.doc.project.training.weighted_sampling is True
    window.doc.undo_stack.undo()
    assert window.doc.project.training.weighted_sampling is False
    assert not box.isChecked()
    window.doc.undo_stack.redo()
    assert box.isChecked()
