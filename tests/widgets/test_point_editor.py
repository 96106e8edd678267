"""Editing points on the decision plot (offscreen): tools, gestures, one signal per gesture."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt

from engine.datasets.point_edits import edited_spec
from engine.datasets.registry import load_dataset
from widgets.plots import DecisionPlot
from widgets.plots.point_editor import BRUSH_STEP_PX, PICK_PX

POINTS = np.array([[-1.0, -1.0], [1.0, 1.0], [0.5, -0.5], [-0.5, 0.5]], np.float32)
LABELS = np.array([0, 1, 0, 1])


@pytest.fixture
def plot(qtbot):
    view = DecisionPlot()
    qtbot.addWidget(view)
    view.resize(520, 560)
    view.set_data(POINTS[:3], LABELS[:3], POINTS[3:], LABELS[3:], 2, ["red", "blue"])
    view.show()
    qtbot.waitExposed(view)
    view.set_editable(True)
    qtbot.wait(10)
    return view


def pixel(view: DecisionPlot, x: float, y: float) -> QPoint:
    """Viewport pixel of the data point (x, y)."""
    scene = view.plot.getViewBox().mapViewToScene(QPointF(x, y))
    return view.plot_widget.mapFromScene(scene)


def click(qtbot, view: DecisionPlot, x: float, y: float, button=Qt.MouseButton.LeftButton):
    qtbot.mouseClick(view.plot_widget.viewport(), button, pos=pixel(view, x, y))


def edits(view: DecisionPlot) -> list[list]:
    seen: list[list] = []
    view.points_edited.connect(seen.append)
    return seen


def as_set(rows) -> set[tuple]:
    return {(round(a, 3), round(b, 3), c) for a, b, c in rows}


def test_editing_mode_shows_tools_and_stops_panning(plot):
    assert plot.editing and plot.edit_bar.isVisible()
    assert [b.text() for b in plot.edit_bar.class_buttons] == ["red", "blue"]
    assert not any(plot.plot.getViewBox().state["mouseEnabled"])
    assert "Click to add" in plot.edit_bar.hint.text()
    plot.set_data(POINTS, np.array([0, 1, 2, 0]), POINTS[:0], LABELS[:0], 3)
    assert [b.isVisible() for b in plot.edit_bar.class_buttons] == [True] * 3  # no wait
    plot.set_editable(False)
    assert not plot.edit_bar.isVisible() and all(plot.plot.getViewBox().state["mouseEnabled"])
    assert plot.edit_bar.switch.isVisible()


def test_click_adds_a_point_of_the_chosen_class(qtbot, plot):
    seen = edits(plot)
    plot.edit_bar.class_buttons[1].click()
    click(qtbot, plot, 0.25, 0.75)
    assert len(seen) == 1 and len(seen[0]) == 5
    x, y, label = next(r for r in seen[0] if (r[0], r[1]) not in map(tuple, POINTS.tolist()))
    px, py = plot.editor.pixel_size()
    assert abs(x - 0.25) <= 2 * px and abs(y - 0.75) <= 2 * py and label == 1
    assert len(plot.points) == 5 and plot.n_train == 4  # a new training point, drawn at once
    x_shown = plot.train_points.getData()[0]
    assert len(x_shown) == 4


def test_right_click_erases_the_nearest_point_only_when_close(qtbot, plot):
    seen = edits(plot)
    click(qtbot, plot, 0.1, 0.1, Qt.MouseButton.RightButton)  # nothing within a few pixels
    assert seen == [] and len(plot.points) == 4
    px, _ = plot.editor.pixel_size()
    click(qtbot, plot, 1.0 + 0.5 * PICK_PX * px, 1.0, Qt.MouseButton.RightButton)
    assert len(seen) == 1 and as_set(seen[0]) == {(-1, -1, 0), (0.5, -0.5, 0), (-0.5, 0.5, 1)}
    click(qtbot, plot, -0.5, 0.5, Qt.MouseButton.RightButton)  # a validation point
    assert plot.n_train == 2 and len(plot.points) == 2 and len(seen) == 2


def test_move_drags_one_point(plot):
    seen = edits(plot)
    plot.edit_bar.tool_buttons["move"].click()
    editor = plot.editor
    editor.press(0.5, -0.5)
    for t in np.linspace(0, 1, 5):
        editor.move(0.5 - t, -0.5 + t)
    assert plot.points[2].tolist() == pytest.approx([-0.5, 0.5])  # seen live, before release
    assert editor.release() and len(seen) == 1
    assert as_set(seen[0]) == {(-1, -1, 0), (1, 1, 1), (-0.5, 0.5, 0), (-0.5, 0.5, 1)}
    editor.press(0.0, 0.0)  # no point there: nothing moves, nothing is emitted
    editor.move(0.3, 0.3)
    assert not editor.release() and len(seen) == 1


def test_brush_sprays_about_one_point_per_step(plot):
    seen = edits(plot)
    plot.edit_bar.tool_buttons["brush"].click()
    plot.edit_bar.class_buttons[1].click()
    editor = plot.editor
    px, py = editor.pixel_size()
    editor.press(-1.0, 0.0)
    steps = 40
    for k in range(1, steps + 1):  # 10 pixels per move: 400 pixels in all
        editor.move(-1.0 + k * 10 * px, 0.0)
    editor.release()
    added = len(plot.points) - 4
    assert added == 1 + int(400 // BRUSH_STEP_PX)  # one at the press, then one per step
    assert len(seen) == 1 and len(seen[0]) == 4 + added
    new = [r for r in seen[0] if (r[0], r[1]) not in map(tuple, POINTS.tolist())]
    assert all(r[2] == 1 for r in new)
    ys = np.array([r[1] for r in new]) / py
    assert 0 < np.std(ys) < 10  # jittered by a few pixels around the stroke
    xs = np.sort([r[0] for r in new])
    assert xs[0] < -0.9 and xs[-1] > -1.0 + 350 * px  # spread along the whole stroke


def test_relabel_and_erase_by_dragging(plot):
    seen = edits(plot)
    plot.edit_bar.tool_buttons["relabel"].click()
    plot.edit_bar.class_buttons[1].click()
    plot.editor.press(1.0, 1.0)  # already blue: no change
    assert not plot.editor.release() and seen == []
    plot.editor.press(-1.0, -1.0)
    plot.editor.move(0.5, -0.5)
    plot.editor.release()
    assert len(seen) == 1 and {r[2] for r in seen[0]} == {1}
    plot.edit_bar.tool_buttons["erase"].click()
    plot.editor.press(-1.0, -1.0)
    plot.editor.move(1.0, 1.0)
    plot.editor.release()
    assert len(seen) == 2 and as_set(seen[1]) == {(0.5, -0.5, 1), (-0.5, 0.5, 1)}


def test_new_class_and_clear(plot):
    seen = edits(plot)
    plot.edit_bar.new_class.click()
    assert len(plot.edit_bar.class_buttons) == 3 and plot.editor.current_class == 2
    plot.editor.press(0.0, 0.8)
    plot.editor.release()
    assert any(r[2] == 2 for r in seen[-1])
    assert plot.n_classes == 3 and "class&nbsp;2" in plot.key.text()
    plot.edit_bar.clear.click()
    assert seen[-1] == [] and len(plot.points) == 0


def test_not_editing_means_clicks_do_nothing(qtbot, plot):
    seen = edits(plot)
    plot.set_editable(False)
    click(qtbot, plot, 0.2, 0.2)
    click(qtbot, plot, 1.0, 1.0, Qt.MouseButton.RightButton)
    assert seen == [] and len(plot.points) == 4


def test_data_during_a_gesture_waits_and_view_stays(plot):
    view_before = np.ravel(plot.plot.getViewBox().viewRange())
    plot.edit_bar.tool_buttons["move"].click()
    plot.editor.press(1.0, 1.0)
    plot.set_data(POINTS[:1], LABELS[:1], POINTS[1:1], LABELS[1:1], 2)  # arrives mid-drag
    assert len(plot.points) == 4  # the drag keeps its points
    plot.editor.release()  # nothing moved: the waiting data is applied now
    assert len(plot.points) == 1
    assert np.ravel(plot.plot.getViewBox().viewRange()) == pytest.approx(view_before)  # no jump


def test_edits_round_trip_through_a_points_dataset(plot):
    seen = edits(plot)
    plot.editor.press(0.0, 0.9)
    plot.editor.release()
    spec = edited_spec({"name": "xor", "n_samples": 4}, seen[0])
    data = load_dataset({**spec, "val_split": 0.0})
    assert data.n_train == 5 and data.is_plane
    plot.set_data(data.x_train_raw, data.y_train, data.x_val_raw, data.y_val, data.n_classes,
                  data.class_names)
    assert as_set(plot.editor.rows()) == as_set(seen[0])
