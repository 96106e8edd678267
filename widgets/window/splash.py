"""A splash screen shown the moment the QApplication exists, before the heavy imports.

Importing the window (numpy, numba, pyqtgraph, every view) takes several seconds on a
classroom laptop; without a splash nothing is on screen meanwhile. ``show_splash()`` creates
the QApplication if needed and paints "LayerLab — Preparing…" at once (PySide6 only: this
module imports nothing heavy); ``splash_message(text)`` updates the line; ``finish_splash(w)``
closes it when ``w``, the main window, is shown.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPixmap
from PySide6.QtWidgets import QApplication, QSplashScreen, QWidget

APP_TITLE = "LayerLab"
SIZE = (420, 200)
_splash: QSplashScreen | None = None


def _picture() -> QPixmap:
    pixmap = QPixmap(*SIZE)
    pixmap.fill(QColor("#0072B2"))
    painter = QPainter(pixmap)
    painter.setPen(QColor("#FFFFFF"))
    font = QFont()
    font.setPointSize(28)
    font.setBold(True)
    painter.setFont(font)
    painter.drawText(pixmap.rect().adjusted(0, 30, 0, -70), int(Qt.AlignmentFlag.AlignCenter),
                     APP_TITLE)
    painter.end()
    return pixmap


def show_splash() -> QSplashScreen:
    """The QApplication (created here when none exists) and its painted splash screen."""
    global _splash
    app = QApplication.instance() or QApplication([sys.argv[0]])
    if _splash is None:
        _splash = QSplashScreen(_picture())
        _splash.show()
        splash_message("Preparing…")
        app.processEvents()  # painted now, before the imports that follow
    return _splash


def splash_message(text: str) -> None:
    """Show ``text`` on the splash's bottom line (no-op without a splash)."""
    if _splash is not None:
        _splash.showMessage(text, int(Qt.AlignmentFlag.AlignBottom | Qt.AlignmentFlag.AlignHCenter),
                            QColor("#FFFFFF"))
        app = QApplication.instance()
        if app is not None:
            app.processEvents()


def finish_splash(window: QWidget) -> None:
    """Close the splash once ``window`` is on screen (no-op without a splash)."""
    global _splash
    splash, _splash = _splash, None
    if splash is not None:
        splash.finish(window)
