"""Presenter mode: a window readable from the back of a lecture hall, one toggle away.

``PresenterMode`` owns the actions (View menu and toolbar): *Presenter mode* (F5, checkable,
remembered in ``app.settings``), *Larger text* / *Smaller text* (Ctrl+Alt+= / Ctrl+Alt+-, live
while presenting), *Full screen this view* (F11, or a double-click on a panel's title; Esc
returns) and the pen (``widgets.window.pen_overlay``: Pen Ctrl+Shift+D, Eraser Ctrl+Shift+E, Clear
drawing Ctrl+Shift+X).

Turning presenter mode on
- enlarges the application font and every plot's text by ``Settings.presenter_scale``
  (1.2–2.5, 1.5 by default) through ``palette.set_look``, which the views read when the
  window restyles them (``set_theme``);
- thickens curve pens (×1.6: widths 3–4 px) and enlarges markers ×1.5 in every plot the window
  owns
  (``widgets.window.plot_look``; re-applied every second for curves added while presenting);
- maps magnitudes with cividis instead of viridis (class colours stay Okabe–Ito);
- hides the secondary docks (``SECONDARY``), leaving the canvas, the output / Look inside
  views (right, full height) and the loss curves (moved under the canvas).
Turning it off restores the application font and style sheet, the pens and sizes the views
had set, and the dock layout saved on entry. Nothing here touches the project.
"""

from __future__ import annotations

from typing import Protocol

import pyqtgraph as pg
from PySide6.QtCore import QByteArray, QEvent, QObject, Qt, QTimer, SignalInstance
from PySide6.QtGui import QAction, QFont, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QLabel,
    QMainWindow,
    QMenu,
    QTabBar,
    QToolBar,
    QWidget,
)
from shiboken6 import isValid

from app.settings import PRESENTER_SCALES, Settings
from widgets.plots.palette import NORMAL_LOOK, Look, set_look
from widgets.window.pen_overlay import PenOverlay, tool_icon
from widgets.window.plot_look import apply_look

SECONDARY = ("palette", "training", "dataset", "inspector", "problems", "network",
             "confusion", "lesson")  # the Lesson dock took the canvas's width at 1280×720
LINE_SCALE, MARKER_SCALE = 1.6, 1.5
VIEW_SHARE = 0.45  # of the window's width for the output / Look inside column when presenting
LOSS_SHARE = 0.5  # of its height for the loss curves (under the canvas) when presenting
PANEL_MIN = 320  # presenting, a panel may clip its widest row rather than widen the window
SCALE_STEP = 0.1
# key: (text, shortcut, tooltip, checkable)
ACTIONS = {
    "presenter": ("&Presenter Mode", "F5", "Big text, thick lines, only the main views (F5)",
                  True),
    "text_larger": ("&Larger Text", "Ctrl+Alt+=", "Presenter mode: larger text (Ctrl+Alt+=)",
                    False),
    "text_smaller": ("S&maller Text", "Ctrl+Alt+-", "Presenter mode: smaller text (Ctrl+Alt+-)",
                     False),
    "full_view": ("Full &Screen This View", "F11",
                  "The panel with the keyboard focus (or the canvas) fills the window; Esc "
                  "returns. Double-click a panel's title to do the same.", True),
    "pen": ("&Pen", "Ctrl+Shift+D", "Draw on the canvas and the plots (Ctrl+Shift+D)", True),
    "eraser": ("&Eraser", "Ctrl+Shift+E", "Erase pen strokes you drag across (Ctrl+Shift+E)",
               True),
    "clear_drawing": ("&Clear Drawing", "Ctrl+Shift+X", "Remove every pen stroke (Ctrl+Shift+X)",
                      False),
}
TOOLBAR = ("presenter", "pen", "eraser", "clear_drawing")


class Fittable(Protocol):
    def fit_to_view(self) -> None: ...


class DataSource(Protocol):
    dataset_loaded: SignalInstance  # a project's data arrived (the window re-lays its docks)


