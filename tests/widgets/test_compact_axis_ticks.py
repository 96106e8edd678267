"""Step axes stay legible when narrow: the labels of a horizontal CompactAxis never run
together ("200400600800" on the Loss panel's 130 px charts at 1280×720)."""

from __future__ import annotations

import pyqtgraph as pg
import pytest
from PySide6.QtGui import QFontMetricsF

from widgets.plots.palette import compact_axes, current_style, style_axes


def label_boxes(axis: pg.AxisItem, lo: float, hi: float, px: float) -> list[tuple[float, float]]:
    """(left, right) pixel extents of the labelled ticks of ``axis`` over ``px`` pixels."""
    metrics = QFontMetricsF(axis.style["tickFont"])
    spacing, values = axis.tickValues(lo, hi, px)[0]
    boxes = []
    for v, text in zip(values, axis.tickStrings(values, 1.0, spacing)):
        x = (v - lo) / (hi - lo) * px
        w = metrics.horizontalAdvance(text)
        boxes.append((x - w / 2, x + w / 2))
    return boxes


@pytest.mark.parametrize("width", [130, 200, 420])
@pytest.mark.parametrize("hi", [100, 1000, 1250, 25_000])
def test_horizontal_step_labels_do_not_overlap(qtbot, width, hi):
    widget = pg.PlotWidget(axisItems=compact_axes())
    qtbot.addWidget(widget)
    style_axes(widget.getPlotItem(), current_style(), "loss", "step")
    axis = widget.getPlotItem().getAxis("bottom")
    boxes = label_boxes(axis, 0.0, float(hi), float(width))
    assert len(boxes) >= 2, boxes  # still says where the steps are
    gaps = [b[0] - a[1] for a, b in zip(boxes, boxes[1:])]
    assert min(gaps) >= 6, (width, hi, boxes)
