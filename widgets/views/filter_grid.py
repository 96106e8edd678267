"""The learned filters of one convolution layer, as a grid of small images, updated live.

``show_filters({layer: (filters, C, kh, kw)})`` (or ``update(snapshot)`` with the
``"cnn_filters"`` probe, same dict; see ``engine.introspection.feature_maps.conv_filters``)
draws the chosen layer's filters left to right, top to bottom, in as many columns as make the
tiles largest in the panel (``fitting_cols``: 8 × 2 in a wide, short dock). A filter has one
``kh×kw`` slice per input channel: the channel box picks one, or their mean. Colours: orange
negative, background 0, blue positive, with levels symmetric around 0 shared by the whole layer (so
filters compare). One ``setImage`` per frame. Before the first result the layer list comes
from the graph (``set_model_context``) and the hint says to press Play
(``widgets.views.layer_hints``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import QSize, QTimer, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QComboBox, QLabel, QWidget

from widgets.views.cnn_tiles import fitting_cols, mosaic, signed_tiles
from widgets.views.common import ImagePanel, ViewFrame, fill_combo, probe_of
from widgets.views.layer_hints import CONV_KINDS, GraphContext, GraphHint

PROBE_KEY = "cnn_filters"
MEAN = -1  # channel box value: mean over the input channels
# short: at 1280×720 the tiles need the dock's height (the long story is the tooltip)
CAPTION = "Each square is one filter's weights: blue +, orange −. Training makes edge detectors."
CAPTION_TIP = ("Each square is one filter: the weights it multiplies a patch of its input by. "
               "Blue = positive, orange = negative weight; training turns noise into edge and "
               "stroke detectors.")
HINT = "Add a Conv2D layer to see its filters."
READY_HINT = "Press Play (or Step) to see the filters."


class FilterGridView(ViewFrame):
    """Filters of a chosen convolution layer. ``layer_changed(name)`` when the learner picks
    another layer."""

    layer_changed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(CAPTION, HINT, parent)
        self.filters: dict[str, np.ndarray] = {}
        self.graph_hint = GraphHint(CONV_KINDS, HINT, READY_HINT)
        self.layer_box = QComboBox()
        self.layer_box.setToolTip("Which convolution layer's filters to show")
        self.channel_box = QComboBox()
        self.channel_box.setToolTip("A filter has one slice per input channel: show one slice "
                                    "or the mean of all of them")
        self.scale_label = QLabel("")
        self.scale_label.setToolTip("The colour levels: ±this weight is full blue / orange")
        self.bar.addWidget(QLabel("Layer"))
        self.bar.addWidget(self.layer_box)
        self.bar.addWidget(QLabel("Input channel"))
        self.bar.addWidget(self.channel_box)
        self.bar.addStretch(1)
        self.add_bar_row().addWidget(self.scale_label, 1)  # its own line: fits ~440 px
        self.caption.setToolTip(CAPTION_TIP)
        self.panel = ImagePanel()
        self.panel.setToolTip("One tile per filter (filter 1 top left, row by row)")
        self.set_content(self.panel)
        self.layer_box.currentTextChanged.connect(self._layer_picked)
        self.channel_box.currentIndexChanged.connect(lambda _: self._redraw())
        self.shown = np.zeros((0, 0, 0), np.float32)  # (filters, kh, kw) drawn last
        self.set_theme(self.style_.name)
        self.show_hint()

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return QSize(420, 380)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        if self.filters:  # the columns follow the panel's shape
            QTimer.singleShot(0, self, self._redraw)

    # -- data --------------------------------------------------------------------------------
    def reset_view(self) -> None:
        self.show_filters({})
        super().reset_view()
        self.show_hint(self.graph_hint.text)

    def set_model_context(self, context: GraphContext) -> None:
        """The graph changed: before the first filters, list its Conv2D layers and say to
        press Play (``context``: ``widgets.panels.inside_dock.ViewContext``)."""
        self.graph_hint.set_context(context)
        if not self.filters:
            self.show_filters({})

    def update(self, snapshot: Any = None) -> None:  # type: ignore[override]
        """Read ``snapshot.probes["cnn_filters"]`` (or ``"introspection:cnn_filters"``);
        ``update()`` alone repaints the widget."""
        if snapshot is None:
            super().update()
            return
        filters, error = probe_of(snapshot, PROBE_KEY)
        if error:
            self.filters = {}
            self.show_hint(error)
        elif isinstance(filters, dict):
            self.show_filters(filters)

    def show_filters(self, filters: dict[str, np.ndarray] | None) -> None:
        """filters: ``{layer: (filters, C, kh, kw)}``; other shapes are ignored."""
        good = {k: np.asarray(v) for k, v in (filters or {}).items()
                if np.asarray(v).ndim == 4 and np.asarray(v).size}
        self.filters = good
        fill_combo(self.layer_box, list(good) or self.graph_hint.layers)
        self._sync_channels()
        self._redraw()

    def set_layer(self, name: str) -> None:
        self.layer_box.setCurrentText(name)

    @property
    def layer(self) -> str:
        return self.layer_box.currentText()

    @property
    def channel(self) -> int:
        """Chosen input channel, or ``MEAN`` (-1)."""
        data = self.channel_box.currentData()
        return MEAN if data is None else int(data)

    def set_channel(self, channel: int) -> None:
        index = self.channel_box.findData(channel)
        if index >= 0:
            self.channel_box.setCurrentIndex(index)

    def _layer_picked(self, name: str) -> None:
        self._sync_channels()
        self._redraw()
        if name:
            self.layer_changed.emit(name)

    def _sync_channels(self) -> None:
        kernel = self.filters.get(self.layer)
        c = 0 if kernel is None else kernel.shape[1]
        if self.channel_box.count() == (c + 1 if c > 1 else c):
            return
        keep = self.channel if self.channel_box.isEnabled() else MEAN  # the learner's pick
        self.channel_box.blockSignals(True)
        self.channel_box.clear()
        if c > 1:
            self.channel_box.addItem("mean of all", MEAN)
        for i in range(c):
            self.channel_box.addItem(f"{i}", i)
        self.channel_box.setEnabled(c > 1)
        self.channel_box.blockSignals(False)
        self.set_channel(keep)

    # -- drawing -----------------------------------------------------------------------------
    def _redraw(self) -> None:
        kernel = self.filters.get(self.layer)
        if kernel is None:
            self.show_hint(self.graph_hint.text)
            self.scale_label.setText("")
            return
        ch = self.channel
        planes = kernel.mean(axis=1) if ch == MEAN or ch >= kernel.shape[1] else kernel[:, ch]
        self.shown = planes
        tiles, level = signed_tiles(planes, self.style_)
        f, kh = planes.shape[:2]
        self.show_content()  # first: a hidden page has no size of its own yet
        cols = fitting_cols(f, self.panel.width(), self.panel.height())  # tiles as large as fit
        self.panel.show_rgba(mosaic(tiles, cols, self.style_))
        # no plot title (the tiles get its ~25 px): what is shown goes on the second row
        channels = f"{kernel.shape[1]} input channel{'s' if kernel.shape[1] > 1 else ''}"
        self.scale_label.setText(f"{f} filters, {kh}×{planes.shape[2]}, {channels} · "
                                 f"colours ±{level:.3g}")

    def set_theme(self, name: str) -> None:
        self.panel.set_theme(self.theme_style(name))
        if self.filters:
            self._redraw()
