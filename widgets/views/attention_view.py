"""Where each position looks: the attention weights of one sample as a query × key heatmap.

Reads ``snapshot.probes["introspection:attention"]`` (``engine.introspection.sequence_probes``):
``{"index": int, "layers": {layer: (heads, T_q, T_k)}, "tokens": (T,) | None,
"token_names": [str] | None}``. Row q of a head's map holds how much query position q takes
from each key position (the row sums to 1), drawn with viridis from 0 to 1. The result's
``axes`` ``{layer: {"query": [str] | None, "key": [str] | None}}`` name each layer's own
positions (a cross-attention reads decoder queries and encoder keys); without them the input
tokens label both axes. Layer and head combos pick the map ("mean of the heads" averages them), the
sample spin the probe sample: ``requests_changed({"attention": {"index": i, "tokens": [...]}})``
asks for it (``tokens``: the names of the input ids, from ``set_dataset``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtWidgets import QComboBox, QLabel, QWidget

from widgets.views.common import fill_combo
from widgets.views.sequence_common import (
    HeatmapPanel,
    SampleProbeView,
    axis_labels,
    layer_axes,
)

PROBE = "attention"
MEAN = -1
# short: at 1280×720 the heatmap needs the dock's height (the long story is the tooltip)
CAPTION = "Row = query · bright = the keys it reads · sums to 1"
CAPTION_TIP = ("Each row is one position of the sequence (a query); bright cells show which "
               "positions it reads from (the keys). Every row adds up to 1. Heads learn "
               "different patterns: the previous token, the same token, a separator…")
CROSS_CAPTION = "Row = decoder step · bright = the source it reads"
CROSS_TIP = ("Cross-attention: each row is one step of the answer the decoder writes (its "
             "query); bright cells are the source characters it reads (the keys). Trained, "
             "it looks near the year while writing the year.")
COMBO_CHARS = 7  # a layer or head combo shows this many characters (full name in the list)
SELF_TITLES = ("query (reads…)", "key (…from)")
CROSS_TITLES = ("decoder step", "source character (key)")
HINT = ("Add a MultiHeadAttention layer and press Play or Step: its attention weights appear "
        "here.")
READY_HINT = "Press Play (or Step) to see the attention weights."
ATTENTION_KINDS = ("MultiHeadAttention", "ScaledDotProductAttention")


class AttentionView(SampleProbeView):
    """Layer, head and sample controls over one query × key heatmap."""

    PROBE = PROBE

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(CAPTION, HINT, parent)
        self.layer_box = QComboBox()
        self.layer_box.setToolTip("Which attention layer to show")
        self.head_box = QComboBox()
        self.head_box.setToolTip("Each head is a separate attention pattern")
        for box in (self.layer_box, self.head_box):  # one row of controls in a 440 px dock
            box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            box.setMinimumContentsLength(COMBO_CHARS)
        self.sample_spin.setPrefix("sample ")  # no separate labels: one row fits 440 px
        for widget in (QLabel("layer"), self.layer_box, self.head_box, self.sample_spin):
            self.bar.addWidget(widget)
        self.bar.addStretch(1)
        self.panel = HeatmapPanel(*SELF_TITLES)
        self.set_content(self.panel)
        self.add_summary()
        self.caption.setToolTip(CAPTION_TIP)
        self.layer_box.currentIndexChanged.connect(self._redraw)
        self.head_box.currentIndexChanged.connect(self._redraw)
        self.sample_spin.valueChanged.connect(self._emit)
        self.set_theme(self.style_.name)

    # -- model context -----------------------------------------------------------------------
    def set_model_context(self, context: Any) -> None:
        """Before the first result: say what to press when the graph has an attention layer
        (``context``: ``widgets.panels.inside_dock.ViewContext``), else how to get one."""
        if self.result is None:
            self.show_hint(READY_HINT if context.has(*ATTENTION_KINDS) else HINT)

    # -- drawing -----------------------------------------------------------------------------
    def show_result(self, result: dict[str, Any]) -> None:
        self._sync_boxes(result["layers"])
        self._redraw()

    def _sync_boxes(self, layers: dict[str, np.ndarray]) -> None:
        fill_combo(self.layer_box, list(layers))
        heads = int(np.shape(layers[self.layer_box.currentText()])[0])
        fill_combo(self.head_box, [(f"head {h + 1}", h) for h in range(heads)]
                   + ([("mean of the heads", MEAN)] if heads > 1 else []))

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
        layer = self.layer_box.currentText()
        names = layer_axes(self.result, layer) or {}
        rows = axis_labels(self.result, names.get("query"), t_q)
        cols = axis_labels(self.result, names.get("key"), t_k)
        cross = names.get("query") is not None and names.get("query") != names.get("key")
        self.panel.set_axis_titles(*(CROSS_TITLES if cross else SELF_TITLES))
        if self.caption.text() != (caption := CROSS_CAPTION if cross else CAPTION):
            self.caption.setText(caption)
            self.caption.setToolTip(CROSS_TIP if cross else CAPTION_TIP)
        self.panel.show(weights, 0.0, 1.0, False, rows, cols)
        # no plot title: the layer and head are in the combos, the plot gets the height
        kind = " · cross-attention" if cross else ""
        self.panel.setToolTip(f"{layer} · {self.head_box.currentText()}{kind}")
        self.show_content()
        sharp = float(np.mean(np.max(weights, axis=1)))
        self.summary.setText(f"a row's strongest key: {sharp:.0%} on average "
                             f"(even: {1 / max(t_k, 1):.0%})")

    def set_theme(self, name: str) -> None:
        self.panel.set_theme(self.theme_style(name))
        self._redraw()
