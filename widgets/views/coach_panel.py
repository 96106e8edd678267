"""The Coach's advice as cards: severity colour and icon, the message; a click shows evidence.

Connect ``TrainingSession.advice_changed`` to ``set_advice(list[engine.coach.Advice])``.
Clicking a card plots its ``evidence``: 1-D arrays as lines (against ``epochs``/``steps``
when given), ``{name: number}`` dicts as bars (e.g. dead-ReLU share per layer).
``card_clicked(int)`` tells which card was opened.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QScrollArea, QVBoxLayout, QWidget

from widgets.plots.palette import OKABE_ITO, VALIDATION, axis_font, plot_style, run_color
from widgets.views.common import muted_label
from widgets.views.inspect_common import axes

SEVERITY_LOOK = {"error": ("⛔", OKABE_ITO["vermillion"]), "warning": ("⚠", OKABE_ITO["orange"]),
                 "info": ("ℹ", OKABE_ITO["blue"])}
EMPTY = "No advice yet — keep training"
# what the Coach says with no card, by the session's state: a finished run was watched to its
# end, so "keep training" would be wrong advice
EMPTY_BY_STATE = {"idle": "No advice yet — press Play and the Coach watches the run",
                  "running": EMPTY, "paused": EMPTY,
                  "finished": "Finished: no problems found",
                  "stopped": "Stopped: no problems found so far"}
X_KEYS = ("epochs", "steps")


class AdviceCard(QFrame):
    """One piece of advice; emits ``clicked`` when pressed."""

    clicked = Signal()

    def __init__(self, advice: Any) -> None:
        super().__init__()
        self.advice = advice
        icon, colour = SEVERITY_LOOK.get(advice.severity, SEVERITY_LOOK["info"])
        self.setObjectName("adviceCard")
        self.setStyleSheet(f"#adviceCard {{ border: 2px solid {colour}; border-left: 8px solid "
                           f"{colour}; border-radius: 6px; }}")
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip("Click to see the numbers behind this advice")
        row = QHBoxLayout(self)
        self.icon = QLabel(icon)
        self.icon.setFont(axis_font(20))
        self.icon.setStyleSheet(f"color: {colour};")
        self.icon.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.text = QLabel(advice.message)
        self.text.setWordWrap(True)
        self.text.setFont(axis_font(12))
        row.addWidget(self.icon)
        row.addWidget(self.text, 1)

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        self.clicked.emit()
        super().mousePressEvent(event)


def evidence_series(evidence: dict[str, Any]) -> tuple[list[tuple[str, np.ndarray,
                                                                   np.ndarray]], dict[str, float]]:
    """Split evidence into lines ``(name, x, y)`` and one bar dict (the first dict found)."""
    x = next((np.asarray(evidence[k], dtype=np.float64) for k in X_KEYS if k in evidence), None)
    lines: list[tuple[str, np.ndarray, np.ndarray]] = []
    bars: dict[str, float] = {}
    for key, value in evidence.items():
        if key in X_KEYS:
            continue
        if isinstance(value, dict) and not bars:
            bars = {str(k): float(v) for k, v in value.items()}
        elif isinstance(value, np.ndarray) and value.ndim == 1 and value.size > 1:
            y = value.astype(np.float64)
            xs = x if x is not None and len(x) == len(y) else np.arange(len(y), dtype=float)
            lines.append((key.replace("_", " "), xs, y))
    return lines, bars


class CoachPanel(QWidget):
    """A scrolling column of advice cards above a small evidence plot."""

    card_clicked = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.style_ = plot_style("light")
        self.cards: list[AdviceCard] = []
        self.column = QVBoxLayout()
        self.column.setSpacing(6)
        self.empty = muted_label(EMPTY_BY_STATE["idle"])
        self.empty.setFont(axis_font(13))
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.column.addWidget(self.empty)
        self.column.addStretch(1)
        holder = QWidget()
        holder.setLayout(self.column)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(holder)
        self.plot_widget = pg.PlotWidget()
        self.plot_widget.setMinimumHeight(160)
        self.plot_widget.hide()
        self.plot = self.plot_widget.getPlotItem()
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.plot.addLegend(offset=(-10, 10), labelTextSize="11pt")
        self.caption = muted_label("The Coach reads the run's curves and layer statistics "
                                   "and says what may be going wrong. Click a card for its "
                                   "evidence.")
        box = QVBoxLayout(self)
        box.setContentsMargins(4, 4, 4, 4)
        box.addWidget(scroll, 3)
        box.addWidget(self.plot_widget, 2)
        box.addWidget(self.caption)
        self.selected: int | None = None
        self.set_theme(self.style_.name)

    def set_advice(self, advice: list[Any]) -> None:
        """Replace the cards (most severe first, as ``engine.coach.coach`` orders them)."""
        for card in self.cards:
            self.column.removeWidget(card)
            card.hide()  # at once: deleteLater alone left it painted under its successor
            card.deleteLater()
        self.cards = []
        for i, item in enumerate(advice):
            card = AdviceCard(item)
            card.clicked.connect(lambda i=i: self.show_evidence(i))
            self.column.insertWidget(i, card)
            self.cards.append(card)
        self.empty.setVisible(not advice)
        if self.selected is not None and self.selected < len(advice):
            self.show_evidence(self.selected)
        else:
            self.selected = None
            self.plot_widget.hide()

    def set_run_state(self, state: str) -> None:
        """The session's state ("idle", "running", "finished"...): the text shown without
        cards (``EMPTY_BY_STATE``; an error keeps the last one)."""
        text = EMPTY_BY_STATE.get(state)
        if text is not None:
            self.empty.setText(text)

    def probe_requests(self) -> dict[str, dict[str, Any]]:
        """The Coach's layer rules (dead ReLUs, vanishing gradients...) read dynamics frames."""
        return {"dynamics": {}}

    def update(self, snapshot: Any = None) -> None:  # type: ignore[override]
        """Advice comes from ``set_advice``; snapshots are not needed (kept for symmetry)."""
        if snapshot is None:
            super().update()

    def show_evidence(self, index: int) -> None:
        """Plot card ``index``'s evidence below the cards."""
        if not 0 <= index < len(self.cards):
            return
        self.selected = index
        advice = self.cards[index].advice
        self.plot.clear()
        self.plot.legend.clear()
        lines, bars = evidence_series(dict(advice.evidence))
        if bars:
            names = list(bars)
            self.plot.addItem(pg.BarGraphItem(x=np.arange(len(names)), height=list(bars.values()),
                                              width=0.6, brush=self.style_.train, pen=None))
            self.plot.getAxis("bottom").setTicks([list(enumerate(names))])
            axes(self.plot, self.style_, left=advice.kind.replace("_", " "), bottom="layer")
        else:
            self.plot.getAxis("bottom").setTicks(None)
            x_label = next((k[:-1] for k in X_KEYS if k in advice.evidence), "")
            for n, (name, x, y) in enumerate(lines):
                colour = (VALIDATION if name.startswith("val") else self.style_.train
                          if n == 0 or name.startswith("train") else run_color(n + 1))
                self.plot.plot(x, y, pen=pg.mkPen(colour, width=3), name=name)
            units = {name.split()[-1] for name, _, _ in lines}
            axes(self.plot, self.style_, left=units.pop() if len(units) == 1 else "value",
                 bottom=x_label)
        self.plot.enableAutoRange()
        self.plot_widget.setVisible(bool(lines or bars))
        self.card_clicked.emit(index)

    def set_theme(self, name: str) -> None:
        self.style_ = plot_style(name)
        self.plot_widget.setBackground(self.style_.background)
        axes(self.plot, self.style_)
