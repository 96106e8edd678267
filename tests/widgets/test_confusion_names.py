"""Confusion-matrix axis names on a short panel: a few classes are all named, a character
vocabulary is thinned to every n-th name."""

from __future__ import annotations

import numpy as np

from widgets.plots import ConfusionView

VOCAB = ["<pad>", "<unk>", "<s>", " ", *"0123456789abcdefghijklmnopqrstuvwxyz-,"]


def names_on(view: ConfusionView, axis: str) -> list[str]:
    return [name for _, name in view.plot.getAxis(axis)._tickLevels[0]]


def test_a_short_panel_names_all_three_classes_but_thins_a_vocabulary(qtbot):
    view = ConfusionView()
    qtbot.addWidget(view)
    view.resize(420, 420)
    view.show()
    qtbot.waitExposed(view)
    view.plot_widget.setFixedHeight(80)  # a squeezed panel: ~20 px for the whole matrix
    qtbot.wait(20)
    view.update(np.eye(len(VOCAB), dtype=np.int64), VOCAB)
    assert 1 < len(names_on(view, "left")) < len(VOCAB) // 4  # every n-th name: no overlap
    view.update(np.eye(3, dtype=np.int64) * 5, ["cat", "dog", "bird"])
    assert names_on(view, "left") == names_on(view, "bottom") == ["cat", "dog", "bird"]
    view.update(np.eye(len(VOCAB), dtype=np.int64), VOCAB)  # and back to many: thinned again
    assert len(names_on(view, "bottom")) < len(VOCAB) // 4
