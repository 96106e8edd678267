"""Initialization side by side: small multiples of every layer's activation histogram (top
row) and weight-gradient histogram (bottom row, log10|g|) of the untrained network, for the
initializer picked with the buttons (zeros, N(0, σ²), U(±1/√n), Glorot, He) — switching is
live (one forward + backward pass on a copy, ``engine.init_multiples``). Each cell's title
gives the spread (activations: std; gradients: RMS), so fading or exploding signals show as
numbers as well as shapes.

The button pressed at the start is the network's own initializer (its first Dense layer's
``kernel_initializer``, ``project_scheme``); one with no button here (LeCun, ones, ...) leaves
none pressed until the learner picks one. The buttons are toggles, never a dialog's default
button (Qt painted the first one, "zeros", as pressed while Glorot was the one in use).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QFont, QFontMetrics, QShowEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QButtonGroup,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from engine.datasets.base import Dataset
from engine.init_multiples import SCHEMES, init_statistics
from engine.initializers import ALIASES
from engine.project import Project
from engine.types import LayerLabError
from widgets.plots.palette import run_color

MAX_LAYERS = 12  # cells per row; deeper networks show their first 12 layers
FAMILIES = {"zeros": "zeros", "random_normal": "normal", "glorot_uniform": "glorot",
            "glorot_normal": "glorot", "he_uniform": "he", "he_normal": "he"}
NORMAL_SIGMA = 0.05  # engine.initializers' random_normal stddev
CHECKED_STYLE = ("QPushButton:checked { background: palette(highlight); "
                 "color: palette(highlighted-text); font-weight: 700; }")


def project_scheme(project: Project) -> tuple[str | None, str]:
    """(The scheme of the buttons matching the first Dense layer's kernel initializer, or None
    when none does; that initializer's name, "" without a Dense layer)."""
    for node in project.graph.nodes.values():
        if node.kind == "Dense":
            name = str(node.options.get("kernel_initializer", "glorot_uniform")).lower()
            return FAMILIES.get(ALIASES.get(name, name)), name
    return "glorot", ""


def bold_width(button: QAbstractButton) -> int:
    """The width ``button`` needs to show its text in bold (its checked look): its size hint
    plus what bold adds to the text."""
    bold = QFont(button.font())
    bold.setBold(True)
    extra = (QFontMetrics(bold).horizontalAdvance(button.text())
             - button.fontMetrics().horizontalAdvance(button.text()))
    return button.sizeHint().width() + max(extra, 0) + 2  # 2: sub-pixel advances rounded


class InitMultiplesView(QWidget):
    """Pick an initializer; see every layer's activations and gradients at once."""

    def __init__(self, project: Project, data: Dataset, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.project, self.data = project, data
        self.stats: dict[str, Any] | None = None
        self.buttons = QButtonGroup(self)
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Start the weights with"))
        for i, (key, label) in enumerate(SCHEMES.items()):
            button = QPushButton(label)
            button.setCheckable(True)
            button.setAutoDefault(False)  # in a dialog Qt would paint the first as pressed
            button.setStyleSheet(CHECKED_STYLE)
            button.setProperty("scheme", key)
            self.buttons.addButton(button, i)
            bar.addWidget(button)
        self.sigma = QDoubleSpinBox()
        self.sigma.setDecimals(3)
        self.sigma.setRange(0.001, 10.0)
        self.sigma.setValue(0.01)
        self.sigma.setSingleStep(0.01)
        bar.addWidget(QLabel("σ"))
        bar.addWidget(self.sigma)
        bar.addStretch(1)
        self.grid = pg.GraphicsLayoutWidget()
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        box = QVBoxLayout(self)
        box.addLayout(bar)
        box.addWidget(self.grid, 1)
        box.addWidget(self.summary)
        self.buttons.idClicked.connect(lambda _i: self.refresh())
        self.sigma.valueChanged.connect(lambda _v: self.refresh())
        self._press_own()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt's name)
        """Checked, a scheme's label is bold ("Glorot" lost its t): room for it, measured in
        the font the buttons show with (the window's, known once shown)."""
        super().showEvent(event)
        for button in self.buttons.buttons():
            button.setMinimumWidth(bold_width(button))

    def _press_own(self) -> None:
        """Press the network's own initializer (or say it has no button) and draw it."""
        own, self.own_name = project_scheme(self.project)
        if own is None:
            self.summary.setText(f"The network starts its weights with '{self.own_name}', "
                                 "which has no button here: pick one to compare.")
            return
        if own == "normal":  # a Dense layer's random_normal: Keras' default σ
            self.sigma.setValue(NORMAL_SIGMA)
        self.buttons.button(list(SCHEMES).index(own)).setChecked(True)
        self.refresh()

    @property
    def scheme(self) -> str | None:
        """The pressed button's scheme (None before a pick when the network's own is not one
        of them)."""
        checked = self.buttons.checkedButton()
        return None if checked is None else str(checked.property("scheme"))

    def set_scheme(self, scheme: str) -> None:
        self.buttons.button(list(SCHEMES).index(scheme)).setChecked(True)
        self.refresh()

    def refresh(self) -> None:
        if self.scheme is None:
            return
        try:
            self.stats = init_statistics(self.project, self.data, self.scheme,
                                         sigma=self.sigma.value())
        except LayerLabError as err:
            self.stats = None
            self.grid.clear()
            self.summary.setText(f"Cannot show the initialization: {err}")
            return
        self._draw(self.stats)

    def _draw(self, s: dict[str, Any]) -> None:
        self.grid.clear()
        layers = s["layers"][:MAX_LAYERS]
        for col, name in enumerate(layers):
            hist = s["act_hist"].get(name)
            cell = self.grid.addPlot(row=0, col=col,
                                     title=f"{name}<br>act std {s['act_std'][name]:.2g}")
            if hist is not None:
                _bars(cell, hist["counts"], hist["edges"], run_color(0))
            grads = [k for k in s["grad_hist"] if k.startswith(f"{name}/")]
            cell = self.grid.addPlot(row=1, col=col)
            if grads:
                g = s["grad_hist"][grads[0]]
                rms = s["grad_rms"].get(name, 0.0)
                cell.setTitle(f"grad RMS {rms:.2g}<br>zeros {g['zeros']}")
                _bars(cell, g["counts"], g["edges"], run_color(1))
            else:
                cell.setTitle("no weights")
        first, last = layers[0], layers[-1]
        ratio = s["act_std"][last] / s["act_std"][first] if s["act_std"][first] else 0.0
        self.summary.setText(
            f"{SCHEMES[s['scheme']]}: activation spread {s['act_std'][first]:.2g} in "
            f"'{first}' and {s['act_std'][last]:.2g} in '{last}' (×{ratio:.2g}). Top row: "
            "outputs of each layer; bottom row: size of each layer's weight gradients "
            "(log10 |g|; 'zeros' counts gradients that are exactly 0).")


def _bars(plot: Any, counts: np.ndarray, edges: np.ndarray, color: str) -> None:
    plot.hideAxis("left")
    plot.setMouseEnabled(x=False, y=False)
    plot.plot(np.asarray(edges, dtype=np.float64), np.asarray(counts, dtype=np.float64),
              stepMode="center", fillLevel=0, brush=color, pen=pg.mkPen(color))