class PresenterHost(Protocol):
    """What presenter mode needs from the main window."""

    settings: Settings
    docks: dict[str, QDockWidget]
    menus: dict[str, QMenu]
    toolbar: QToolBar
    params_label: QLabel  # status bar: the least important field, hidden while presenting

    @property
    def canvas(self) -> Fittable: ...

    @property
    def dataset_panel(self) -> DataSource: ...

    def set_theme(self, name: str, apply: bool = True) -> None: ...


class PresenterMode(QObject):
    """Presenter mode, the full-screen view and the pen of one main window."""

    def __init__(self, window: QMainWindow, host: PresenterHost) -> None:
        super().__init__(window)
        self.window_, self.host = window, host
        self.active = False
        self.scale = host.settings.presenter_scale
        self.overlay = PenOverlay(window)
        self.actions = self._create_actions()
        self._saved: tuple[QByteArray, QFont, str] | None = None
        self._full: QByteArray | None = None  # the layout before a view went full screen
        self._toolbar_style = host.toolbar.toolButtonStyle()
        self._min_widths: dict[QDockWidget, int] = {}
        self._elide: dict[QTabBar, Qt.TextElideMode] = {}  # dock tab bars, before presenting
        self._timer = QTimer(self, interval=1000)
        self._timer.timeout.connect(self.refresh_plots)
        self._escape = QShortcut(QKeySequence(Qt.Key.Key_Escape), window)
        self._escape.setContext(Qt.ShortcutContext.WindowShortcut)
        self._escape.activated.connect(self.escape)
        self._escape.setEnabled(False)
        for dock in host.docks.values():
            dock.installEventFilter(self)
        self.overlay.follow_layout(host.docks.values())  # a moved dock clears the strokes
        # another project may bring back docks the window shows per kind of project
        host.dataset_panel.dataset_loaded.connect(lambda *_: QTimer.singleShot(0, self._relayout))

    def _create_actions(self) -> dict[str, QAction]:
        actions: dict[str, QAction] = {}
        for key, (text, shortcut, tip, checkable) in ACTIONS.items():
            action = QAction(text, self.window_)
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            action.setToolTip(tip)
            action.setStatusTip(tip)
            action.setCheckable(checkable)
            actions[key] = action
        actions["presenter"].toggled.connect(self.set_enabled)
        actions["text_larger"].triggered.connect(lambda: self.set_scale(self.scale + SCALE_STEP))
        actions["text_smaller"].triggered.connect(lambda: self.set_scale(self.scale - SCALE_STEP))
        actions["full_view"].toggled.connect(lambda on: self.show_only(None) if on
                                             else self.restore_view())
        actions["pen"].toggled.connect(lambda on: self._pen_mode("pen", on))
        actions["eraser"].toggled.connect(lambda on: self._pen_mode("eraser", on))
        actions["clear_drawing"].triggered.connect(self.overlay.clear)
        for key in ("text_larger", "text_smaller"):
            actions[key].setEnabled(False)
        view = self.host.menus["view"]
        view.addSeparator()
        for key in ACTIONS:
            view.addAction(actions[key])
        for key, short, icon in (("presenter", "Present", "present"), ("pen", "Pen", "pen"),
                                 ("eraser", "Eraser", "eraser"),
                                 ("clear_drawing", "Clear", "clear")):
            actions[key].setIconText(short)
            actions[key].setIcon(tool_icon(icon))
        bar = self.host.toolbar
        bar.addSeparator()
        for key in TOOLBAR:
            bar.addAction(actions[key])
        return actions

    # -- presenter mode ------------------------------------------------------------------------
    @property
    def look(self) -> Look:
        return Look(font_scale=self.scale, line_scale=LINE_SCALE, marker_scale=MARKER_SCALE,
                    magnitude_map="cividis")

    def set_enabled(self, on: bool) -> None:
        """Enter or leave presenter mode (the toolbar button and F5 call this)."""
        if on != self.actions["presenter"].isChecked():
            self.actions["presenter"].setChecked(on)  # comes back here through toggled
            return
        if on == self.active:
            return
        if self._full is not None:
            self.restore_view()
        app = QApplication.instance()
        assert isinstance(app, QApplication)
        if on:
            self._saved = (self.window_.saveState(), QFont(app.font()), app.styleSheet())
            self.active = True
            for key in SECONDARY:
                if key in self.host.docks:
                    self.host.docks[key].hide()
            self._restyle()
            self._fit_screen(True)
            self._timer.start()
        else:
            self.active = False
            self._timer.stop()
            self._restyle()
            self._fit_screen(False)
            self._restore_saved(app)
        for key in ("text_larger", "text_smaller"):
            self.actions[key].setEnabled(on)
        self.host.settings.presenter = on
        self.host.params_label.setVisible(not on)  # big text: room for the run and the Coach
        self.overlay.layout_changed()  # strokes go, the whole window repaints
        QTimer.singleShot(0, self.window_, self.host.canvas.fit_to_view)  # canvas: central

    def set_scale(self, scale: float) -> None:
        """Text enlargement while presenting (kept within 1.2–2.5 and remembered)."""
        lo, hi = PRESENTER_SCALES
        self.scale = round(min(hi, max(lo, scale)), 2)
        self.host.settings.presenter_scale = self.scale
        if self.active:
            self._restyle()

    def _fit_screen(self, on: bool) -> None:
        """Big text must not push the window past a 1280-wide projector: panels may clip their
        widest control row (``PANEL_MIN``), the toolbar shows icons (text where none), and the
        canvas and the views share the width; everything is put back on leaving."""
        bar = self.host.toolbar
        if on:
            self._toolbar_style = bar.toolButtonStyle()
            bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
            for dock in self.host.docks.values():
                inner = dock.widget()
                if inner is not None:
                    self._min_widths[dock] = inner.minimumWidth()
                    inner.setMinimumWidth(min(PANEL_MIN, inner.minimumSizeHint().width()))
            self._split()
            QTimer.singleShot(0, self._split_and_fit)  # again once the window has its size
        else:
            for tabs, mode in self._elide.items():
                if isValid(tabs):  # Qt deletes a dock tab bar once its group is gone
                    tabs.setElideMode(mode)
            self._elide.clear()
            bar.setToolButtonStyle(self._toolbar_style)
            for dock, width in self._min_widths.items():
                inner = dock.widget()
                if inner is not None:
                    inner.setMinimumWidth(width)
            self._min_widths.clear()

    def _split(self) -> None:
        """Presenting: the output / Look inside column takes the window's full height on the
        right (``VIEW_SHARE`` of the width); the loss curves sit under the canvas."""
        docks, win = self.host.docks, self.window_
        if not self.active or self._full is not None or not ("output" in docks
                                                             and "loss" in docks):
            return
        for tabs in win.findChildren(QTabBar, options=Qt.FindChildOption.FindDirectChildrenOnly):
            self._elide.setdefault(tabs, tabs.elideMode())  # whole titles ("Decision
            tabs.setElideMode(Qt.TextElideMode.ElideNone)  # boundary", not "Decision bound..")
            tabs.setUsesScrollButtons(True)
        loss = docks["loss"]
        if win.dockWidgetArea(loss) != Qt.DockWidgetArea.BottomDockWidgetArea:
            loss.setFloating(False)
            win.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, loss,
                              Qt.Orientation.Horizontal)
            loss.show()
        top = next((docks[k] for k in ("output", "inside") if docks[k].isVisible()
                    and not docks[k].visibleRegion().isEmpty()), docks["output"])
        win.resizeDocks([top], [int(VIEW_SHARE * win.width())], Qt.Orientation.Horizontal)
        win.resizeDocks([loss], [int(LOSS_SHARE * win.height())], Qt.Orientation.Vertical)

    def _relayout(self) -> None:
        """Presenting: hide the secondary docks again and give the views their share."""
        if not self.active or self._full is not None:
            return
        for key in SECONDARY:
            if key in self.host.docks:
                self.host.docks[key].hide()
        self._split_and_fit()

    def _split_and_fit(self) -> None:
        self._split()
        self.host.canvas.fit_to_view()

    def _restyle(self) -> None:
        set_look(self.look if self.active else NORMAL_LOOK)
        self.host.set_theme(self.host.settings.theme)
        self.refresh_plots()

    def refresh_plots(self) -> None:
        """(Re)apply the look to the window's plots (new curves appear while training)."""
        views = self.window_.findChildren(pg.GraphicsView)
        apply_look(views, self.look if self.active else NORMAL_LOOK)

    def _restore_saved(self, app: QApplication) -> None:
        if self._saved is None:
            return
        state, font, sheet = self._saved
        self._saved = None
        self.window_.restoreState(state)
        app.setFont(font)
        app.setStyleSheet(sheet)

    def shutdown(self) -> None:
        """The window closes: put the normal layout back so it is the one saved (mode kept)."""
        self._timer.stop()
        if self._full is not None:
            self.restore_view()
        if self._saved is not None:
            self.window_.restoreState(self._saved[0])
            app = QApplication.instance()
            if isinstance(app, QApplication):  # the font is the process's too: put it back
                app.setFont(self._saved[1])
                app.setStyleSheet(self._saved[2])
        set_look(NORMAL_LOOK)  # the look is the process's: no other window inherits it

    # -- one view full screen ------------------------------------------------------------------
    def focused_dock(self) -> QDockWidget | None:
        """The dock holding the keyboard focus, or None (the canvas)."""
        widget: QWidget | None = QApplication.focusWidget()
        while widget is not None:
            if isinstance(widget, QDockWidget) and widget in self.host.docks.values():
                return widget
            widget = widget.parentWidget()
        return None

    def show_only(self, dock: QDockWidget | None) -> None:
        """Let ``dock`` (None: the focused panel, else the canvas) fill the window."""
        dock = dock or self.focused_dock()
        if self._full is None:
            self._full = self.window_.saveState()
        central = self.window_.centralWidget()
        for other in self.host.docks.values():
            if other is not dock:
                other.hide()
        if dock is not None:
            dock.setFloating(False)
            dock.show()
            dock.raise_()
            if central is not None:
                central.hide()
        elif central is not None:
            central.show()
        self._escape.setEnabled(True)
        self._check(self.actions["full_view"], True)
        self.overlay.layout_changed()

    def restore_view(self) -> None:
        """Back to the layout from before ``show_only``."""
        if self._full is not None:
            state, self._full = self._full, None
            central = self.window_.centralWidget()
            if central is not None:
                central.show()
            self.window_.restoreState(state)
        self._escape.setEnabled(self.overlay.mode != "off")
        self._check(self.actions["full_view"], False)
        self.overlay.layout_changed()
        QTimer.singleShot(0, self.window_, self.host.canvas.fit_to_view)  # canvas: central

    @property
    def full_view(self) -> bool:
        return self._full is not None

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        """A double-click on a dock's title bar shows that dock full screen (or returns)."""
        if event.type() == QEvent.Type.MouseButtonDblClick and isinstance(watched, QDockWidget):
            inner = watched.widget()
            title_bottom = inner.geometry().top() if inner is not None else 0
            if event.position().y() < title_bottom:  # type: ignore[attr-defined]
                if self._full is None:
                    self.show_only(watched)
                else:
                    self.restore_view()
                return True  # not Qt's default (float the dock)
        return False

    # -- pen -----------------------------------------------------------------------------------
    def _pen_mode(self, mode: str, on: bool) -> None:
        other = self.actions["eraser" if mode == "pen" else "pen"]
        if on:
            self._check(other, False)
            self.overlay.set_mode(mode)
        elif not other.isChecked():
            self.overlay.set_mode("off")
        self._escape.setEnabled(self._full is not None or self.overlay.mode != "off")

    def escape(self) -> None:
        """Esc: leave the full-screen view first, else put the pen down."""
        if self._full is not None:
            self.restore_view()
        elif self.overlay.mode != "off":
            self._check(self.actions["pen"], False)
            self._check(self.actions["eraser"], False)
            self.overlay.set_mode("off")
            self._escape.setEnabled(False)

    @staticmethod
    def _check(action: QAction, on: bool) -> None:
        blocked = action.blockSignals(True)
        action.setChecked(on)
        action.blockSignals(blocked)
