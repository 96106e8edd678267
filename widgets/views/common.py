"""What every CNN view shares: a control bar, the picture or a muted hint, a one-line caption.

``ViewFrame`` lays out ``bar`` (a QHBoxLayout for combos/spin boxes), a stack that shows either
the view's content or ``hint`` (a muted sentence such as "Add a Conv2D layer to see its
filters") and ``caption`` (the muted one-line explanation under the view). ``ImagePanel`` is
a pyqtgraph plot without axes holding one row-major RGBA ``ImageItem`` (y down, square
pixels); ``show(rgba)`` calls ``setImage`` in place and re-fits the range only when the image
size changes. ``probe_of(snapshot, key)`` reads a probe under ``key`` or
``"introspection:" + key`` and splits off an ``{"error": message}`` result.
``ProbeView`` is a ``ViewFrame`` fed by one introspection probe (error -> hint, result ->
``show_result``) that asks for it with ``requests_changed``. ``fill_combo`` refills a combo box
only when its items change, keeping the current choice; ``add_tip_items`` adds items with
tooltips.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from widgets.plots.palette import AXIS_PT, PlotStyle, axis_font, current_style, plot_style
from widgets.views.inspect_common import FixedPlot, probe_result


def probe_of(snapshot: Any, key: str) -> tuple[Any, str | None]:
    """(value, None), (None, error message) or (None, None) when the snapshot lacks it."""
    probes = getattr(snapshot, "probes", None) or {}
    value = probes.get(key, probes.get("introspection:" + key))
    if isinstance(value, dict) and isinstance(value.get("error"), str):
        return None, value["error"]
    return value, None


def fill_combo(box: QComboBox, items: Sequence[str | tuple[str, Any]]) -> bool:
    """Give ``box`` the ``items`` (texts, or (text, data) pairs; a text's data is the text)
    when they differ from its current ones, keeping the current choice when it is still
    offered (else the first item), without emitting ``currentIndexChanged``. True when the
    items changed."""
    pairs = [(item, item) if isinstance(item, str) else tuple(item) for item in items]
    if pairs == [(box.itemText(i), box.itemData(i)) for i in range(box.count())]:
        return False
    current = box.currentData()
    box.blockSignals(True)
    box.clear()
    for text, data in pairs:
        box.addItem(text, data)
    found = box.findData(current) if current is not None else -1
    box.setCurrentIndex(found if found >= 0 else 0)
    box.blockSignals(False)
    return True


def add_tip_items(box: QComboBox, items: Iterable[tuple[str, Any, str]]) -> None:
    """Add (text, data, tooltip) items to ``box``."""
    for text, data, tip in items:
        box.addItem(text, data)
        box.setItemData(box.count() - 1, tip, Qt.ItemDataRole.ToolTipRole)


def muted_label(text: str = "", wrap: bool = True) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(wrap)
    label.setProperty("role", "muted")
    return label


def hint_label(text: str, pt: int = AXIS_PT) -> QLabel:
    """The centred muted sentence a view shows instead of an empty plot."""
    label = muted_label(text)
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    label.setFont(axis_font(pt))
    return label


class ImagePanel(FixedPlot):
    """One RGBA image, pixel (row, col) drawn at (x=col, y=row), row 0 at the top."""

    def __init__(self, title: str = "", parent: QWidget | None = None) -> None:
        super().__init__(title, parent)
        plot = self.plot
        for name in ("left", "bottom"):
            plot.hideAxis(name)
        plot.invertY(True)
        plot.setAspectLocked(True)
        self.image = pg.ImageItem(axisOrder="row-major")
        plot.addItem(self.image)
        self.shape: tuple[int, ...] = ()

    def show_rgba(self, rgba: np.ndarray) -> None:
        """rgba (H, W, 4) uint8 -> the image, in place."""
        self.image.setImage(rgba, autoLevels=False)
        if rgba.shape[:2] != self.shape:
            self.shape = rgba.shape[:2]
            h, w = self.shape
            self.image.setRect(QRectF(0, 0, w, h))
            self.plot.setRange(xRange=(0, w), yRange=(0, h), padding=0.02)


class ViewFrame(QWidget):
    """Control bar on top, content or hint in the middle, muted caption below."""

    def __init__(self, caption: str, hint: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.style_ = current_style()
        self.bar = QHBoxLayout()
        self.bar.setContentsMargins(6, 2, 6, 0)
        self.hint = hint_label(hint)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.hint)
        self.caption = muted_label(caption)
        self.caption.setContentsMargins(6, 0, 6, 2)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(2)
        box.addLayout(self.bar)
        box.addWidget(self.stack, 1)
        box.addWidget(self.caption)
        self._first_texts = (caption, hint)

    def reset_view(self) -> None:
        """Another project: the first caption and hint again, nothing of the old project
        drawn (a subclass drops what it kept of the old results first)."""
        self.caption.setText(self._first_texts[0])
        self.show_hint(self._first_texts[1])

    def add_bar_row(self) -> QHBoxLayout:
        """A second row of controls under ``bar`` (a narrow column: ~440 px at 1280×720)."""
        row = QHBoxLayout()
        row.setContentsMargins(6, 0, 6, 0)
        layout = self.layout()
        assert isinstance(layout, QVBoxLayout)
        layout.insertLayout(layout.indexOf(self.stack), row)
        return row

    def set_content(self, widget: QWidget) -> None:
        self.content = widget
        self.stack.addWidget(widget)

    def show_hint(self, text: str | None = None) -> None:
        if text is not None:
            self.hint.setText(text)
        self.stack.setCurrentWidget(self.hint)

    def show_content(self) -> None:
        self.stack.setCurrentWidget(self.content)

    @property
    def showing_hint(self) -> bool:
        return self.stack.currentWidget() is self.hint

    def theme_style(self, name: str) -> PlotStyle:
        self.style_ = plot_style(name)
        return self.style_

    def add_summary(self) -> QLabel:
        """A muted readout between the content and the caption (``self.summary``); it wraps,
        so a long sentence never widens the dock (and the window) past the screen."""
        self.summary = muted_label()
        self.summary.setContentsMargins(6, 0, 6, 0)
        column = self.layout()
        assert isinstance(column, QVBoxLayout)  # the frame's column (built in __init__)
        column.insertWidget(column.indexOf(self.stack) + 1, self.summary)  # under any bar rows
        return self.summary


class ProbeView(ViewFrame):
    """A view drawing the result of one introspection probe (``probe_name()``, read with
    ``probe_result``): an ``{"error": ...}`` result becomes the hint, a result that
    ``accepts`` is kept as ``self.result`` and drawn by ``show_result``. Its options are asked
    for with ``requests_changed(probe_requests())``."""

    requests_changed = Signal(dict)
    PROBE = ""

    def __init__(self, caption: str, hint: str, parent: QWidget | None = None) -> None:
        super().__init__(caption, hint, parent)
        self.result: dict[str, Any] | None = None

    def probe_name(self) -> str:
        return self.PROBE

    def reset_view(self) -> None:
        self.result = None
        super().reset_view()

    def probe_requests(self) -> dict[str, dict[str, Any]]:
        return {self.probe_name(): {}}

    def _emit(self, *_: object) -> None:
        self.requests_changed.emit(self.probe_requests())

    def update(self, snapshot: Any = None) -> None:  # type: ignore[override]
        """Show ``snapshot``'s probe result when it carries one; ``update()`` repaints."""
        if snapshot is None:
            super().update()
            return
        result, error = probe_result(snapshot, self.probe_name())
        if error is not None:
            self.result = None
            self.show_hint(error)
            return
        if result is None or not self.accepts(result):
            return
        self.result = result
        self.show_result(result)

    def accepts(self, result: dict[str, Any]) -> bool:
        """Whether ``result`` is one to draw (a subclass checks its keys)."""
        return True

    def show_result(self, result: dict[str, Any]) -> None:
        """Draw ``self.result`` (= ``result``): ``_redraw`` unless a subclass does more."""
        self._redraw()

    def _redraw(self, *_: object) -> None:
        """Draw ``self.result`` with the current controls (a subclass draws)."""
