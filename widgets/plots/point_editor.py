"""Drawing your own 2-D points on the decision plot: the tool bar and the mouse gestures.

``PointEditBar`` is the row above the plot, shown while its "Edit points" switch is on: the
tools (Add, Move, Erase, Brush, Relabel), the class to draw with (its colour and name, plus
"+ Class" and "Clear") and a one-line hint. ``PointEditor`` turns mouse gestures on the plot
into edits of the plot's points: it changes the plot's arrays at once (so a drag or a brush
stroke is seen live) and, when the gesture ends, emits the plot's ``points_edited`` with every
point as ``[x1, x2, class]`` rows — one gesture is one undoable change. A right click removes the
nearest point within a few pixels, whatever the tool.

Gestures work in data coordinates (``press``/``move``/``release``), so tests and other
callers can drive them without a mouse; ``eventFilter`` feeds them from the plot's viewport.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import QEvent, QObject, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QCursor, QIcon, QPainter, QPen, QPixmap
from PySide6.QtWidgets import (
    QButtonGroup,
    QHBoxLayout,
    QLabel,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from engine.datasets.points import rows_of
from widgets.plots.palette import class_color
from widgets.window.theme import CLASS_COLORS, colors

TOOLS: dict[str, tuple[str, str]] = {  # name -> (button text, hint)
    "add": ("Add", "Click to add a point of the chosen class."),
    "move": ("Move", "Drag a point to move it."),
    "erase": ("Erase", "Click or drag over points to remove them."),
    "brush": ("Brush", "Drag to spray points of the chosen class."),
    "relabel": ("Relabel", "Click or drag over points to give them the chosen class."),
}
RIGHT_CLICK_HINT = "Right-click removes a point."
SWITCH_OFF, SWITCH_ON = "✎ Edit", "✓ Done"  # short: beside the key on one 460 px line
CURSORS = {"add": Qt.CursorShape.CrossCursor, "move": Qt.CursorShape.OpenHandCursor,
           "erase": Qt.CursorShape.PointingHandCursor, "brush": Qt.CursorShape.CrossCursor,
           "relabel": Qt.CursorShape.PointingHandCursor}
PICK_PX = 10.0  # a click this close (in pixels) to a point hits it
BRUSH_STEP_PX = 12.0  # the brush sprays one point per this much mouse travel
BRUSH_JITTER_PX = 4.0  # standard deviation of the spray around the mouse
MAX_EDIT_CLASSES = len(CLASS_COLORS)  # one distinct colour per class
CLASS_TEXT_PX = 110  # longer class names are elided on their buttons (the legend has them)


def swatch_icon(color: str, size: int = 22) -> QIcon:
    """A filled circle of ``color`` with a dark rim (the class's point as drawn on the plot)."""
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QPen(QColor("#333333"), 1.5))
    painter.setBrush(QColor(color))
    painter.drawEllipse(QRectF(2, 2, size - 4, size - 4))
    painter.end()
    return QIcon(pixmap)


def _button(text: str, checkable: bool = True, tip: str = "") -> QToolButton:
    button = QToolButton()
    button.setText(text)
    button.setCheckable(checkable)
    button.setToolTip(tip)
    button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    button.setMinimumHeight(32)
    return button


