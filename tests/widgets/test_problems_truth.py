"""The Problems panel tells the truth: its verdict ("ready" or not) is whether Play trains.

Each case breaks a bundled example the way a learner would (document commands; a file for
what the canvas refuses to draw: a loop, two wires into one port), then compares the panel's
verdict with what pressing Play in the window does — and, for a refused project, checks that
the engine given it directly (past the check) would not train it either — and applies every
offered fix: its problem goes away, Undo brings it back, Redo removes it again.
"""

from __future__ import annotations

import copy
from collections.abc import Callable

import pytest
from PySide6.QtCore import QSettings

from app.examples import example_path
from app.settings import Settings
from engine.graph import Edge
from widgets.window.main_window import MainWindow


@pytest.fixture(scope="module")
def window(qapp, tmp_path_factory):
    folder = tmp_path_factory.mktemp("truth")
    settings = Settings(QSettings(str(folder / "s.ini"), QSettings.Format.IniFormat))
    win = MainWindow(settings, autosave_folder=folder / "recovery")
    win.prompts_enabled = False
    win.run.ask_keep_weights = lambda: False
    win.show()
    yield win
    win.close()
    win.deleteLater()


def open_base(win: MainWindow, key: str) -> None:
    assert win.files.open_example(example_path(key))
    win.doc.set_training({"epochs": 1})
    settle(win)


def settle(win: MainWindow) -> None:
    """Let the dataset panel load what the document names (the panel checks again then)."""
    win.dataset_panel.ensure_current()


def play_trains(win: MainWindow, qtbot) -> bool:
    """Press Play: True when training really ran (optimizer steps, no error)."""
    session = win.session
    win.run.toggle_play()
    if session.state not in ("preparing", "running"):  # prepared off the GUI thread
        return False  # refused
    qtbot.waitUntil(lambda: bool(session.history.step_losses)
                    or session.state in ("error", "finished", "stopped"), timeout=20000)
    trained = bool(session.history.step_losses) and session.state != "error"
    win.run.stop()
    qtbot.waitUntil(lambda: session.state != "running", timeout=5000)
    return trained


def engine_trains(win: MainWindow, qtbot) -> bool:
    """The same project straight into the session, past the check: does the engine train it?
    (So the check refuses only what would fail anyway.)"""
    session = win.session
    if not session.load(win.doc.snapshot_project(), win.dataset_panel.data):
        return False
    session.play()
    qtbot.waitUntil(lambda: bool(session.history.step_losses)
                    or session.state in ("error", "finished", "stopped"), timeout=20000)
    trained = bool(session.history.step_losses) and session.state != "error"
    session.stop()
    qtbot.waitUntil(lambda: session.state != "running", timeout=5000)
    win.run.structure_dirty = True  # the next Play loads the document again
    return trained


def replace_graph(win: MainWindow, change: Callable) -> None:
    """What the canvas never draws (a loop, two wires into one port) comes from a file."""
    project = copy.deepcopy(win.doc.project)
    change(project.graph)
    win.doc.load(project)
    settle(win)


def set_options(win: MainWindow, layer: str, **changes) -> None:
    win.doc.set_layer_options(layer, {**win.doc.graph.nodes[layer].options, **changes})


def empty_canvas(win):
    win.doc.remove_layers(list(win.doc.graph.nodes))


def input_not_connected(win):
    win.doc.disconnect_edge(win.doc.graph.in_edges("hidden")[0])


def wrong_input_size(win):
    set_options(win, "pixels", shape=[2])


def one_output_unit_for_ten_classes(win):
    set_options(win, "digit", units=1, activation="sigmoid")


def cross_entropy_without_softmax(win):
    win.doc.set_training({"loss": "categorical_crossentropy"})
    set_options(win, "digit", activation="relu")


def loop(win):
    replace_graph(win, lambda g: g.edges.append(Edge("digit", "hidden", 1)))


def two_inputs_into_one_dense(win):
    def change(g):
        g.add_node("Input", "more_pixels", {"shape": [64]})
        g.edges.append(Edge("more_pixels", "hidden", 1))
    replace_graph(win, change)


def second_input_left_alone(win):
    win.doc.add_layer("Input", (300.0, 0.0), {"shape": [64]}, name="spare")


def two_outputs(win):
    win.doc.add_layer("Dense", (300.0, 200.0), {"units": 10}, name="extra")
    win.doc.connect_layers("hidden", "extra")


def regression_data_classifier_head(win):
    win.doc.set_dataset({"name": "sine", "n_samples": 200})
    settle(win)
    set_options(win, "pixels", shape=[1])


def dense_on_an_image(win):  # digits_cnn without its Flatten
    win.doc.remove_layers(["flat"])
    win.doc.connect_layers("conv2", "dropout")


def perceptron_recipe_on_a_deep_network(win):
    win.doc.set_recipe("perceptron")


def augmenting_flat_samples(win):
    win.doc.set_training({"augment": {"shift": 2}})


def data_cannot_load(win):
    win.doc.set_dataset({"name": "image_folder", "path": ""})


def untouched(win):
    pass


