"""Axes drawn once and blitted: every pyqtgraph ``AxisItem`` caches its picture as a pixmap.

pyqtgraph replays an axis's recorded ``QPicture`` (ticks and their text) whenever anything in
its region of the view repaints — a growing loss curve or a new decision map repaints the
axes beside it 40–50 times a second although they rarely change, and replaying the text cost
~3 ms each on a loaded 2-core machine (measured with ``scripts/measure_fps.py``: about a fifth
of the GUI thread). With ``DeviceCoordinateCache`` Qt keeps the rendered axis as a pixmap and
re-renders it only when the axis calls ``update()`` (new range, labels, pens, size), which
pyqtgraph does for every real change.
"""

from __future__ import annotations

from typing import Any

import pyqtgraph as pg
from PySide6.QtWidgets import QGraphicsItem

_installed = False


def cache_axes() -> None:
    """From now on every new ``pg.AxisItem`` caches its drawing (idempotent)."""
    global _installed
    if _installed:
        return
    original = pg.AxisItem.__init__

    def init(self: pg.AxisItem, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)

    pg.AxisItem.__init__ = init  # type: ignore[method-assign]
    _installed = True
