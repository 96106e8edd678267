"""Train ▸ Duplicate as variant on the spiral: a variant with another learning rate trains
beside the project; both curves, both decision maps and the table fill in."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QDialog

from app.examples import example_path
from tests.widgets.window_helpers import close_test_window, make_test_window
from widgets.dialogs.variant_editor import VariantEditor


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    win = make_test_window(qtbot, tmp_path, monkeypatch)
    assert win.files.open_example(example_path("spiral"))
    win.doc.project.training.epochs = 6
    yield win
    close_test_window(win)


def test_duplicate_as_variant_trains_two_spirals(window, qtbot, monkeypatch):
    def choose_lr(editor: VariantEditor) -> int:
        editor.lr.setValue(0.01)  # the spiral trains at 0.1
        return QDialog.DialogCode.Accepted.value

    monkeypatch.setattr(VariantEditor, "exec", choose_lr)
    entry = window.variants.action
    assert entry.text().replace("&", "") == "Duplicate as variant…"
    entry.trigger()
    compare = window.variants.window
    assert compare is not None and compare.isVisible()
    assert [s.label() for s in compare.specs] == ["as the project", "lr 0.01"]
    assert "2 run" in compare.note.text()
    project_lr = window.doc.project.training.optimizer_options["learning_rate"]
    compare.train_button.click()
    qtbot.waitUntil(lambda: compare.group is not None and not compare.group.running,
                    timeout=30_000)
    compare.poll()
    assert window.doc.project.training.optimizer_options["learning_rate"] == project_lr
    for curve in compare.curves:
        xs, ys = curve.getData()
        assert list(xs) == [1, 2, 3, 4, 5, 6] and len(ys) == 6
    assert [item.name() for item in compare.curves] == ["as the project", "lr 0.01"]
    assert all(tile.shown for tile in compare.tiles[:2])
    assert all(len(tile.points.data) > 100 for tile in compare.tiles[:2])  # the spiral's points
    assert not compare.tiles[2].isVisible()
    table = compare.table
    assert table.rowCount() == 2
    assert table.item(1, 0).text() == "lr 0.01"
    for row in range(2):
        assert table.item(row, 1).text() == "6"
        assert table.item(row, 2).text() not in ("", "–")
        assert int(table.item(row, 5).text().replace(",", "")) > 0
        assert float(table.item(row, 6).text()) > 0
    assert table.item(0, 2).text() != table.item(1, 2).text()


def test_stop_all_and_four_at_most(window, qtbot):
    window.doc.project.training.epochs = 100_000
    compare = window.variants.open(ask=False)
    from app.variants import VariantSpec
    for lr in (0.1, 0.03, 0.003):
        assert compare.add_variant(VariantSpec({"learning_rate": lr}))
    assert not compare.add_variant(VariantSpec({"learning_rate": 0.2}))
    assert not compare.add_button.isEnabled()
    assert "4 runs share" in compare.note.text() or "4 runs on" in compare.note.text()
    compare.train_button.click()
    qtbot.waitUntil(lambda: all(r.last is not None for r in compare.group.runs), timeout=20_000)
    compare.pause_button.click()
    assert compare.pause_button.text() == "Resume all"
    compare.pause_button.click()
    compare.stop_button.click()
    assert not compare.group.running
    assert not compare.stop_button.isEnabled() and compare.train_button.isEnabled()
    compare.close()


def test_regression_variant_says_it_has_no_map(qtbot):
    from app.variants import VariantSpec
    from engine.project import load_project
    from widgets.dialogs.variants_view import VariantsWindow

    project = load_project(example_path("sine_rnn"))
    project.training.epochs = 2
    compare = VariantsWindow(project)
    qtbot.addWidget(compare)
    assert compare.add_variant(VariantSpec({"batch_size": 8}))
    compare.train_button.click()
    qtbot.waitUntil(lambda: not compare.group.running, timeout=30_000)
    compare.poll()
    assert not compare.tiles[0].shown
    assert "No map for this kind of data" in compare.tiles[0].hint.text()
    assert compare.table.item(1, 0).text() == "batch 8"
    assert all(compare.table.item(r, 4).text().startswith("R² ") for r in range(2))


def test_the_editor_keeps_only_what_the_learner_changed(qtbot):
    from engine.project import load_project

    editor = VariantEditor(load_project(example_path("spiral")), 2)
    qtbot.addWidget(editor)
    assert editor.spec().label() == "as the project"
    assert not editor.units.isEnabled()
    editor.layer.setCurrentIndex(editor.layer.findData("hidden1"))
    assert editor.units.isEnabled() and editor.units.value() == 8
    assert not editor.rate.isEnabled()
    editor.units.setValue(16)
    editor.activation.setCurrentText("relu")
    editor.optimizer.setCurrentText("sgd")
    assert editor.spec().label() == "SGD, hidden1 units 16, hidden1 relu"
    assert "2 run" in editor.note.text()
