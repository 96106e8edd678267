"""What a recurrent layer remembers: its hidden state (and gates) at every step of one sample.

Reads ``snapshot.probes["introspection:hidden_states"]``
(``engine.introspection.sequence_probes``): ``{"index": int, "layers": {layer: (T, units)},
"gates": {layer: {gate: (T, units)}}, "tokens": (T,) | None, "token_names": [str] | None}``.
The heatmap has time (the input tokens) across and one row per unit; ``axes`` ``{layer: [str] |
None}`` names the tokens along each layer's own time axis (an encoder sees the source, a
decoder its own input), else the whole sample's tokens label it. The hidden state and the
candidates are drawn with the orange/blue diverging colours from -1 to 1 (tanh); gates, which
are between 0 (closed) and 1 (open), with viridis; an LSTM's cell state is unbounded and drawn
symmetric around 0 at its own largest magnitude. The layer combo picks the layer, the "show"
combo the hidden state or one gate, the sample spin the probe sample:
``requests_changed({"hidden_states": {"index": i, "tokens": [...]}})`` asks for it.
At a projector's 1280×720 the cells keep >= 120 px of height (the Look-inside dock scrolls
instead), the colour bar labels only its ends and middle (never overlapping) and the caption
wraps whole (``wrap_fit.keep_whole``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtWidgets import QComboBox, QLabel, QWidget

from widgets.views.common import fill_combo
from widgets.views.layer_hints import RECURRENT_KINDS, GraphContext, GraphHint
from widgets.views.sequence_common import (
    HeatmapPanel,
    SampleProbeView,
    axis_labels,
    layer_axes,
)
from widgets.views.wrap_fit import fit, keep_whole

PROBE = "hidden_states"
HIDDEN = "hidden_states"
UNIT_GATES = ("input_gate", "forget_gate", "output_gate", "update_gate", "reset_gate")
GATE_TEXT = {
    HIDDEN: ("hidden state h", "what the layer passes on at each step"),
    "input_gate": ("input gate i", "1 = write the new candidate into the cell"),
    "forget_gate": ("forget gate f", "1 = keep the cell's memory, 0 = erase it"),
    "output_gate": ("output gate o", "1 = show the cell's content in h"),
    "cell_candidate": ("candidate g", "the new content the input gate may write"),
    "cell_state": ("cell state c", "the LSTM's long-term memory"),
    "update_gate": ("update gate z", "1 = keep the old state, 0 = take the candidate"),
    "reset_gate": ("reset gate r", "0 = the candidate ignores the old state"),
    "candidate": ("candidate n", "the new state proposed at this step"),
}
CAPTION = ("Each column is one step of the sequence, each row one unit of the hidden state "
           "(blue positive, orange negative). Units that keep their colour across many steps "
           "carry information forward; gates show when the layer writes, keeps or forgets.")
HINT = "Add a recurrent layer (SimpleRNN, LSTM or GRU) and press Play or Step to see its states."
READY_HINT = "Press Play (or Step) to see the hidden states."
HEATMAP_MIN_PX = 120 + 60  # cells >= 120 px tall (a projector) + the title and time axis


class HiddenStateView(SampleProbeView):
    """Layer, state/gate and sample controls over one time × units heatmap."""

    PROBE = PROBE

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(CAPTION, HINT, parent)
        self.graph_hint = GraphHint(RECURRENT_KINDS, HINT, READY_HINT)
        self.layer_box = QComboBox()
        self.layer_box.setToolTip("Which recurrent layer to show")
        self.gate_box = QComboBox()
        self.gate_box.setToolTip("The hidden state, or one of the gates of an LSTM/GRU")
        for widget in (QLabel("layer"), self.layer_box, QLabel("show"), self.gate_box,
                       QLabel("sample"), self.sample_spin):
            self.bar.addWidget(widget)
        self.bar.addStretch(1)
        self.panel = HeatmapPanel("unit", "time step (input token)")
        self.panel.setMinimumHeight(HEATMAP_MIN_PX)  # a short dock scrolls instead
        self._bar_ticks: tuple[float, float] | None = None
        self.set_content(self.panel)
        self.add_summary()
        keep_whole(self.caption, self.summary)  # wrapped whole, never cut to two lines
        self.layer_box.currentIndexChanged.connect(self._layer_changed)
        self.gate_box.currentIndexChanged.connect(self._redraw)
        self.sample_spin.valueChanged.connect(self._emit)
        self.set_theme(self.style_.name)

    def set_model_context(self, context: GraphContext) -> None:
        """Before the first result: the graph's recurrent layers and "Press Play" (or how to
        get one); ``context``: ``widgets.panels.inside_dock.ViewContext``."""
        self.graph_hint.set_context(context)
        if self.result is None:
            fill_combo(self.layer_box, self.graph_hint.layers)
            self.show_hint(self.graph_hint.text)

    def reset_view(self) -> None:
        super().reset_view()
        self.show_hint(self.graph_hint.text)
        fit(self.caption)

    # -- drawing -----------------------------------------------------------------------------
    def show_result(self, result: dict[str, Any]) -> None:
        fill_combo(self.layer_box, list(result["layers"]))
        self._layer_changed()

    def _layer_changed(self, *_: object) -> None:
        self._sync_gates()
        self._redraw()

    def _sync_gates(self) -> None:
        if self.result is None:
            return
        gates = self.result.get("gates", {}).get(self.layer_box.currentText(), {})
        keys = [HIDDEN, *gates]
        fill_combo(self.gate_box, [(GATE_TEXT.get(key, (key,))[0], key) for key in keys])
        self.gate_box.setEnabled(len(keys) > 1)

    def current_values(self) -> tuple[str, np.ndarray] | None:
        """(what, values (T, units)) shown for the chosen layer and state/gate, or None."""
        if self.result is None:
            return None
        layer = self.layer_box.currentText()
        what = self.gate_box.currentData() or HIDDEN
        if what == HIDDEN:
            values = self.result["layers"].get(layer)
        else:
            values = self.result.get("gates", {}).get(layer, {}).get(what)
        return None if values is None else (what, np.asarray(values))

    def _redraw(self, *_: object) -> None:
        shown, result = self.current_values(), self.result
        if shown is None or result is None:
            return
        what, values = shown
        steps, units = values.shape
        if what in UNIT_GATES:
            lo, hi, signed = 0.0, 1.0, False
        elif what == "cell_state":
            top = float(np.max(np.abs(values))) if values.size else 1.0
            lo, hi, signed = -max(top, 1e-6), max(top, 1e-6), True
        else:
            lo, hi, signed = -1.0, 1.0, True
        rows = [str(u) for u in range(units)]  # the panel labels every nth that fits
        cols = axis_labels(result, layer_axes(result, self.layer_box.currentText()),
                           steps)
        self.panel.show(values.T, lo, hi, signed, rows, cols)
        if (lo, hi) != self._bar_ticks:  # ends and middle only: never overlapping
            self._bar_ticks = (lo, hi)
            self.panel.bar.axis.setTicks([[(v, f"{v:.2g}") for v in (lo, (lo + hi) / 2, hi)]])
        name, meaning = GATE_TEXT.get(what, (what, ""))
        self.panel.set_title(f"{self.layer_box.currentText()} · {name}")
        self.show_content()
        text = f"sample {int(result.get('index', 0))} · {units} units × {steps} steps"
        if meaning:
            text += f" · {name}: {meaning}"
        if what in UNIT_GATES:
            text += f" · mean {float(values.mean()):.2f}"
        if text != self.summary.text():
            self.summary.setText(text)
            fit(self.summary)

    def set_theme(self, name: str) -> None:
        self.panel.set_theme(self.theme_style(name))
        self._redraw()
