"""Where each position looks: the attention weights of one sample as a query × key heatmap.

Reads ``snapshot.probes["introspection:attention"]`` (``engine.introspection.sequence_probes``):
``{"index": int, "layers": {layer: (heads, T_q, T_k)}, "tokens": (T,) | None,
"token_names": [str] | None}``. Row q of a head's map holds how much query position q takes
from each key position (the row sums to 1), drawn with viridis from 0 to 1; the input tokens
label both axes. Layer and head combos pick the map ("mean of the heads" averages them), the
sample spin the probe sample: ``requests_changed({"attention": {"index": i, "tokens": [...]}})``
asks for it (``tokens``: the names of the input ids, from ``set_dataset``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QLabel, QWidget

from engine.introspection.sequence_probes import input_token_names
from widgets.views.common import ViewFrame, muted_label
from widgets.views.inspect_common import probe_result
from widgets.views.sequence_common import HeatmapPanel, SampleSpin, token_labels

PROBE = "attention"
MEAN = -1
CAPTION = ("Each row is one position of the sequence (a query); bright cells show which "
           "positions it reads from (the keys). Every row adds up to 1. Heads learn "
           "different patterns: the previous token, the same token, a separator…")
HINT = ("Add a MultiHeadAttention layer and press Play or Step: its attention weights appear "
        "here.")


class AttentionView(ViewFrame):
    """Layer, head and sample controls over one query × key heatmap."""

    requests_changed = Signal(dict)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(CAPTION, HINT, parent)
        self.layer_box = QComboBox()
        self.layer_box.setToolTip("Which attention layer to show")
        self.head_box = QComboBox()
        self.head_box.setToolTip("Each head is a separate attention pattern")
        self.sample_spin = SampleSpin()
        for widget in (QLabel("layer"), self.layer_box, QLabel("head"), self.head_box,
                       QLabel("sample"), self.sample_spin):
            self.bar.addWidget(widget)
        self.bar.addStretch(1)
        self.panel = HeatmapPanel("query position (reads…)", "key position (…from)")
        self.set_content(self.panel)
        self.summary = muted_label(wrap=False)
        self.summary.setContentsMargins(6, 0, 6, 0)
        self.layout().insertWidget(2, self.summary)
        self.tokens: list[str] | None = None
        self.result: dict[str, Any] | None = None
        self.layer_box.currentIndexChanged.connect(self._redraw)
        self.head_box.currentIndexChanged.connect(self._redraw)
        self.sample_spin.valueChanged.connect(self._emit)
        self.set_theme(self.style_.name)

    # -- requests ----------------------------------------------------------------------------
    def probe_requests(self) -> dict[str, dict[str, Any]]:
        opts: dict[str, Any] = {"index": self.sample_spin.value()}
        if self.tokens is not None:
            opts["tokens"] = list(self.tokens)
        return {PROBE: opts}

    def _emit(self, *_: object) -> None:
        self.requests_changed.emit(self.probe_requests())

    def set_dataset(self, data: Any) -> None:
        """The input token names of ``data`` label the axes (asked for with the probe)."""
        tokens = input_token_names(data)
        n = len(getattr(data, "x_val", ())) or len(getattr(data, "x_train", ()))
        if n:
            self.sample_spin.setMaximum(min(n, 256) - 1)
        if tokens != self.tokens:
            self.tokens = tokens
            self._emit()

    # -- drawing -----------------------------------------------------------------------------
    def update(self, snapshot: Any = None) -> None:  # type: ignore[override]
        if snapshot is None:
            super().update()
            return
        result, error = probe_result(snapshot, PROBE)
        if error is not None:
            self.result = None
            self.show_hint(error)
            return
        if result is None or not result.get("layers"):
            return
        self.result = result
        self._sync_boxes(result["layers"])
        self._redraw()

    def _sync_boxes(self, layers: dict[str, np.ndarray]) -> None:
        names = list(layers)
        if names != [self.layer_box.itemText(i) for i in range(self.layer_box.count())]:
            current = self.layer_box.currentText()
            self.layer_box.blockSignals(True)
            self.layer_box.clear()
            self.layer_box.addItems(names)
            self.layer_box.setCurrentIndex(max(0, self.layer_box.findText(current)))
            self.layer_box.blockSignals(False)
        heads = int(np.shape(layers[self.layer_box.currentText()])[0])
        if self.head_box.count() != heads + (heads > 1):
            current = self.head_box.currentData()
            self.head_box.blockSignals(True)
            self.head_box.clear()
            for h in range(heads):
                self.head_box.addItem(f"head {h + 1}", h)
            if heads > 1:
                self.head_box.addItem("mean of the heads", MEAN)
            found = self.head_box.findData(current)
            self.head_box.setCurrentIndex(found if found >= 0 else 0)
            self.head_box.blockSignals(False)

    def current_map(self) -> np.ndarray | None:
        """The (T_q, T_k) map shown for the chosen layer and head, or None."""
        if self.result is None:
            return None
        maps = self.result["layers"].get(self.layer_box.currentText())
        if maps is None:
            return None
        maps = np.asarray(maps)
        head = self.head_box.currentData()
        if head is None or head == MEAN or head >= len(maps):
            return maps.mean(axis=0)
        return maps[int(head)]

    def _redraw(self, *_: object) -> None:
        if self.result is None:
            return
        if self.sender() is self.layer_box:
            self._sync_boxes(self.result["layers"])
        weights = self.current_map()
        if weights is None:
            return
        t_q, t_k = weights.shape
        rows, cols = token_labels(self.result, t_q), token_labels(self.result, t_k)
        self.panel.show(weights, 0.0, 1.0, False, rows, cols)
        self.panel.set_title(f"{self.layer_box.currentText()} · {self.head_box.currentText()}")
        self.show_content()
        sharp = float(np.mean(np.max(weights, axis=1)))
        self.summary.setText(f"sample {int(self.result.get('index', 0))} · the strongest key "
                             f"of a row takes {sharp:.0%} on average (spread evenly: "
                             f"{1 / max(t_k, 1):.0%})")

    def set_theme(self, name: str) -> None:
        self.panel.set_theme(self.theme_style(name))
        self._redraw()
