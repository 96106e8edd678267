"""``ClickableCard``: the framed, clickable card of the example gallery and the lesson list.

A ``QFrame`` with a pointing-hand cursor that emits ``clicked(card)`` on a press and
``double_clicked(card)`` on a double click; ``set_selected(on)`` draws the theme's accent
border (3 px) or its plain border (1 px) around the panel colour. Subclasses
(``widgets.panels.gallery.ExampleCard``, ``widgets.lessons.lesson_cards.LessonCard``) fill
the layout.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QFrame, QWidget

from widgets.window.theme import current_colors


class ClickableCard(QFrame):
    """A selectable card (see the module docstring)."""

    clicked = Signal(object)
    double_clicked = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setCursor(Qt.CursorShape.PointingHandCursor)

    def set_selected(self, on: bool) -> None:
        c = current_colors()
        border = c.accent if on else c.border
        self.setStyleSheet(f"{type(self).__name__} {{ background: {c.panel}; border: "
                           f"{3 if on else 1}px solid {border}; border-radius: 10px; }}")

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        self.clicked.emit(self)
        super().mousePressEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        self.double_clicked.emit(self)
