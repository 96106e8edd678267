"""The running ``QApplication``, typed as one.

PySide6 types ``QApplication.instance()`` as ``QCoreApplication | None``; LayerLab always runs
a ``QApplication`` (widgets need one), so ``qt_app()`` checks that once and returns it typed.
"""

from __future__ import annotations

from PySide6.QtWidgets import QApplication


def qt_app() -> QApplication:
    """The application object; raises ``RuntimeError`` when no QApplication exists yet."""
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        raise RuntimeError("LayerLab needs a QApplication before it builds any widget")
    return app
