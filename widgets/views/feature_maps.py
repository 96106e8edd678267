"""What each image layer makes of one sample: its feature maps, row by row, updated live.

``show_maps({layer: (C', H', W')}, input_image (C, H, W))`` or ``update(snapshot)`` with the
``"cnn_maps"`` probe ``{"index": int, "split": "val"|"train", "input": (C, H, W), "layers":
{layer: (C', H', W')}}`` (``engine.introspection.feature_maps.cnn_probes``). The input is
drawn on top, then one row per layer in network order with its first ``MAX_CHANNELS``
channels ("+N more" beside). Maps that are never negative (after ReLU, max pooling of ReLU)
use viridis from 0 to each map's own maximum; signed maps the orange/blue diverging colours,
symmetric per map. Rows are rebuilt only when the layers or their shapes change; a frame is
one ``setImage`` per row. The sample spin box emits ``sample_changed(index)``: the owner asks
the training thread for that sample's maps (the input image switches at once when a dataset
was given with ``set_dataset``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import QSize, Signal
from PySide6.QtWidgets import QGridLayout, QLabel, QScrollArea, QSpinBox, QWidget

from widgets.plots.palette import LABEL_PT, axis_font
from widgets.views.cnn_tiles import grid_shape, ink_rgba, magnitude_tiles, mosaic, signed_tiles
from widgets.views.common import ImagePanel, ViewFrame, muted_label, probe_of
from widgets.views.layer_hints import CONV_KINDS, GraphContext, GraphHint

PROBE_KEY = "cnn_maps"
MAX_CHANNELS = 16
COLS = 8
ROW_HEIGHT = 86  # a row of maps; 3 rows fit the Look inside dock at 1600×1000
INPUT_HEIGHT = 64  # the input row: with it the first layer's row fits a 1280×720 dock too
# short: at 1280×720 the rows of maps need the dock's height (the long story is the tooltip)
CAPTION = "One image per channel of a layer's output: yellow = strong, dark = silent."
CAPTION_TIP = ("Each small image is one channel of a layer's output for this sample: yellow = "
               "strong, dark = silent (blue/orange where values can be negative). Early "
               "layers find edges and strokes; pooling keeps the strongest on a coarser grid.")
HINT = "Add a Conv2D layer and train to see what each layer makes of an image."
READY_HINT = "Press Play (or Step) to see what each layer makes of an image."


class FeatureMapView(ViewFrame):
    """Input image + one row of channel images per image layer."""

    sample_changed = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(CAPTION, HINT, parent)
        self.graph_hint = GraphHint(CONV_KINDS, HINT, READY_HINT)
        self.dataset: Any = None
        self.split = "val"
        self.maps: dict[str, np.ndarray] = {}
        self.maps_index: int | None = None  # sample the shown maps belong to
        self.spin = QSpinBox()
        self.spin.setRange(0, 0)
        self.spin.setToolTip("Which image of the dataset to send through the network")
        self.status = QLabel("")
        self.bar.addWidget(QLabel("Sample"))
        self.bar.addWidget(self.spin)
        self.bar.addStretch(1)
        self.bar.addWidget(self.status)
        self.body = QWidget()
        self.grid = QGridLayout(self.body)
        self.grid.setContentsMargins(4, 4, 4, 4)
        self.grid.setColumnStretch(1, 1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.body)
        self.set_content(scroll)
        self.input_panel = ImagePanel()
        self.input_panel.setToolTip("The image the network sees (its first channel or mean)")
        self.input_label = QLabel("input")
        self.caption.setToolTip(CAPTION_TIP)
        self._place(0, self.input_label, self.input_panel)
        self.input_panel.setFixedHeight(INPUT_HEIGHT)
        self.rows: list[tuple[str, tuple[int, ...], QLabel, ImagePanel]] = []
        self.spin.valueChanged.connect(self._sample_picked)
        self.set_theme(self.style_.name)
        self.show_hint()

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return QSize(560, 480)

    def _place(self, row: int, label: QLabel, panel: ImagePanel, tile_rows: int = 1) -> None:
        label.setFont(axis_font(LABEL_PT))
        label.setMinimumWidth(90)
        panel.setFixedHeight(ROW_HEIGHT + (tile_rows - 1) * (ROW_HEIGHT - 30))
        self.grid.addWidget(label, row, 0)
        self.grid.addWidget(panel, row, 1)
        self.grid.setRowStretch(row, 0)
        self.grid.setRowStretch(row + 1, 1)  # spare height goes below the last row

    # -- data --------------------------------------------------------------------------------
    def reset_view(self) -> None:
        self.maps, self.maps_index = {}, None
        super().reset_view()
        self.show_hint(self.graph_hint.text)

    def set_model_context(self, context: GraphContext) -> None:
        """Before the first maps: "Press Play" when the graph has a Conv2D layer."""
        self.graph_hint.set_context(context)
        if not self.maps:
            self.show_hint(self.graph_hint.text)

    def set_dataset(self, dataset: Any, split: str = "val") -> None:
        """``engine.datasets.base.Dataset``; samples come from ``x_val`` (``x_train`` when
        there is no validation split or ``split="train"``)."""
        self.dataset = dataset
        x = self._images()
        self.split = "train" if x is not None and dataset is not None and \
            x is dataset.x_train else "val"
        self.spin.setRange(0, max(len(x) - 1, 0) if x is not None else 0)
        self._show_input(self.spin.value())

    def _images(self) -> np.ndarray | None:
        d = self.dataset
        if d is None:
            return None
        return d.x_val if len(d.x_val) and self.split != "train" else d.x_train

    @property
    def sample(self) -> int:
        return self.spin.value()

    def set_sample(self, index: int) -> None:
        self.spin.setValue(index)

    def _sample_picked(self, index: int) -> None:
        self._show_input(index)
        self._show_status()
        self.sample_changed.emit(index)

    def update(self, snapshot: Any = None) -> None:  # type: ignore[override]
        """Read ``snapshot.probes["cnn_maps"]`` (or ``"introspection:cnn_maps"``);
        ``update()`` alone repaints the widget."""
        if snapshot is None:
            super().update()
            return
        probe, error = probe_of(snapshot, PROBE_KEY)
        if error:
            self.maps = {}
            self.show_hint(error)
        elif isinstance(probe, dict):
            self.show_maps(probe.get("layers") or {}, probe.get("input"), probe.get("index"),
                           probe.get("split"))

    def show_maps(self, maps: dict[str, np.ndarray], input_image: np.ndarray | None = None,
                  index: int | None = None, split: str | None = None) -> None:
        """maps: ``{layer: (C', H', W')}`` in network order (other shapes are skipped);
        input_image: the sample ``(C, H, W)``; index: which sample it is (None: unknown);
        split: "probe" when index counts in the probe batch, not in the dataset."""
        if split == "probe":
            index = None  # not a dataset position: no class name, no "waiting for"
        good = {k: np.asarray(v) for k, v in maps.items()
                if np.asarray(v).ndim == 3 and np.asarray(v).size}
        self.maps, self.maps_index = good, index
        if not good:
            self.show_hint(self.graph_hint.text)
            return
        shapes = [(k, v.shape) for k, v in good.items()]
        if shapes != [(name, shape) for name, shape, _, _ in self.rows]:
            self._rebuild(shapes)
        for (name, _, label, panel), value in zip(self.rows, good.values()):
            self._draw_row(name, value, label, panel)
        if input_image is not None:
            self.input_panel.show_rgba(ink_rgba(input_image, self.style_))
            self._input_title(index)
        self._show_status()
        self.show_content()

    # -- drawing -----------------------------------------------------------------------------
    def _rebuild(self, shapes: list[tuple[str, tuple[int, ...]]]) -> None:
        for _, _, label, panel in self.rows:
            for w in (label, panel):
                self.grid.removeWidget(w)
                w.deleteLater()
        self.rows = []
        for i, (name, shape) in enumerate(shapes):
            label, panel = muted_label(wrap=True), ImagePanel()
            label.setProperty("role", "")
            panel.set_theme(self.style_)
            panel.setToolTip(f"{name}: {shape[0]} channels of {shape[1]}×{shape[2]} "
                             "(first channel top left, row by row)")
            self._place(i + 1, label, panel, grid_shape(min(shape[0], MAX_CHANNELS), COLS)[0])
            self.rows.append((name, shape, label, panel))

    def _draw_row(self, name: str, value: np.ndarray, label: QLabel, panel: ImagePanel) -> None:
        c, h, w = value.shape
        shown = value[:MAX_CHANNELS]
        if float(shown.min()) >= 0:
            tiles = magnitude_tiles(shown)
        else:
            tiles = signed_tiles(shown, self.style_, per_tile=True)[0]
        _, cols = grid_shape(len(shown), COLS)
        panel.show_rgba(mosaic(tiles, cols, self.style_))
        more = f"<br><i>+{c - len(shown)} more</i>" if c > len(shown) else ""
        label.setText(f"<b>{name}</b><br>{c} × {h}×{w}{more}")

    def _show_input(self, index: int) -> None:
        x = self._images()
        if x is None or not 0 <= index < len(x) or np.asarray(x[index]).ndim < 2:
            return
        self.input_panel.show_rgba(ink_rgba(x[index], self.style_))
        self._input_title(index)

    def _input_title(self, index: int | None) -> None:
        text = "input" if index is None else f"input<br>sample {index}"
        d = self.dataset
        if d is not None and index is not None and d.task == "classification":
            y = d.y_val if self.split == "val" and len(d.y_val) else d.y_train
            if 0 <= index < len(y):
                k = int(np.asarray(y[index]).reshape(-1)[0])
                name = d.class_names[k] if k < len(d.class_names) else str(k)
                text += f"<br>class <b>{name}</b>"
        self.input_label.setText(text)

    def _show_status(self) -> None:
        waiting = self.maps_index is not None and self.maps_index != self.sample
        self.status.setText(f"maps of sample {self.maps_index}; waiting for sample "
                            f"{self.sample}…" if waiting else "")

    def set_theme(self, name: str) -> None:
        style = self.theme_style(name)
        for panel in (self.input_panel, *(row[3] for row in self.rows)):
            panel.set_theme(style)
        self.body.setObjectName("mapsBody")
        self.body.setStyleSheet(f"#mapsBody {{ background: {style.background}; }} "
                                f"#mapsBody QLabel {{ color: {style.foreground}; }}")
        if self.maps:
            self.show_maps(self.maps, None, self.maps_index)
        self._show_input(self.sample)
