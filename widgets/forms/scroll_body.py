"""A panel's content in a vertical-only scroll area (docks can be short on a laptop)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QScrollArea, QVBoxLayout, QWidget


def scroll_body(owner: QWidget) -> tuple[QVBoxLayout, QScrollArea, QWidget]:
    """Give ``owner`` a frameless scroll area; return (body layout, scroll area, body)."""
    outer = QVBoxLayout(owner)
    outer.setContentsMargins(0, 0, 0, 0)
    scroll = QScrollArea()
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QScrollArea.Shape.NoFrame)
    scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    body = QWidget()
    layout = QVBoxLayout(body)  # the layout must exist before setWidget
    scroll.setWidget(body)
    outer.addWidget(scroll)
    return layout, scroll, body
