"""The LR finder dialog marks what its reading used: on a curve that turned up, the suggestion
named by its rule and the other reading beside it; on a loss still falling at the end of the
sweep, the suggestion alone (min/10 of a sweep that never turned up means nothing)."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from engine.lr_finder import LRFinderResult
from widgets.views.lr_finder_dialog import LRFinderDialog

LRS = np.geomspace(1e-6, 10, 50)
LOSS = np.linspace(0.9, 0.1, 50)


def show(qtbot, result: LRFinderResult) -> LRFinderDialog:
    dialog = LRFinderDialog(lambda _progress: result, lambda _lr: None)
    qtbot.addWidget(dialog)
    dialog.show_result(result)
    return dialog


def lines(dialog: LRFinderDialog) -> list[float]:
    items = dialog.plot.getPlotItem().vb.addedItems
    return sorted(round(10 ** i.value(), 4) for i in items if isinstance(i, pg.InfiniteLine))


def test_a_turned_curve_marks_the_suggestion_and_the_other_reading(qtbot) -> None:
    result = LRFinderResult(LRS, LOSS, LOSS, 0.05, 0.5, False, 0.3, True, 0.137, 0.9, "min/10")
    dialog = show(qtbot, result)
    assert "suggested (min / 10) 0.05" in dialog.marks.text()
    assert "steepest 0.137" in dialog.marks.text()
    assert lines(dialog) == [0.05, 0.137]
    assert dialog.apply_button.text() == "Apply learning rate 0.05"


def test_a_loss_still_falling_marks_only_the_suggestion(qtbot) -> None:
    result = LRFinderResult(LRS, LOSS, LOSS, 0.04, 10.0, False, 0.9, False, 1.1, None, "onset")
    dialog = show(qtbot, result)
    assert "min / 10" not in dialog.marks.text() and "steepest" not in dialog.marks.text()
    assert lines(dialog) == [0.04]
    assert "starts to fall" in dialog.info.text()


def test_a_blow_up_does_not_flatten_the_curve(qtbot) -> None:
    """Spiral: the loss falls from 0.7 a little, then the sweep blows up to 18. The y axis
    shows the fall (lowest point to 1.5 × the start), not the blow-up."""
    raw = np.concatenate([np.linspace(0.7, 0.65, 40), np.geomspace(0.7, 18, 10)])
    smooth = np.convolve(raw, np.ones(3) / 3, mode="same")
    smooth[0], smooth[-1] = raw[0], raw[-1]
    result = LRFinderResult(LRS, raw, smooth, None, 0.3, True, 0.07, True, None, 0.3, "none")
    dialog = show(qtbot, result)
    low, high = dialog.plot.getPlotItem().vb.viewRange()[1]
    assert high < 1.2 and low > 0.55  # 0.65 … 1.05 plus 5 % padding
