"""The backprop microscope's window view: a computational graph with the numbers on its nodes,
stepped with Back / Next through the forward pass, the backward pass (the current edge drawn
thick, the chain-rule line written out in numbers) and the SGD update.

The numbers come from ``engine.microscope.Microscope`` (computed once, on a private copy of
the weights); this widget only replays its steps. ``project_scope(index)`` (given by the Tools
menu) builds the microscope of the open project on training sample ``index`` and raises a
``LayerLabError`` with a readable message when the network does not fit.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import (
    QComboBox,
    QGraphicsScene,
    QGraphicsView,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from engine.microscope import BACKWARD, FORWARD, UPDATE, Microscope, sigmoid_neuron, sum_times
from engine.microscope.steps import num
from engine.types import LayerLabError

NODE_W, NODE_H, COL_GAP, ROW_GAP = 120.0, 58.0, 190.0, 74.0
PHASE_TEXT = {FORWARD: "Forward pass: compute every node from its inputs",
              BACKWARD: "Backward pass: one edge at a time, chain rule from the loss back",
              UPDATE: "Update: every weight takes one step against its gradient"}
HIGHLIGHT = QColor(230, 120, 20)
MIN_ZOOM = 0.6
SOURCES = ("f = (x + y)·z", "Sigmoid neuron σ(w·x + b)", "This project's network")


class MicroscopeView(QWidget):
    def __init__(self, project_scope: Callable[[int], Microscope] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.project_scope = project_scope
        self.scope: Microscope | None = None
        self.index = -1
        self.source = QComboBox()
        self.source.addItems(SOURCES if project_scope else SOURCES[:2])
        self.sample = QSpinBox()
        self.sample.setRange(1, 100000)
        self.sample.setPrefix("sample ")
        self.back_button = QPushButton("◀ Back")
        self.next_button = QPushButton("Next ▶")
        self.start_button = QPushButton("Start over")
        self.end_button = QPushButton("Show all")
        self.title = QLabel()
        self.phase = QLabel()
        self.formula = QLabel()
        self.formula.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.formula.setWordWrap(True)
        font = QFont(self.formula.font())
        font.setPointSizeF(font.pointSizeF() * 1.35)
        self.formula.setFont(font)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.scene = QGraphicsScene(self)
        self.canvas = QGraphicsView(self.scene)
        self.canvas.setRenderHint(QPainter.RenderHint.Antialiasing)
        top = QHBoxLayout()
        for w in (QLabel("Graph:"), self.source, self.sample):
            top.addWidget(w)
        top.addStretch(1)
        for b in (self.start_button, self.back_button, self.next_button, self.end_button):
            top.addWidget(b)
        box = QVBoxLayout(self)
        box.addLayout(top)
        for w in (self.title, self.phase, self.formula, self.message):
            box.addWidget(w)
        box.addWidget(self.canvas, 1)
        self.source.currentIndexChanged.connect(self.reload)
        self.sample.valueChanged.connect(self.reload)
        self.back_button.clicked.connect(lambda: self.go_to(self.index - 1))
        self.next_button.clicked.connect(lambda: self.go_to(self.index + 1))
        self.start_button.clicked.connect(self.reload)  # the network's weights as they are now
        self.end_button.clicked.connect(
            lambda: self.go_to(len(self.scope.steps) - 1 if self.scope else -1))
        self.reload()

    # -- choosing the graph --------------------------------------------------------------------
    def reload(self) -> None:
        """Build the microscope of the chosen graph and show its starting state."""
        choice = self.source.currentIndex()
        self.sample.setVisible(choice == 2)
        self.message.setText("")
        try:
            if choice == 0:
                scope = Microscope(sum_times(), 0.1)
            elif choice == 1:
                scope = Microscope(sigmoid_neuron(), 0.5)
            else:
                assert self.project_scope is not None
                scope = self.project_scope(self.sample.value() - 1)
        except LayerLabError as err:
            self.set_scope(None)
            self.message.setText(f"Cannot look inside this network: {err}")
            return
        self.set_scope(scope)

    def set_scope(self, scope: Microscope | None) -> None:
        self.scope = scope
        self.title.setText(scope.graph.title + f" — learning rate η = {num(scope.learning_rate)}"
                           if scope else "")
        self._positions = self._layout() if scope else {}
        self.go_to(-1)

    # -- stepping ------------------------------------------------------------------------------
    def go_to(self, index: int) -> None:
        total = len(self.scope.steps) if self.scope else 0
        self.index = max(-1, min(index, total - 1))
        self.back_button.setEnabled(self.index >= 0)
        self.next_button.setEnabled(self.index < total - 1)
        if self.scope is None:
            self.phase.setText("")
            self.formula.setText("")
            self.scene.clear()
            return
        shown = self.scope.state(self.index)
        step = shown.step
        where = f"step {self.index + 1} of {total}"
        if step is None:
            self.phase.setText(f"Start ({where}): only the inputs and weights are known. "
                               "Press Next.")
            self.formula.setText("")
        else:
            self.phase.setText(f"{PHASE_TEXT[step.phase]} ({where})")
            self.formula.setText(step.text)
        self._draw(shown)

    # -- drawing -------------------------------------------------------------------------------
    def _layout(self) -> dict[str, QPointF]:
        assert self.scope is not None
        cells = self.scope.graph.layout()
        rows: dict[int, int] = {}
        for c, r in cells.values():
            rows[c] = max(rows.get(c, 0), r + 1)
        tallest = max(rows.values(), default=1)
        out = {}
        for name, (c, r) in cells.items():
            offset = (tallest - rows[c]) * ROW_GAP / 2
            out[name] = QPointF(c * COL_GAP, offset + r * ROW_GAP)
        return out

    def _draw(self, shown: object) -> None:
        assert self.scope is not None
        from engine.microscope import Shown

        assert isinstance(shown, Shown)
        g, pos = self.scope.graph, self._positions
        self.scene.clear()
        text_color = self.palette().color(self.foregroundRole())
        edge = shown.step.edge if shown.step else None
        current = shown.step.node if shown.step else None
        for child, node in g.nodes.items():
            for parent in node.parents:
                a = pos[parent] + QPointF(NODE_W, NODE_H / 2)
                b = pos[child] + QPointF(0, NODE_H / 2)
                hot = edge == (parent, child)
                pen = QPen(HIGHLIGHT if hot else QColor(140, 140, 150), 4 if hot else 1.2)
                self.scene.addLine(a.x(), a.y(), b.x(), b.y(), pen)
        for name, node in g.nodes.items():
            p = pos[name]
            fill = QColor(255, 236, 200) if node.trainable else QColor(225, 235, 250)
            if node.op != "leaf":
                fill = QColor(235, 245, 228)
            rect = self.scene.addRect(QRectF(p.x(), p.y(), NODE_W, NODE_H),
                                      QPen(HIGHLIGHT if name == current else QColor(90, 90, 100),
                                           3 if name == current else 1), QBrush(fill))
            rect.setToolTip(f"{node.label}: {node.op}")
            lines = [node.label + (f" = {num(shown.values[name])}" if name in shown.values
                                   else " = ?")]
            if name in shown.grads:
                lines.append(f"∂ = {num(shown.grads[name])}")
            if name in shown.updated:
                lines.append(f"new {num(shown.updated[name])}")
            item = self.scene.addText("\n".join(lines))
            item.setDefaultTextColor(QColor(20, 20, 30) if fill.lightness() > 128 else text_color)
            item.setPos(p.x() + 4, p.y() + 2)
        self.scene.setSceneRect(self.scene.itemsBoundingRect().adjusted(-20, -20, 20, 20))
        self._fit(pos.get(current) if current else None)

    def _fit(self, focus: QPointF | None = None) -> None:
        """Fit the graph, but never below MIN_ZOOM (a 60-weight network stays readable and
        scrolls); the node of the current step is kept in view."""
        rect = self.scene.sceneRect()
        view = self.canvas.viewport().rect()
        if rect.isEmpty() or view.isEmpty():
            return
        zoom = min(view.width() / rect.width(), view.height() / rect.height(), 1.6)
        zoom = max(zoom, MIN_ZOOM)
        self.canvas.resetTransform()
        self.canvas.scale(zoom, zoom)
        if focus is not None:
            self.canvas.centerOn(focus + QPointF(NODE_W / 2, NODE_H / 2))

    def resizeEvent(self, event: object) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)  # type: ignore[arg-type]
        if self.scene.items():
            self._fit()
