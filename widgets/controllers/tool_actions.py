"""The menu bar's Tools menu, shared by the tool controllers (``tools_menu.ToolsMenu``:
microscope, landscapes, learning-rate finder; ``capacity_tools.CapacityTools``: sweep,
regression, initialization), and their actions made from one table.

``find_tools_menu(bar)`` returns the existing Tools menu (or adds it); ``add_tool_actions(menu,
rows)`` adds one action per ``(key, text, tip, slot)`` row — the tip as tooltip and status
tip, the slot called without arguments — and returns them by key.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QMenuBar

ToolRow = tuple[str, str, str, Callable[[], Any]]  # key, menu text, tip, slot


def find_tools_menu(bar: QMenuBar) -> QMenu:
    """The menu bar's Tools menu (made when there is none yet)."""
    for action in bar.actions():
        menu = action.menu()
        if isinstance(menu, QMenu) and action.text().replace("&", "") == "Tools":
            return menu
    return bar.addMenu("&Tools")


def add_tool_actions(menu: QMenu, rows: Iterable[ToolRow]) -> dict[str, QAction]:
    """One action per row, in order; key -> action."""
    actions: dict[str, QAction] = {}
    for key, text, tip, slot in rows:
        action = menu.addAction(text)
        action.setToolTip(tip)
        action.setStatusTip(tip)
        action.triggered.connect(lambda _c=False, f=slot: f())
        actions[key] = action
    return actions
