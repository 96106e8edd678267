"""Vanishing gradients made visible: how strongly the loss reaches back to each time step.

Reads ``snapshot.probes["introspection:time_gradients"]``
(``engine.introspection.sequence_probes``): ``{"layers": {layer: (T,) mean ‖dLoss/dh_t‖},
"loss": float, "source": "loss" | "last"}``. One line per recurrent layer over the time steps,
on a log scale (a fall by a constant factor per step, the signature of vanishing gradients,
is a straight line going down to the left): the values are plotted as log10 on a linear axis
whose ticks read 10⁻³, 10⁻², … Lines are created once per layer name and updated with
``setData``. The "gradient of" combo picks the whole loss or only the last step's loss:
``requests_changed({"time_gradients": {"source": "loss" | "last"}})``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QComboBox, QLabel, QWidget

from widgets.plots.palette import AXIS_PT, LABEL_PT, OKABE_ITO, axis_font, scaled_pt
from widgets.views.common import ProbeView, add_tip_items
from widgets.views.inspect_common import axes
from widgets.views.layer_hints import RECURRENT_KINDS, GraphContext, GraphHint

PROBE = "time_gradients"
COLORS = (OKABE_ITO["blue"], OKABE_ITO["vermillion"], OKABE_ITO["green"], OKABE_ITO["purple"],
          OKABE_ITO["orange"], OKABE_ITO["sky"])
SOURCES = (("the whole loss", "loss", "The loss of every prediction of the sequence"),
           ("the last step's loss", "last", "Only the last prediction: how far back its error "
            "reaches (clearest on per-step outputs)"))
SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")
FLOOR = 1e-12  # zero gradients (a truncated step) are drawn at this floor on the log scale
CAPTION = ("How strongly the error still reaches the hidden state at each step (log scale). A "
           "line falling steeply towards the early steps means the gradient vanishes: the "
           "network cannot learn from early tokens. LSTM and GRU gates are built to keep it up.")
HINT = "Add a recurrent layer (SimpleRNN, LSTM or GRU) and press Play or Step."
READY_HINT = "Press Play (or Step) to see the gradients through time."


class TimeGradientView(ProbeView):
    """Gradient norm per time step, log scale, one line per recurrent layer."""

    PROBE = PROBE

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(CAPTION, HINT, parent)
        self.graph_hint = GraphHint(RECURRENT_KINDS, HINT, READY_HINT)
        self.source_box = QComboBox()
        add_tip_items(self.source_box, SOURCES)
        self.source_box.setToolTip("Which loss is differentiated")
        self.source_box.currentIndexChanged.connect(self._emit)
        self.bar.addWidget(QLabel("gradient of"))
        self.bar.addWidget(self.source_box)
        self.bar.addStretch(1)
        self.widget = pg.PlotWidget()
        plot = self.plot = self.widget.getPlotItem()
        plot.setMenuEnabled(False)
        plot.hideButtons()
        plot.showGrid(x=True, y=True)
        self.legend = plot.addLegend(offset=(-10, -10), labelTextSize=f"{LABEL_PT}pt")
        self.decades: tuple[int, int] = (0, 0)
        self.curves: dict[str, pg.PlotDataItem] = {}
        self.set_content(self.widget)
        self.add_summary()
        self.set_theme(self.style_.name)

    def set_model_context(self, context: GraphContext) -> None:
        """Before the first result: "Press Play" when the graph has a recurrent layer."""
        self.graph_hint.set_context(context)
        if self.result is None:
            self.show_hint(self.graph_hint.text)

    def reset_view(self) -> None:
        super().reset_view()
        self.show_hint(self.graph_hint.text)

    def probe_requests(self) -> dict[str, dict[str, Any]]:
        return {PROBE: {"source": str(self.source_box.currentData())}}

    def set_dataset(self, data: Any) -> None:
        """Nothing to choose from the data: the probe batch is the app's."""

    def accepts(self, result: dict[str, Any]) -> bool:
        return bool(result.get("layers"))

    def curve(self, name: str) -> pg.PlotDataItem:
        item = self.curves.get(name)
        if item is None:
            item = self.plot.plot([], [], name=name, symbol="o", symbolSize=7, symbolPen=None)
            self._color(item, len(self.curves))
            self.curves[name] = item
        return item

    def _color(self, item: pg.PlotDataItem, index: int) -> None:
        """Okabe–Ito colours; the first line in the theme's train colour (sky blue on dark)."""
        color = self.style_.train if index == 0 else COLORS[index % len(COLORS)]
        item.setPen(pg.mkPen(color, width=3))
        item.setSymbolBrush(color)

    def _redraw(self, *_: object) -> None:
        if self.result is None:
            return
        layers = self.result["layers"]
        notes, lows, highs = [], [], []
        for name, norms in layers.items():
            v = np.log10(np.maximum(np.asarray(norms, dtype=np.float64), FLOOR))
            self.curve(name).setData(np.arange(len(v)), v)
            if len(v):
                lows.append(float(v.min()))
                highs.append(float(v.max()))
            if len(v) > 1:
                notes.append(f"{name}: step 0 gets {10 ** (v[0] - v[-1]):.2g}× the gradient "
                             f"of step {len(v) - 1}")
        for name, item in self.curves.items():
            item.setVisible(name in layers)
        if lows:
            self._decade_ticks(int(np.floor(min(lows))), int(np.ceil(max(highs))))
        self.show_content()
        loss = self.result.get("loss")
        head = f"loss {loss:.3g} · " if isinstance(loss, float) else ""
        self.summary.setText(head + " · ".join(notes))

    def _decade_ticks(self, lo: int, hi: int) -> None:
        """Ticks 10^lo … 10^hi on the log10 axis (every other decade past 8 of them)."""
        hi = max(hi, lo + 1)
        if (lo, hi) == self.decades:
            return
        self.decades = (lo, hi)
        step = 1 if hi - lo <= 8 else 2
        ticks = [(float(d), "10" + str(d).translate(SUPERSCRIPT)) for d in range(lo, hi + 1, step)]
        self.plot.getAxis("left").setTicks([ticks, []])
        self.plot.setYRange(lo, hi, padding=0.05)

    def set_theme(self, name: str) -> None:
        style = self.theme_style(name)
        self.widget.setBackground(style.background)
        axes(self.plot, style, left="‖dLoss/dh_t‖ (log scale)", bottom="time step t")
        self.legend.setBrush(pg.mkBrush(style.background + "D0"))
        self.plot.setTitle("gradient reaching each step", color=style.foreground,
                           size=f"{scaled_pt(AXIS_PT)}pt")
        self.legend.setLabelTextColor(style.foreground)
        for index, item in enumerate(self.curves.values()):
            self._color(item, index)
        for _, label in self.legend.items:  # labels made before the theme change
            label.setText(label.text, color=style.foreground)
        self.plot.showGrid(x=True, y=True, alpha=style.grid_alpha)
        self.plot.getAxis("left").setStyle(tickFont=axis_font())
        self._redraw()