class PointEditBar(QWidget):
    """The editing row above the decision plot: tools, classes and a hint.

    ``switch`` ("Edit points") is a separate button the plot places beside its legend; the
    bar itself only shows while it is on.
    """

    editing_toggled = Signal(bool)
    tool_chosen = Signal(str)
    class_chosen = Signal(int)
    clear_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.switch = _button(SWITCH_OFF, tip="Draw your own data: add, move, erase or "
                              "relabel points, even while the network trains.")
        self.switch.setObjectName("edit_switch")
        self.switch.toggled.connect(self._on_switch_toggled)
        tool_row, self.class_row = self._tool_row(), self._class_row()
        self.hint = QLabel()
        self.hint.setProperty("role", "muted")
        self.hint.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.setSpacing(3)
        for row in (tool_row, self.class_row):
            row.setContentsMargins(0, 0, 0, 0)
            row.setSpacing(4)
            layout.addLayout(row)
        layout.addWidget(self.hint)
        self.tool, self.current_class, self.names = "add", 0, ["class 0", "class 1"]
        self.set_classes(self.names)
        self.set_tool("add")
        self.set_theme("light")
        self.setVisible(False)

    def _tool_row(self) -> QHBoxLayout:
        self.tools = QButtonGroup(self)
        self.tool_buttons: dict[str, QToolButton] = {}
        row = QHBoxLayout()
        for name, (text, hint) in TOOLS.items():
            button = _button(text, tip=hint)
            button.clicked.connect(lambda _=False, n=name: self._on_tool_clicked(n))
            self.tools.addButton(button)
            self.tool_buttons[name] = button
            row.addWidget(button)
        row.addStretch(1)
        return row

    def _class_row(self) -> QHBoxLayout:
        """Class buttons (filled in by ``set_classes``), "+ Class", "Clear"."""
        self.classes = QButtonGroup(self)
        self.class_buttons: list[QToolButton] = []
        row = QHBoxLayout()
        self.new_class = _button("+ Class", checkable=False,
                                 tip="Draw with a new class that has no points yet.")
        self.new_class.clicked.connect(self._on_new_class_clicked)
        self.clear = _button("Clear", checkable=False, tip="Remove every point (undoable).")
        self.clear.clicked.connect(self.clear_requested)
        row.addWidget(self.new_class)
        row.addStretch(1)
        row.addWidget(self.clear)
        return row

    # -- state ---------------------------------------------------------------------------------
    @property
    def editing(self) -> bool:
        return self.switch.isChecked()

    def set_tool(self, name: str) -> None:
        self.tool = name
        self.tool_buttons[name].setChecked(True)
        self.hint.setText(f"{TOOLS[name][1]}  {RIGHT_CLICK_HINT}")

    def set_classes(self, names: list[str]) -> None:
        """One button per class (colour swatch + name); keeps the chosen class if it exists.

        With more than 3 classes the buttons show only their colour (the name is the tooltip
        and stays in the legend), so the row fits a narrow dock.
        """
        for button in self.class_buttons:
            self.classes.removeButton(button)
            self.class_row.removeWidget(button)
            button.hide()
            button.deleteLater()
        self.names, self.class_buttons = list(names), []
        compact = len(self.names) > 3
        for k, name in enumerate(self.names):
            text = "" if compact else self.fontMetrics().elidedText(
                name, Qt.TextElideMode.ElideRight, CLASS_TEXT_PX)
            button = _button(text, tip=f"Draw points of {name}.")
            button.setObjectName("class_button")
            button.setIcon(swatch_icon(class_color(k)))
            button.clicked.connect(lambda _=False, c=k: self._on_class_clicked(c))
            self.classes.addButton(button)
            self.class_row.insertWidget(k, button)
            button.show()  # at once, also when the bar is already on screen
            self.class_buttons.append(button)
        self.new_class.setEnabled(len(self.names) < MAX_EDIT_CLASSES)
        self.set_class(min(self.current_class, len(self.names) - 1))

    def set_class(self, k: int) -> None:
        self.current_class = max(k, 0)
        if self.class_buttons:
            self.class_buttons[self.current_class].setChecked(True)

    def set_theme(self, name: str) -> None:
        """Chosen tool: filled with the accent colour; chosen class: a thick outline."""
        c = colors(name)
        self.setStyleSheet(
            f"QToolButton {{ padding: 3px 6px; border: 1px solid {c.border}; "
            f"border-radius: 6px; background: {c.panel}; color: {c.text}; }}"
            f"QToolButton:checked {{ background: {c.accent}; color: white; "
            f"font-weight: 700; border-color: {c.accent}; }}"
            f"QToolButton#class_button:checked {{ background: {c.panel}; color: {c.text}; "
            f"border: 3px solid {c.text}; }}")
        self.switch.setStyleSheet(
            f"QToolButton {{ padding: 3px 8px; border: 1px solid {c.border}; "
            f"border-radius: 6px; background: {c.panel}; color: {c.text}; }}"
            f"QToolButton:checked {{ background: {c.accent}; color: white; "
            f"font-weight: 700; border-color: {c.accent}; }}")

    # -- slots ---------------------------------------------------------------------------------
    def _on_switch_toggled(self, on: bool) -> None:
        self.switch.setText(SWITCH_ON if on else SWITCH_OFF)
        self.setVisible(on)
        self.editing_toggled.emit(on)

    def _on_tool_clicked(self, name: str) -> None:
        self.set_tool(name)
        self.tool_chosen.emit(name)

    def _on_class_clicked(self, k: int) -> None:
        self.set_class(k)
        self.class_chosen.emit(k)

    def _on_new_class_clicked(self) -> None:
        k = len(self.names)
        self.set_classes(self.names + [f"class {k}"])
        self._on_class_clicked(k)


