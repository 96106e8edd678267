"""The Coach is heard outside its tab: File → New's settings, then the old bad settings
played on the textbook network give a badge on the Coach tab and the dock, and one line in
the status bar and the Problems log per new card — once, not every snapshot."""

from __future__ import annotations

import pytest

from engine.new_project import NEW_TRAINING
from tests.widgets.window_helpers import close_test_window, make_test_window

FLAT = "Coach: the loss is flat — the learning rate is probably too small"


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    win = make_test_window(qtbot, tmp_path, monkeypatch, keep_weights=True)
    yield win
    close_test_window(win)


def build_textbook_network(doc) -> None:
    names = [doc.add_layer("Input", (0.0, 0.0))]
    for i, (units, activation) in enumerate([(8, "tanh"), (8, "tanh"), (1, "sigmoid")]):
        name = doc.add_layer("Dense", (250.0 * (i + 1), 0.0))
        doc.set_layer_options(name, {**doc.graph.nodes[name].options, "units": units,
                                     "activation": activation})
        names.append(name)
    for source, target in zip(names, names[1:]):
        assert doc.connect_layers(source, target) is None


def coach_notices(window) -> list[str]:
    return [text for _, text, _ in window.problems.messages if text.startswith("Coach:")]


def play_to_the_end(window, qtbot) -> None:
    window.run.toggle_play()
    qtbot.waitUntil(lambda: window.session.state in ("finished", "stopped", "error"),
                    timeout=60_000)
    assert window.session.state == "finished"


def test_new_then_old_defaults_signal_the_coach_outside_its_tab(window, qtbot):
    assert window.files.new()
    training = window.doc.project.training
    assert training.optimizer_options == NEW_TRAINING["optimizer_options"]
    assert training.max_steps_per_second == NEW_TRAINING["max_steps_per_second"]
    build_textbook_network(window.doc)
    # the settings New used to have: plain SGD at 0.001, 50 epochs of 32, full speed
    window.doc.set_training({"optimizer": "sgd", "optimizer_options": {"learning_rate": 0.001},
                             "batch_mode": "mini", "batch_size": 32, "epochs": 50,
                             "max_steps_per_second": 0.0})
    inside = window.inside.dock
    assert inside.tab_text("coach") == "Coach"
    assert window.docks["inside"].windowTitle() == "Look inside"
    play_to_the_end(window, qtbot)
    qtbot.waitUntil(lambda: bool(window.inside.coach.cards), timeout=5000)
    kinds = [card.advice.kind for card in window.inside.coach.cards]
    assert "flat_loss" in kinds and "overfitting" not in kinds
    count = len(window.inside.coach.cards)
    assert inside.tab_text("coach") == f"Coach ({count})"
    assert window.docks["inside"].windowTitle() == f"Look inside — Coach ({count})"
    notices = coach_notices(window)
    assert sum(text.startswith(FLAT) for text in notices) == 1
    assert len(notices) == count  # one line per card
    button = window.coach_notices.button  # outlives the status line ("Finished …")
    assert button.isVisible() and button.text().startswith(f"⚠ Coach ({count}): ")
    window.docks["output"].raise_()
    button.click()
    assert window.inside.current_key() == "coach"
    # the same advice again (the session re-sends it) adds no second line
    window.session.advice_changed.emit(list(window.session.coach.advice))
    assert coach_notices(window) == notices
    # another project: no badge, nothing of the old run's advice
    assert window.files.new()
    qtbot.waitUntil(lambda: inside.tab_text("coach") == "Coach", timeout=5000)
    assert window.docks["inside"].windowTitle() == "Look inside"
    assert not button.isVisible()
