"""Tools → Initialization side by side shows the network's own initializer as the pressed
button — never "zeros" painted as pressed (a dialog's default button) while Glorot is in use —
and a pick changes which button looks pressed."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

from tests.widgets.test_capacity_views import tools_action


def _look(button) -> np.ndarray:
    """Mean colour of the button's face (a strip at its left edge, away from the centred text:
    a short label such as "He" reaches into the left quarter in a larger font), RGB — without
    a hover highlight (the cursor may rest where an earlier test clicked) or focus frame."""
    button.setAttribute(Qt.WidgetAttribute.WA_UnderMouse, False)
    if button.hasFocus():  # nor a focus frame (which button has it depends on earlier tests)
        button.clearFocus()
    image = button.grab().toImage()
    w, h = image.width(), image.height()
    pixels = [image.pixelColor(x, y) for x in range(3, max(4, min(w // 4, 9)), 2)
              for y in range(3, h - 3, 2)]
    return np.array([[c.red(), c.green(), c.blue()] for c in pixels], dtype=float).mean(axis=0)


def _view(window, qtbot):
    from widgets.views.init_multiples_view import InitMultiplesView

    tools_action(window, "Initialization side by side").trigger()
    dialog = window.capacity.windows["init"]
    qtbot.waitExposed(dialog)
    return dialog.findChild(InitMultiplesView)


def _pressed(view) -> list[str]:
    """Schemes whose button looks different from the unpressed majority."""
    looks = {b.property("scheme"): _look(b) for b in view.buttons.buttons()}
    typical = np.median(np.array(list(looks.values())), axis=0)
    return [k for k, v in looks.items() if np.abs(v - typical).max() > 12]


def test_the_pressed_button_is_the_layers_initializer(window, qtbot) -> None:
    view = _view(window, qtbot)  # the spiral: glorot_uniform Dense layers
    assert view.scheme == "glorot" and view.stats["scheme"] == "glorot"
    assert not any(b.isDefault() or b.autoDefault() for b in view.buttons.buttons())
    assert _pressed(view) == ["glorot"]
    zeros = next(b for b in view.buttons.buttons() if b.property("scheme") == "zeros")
    qtbot.mouseClick(zeros, Qt.MouseButton.LeftButton)
    assert view.stats["scheme"] == "zeros" and _pressed(view) == ["zeros"]


@pytest.mark.parametrize("initializer, scheme", [("he_normal", "he"), ("zeros", "zeros"),
                                                 ("lecun_uniform", None)])
def test_another_initializer_presses_its_own_button(window, qtbot, initializer, scheme) -> None:
    for name, node in window.doc.graph.nodes.items():
        if node.kind == "Dense":
            window.doc.set_layer_options(name, {"kernel_initializer": initializer})
    view = _view(window, qtbot)
    assert view.scheme == scheme and _pressed(view) == ([scheme] if scheme else [])
    if scheme is None:  # no button for it: the learner is told, nothing is drawn
        assert initializer in view.summary.text() and view.stats is None
