"""A lecturer's pen: draw over the canvas and every plot of the window, erase, clear.

``PenOverlay`` is a transparent child of the main window laid over everything between the
toolbar and the status bar (docks included). With the pen or the eraser off it lets every
mouse event through and only shows the strokes still on it; with the pen on, dragging draws
a thick stroke; with the eraser on, dragging removes the strokes it touches. Strokes live in
the overlay only (window pixels, not scene coordinates): they never touch the project, its
undo stack or the views under them, and "Clear drawing" removes them all.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from PySide6.QtCore import QEvent, QObject, QPointF, QRect, QRectF, Qt, QTimer
from PySide6.QtGui import (
    QColor,
    QIcon,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QPixmap,
    QPolygonF,
)
from PySide6.QtWidgets import QDockWidget, QMainWindow, QWidget

INK = "#D55E00"  # Okabe–Ito vermillion: visible on light and dark plots and on the canvas
WIDTH = 6.0  # stroke width in pixels (readable from the back of a room)
ERASE_RADIUS = 18.0  # how close (pixels) the eraser must pass to remove a stroke
MODES = ("off", "pen", "eraser")
ICON_INK = {"pen": INK, "eraser": "#CC79A7", "clear": "#56B4E9", "present": "#0072B2"}


def tool_icon(name: str) -> QIcon:
    """64-px icons for the toolbar: ``"pen"``, ``"eraser"``, ``"clear"``, ``"present"``."""
    pixmap = QPixmap(64, 64)
    pixmap.fill(Qt.GlobalColor.transparent)
    p = QPainter(pixmap)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    color = QColor(ICON_INK.get(name, INK))
    p.setPen(QPen(color, 7, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
    if name == "pen":  # a pencil from the top right, its tip at the bottom left
        p.drawLine(QPointF(48, 12), QPointF(20, 40))
        p.setBrush(color)
        p.setPen(Qt.PenStyle.NoPen)
        p.drawPolygon(QPolygonF([QPointF(14, 38), QPointF(24, 48), QPointF(8, 54)]))
    elif name == "eraser":
        p.translate(32, 32)
        p.rotate(-35)
        p.setBrush(color)
        p.drawRoundedRect(QRectF(-20, -10, 40, 20), 4, 4)
    elif name == "clear":  # a cross
        p.drawLine(QPointF(16, 16), QPointF(48, 48))
        p.drawLine(QPointF(48, 16), QPointF(16, 48))
    else:  # a projector screen on its stand
        p.drawRect(QRectF(10, 12, 44, 30))
        p.drawLine(QPointF(32, 42), QPointF(32, 54))
        p.drawLine(QPointF(20, 54), QPointF(44, 54))
    p.end()
    return QIcon(pixmap)


@dataclass
class Stroke:
    """One drag of the pen: ``points`` in overlay pixels."""

    points: list[QPointF] = field(default_factory=list)
    color: str = INK
    width: float = WIDTH

    def near(self, pos: QPointF, radius: float) -> bool:
        """True when ``pos`` lies within ``radius`` of any segment of the stroke."""
        pts = self.points
        if len(pts) == 1:
            return (pts[0] - pos).manhattanLength() <= 2 * radius
        for a, b in zip(pts, pts[1:], strict=False):
            if _distance(pos, a, b) <= radius + self.width / 2:
                return True
        return False


def _distance(p: QPointF, a: QPointF, b: QPointF) -> float:
    """Distance from ``p`` to the segment ``a``–``b``."""
    dx, dy = b.x() - a.x(), b.y() - a.y()
    length2 = dx * dx + dy * dy
    t = 0.0 if length2 == 0 else max(0.0, min(1.0, ((p.x() - a.x()) * dx
                                                    + (p.y() - a.y()) * dy) / length2))
    cx, cy = a.x() + t * dx, a.y() + t * dy
    return float(((p.x() - cx) ** 2 + (p.y() - cy) ** 2) ** 0.5)


def repaint_window(window: QWidget) -> None:
    """Schedule a paint of ``window`` and every widget in it (after a layout switch)."""
    window.update()
    for child in window.findChildren(QWidget):
        child.update()


class PenOverlay(QWidget):
    """Transparent drawing layer over the main window's panels."""

    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self.setObjectName("pen_overlay")
        self.window_ = window
        self.strokes: list[Stroke] = []
        self.mode = "off"
        self._current: Stroke | None = None
        self._erasing = False
        self._erase_from: QPointF | None = None
        self.setAttribute(Qt.WidgetAttribute.WA_NoSystemBackground)
        self.setAttribute(Qt.WidgetAttribute.WA_TranslucentBackground)
        self.setAutoFillBackground(False)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        window.installEventFilter(self)
        self._apply_mode()

    # -- public API ----------------------------------------------------------------------------
    def set_mode(self, mode: str) -> None:
        """``"pen"`` (draw), ``"eraser"`` (remove touched strokes) or ``"off"`` (click through)."""
        self.mode = mode if mode in MODES else "off"
        self._current = None
        self._erasing = False
        self._apply_mode()

    def clear(self) -> None:
        self.strokes.clear()
        self._current = None
        self._apply_mode()
        self.update()

    @property
    def stroke_count(self) -> int:
        return len(self.strokes)

    def follow_layout(self, docks: Iterable[QDockWidget]) -> None:
        """Call ``layout_changed`` when one of ``docks`` moves to another area or floats."""
        for dock in docks:
            dock.dockLocationChanged.connect(self.layout_changed)
            dock.topLevelChanged.connect(self.layout_changed)

    def layout_changed(self, *_args: object) -> None:
        """The panels moved (presenter mode on or off, one view full screen, a dock moved):
        strokes belong to the screen, not to a plot, and would now lie over another panel,
        so they go. The whole window is repainted once the new layout is in place, so a
        projector never keeps showing parts of the old one."""
        if self.strokes or self._current is not None:
            self.clear()
        QTimer.singleShot(0, self.window_, lambda: repaint_window(self.window_))

    # -- layout --------------------------------------------------------------------------------
    def _apply_mode(self) -> None:
        drawing = self.mode != "off"
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, not drawing)
        self.setCursor(Qt.CursorShape.CrossCursor if self.mode == "pen" else
                       Qt.CursorShape.PointingHandCursor if self.mode == "eraser" else
                       Qt.CursorShape.ArrowCursor)
        self.setVisible(drawing or bool(self.strokes))
        if self.isVisible():
            self.place()

    def place(self) -> None:
        """Cover the window between its toolbars and its status bar, above the docks."""
        win = self.window_
        rect = win.rect()
        top = 0
        for bar in (win.menuWidget(), *win.findChildren(QWidget, "main_toolbar")):
            if bar is not None and bar.isVisible() and bar.parentWidget() is win:
                top = max(top, bar.geometry().bottom() + 1)
        status = win.statusBar()
        bottom = status.geometry().top() if status.isVisible() else rect.bottom() + 1
        self.setGeometry(QRect(0, top, rect.width(), max(bottom - top, 0)))
        self.raise_()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if watched is self.window_ and event.type() in (QEvent.Type.Resize,
                                                        QEvent.Type.LayoutRequest):
            if self.isVisible():
                self.place()
        return False

    # -- drawing -------------------------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        if event.button() != Qt.MouseButton.LeftButton or self.mode == "off":
            event.ignore()
            return
        pos = event.position()
        if self.mode == "pen":
            self._current = Stroke([QPointF(pos)])
            self.strokes.append(self._current)
        else:
            self._erasing = True
            self._erase_from = None
            self._erase_at(pos)
        event.accept()
        self.update()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        pos = event.position()
        if self._current is not None:
            self._current.points.append(QPointF(pos))
            self.update()
        elif self._erasing:
            self._erase_at(pos)
        event.accept()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        if self._current is not None:
            self._current.points.append(QPointF(event.position()))
        self._current = None
        self._erasing = False
        event.accept()
        self.update()

    def _erase_at(self, pos: QPointF) -> None:
        """Remove the strokes near the eraser's path from its last position to ``pos``."""
        last = self._erase_from or pos
        self._erase_from = QPointF(pos)
        steps = max(1, int((pos - last).manhattanLength() / (ERASE_RADIUS / 2)))
        path = [last + (pos - last) * (i / steps) for i in range(steps + 1)]
        kept = [s for s in self.strokes if not any(s.near(p, ERASE_RADIUS) for p in path)]
        if len(kept) != len(self.strokes):
            self.strokes = kept
            self.update()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt override
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        for stroke in self.strokes:
            pen = QPen(QColor(stroke.color), stroke.width, Qt.PenStyle.SolidLine,
                       Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin)
            painter.setPen(pen)
            if len(stroke.points) == 1:
                painter.drawPoint(stroke.points[0])
            else:
                painter.drawPolyline(QPolygonF(stroke.points))
        painter.end()
