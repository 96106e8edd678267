"""The ``gradients`` lesson check: the first layer's share of the gradient at fresh weights,
measured as the dynamics view does — tiny for a deep sigmoid stack, healthy for ReLU."""

from pathlib import Path

import pytest

from engine.lessons import LessonFileError
from engine.lessons.checks import holds, parse_check
from engine.lessons.gradients import start_gradient_ratio
from engine.lessons.runner import HeadlessEditor


def _deep(activation: str, depth: int = 6) -> HeadlessEditor:
    editor = HeadlessEditor()
    editor.open_project(Path("assets/examples/circles.layerlab.json"))
    editor.remove_layer("hidden")
    previous = "inputs"
    for i in range(1, depth + 1):
        editor.add_layer("Dense", f"h{i}", {"units": 8, "activation": activation},
                         (100.0 * i, 0.0))
        editor.connect(previous, f"h{i}")
        previous = f"h{i}"
    editor.connect(previous, "output")
    return editor


def test_gradients_vanish_through_deep_sigmoids_and_not_through_relus():
    editor = _deep("sigmoid")
    healthy = parse_check({"type": "gradients", "at_least": 0.01}, "check 1", "g")
    vanished = parse_check({"type": "gradients", "at_most": 0.001}, "check 2", "v")
    assert "first layer" in healthy.label
    ratio = start_gradient_ratio(editor.project)
    assert ratio is not None and ratio < 1e-3
    assert holds(vanished, editor) and not holds(healthy, editor)
    for i in range(1, 7):
        editor.set_options(f"h{i}", {"activation": "relu"})
    assert holds(healthy, editor) and not holds(vanished, editor)


def test_gradients_check_is_false_when_the_network_cannot_be_built():
    editor = _deep("relu", depth=2)
    editor.disconnect("h2", "output")
    check = parse_check({"type": "gradients", "at_least": 0.0}, "check 1", "g")
    assert not holds(check, editor)
    with pytest.raises(LessonFileError, match="at_least"):
        parse_check({"type": "gradients"}, "check 1", "g")