CASES = [  # (base example, break it, ready afterwards?)
    ("digits_mlp", untouched, True),
    ("spiral", untouched, True),
    ("digits_mlp", empty_canvas, False),
    ("digits_mlp", input_not_connected, False),
    ("digits_mlp", wrong_input_size, False),
    ("digits_mlp", one_output_unit_for_ten_classes, False),
    ("digits_mlp", cross_entropy_without_softmax, False),
    ("digits_mlp", loop, False),
    ("digits_mlp", two_inputs_into_one_dense, False),
    ("digits_mlp", second_input_left_alone, False),
    ("digits_mlp", two_outputs, False),
    ("digits_mlp", regression_data_classifier_head, False),
    ("digits_cnn", dense_on_an_image, False),
    ("digits_mlp", perceptron_recipe_on_a_deep_network, False),
    ("digits_mlp", augmenting_flat_samples, False),
    ("digits_mlp", data_cannot_load, False),
]


@pytest.mark.parametrize("base, breaks, ready", CASES,
                         ids=[f"{b}-{f.__name__}" for b, f, _ in CASES])
def test_verdict_equals_play_and_fixes_mend(window, qtbot, base, breaks, ready):
    open_base(window, base)
    breaks(window)
    settle(window)
    panel = window.problems
    assert panel.ready is ready, [p.message for p in panel.problems]
    if not ready:
        assert "Ready" not in panel.summary.text()
        shown = [p.message for p in panel.problems]
    assert play_trains(window, qtbot) is ready
    if not ready:  # Play said the panel's words, and the engine alone would not train either
        said = window.problems.messages[0][1]
        assert any(said.startswith(text) for text in shown), (said, shown)
        assert not engine_trains(window, qtbot)
    check_fixes(window, qtbot)


def check_fixes(win: MainWindow, qtbot) -> None:
    """Every offered fix, clicked, removes its problem; Undo brings it back."""
    panel = win.problems
    while panel.fix_buttons:
        problem = next(p for p in panel.problems if p.fix is not None)
        button = panel.fix_buttons[0]
        assert problem.fix is not None and button.text() == f"Fix: {problem.fix.label}"
        button.click()
        qtbot.waitUntil(lambda: problem not in panel.problems, timeout=2000)
        win.doc.undo_stack.undo()
        assert problem in panel.problems
        win.doc.undo_stack.redo()
        assert problem not in panel.problems


FIXED = [("digits_mlp", wrong_input_size), ("digits_mlp", one_output_unit_for_ten_classes),
         ("digits_mlp", cross_entropy_without_softmax),
         ("digits_mlp", regression_data_classifier_head), ("digits_cnn", dense_on_an_image)]


@pytest.mark.parametrize("base, breaks", FIXED, ids=[f.__name__ for _, f in FIXED])
def test_after_the_fixes_play_trains(window, qtbot, base, breaks):
    open_base(window, base)
    breaks(window)
    settle(window)
    assert window.problems.fixes and not window.problems.ready
    window.problems.fix_all()
    assert window.problems.ready, [p.message for p in window.problems.problems]
    assert play_trains(window, qtbot)


def test_dataset_change_offers_to_adapt_input_and_output(window, qtbot):
    open_base(window, "spiral")
    window.doc.set_dataset({"name": "digits"})
    assert not window.problems.ready  # pending: no verdict before the data is loaded
    settle(window)
    labels = [f.label for f in window.problems.fixes]
    assert any("Input shape to 64" in label for label in labels), labels
    # the spiral's output is already a softmax: the fix changes only its width
    assert any("'output' to 10 units" in label for label in labels), labels
    assert len(window.problems.fix_buttons) == 2 and window.problems.fix_all_button.isVisible()
    window.problems.fix_all()
    assert window.problems.ready, [p.message for p in window.problems.problems]
    assert play_trains(window, qtbot)
    window.doc.undo_stack.undo()  # one undo step takes every fix back
    assert not window.problems.ready


def test_the_header_counts_in_words_one_problem_it_two_problems_them(window, qtbot):
    open_base(window, "digits_mlp")
    wrong_input_size(window)
    settle(window)
    errors = window.problems.problem_count
    text = window.problems.summary.text()
    if errors == 1:
        assert "1 problem stops training" in text and "fix it below" in text, text
    else:
        assert f"{errors} problems stop training" in text and "fix them below" in text, text
    cross_entropy_without_softmax(window)
    settle(window)
    more = window.problems.problem_count
    assert more >= 2 and f"{more} problems stop training" in window.problems.summary.text()
    assert "fix them below" in window.problems.summary.text()


def test_the_header_does_not_say_press_play_while_training(window, qtbot):
    open_base(window, "spiral")
    window.doc.set_training({"epochs": 100_000, "max_steps_per_second": 60})
    assert "Ready to train" in window.problems.summary.text()
    window.run.toggle_play()
    qtbot.waitUntil(lambda: window.session.state == "running", timeout=10_000)
    assert "Training" in window.problems.summary.text()
    assert "press Play" not in window.problems.summary.text()
    window.run.toggle_play()  # Pause: Play goes on
    qtbot.waitUntil(lambda: window.session.state == "paused", timeout=10_000)
    assert "Ready to train" in window.problems.summary.text()
    window.run.stop()
    qtbot.waitUntil(lambda: window.session.state in ("stopped", "finished"), timeout=10_000)
