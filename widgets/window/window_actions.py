"""The main window's actions, menus and toolbar, declared in one table.

Every command is one ``QAction`` (text, standard shortcut, icon, slot) shared by the menu,
the toolbar, the training panel's buttons and the keyboard, so they can never disagree.
Standard shortcuts come from ``QKeySequence.StandardKey``; run control uses single keys a
lecturer can press without looking (Space = Play/Pause).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QActionGroup, QIcon, QKeySequence, QUndoStack
from PySide6.QtWidgets import QMainWindow, QMenu, QStyle, QToolBar

from widgets.window.icons import run_icon

SK = QKeySequence.StandardKey
SP = QStyle.StandardPixmap

# key: (text, shortcut, icon, tooltip)
ACTIONS: dict[str, tuple[str, QKeySequence.StandardKey | str | None,
                         QStyle.StandardPixmap | str | None, str]] = {
    "new": ("&New", SK.New, SP.SP_FileIcon, "Start an empty project"),
    "open": ("&Open…", SK.Open, SP.SP_DialogOpenButton, "Open a project file"),
    "open_example": ("Open &Example…", "Ctrl+E", SP.SP_FileDialogContentsView,
                     "Choose one of the bundled examples"),
    "save": ("&Save", SK.Save, SP.SP_DialogSaveButton, "Save the project"),
    "save_as": ("Save &As…", SK.SaveAs, None, "Save the project under a new name"),
    "export_weights": ("Export &weights (.npz)…", None, None, "Save the trained weights"),
    "export_plot": ("Export &plot as PNG/SVG…", None, None, "Save a plot as an image"),
    "export_numpy": ("Export as &NumPy script…", None, None,
                     "Write the network as a readable NumPy script with its weights and data"),
    "export_torch": ("Export as Py&Torch script…", None, None,
                     "Write the network as a PyTorch module and training script (torchrun-ready)"),
    "import_torch": ("&Import weights from PyTorch or NumPy…", None, None,
                     "Load weights trained by an exported PyTorch or NumPy script"),
    "load_from_project": ("&Load weights from another project…", None, None,
                          "Start from another project's trained layers (same names and shapes)"),
    "quit": ("&Quit", SK.Quit, None, "Close LayerLab"),
    "cut": ("Cu&t", SK.Cut, None, "Cut the selected layers"),
    "copy": ("&Copy", SK.Copy, None, "Copy the selected layers"),
    "paste": ("&Paste", SK.Paste, None, "Paste layers"),
    "delete": ("&Delete", SK.Delete, SP.SP_TrashIcon, "Delete the selected layers and wires"),
    "select_all": ("Select &All", SK.SelectAll, None, "Select every layer"),
    "zoom_in": ("Zoom &In", SK.ZoomIn, None, "Zoom in on the canvas"),
    "zoom_out": ("Zoom &Out", SK.ZoomOut, None, "Zoom out"),
    "reset_zoom": ("&Actual Size", "Ctrl+0", None, "Zoom to 100 %"),
    "fit": ("&Fit Network", "Ctrl+Shift+F", None, "Show the whole network"),
    "auto_layout": ("Auto &Layout", "Ctrl+L", None, "Arrange the layers left to right"),
    "theme_light": ("&Light Theme", None, None, "Light colours"),
    "theme_dark": ("&Dark Theme", None, None, "Dark colours"),
    "reset_layout": ("&Reset Panel Layout", None, None, "Put every panel back in its place"),
    "play": ("Play", "Space", "play", "Start or continue training (Space)"),
    "step_batch": ("Step batch", "N", "step_batch", "Train on one batch, then pause (N)"),
    "step_epoch": ("Step epoch", "Shift+N", "step_epoch", "Train one epoch, then pause (Shift+N)"),
    "stop": ("Stop", "Ctrl+.", "stop", "Stop this run (Ctrl+.)"),
    "reset": ("Reset", "Ctrl+R", "reset", "Fresh random weights; clear the curves (Ctrl+R)"),
}
MENUS = {
    "&File": ["new", "open", "open_example", "@recent", "-", "save", "save_as", "-",
              "export_weights", "export_plot", "export_numpy", "export_torch", "import_torch",
              "load_from_project", "-", "quit"],
    "&Edit": ["undo", "redo", "-", "cut", "copy", "paste", "delete", "-", "select_all"],
    "&View": ["zoom_in", "zoom_out", "reset_zoom", "fit", "auto_layout", "-", "theme_light",
              "theme_dark", "-", "@panels", "reset_layout"],
    "&Train": ["play", "step_batch", "step_epoch", "stop", "-", "reset"],
}
TOOLBAR = ["new", "open", "save", "-", "undo", "redo", "-", "play", "step_batch", "step_epoch",
           "stop", "reset", "-", "fit", "auto_layout"]


def create_actions(win: QMainWindow, slots: dict[str, Callable[[], object]],
                   stack: QUndoStack) -> dict[str, QAction]:
    """One QAction per entry of ACTIONS, triggering ``slots[key]``; plus undo/redo of
    ``stack`` (the document's undo stack)."""
    actions: dict[str, QAction] = {}
    style = win.style()
    for key, (text, shortcut, icon, tip) in ACTIONS.items():
        action = QAction(text, win)
        if isinstance(icon, str):
            action.setIcon(run_icon(icon))
        elif icon is not None:
            action.setIcon(style.standardIcon(icon))
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.setToolTip(tip)
        action.setStatusTip(tip)
        if key in slots:
            action.triggered.connect(lambda _checked=False, f=slots[key]: f())
        actions[key] = action
    # the menu text and the tooltip name the change ("Undo learning rate 0.001 → 0.01"); the
    # toolbar shows a short label beside the icon so the arrows never read as back/forward
    for key, make, keys, icon, theme in (
            ("undo", stack.createUndoAction, [QKeySequence(SK.Undo)], SP.SP_ArrowBack,
             "edit-undo"),
            ("redo", stack.createRedoAction, [QKeySequence("Ctrl+Y"),
                                              QKeySequence("Ctrl+Shift+Z")], SP.SP_ArrowForward,
             "edit-redo")):
        action = make(win, f"&{key.title()}")
        action.setShortcuts(keys)
        action.setIcon(QIcon.fromTheme(theme, style.standardIcon(icon)))
        action.setIconText(key.title())
        actions[key] = action
    group = QActionGroup(win)
    for key in ("theme_light", "theme_dark"):
        actions[key].setCheckable(True)
        group.addAction(actions[key])
    for key in ("play", "step_batch", "step_epoch", "stop", "reset"):
        actions[key].setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        actions[key].setIconText(ACTIONS[key][0])
    return actions


def build_menus(win: QMainWindow, actions: dict[str, QAction]) -> dict[str, QMenu]:
    """The menu bar; ``@recent`` and ``@panels`` become submenus the window fills itself."""
    menus: dict[str, QMenu] = {}
    for title, keys in MENUS.items():
        menu = win.menuBar().addMenu(title)
        menus[title.replace("&", "").lower()] = menu
        for key in keys:
            if key == "-":
                menu.addSeparator()
            elif key == "@recent":
                menus["recent"] = menu.addMenu("Open &Recent")
            elif key == "@panels":
                menus["panels"] = menu.addMenu("&Panels")
            else:
                menu.addAction(actions[key])
    return menus


def build_toolbar(win: QMainWindow, actions: dict[str, QAction]) -> QToolBar:
    bar = QToolBar("Main toolbar", win)
    bar.setObjectName("main_toolbar")
    bar.setMovable(False)
    bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    bar.setIconSize(bar.iconSize() * 1.4)
    for key in TOOLBAR:
        if key == "-":
            bar.addSeparator()
        else:
            bar.addAction(actions[key])
    win.addToolBar(Qt.ToolBarArea.TopToolBarArea, bar)
    return bar
