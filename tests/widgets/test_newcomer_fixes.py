"""What a newcomer met in the window at 1280×720 (issue 18's walk-through), fixed.

- The spiral example trains at 60 steps/s, a rate the Speed combo does not list: it showed a
  bare "60.0" (no unit); now "60 steps/s".
"""

from __future__ import annotations

from app.examples import example_path


def test_speed_of_an_example_shows_its_unit(window, qtbot):
    speed = window.training_panel.editors["max_steps_per_second"]
    assert speed.currentText() == "60 steps/s"  # the spiral example's own rate
    assert speed.currentData() == 60.0
    # a listed rate keeps its preset name; opening another example shows that one's rate
    assert window.files.open_example(example_path("digits_cnn"))
    assert speed.currentText() == "Full speed"
    window.doc.set_training({"max_steps_per_second": 1000.0})
    qtbot.waitUntil(lambda: speed.currentText() == "Watch — 1,000 steps/s", timeout=2000)
    window.doc.set_training({"max_steps_per_second": 2500.0})
    qtbot.waitUntil(lambda: speed.currentText() == "2,500 steps/s", timeout=2000)