class PointEditor(QObject):
    """Mouse gestures that add, move, erase, spray and relabel the points of ``plot``.

    ``plot`` is a ``DecisionPlot``: the editor changes its ``points`` (training points first,
    then validation), ``labels`` and ``n_train`` and calls its ``refresh_points``.
    """

    def __init__(self, plot: Any) -> None:
        super().__init__(plot)
        self.plot = plot
        self.enabled = False
        self.tool = "add"
        self.current_class = 0
        self.rng = np.random.default_rng(0)
        self._gesture: str | None = None
        self._changed = False
        self._index = -1
        self._last: tuple[float, float] = (0.0, 0.0)  # brush: where the last point went
        self._travel = 0.0  # brush: pixels moved since then

    @property
    def active(self) -> bool:
        """True during a gesture (between press and release)."""
        return self._gesture is not None

    # -- geometry ------------------------------------------------------------------------------
    def pixel_size(self) -> tuple[float, float]:
        """Data units per screen pixel along x and y."""
        px, py = self.plot.plot.getViewBox().viewPixelSize()
        return max(float(px), 1e-12), max(float(py), 1e-12)

    def nearest(self, x: float, y: float) -> int:
        """Index of the point nearest to ``(x, y)`` within ``PICK_PX`` pixels, else -1."""
        pts = self.plot.points
        if not len(pts):
            return -1
        px, py = self.pixel_size()
        d2 = ((pts[:, 0] - x) / px) ** 2 + ((pts[:, 1] - y) / py) ** 2  # squared pixels
        i = int(np.argmin(d2))
        return i if d2[i] <= PICK_PX ** 2 else -1

    # -- gestures ------------------------------------------------------------------------------
    def press(self, x: float, y: float, right: bool = False) -> None:
        """Start a gesture at ``(x, y)``: a right press removes the nearest point."""
        self._gesture, self._changed = ("erase" if right else self.tool), False
        self._index = -1
        if self._gesture == "move":
            self._index = self.nearest(x, y)
        elif self._gesture == "brush":
            self._last, self._travel = (x, y), 0.0
            self._insert(np.array([[x, y]], np.float32))
        elif self._gesture == "add":
            self._insert(np.array([[x, y]], np.float32))
        else:
            self._touch(x, y)

    def move(self, x: float, y: float) -> None:
        """Continue the gesture (mouse moved with the button held)."""
        gesture = self._gesture
        if gesture == "move" and self._index >= 0:
            self.plot.points[self._index] = (x, y)
            self._changed = True
            self.plot.refresh_points()
        elif gesture == "brush":
            self._spray(x, y)
        elif gesture in ("erase", "relabel"):
            self._touch(x, y)

    def release(self) -> bool:
        """End the gesture; emit ``points_edited`` when it changed anything (returns that)."""
        changed, self._gesture, self._index = self._changed, None, -1
        if changed:
            self.plot.points_edited.emit(self.rows())
        self.plot.gesture_ended(changed)
        return changed

    def clear_all(self) -> None:
        """Remove every point (one gesture)."""
        if len(self.plot.points):
            self.plot.points = np.zeros((0, 2), np.float32)
            self.plot.labels = np.zeros(0, np.int64)
            self.plot.n_train = 0
            self.plot.refresh_points()
            self.plot.points_edited.emit([])

    def rows(self) -> list[list[float | int]]:
        """Every point of the plot as ``[x1, x2, class]`` (training points first)."""
        return rows_of(self.plot.points, self.plot.labels)

    # -- edits of the plot's arrays ------------------------------------------------------------
    def _insert(self, new: np.ndarray) -> None:
        """Add ``new: (M, 2)`` training points of the current class."""
        plot, at = self.plot, self.plot.n_train
        plot.points = np.insert(plot.points, at, new.astype(np.float32), axis=0)
        plot.labels = np.insert(plot.labels, at, np.full(len(new), self.current_class))
        plot.n_train += len(new)
        self._changed = True
        plot.refresh_points()

    def _touch(self, x: float, y: float) -> None:
        """Erase or relabel the point under ``(x, y)``, if any."""
        i = self.nearest(x, y)
        if i < 0:
            return
        plot = self.plot
        if self._gesture == "erase":
            plot.points = np.delete(plot.points, i, axis=0)
            plot.labels = np.delete(plot.labels, i)
            plot.n_train -= int(i < plot.n_train)
        elif plot.labels[i] != self.current_class:
            plot.labels[i] = self.current_class
        else:
            return
        self._changed = True
        plot.refresh_points()

    def _spray(self, x: float, y: float) -> None:
        """One point per ``BRUSH_STEP_PX`` of travel, spread by ``BRUSH_JITTER_PX``."""
        px, py = self.pixel_size()
        lx, ly = self._last
        self._travel += float(np.hypot((x - lx) / px, (y - ly) / py))
        self._last = (x, y)
        count = int(self._travel // BRUSH_STEP_PX)
        if count <= 0:
            return
        self._travel -= count * BRUSH_STEP_PX
        jitter = self.rng.normal(0.0, BRUSH_JITTER_PX, (count, 2)) * (px, py)
        k = np.arange(1, count + 1)[:, None] / count  # (count, 1): evenly along the stretch
        along = np.array([lx, ly]) + k * np.array([x - lx, y - ly])  # (count, 2)
        self._insert(along + jitter)

    # -- mouse events from the plot's viewport -------------------------------------------------
    def to_data(self, pos: QPointF, inside: bool = True) -> tuple[float, float] | None:
        """Viewport pixel position -> data coordinates (None outside the plotting area)."""
        view = self.plot.plot_widget
        scene = view.mapToScene(pos.toPoint())
        box = self.plot.plot.getViewBox()
        if inside and not box.sceneBoundingRect().contains(scene):
            return None
        p = box.mapSceneToView(scene)
        return float(p.x()), float(p.y())

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if not getattr(self, "enabled", False):  # events may arrive before __init__ ends
            return False
        kind = event.type()
        if kind == QEvent.Type.MouseButtonPress:
            button = event.button()  # type: ignore[attr-defined]
            pos = self.to_data(event.position())  # type: ignore[attr-defined]
            if pos is None or button not in (Qt.MouseButton.LeftButton,
                                             Qt.MouseButton.RightButton):
                return False
            self.press(*pos, right=button == Qt.MouseButton.RightButton)
            return True
        if kind == QEvent.Type.MouseMove and self.active:
            pos = self.to_data(event.position(), inside=False)  # type: ignore[attr-defined]
            if pos is not None:
                self.move(*pos)
            return True
        if kind == QEvent.Type.MouseButtonRelease and self.active:
            self.release()
            return True
        return kind in (QEvent.Type.MouseButtonDblClick, QEvent.Type.ContextMenu,
                        QEvent.Type.Wheel)

    def cursor(self) -> QCursor:
        return QCursor(CURSORS.get(self.tool, Qt.CursorShape.ArrowCursor))
