"""The main window on the screen it opens on: fit the window, share the width, keep docks readable.

A lecture projector is 1280×720 or 1920×1080; a laptop may be smaller. The window
- opens filling the screen's *available* area (``QScreen.availableGeometry``: task bars and
  menu bars excluded) and is clamped into it again after a saved geometry from a bigger
  screen is restored (``fit_window``), and fills it again at start-up when the restored window
  is much smaller than this screen (saved on a 1280×720 one, now on 1920×1080);
- gives the canvas the largest share of the width (``column_widths``: ≥ 38 % from 1280 px
  on) and the Layers palette enough of the left column for ``PALETTE_ROWS`` entries
  (``left_split``);
- never lets a panel's content force the window past the screen: wide content sits in a
  ``ShrinkableArea`` that scrolls when its dock is narrower than the content's minimum.

``available_geometry`` is the one place that asks Qt for the screen: tests replace it to
emulate a 1280×720 or 1920×1080 screen (the offscreen platform's screen is a fixed 800×800).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QRect, QSize, Qt, QTimer
from PySide6.QtGui import QGuiApplication, QResizeEvent
from PySide6.QtWidgets import QFrame, QScrollArea, QWidget

READABLE_DOCK = QSize(200, 100)  # no visible dock smaller than this (width, height) in px
PALETTE_ROWS = 8  # palette entries (category headers and layers) shown without scrolling
LEFT_SHARE, LEFT_RANGE = 0.24, (340, 420)  # palette + training/dataset/settings column
# output / loss / network column: from 462 px the loss panel (a 460 px plot) shows the accuracy
# beside the loss when short (``LossPlot.MIN_WIDTH_BESIDE``) instead of a note about it
RIGHT_SHARE, RIGHT_RANGE = 0.34, (462, 640)
WIDE_FROM, WIDE_RIGHT_SHARE = 1600, 0.38  # a wide screen: deep/sequence views get more room
SMALL_SHARE = 0.75  # a restored window under this share of the screen's width and height fills it


def available_geometry(widget: QWidget) -> QRect:
    """The usable desktop area of the screen ``widget`` is on (the primary one before show)."""
    screen = widget.screen() if widget.isVisible() else None
    screen = screen or QGuiApplication.primaryScreen()
    return screen.availableGeometry() if screen is not None else QRect(0, 0, 1280, 720)


def fitted_rect(window: QRect, frame: QSize, avail: QRect) -> QRect:
    """``window`` (client area, frame margins ``frame`` = frame size − client size) moved and
    shrunk so that its frame lies inside ``avail``; an empty ``window`` fills ``avail``."""
    most = QSize(max(1, avail.width() - frame.width()), max(1, avail.height() - frame.height()))
    if window.isEmpty():
        return QRect(avail.topLeft(), most)
    size = window.size().boundedTo(most)
    left = min(max(window.left(), avail.left()), avail.right() + 1 - frame.width() - size.width())
    top = min(max(window.top(), avail.top()), avail.bottom() + 1 - frame.height() - size.height())
    return QRect(left, top, size.width(), size.height())


def much_smaller(window: QSize, avail: QSize) -> bool:
    """Whether a window of size ``window`` uses less than ``SMALL_SHARE`` of ``avail`` in both
    directions (saved on a 1280×720 screen, opened on 1920×1080; or left small). A window half
    the screen wide but full height (beside another one) is not."""
    return window.width() < SMALL_SHARE * avail.width() and \
        window.height() < SMALL_SHARE * avail.height()


def fit_window(window: QWidget, fill: bool = False, fill_if_small: bool = False) -> bool:
    """Clamp ``window`` (frame included) into the available screen; ``fill``: fill it;
    ``fill_if_small``: fill it when it is ``much_smaller`` than the screen (at start-up, after
    a restored geometry: a later show keeps the size the learner chose). A maximized or
    full-screen window is left alone. Returns whether the window was made to fill the screen
    (the caller then shows it maximized: ``show_on_screen``)."""
    if window.isMaximized() or window.isFullScreen():
        return False
    avail = available_geometry(window)
    frame = window.frameGeometry().size() - window.geometry().size()
    fill = fill or (fill_if_small and not window.isMaximized()
                    and much_smaller(window.frameGeometry().size(), avail.size()))
    current = QRect() if fill else window.geometry()
    target = fitted_rect(current, frame, avail)
    if target != window.geometry():
        window.move(target.topLeft())  # the frame's top-left, like QWidget.pos()
        window.resize(target.size())
    return fill


REFIT_MS = (0, 250, 1000)  # after the first show: a window manager sets the frame a bit later


def show_on_screen(window: QWidget, fill: bool) -> None:
    """Show ``window``: maximized when it should ``fill`` the screen (first start, or restored
    much smaller than this screen: the window manager then keeps the title bar and the
    status bar on the screen), else as restored. Either way it is clamped again, title bar
    included, once the frame is known (``frameGeometry()`` is only right after show, and
    under a window manager a little later still)."""
    if fill:
        window.showMaximized()
    else:
        window.show()
    for ms in REFIT_MS:
        QTimer.singleShot(ms, window, lambda: fit_window(window))


def column_widths(width: int, kind: str = "plane") -> tuple[int, int]:
    """(left, right) dock column widths for a window ``width`` px wide; the canvas gets the
    rest: 36 % at 1280, 41 % at 1366, 45 % at 1920. From ``WIDE_FROM`` px a project whose
    views are in Look inside (``kind`` not ``plane``: an attention heatmap, feature maps, the
    loss and accuracy side by side) gets ``WIDE_RIGHT_SHARE`` on the right — never more than
    the canvas (38 % at 1920: 729 px, the canvas 771)."""
    left = int(min(LEFT_RANGE[1], max(LEFT_RANGE[0], LEFT_SHARE * width)))
    right = int(min(RIGHT_RANGE[1], max(RIGHT_RANGE[0], RIGHT_SHARE * width)))
    if width >= WIDE_FROM and kind != "plane":
        right = max(right, min(int(WIDE_RIGHT_SHARE * width), (width - left) // 2 - 20))
    return left, right


def left_split(height: int, palette_need: int) -> tuple[int, int]:
    """(palette, panels) heights of the left column (``height`` px): the palette gets what
    ``PALETTE_ROWS`` entries need (``palette_need``), at most 60 %; the panels the rest."""
    palette = min(int(0.6 * height), max(palette_need, int(0.3 * height)))
    return palette, height - palette


class ShrinkableArea(QScrollArea):
    """A dock's content that may get narrower (or shorter) than its minimum: it scrolls then,
    instead of pushing the window past the screen.

    The content fills the viewport and scrolls only below its minimum size hint.
    ``QScrollArea``'s own resizing would take a layout with word-wrapped labels at its
    *preferred* height for the width instead (a 440 px plot plus its key, a Look inside page
    at its full height) and scroll views that would fit."""

    def __init__(self, content: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(False)  # sized by ``_fit_content``
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.setWidget(content)
        content.installEventFilter(self)

    def _fit_content(self) -> None:
        content = self.widget()
        if content is None:
            return
        room = self.maximumViewportSize()  # the viewport without scroll bars
        bar = self.style().pixelMetric(self.style().PixelMetric.PM_ScrollBarExtent)
        least = content.minimumSizeHint().expandedTo(content.minimumSize())
        if least.height() > room.height():  # a vertical bar takes some width
            room.setWidth(room.width() - bar)
        if least.width() > room.width():  # a horizontal bar takes some height
            room.setHeight(room.height() - bar)
        size = room.expandedTo(least).boundedTo(content.maximumSize())
        if size != content.size():
            content.resize(size)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self._fit_content()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if watched is self.widget() and event.type() == QEvent.Type.LayoutRequest:
            QTimer.singleShot(0, self, self._fit_content)  # after the content's layout has settled
        return super().eventFilter(watched, event)

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return QSize(READABLE_DOCK.width(), 60)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        content = self.widget()
        return content.sizeHint() if content is not None else super().sizeHint()
