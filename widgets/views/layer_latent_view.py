"""A layer's view of the data: its activations of the probe batch as 2-D points, by class.

Reads ``snapshot.probes["introspection:latent"]``: ``points`` (N, 2) (PCA with a stable
orientation, or the raw two units), ``explained`` (2,) variance fractions, ``labels`` (N,)
class ints or None. Asks for it with ``requests_changed({"latent": {"layer": name}})``.
Hovering a point shows its sample index and class. At a projector's 1280×720 the plane keeps
>= 220 px of height, its rotated axis label whole (the Look-inside dock scrolls instead), and
the caption wraps whole (``wrap_fit.keep_whole``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QComboBox, QLabel, QWidget

from widgets.plots.palette import class_color, plot_style
from widgets.views.common import ProbeView, fill_combo
from widgets.views.inspect_common import axes
from widgets.views.wrap_fit import fit, keep_whole

PLOT_MIN_PX = 220 + 60  # the plane >= 220 px tall (a projector) + the bottom axis and label
N_COLORS = 8  # widgets.window.theme.CLASS_COLORS
SYMBOLS, GLYPHS = ("o", "t", "s"), ("●", "▼", "■")
CAPTION = ("Each dot is one probe sample as the chosen layer sees it (its activations, "
           "squeezed to 2-D). Classes that separate here are easy for the layers after it.")


class LayerLatentView(ProbeView):
    """Scatter of one layer's activations of the probe batch, coloured by class."""

    PROBE = "latent"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(CAPTION, "Press Play or Step to see how a layer arranges the samples.",
                         parent)
        self.layer_box = QComboBox()
        self.layer_box.setToolTip("Whose activations to show")
        self.layer_box.setMinimumContentsLength(12)
        self.bar.addWidget(QLabel("layer"))
        self.bar.addWidget(self.layer_box)
        self.bar.addStretch(1)
        self.legend = QLabel()
        self.legend.setToolTip("Dot colour = the sample's true class")
        self.add_bar_row().addWidget(self.legend, 1)  # its own row, wrapped: 10+ classes
        keep_whole(self.legend)  # made the view ~590 px wide in a ~460 px dock
        self.plot_widget = pg.PlotWidget()
        plot = self.plot = self.plot_widget.getPlotItem()
        plot.setMenuEnabled(False)
        plot.hideButtons()
        self.scatter = pg.ScatterPlotItem(size=9, hoverable=True, pen=None,
                                          hoverPen=pg.mkPen("#000000", width=2), hoverSize=13)
        plot.addItem(self.scatter)
        self.tip = pg.TextItem(anchor=(0, 1), fill=pg.mkBrush(255, 255, 255, 220),
                               border=pg.mkPen("#6B7280"))
        self.tip.setZValue(10)
        plot.addItem(self.tip)
        self.tip.hide()
        self.scatter.sigHovered.connect(self._hovered)
        self.plot_widget.setToolTip("Axes 1 and 2: the two directions in which the layer's "
                                    "activations spread most (principal axes)")
        self.plot_widget.setMinimumHeight(PLOT_MIN_PX)  # a short dock scrolls instead
        self.set_content(self.plot_widget)
        keep_whole(self.caption)
        self.labels: np.ndarray | None = None
        self._brush_key: Any = None
        self.points = np.zeros((0, 2), np.float32)
        self.explained: tuple[float, ...] = ()
        self.layer_box.currentIndexChanged.connect(self._changed)
        self.set_theme(self.style_.name)

    def set_layers(self, shapes: dict[str, tuple[int, ...]], input_name: str | None = None) -> None:
        """Offer every layer but the input; the first hidden layer is chosen."""
        names = [n for n in shapes if n != input_name]
        current = self.layer_box.currentText()
        fill_combo(self.layer_box, names)
        if current not in names:
            self._changed()

    def set_model_context(self, context: Any) -> None:
        """``widgets.panels.inside_dock.ViewContext``: every layer but the Input."""
        kinds = dict(getattr(context, "layer_kinds", {}) or {})
        inputs = [n for n, k in kinds.items() if k == "Input"]
        self.set_layers({n: () for n, k in kinds.items() if k != "Input"},
                        inputs[0] if inputs else None)

    def probe_requests(self) -> dict[str, dict[str, Any]]:
        layer = self.layer_box.currentText()
        return {"latent": {"layer": layer}} if layer else {}

    def _changed(self, *_: object) -> None:
        self._brush_key = None
        self.requests_changed.emit(self.probe_requests())

    def show_result(self, result: dict[str, Any]) -> None:
        """Move the dots to the result's latent points (in place)."""
        self.points = np.asarray(result["points"], dtype=np.float64)
        labels = result.get("labels")
        self.labels = None if labels is None else np.asarray(labels).reshape(len(self.points),
                                                                             -1)[:, 0]
        key = (len(self.points), None if self.labels is None else self.labels.tobytes())
        if key != self._brush_key:  # brushes only when the samples change
            self._brush_key = key
            brushes = self._brushes()
            self.scatter.setData(pos=self.points, data=np.arange(len(self.points)),
                                 brush=brushes, symbol=self._symbols)
        else:
            self.scatter.setData(pos=self.points, data=np.arange(len(self.points)),
                                 brush=self._brushes_cache, symbol=self._symbols)
        explained = tuple(np.round(np.asarray(result.get("explained", (0, 0)), float), 2))
        if explained != self.explained:
            self.explained = explained
            self._axis_labels()
        self.show_content()

    def _brushes(self) -> list[Any]:
        """Brushes (class colours) and symbols: colours repeat after 8 classes, so later
        classes get triangles, then squares."""
        if self.labels is None or not np.issubdtype(self.labels.dtype, np.integer):
            colors = [pg.mkBrush(self.style_.foreground)] * len(self.points)
            self._symbols = ["o"] * len(self.points)
        else:
            classes = [int(c) for c in np.unique(self.labels)]
            cache = {c: pg.mkBrush(class_color(c)) for c in classes}
            colors = [cache[int(c)] for c in self.labels]
            self._symbols = [SYMBOLS[(int(c) // N_COLORS) % 3] for c in self.labels]
            self.legend.setText("  ".join(
                f'<span style="color:{class_color(c)}">{GLYPHS[(c // N_COLORS) % 3]}</span> {c}'
                for c in classes[:24]))
            fit(self.legend)
        self._brushes_cache = colors
        return colors

    def _hovered(self, _item: Any, points: Any, _ev: Any = None) -> None:
        if points is None or len(points) == 0:
            self.tip.hide()
            return
        i = int(points[0].data())
        cls = "" if self.labels is None else f" · class {self.labels[i]}"
        self.tip.setText(f"sample {i}{cls}", color="#111827")
        self.tip.setPos(*self.points[i])
        self.tip.show()

    def hover_text(self, index: int) -> str:
        """What hovering point ``index`` shows (tests)."""
        self._hovered(None, [self.scatter.points()[index]])
        return self.tip.textItem.toPlainText()

    def _axis_labels(self) -> None:
        e = self.explained
        def part(i: int) -> str:
            return f" ({e[i]:.0%} of spread)" if len(e) == 2 and e[i] > 0 else ""
        # short: the rotated left label stays whole in a 1280×720 dock (the tooltip says more)
        axes(self.plot, plot_style(self.style_.name), left=f"axis 2{part(1)}",
             bottom=f"axis 1{part(0)}")

    def set_theme(self, name: str) -> None:
        s = self.theme_style(name)
        self.plot_widget.setBackground(s.background)
        self._axis_labels()
        self.scatter.opts["hoverPen"] = pg.mkPen(s.foreground, width=2)
