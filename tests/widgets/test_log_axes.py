"""Log axes read as plain numbers (0.001, 0.01, 0.1, 1) — no unlabelled "2 3 … 9", no
"(x0.001)" scale — and the LR finder's marks never sit over its curve (they are named in a
key under the plot)."""

from __future__ import annotations

import pyqtgraph as pg

from app.examples import example_path
from engine.lr_finder import find_learning_rate
from engine.project import load_project
from widgets.plots.log_axis import LogAxis


def labels(axis: pg.AxisItem, size: float = 500.0) -> list[str]:
    lo, hi = axis.range
    out = []
    for spacing, values in axis.tickValues(lo, hi, size):
        out += [t for t in axis.tickStrings(values, axis.scale, spacing) if t]
    return out


def test_an_empty_log_axis_labels_its_decades(qtbot) -> None:
    plot = pg.PlotWidget(axisItems={"left": LogAxis("left")})
    qtbot.addWidget(plot)
    plot.setLogMode(y=True)
    assert labels(plot.getAxis("left")) == ["1", "10"]
    plot.plot([0, 1, 2], [0.0012, 0.003, 0.0009])  # less than a decade: 1-2-5 ticks
    plot.getPlotItem().vb.autoRange()
    texts = labels(plot.getAxis("left"))
    assert len(texts) >= 2 and all(t.startswith("0.00") for t in texts), texts


def test_lr_finder_on_xor_plain_axes_marks_beside_the_curve(qtbot) -> None:
    from widgets.views.lr_finder_dialog import LRFinderDialog

    result = find_learning_rate(load_project(example_path("xor")))
    assert result.suggestion is not None
    applied: list[float] = []
    dialog = LRFinderDialog(lambda _progress: result, applied.append)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.show_result(result)
    bottom = dialog.plot.getAxis("bottom")
    qtbot.waitUntil(lambda: bottom.range[0] < -5)  # the sweep's 1e-6 … 10 in view
    texts = labels(bottom, 600.0)
    assert {"0.001", "0.01", "0.1", "1"} <= set(texts) and not any("⁻" in t for t in texts)
    assert not any(t.isdigit() and t in "23456789" for t in texts)
    left = dialog.plot.getAxis("left")
    assert left.autoSIPrefixScale == 1.0 and "x0" not in left.labelString()
    items = dialog.plot.getPlotItem().vb.addedItems
    assert not [i for i in items if isinstance(i, pg.TextItem)]
    assert not any(i.label is not None for i in items if isinstance(i, pg.InfiniteLine)
                   and hasattr(i, "label"))
    assert f"suggested {result.suggestion:.3g}" in dialog.marks.text()
    dialog.apply()
    assert applied == [float(f"{result.suggestion:.3g}")]
