"""The Lesson panel's state through the window: opening another project (a gallery example,
New) closes the lesson and shows that project's own lesson paragraph; opening the lesson again
resumes it, and a check passed before is judged again on the live network (a remembered ✓ is
never shown as holding now)."""

from __future__ import annotations

import html

import numpy as np
import pytest
from PySide6.QtCore import QSettings

from app.examples import example_path, list_examples
from app.settings import Settings
from engine.lessons import LESSONS_DIR
from widgets.lessons.lesson_panel import DONE_BEFORE, PASSED, WAITING
from widgets.window.main_window import MainWindow

LESSON_1 = LESSONS_DIR / "01_perceptron.lesson.json"
OPEN: list[MainWindow] = []


@pytest.fixture(autouse=True)
def _close_windows():
    yield
    while OPEN:
        win = OPEN.pop()
        win.prompts_enabled = False
        win.close()


def _window(qtbot, tmp_path) -> MainWindow:
    settings = Settings(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    win = MainWindow(settings, autosave_folder=tmp_path / "recovery")
    win.run.ask_keep_weights = lambda: True
    win.prompts_enabled = False
    qtbot.addWidget(win)
    win.show()
    OPEN.append(win)
    return win


def _marks(panel) -> list[str]:
    return [row.mark.text()[0] for row in panel.rows]


def _answer_step_one(win: MainWindow) -> None:
    panel = win.lessons.panel
    panel.rows[0].input.setText("3")
    panel.rows[0].button.click()
    panel.next_button.click()


def test_opening_an_example_closes_the_lesson_and_shows_its_own_text(qtbot, tmp_path):
    win = _window(qtbot, tmp_path)
    assert win.files.open_path(LESSON_1, ask=False)
    _answer_step_one(win)
    panel = win.lessons.panel
    assert panel.where.text().startswith("Step 2 of 4")
    texts = {e.key: e.lesson or e.description for e in list_examples()}
    for key in ("digits_cnn", "spiral"):
        assert win.files.open_example(example_path(key))
        assert win.lessons.session is None and panel.lesson is None
        assert "perceptron" not in panel.title.text().lower() and panel.where.text() == ""
        assert html.escape(texts[key][:40]) in panel.text.text()
        assert not panel.show_me_button.isVisible() and not panel.rows
    assert win.files.open_path(LESSON_1, ask=False)  # the lesson resumes where it was left
    assert panel.where.text().startswith("Step 2 of 4")
    assert win.doc.project.name == "Perceptron learns AND"
    win.doc.set_training({"epochs": 3})  # an edit of the lesson's own project keeps it open
    assert win.lessons.session is not None
    assert win.files.new()  # New closes it too
    assert win.lessons.session is None and "No lesson is open" in panel.text.text()
    assert win.settings.lesson_progress("01_perceptron")[0] == 1  # progress stays saved


def test_a_resumed_lesson_judges_its_checks_on_the_live_network(qtbot, tmp_path):
    win = _window(qtbot, tmp_path)
    assert win.files.open_path(LESSON_1, ask=False)
    _answer_step_one(win)
    panel = win.lessons.panel
    panel.show_me_button.click()  # trains the perceptron on AND
    win.session.set_step_rate(1e6)
    qtbot.waitUntil(lambda: _marks(panel) == [PASSED], timeout=30_000)
    qtbot.waitUntil(lambda: win.run.state != "running", timeout=10_000)
    assert win.files.open_example(example_path("spiral"))
    assert win.files.open_path(LESSON_1, ask=False)  # an untrained network again
    assert panel.where.text().startswith("Step 2 of 4")
    assert 1 in win.lessons.session.steps_done  # the progress is kept …
    assert _marks(panel) == [WAITING]  # … but the check does not hold now
    assert panel.rows[0].mark.text().endswith(DONE_BEFORE)
    panel.back_button.click()  # an answer given before stays given
    assert _marks(panel) == [PASSED] and DONE_BEFORE not in panel.rows[0].mark.text()
    panel.next_button.click()
    panel.show_me_button.click()  # trained again: the live ✓ comes back
    win.session.set_step_rate(1e6)
    qtbot.waitUntil(lambda: _marks(panel) == [PASSED], timeout=30_000)
    assert DONE_BEFORE not in panel.rows[0].mark.text()
    qtbot.waitUntil(lambda: win.run.state != "running", timeout=10_000)


def test_the_converged_perceptron_rings_no_point(qtbot, tmp_path):
    """Lesson 1, step 2: when the log says every training point is on the right side, the
    decision plot rings none — also (1, 1) when the learned line passes exactly through it."""
    win = _window(qtbot, tmp_path)
    assert win.files.open_path(LESSON_1, ask=False)
    _answer_step_one(win)
    panel, plot = win.lessons.panel, win.plots.decision
    panel.show_me_button.click()
    win.session.set_step_rate(1e6)
    qtbot.waitUntil(lambda: win.run.state != "running" and _marks(panel) == [PASSED],
                    timeout=30_000)
    qtbot.waitUntil(lambda: plot._shown is not None, timeout=5_000)
    assert list(plot.misclassified) == [] and len(plot.mistakes.data) == 0


def test_a_point_on_the_line_is_judged_by_the_networks_rule_not_the_nearest_cell(qtbot):
    from widgets.plots.decision_plot import DecisionPlot

    plot = DecisionPlot()
    qtbot.addWidget(plot)
    points = np.array([[0.0, 0.0], [1.0, 1.0]], np.float32)
    plot.set_data(points, np.array([0, 1]), np.zeros((0, 2)), np.zeros(0, int), 2)
    extent = np.array([-0.1, 1.1, -0.1, 1.1])
    gx = np.linspace(-0.1, 1.1, 60)
    xx, yy = np.meshgrid(gx, gx)
    grid = (2 * xx + yy - 3 >= 0).astype(np.float32)  # the line 2x + y = 3 goes through (1, 1)
    plot.show_grid(grid, extent)  # the nearest cell to (1, 1) lies just below the line
    assert list(plot.misclassified) == [1]
    plot.show_grid(grid, extent, np.array([0.0, 1.0], np.float32))  # the network's own answer
    assert list(plot.misclassified) == []
