"""The canvas's drawing limit: a network with more layers than ``MAX_DRAWN_LAYERS`` gets no
boxes or wires (one ``QGraphicsItem`` per layer and wire made opening a 20,000-layer chain take
minutes), only a note in the canvas area; checking, training and Look inside keep working.

``MAX_DRAWN_LAYERS`` was chosen by measurement (offscreen window, Dense chain, File → Open to
the first painted frame, GUI-thread CPU on a 2-core machine): 200 layers 0.49 s, 300 layers
0.65 s, 400 layers 0.84 s — the largest count that stays well under a second.
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QPainter

from widgets.canvas import style as st

MAX_DRAWN_LAYERS = 300


def not_drawn_note(count: int) -> str:
    """What the canvas area says instead of drawing ``count`` layers."""
    return (f"This network has {count:,} layers — more than the canvas draws "
            f"(limit {MAX_DRAWN_LAYERS:,}).\n\n"
            "It can still be checked (Problems panel), trained here with Play and looked into "
            "with Look inside, and trained from a terminal with `python main.py train FILE`.\n\n"
            "To edit it, change the project file (.layerlab.json) in a text editor or with a "
            f"script, or build a smaller network of at most {MAX_DRAWN_LAYERS:,} layers.")


def edit_refused(count: int, action: str) -> str:
    """The status-bar answer to an edit that needs the drawn boxes (add, paste, auto layout)."""
    return (f"{action} is not available: this network has {count:,} layers, more than the "
            f"canvas draws (limit {MAX_DRAWN_LAYERS:,}). Edit the project file instead.")


def paint_note(painter: QPainter, area: QRectF, text: str, size: int = 14) -> None:
    """``text`` centred and wrapped in ``area`` (viewport pixels), in the theme's text colour."""
    painter.save()
    painter.resetTransform()
    painter.setPen(st.canvas_colors().text)
    painter.setFont(st.font(size))
    margin = min(60.0, area.width() * 0.08)
    painter.drawText(area.adjusted(margin, margin, -margin, -margin),
                     Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, text)
    painter.restore()
